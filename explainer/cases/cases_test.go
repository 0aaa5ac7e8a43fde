package cases

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
)

// writeCases writes n cases of testmodel.ThreeInputSchema into a new folder and returns
// the CSV's path.
func writeCases(t *testing.T, n int, edit func(i int, row []string)) string {
	t.Helper()
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("label,mri,photo,xray,age,smoker,crp\n")
	for i := range n {
		row := []string{[]string{"none", "mild", "severe"}[i%3]}
		for _, in := range testmodel.ThreeInputSchema().Images {
			r := image.Rect(0, 0, in.Size, in.Size)
			var img image.Image
			if in.Channels == 1 {
				g := image.NewGray(r)
				for j := range g.Pix {
					g.Pix[j] = uint8((j*7 + i*31) % 256)
				}
				img = g
			} else {
				c := image.NewRGBA(r)
				for j := 0; j < len(c.Pix); j += 4 {
					c.Pix[j], c.Pix[j+1], c.Pix[j+2], c.Pix[j+3] = uint8(j+i*13), uint8(j/5), uint8(i*40), 255
				}
				img = c
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("%s_%d.png", in.Name, i)
			if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			row = append(row, name)
		}
		row = append(row, fmt.Sprint(30+i), []string{"never", "former", "current"}[i%3], fmt.Sprintf("%.1f", 1.5*float64(i)))
		if edit != nil {
			edit(i, row)
		}
		csv.WriteString(strings.Join(row, ",") + "\n")
	}
	p := filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(p, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExplain checks the result's structure (every row, shares summing to 1, the cohort
// the normalised sum of the cases' attributions), that uploads give the same numbers as
// the disk, and that methods with a background and cohort-only methods run.
func TestExplain(t *testing.T) {
	net, _, err := testmodel.ThreeInputs(3)
	if err != nil {
		t.Fatal(err)
	}
	path := writeCases(t, 7, nil)
	tab, err := casefile.Read(path, casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	res, err := Explain(net, tab, Options{Progress: func(what string, done, total int) error { calls++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cohort.N != 7 || len(res.Cases) != 7 || calls < 14 || res.Method != "gradient" {
		t.Fatalf("n %d cases %d progress calls %d method %q", res.Cohort.N, len(res.Cases), calls, res.Method)
	}
	want := []string{"mri", "photo", "xray", "vitals", "labs"}
	if !reflect.DeepEqual(res.Modalities, want) {
		t.Fatalf("modalities %v, want %v", res.Modalities, want)
	}
	sumOf := func(m map[string]float64) float64 {
		s := 0.0
		for _, v := range m {
			s += v
		}
		return s
	}
	if s := sumOf(res.Cohort.ModalityImportance); math.Abs(s-1) > 1e-9 {
		t.Errorf("cohort shares sum to %v", s)
	}
	for i, c := range res.Cases {
		if c.Row != i+1 || c.Line != i+2 || c.Label == nil || *c.Label != []string{"none", "mild", "severe"}[i%3] {
			t.Errorf("case %d: row %d line %d label %v", i, c.Row, c.Line, c.Label)
		}
		if s := sumOf(c.ModalityImportance); math.Abs(s-1) > 1e-9 {
			t.Errorf("case %d shares sum to %v", i, s)
		}
		if p := sumOf(c.Probabilities); math.Abs(p-1) > 1e-5 || c.Class != c.Prediction {
			t.Errorf("case %d: probabilities sum to %v, explained %q predicted %q", i, p, c.Class, c.Prediction)
		}
	}

	// The same cases from uploads named by base name.
	csv, _ := os.ReadFile(path)
	up, err := casefile.Parse(csv, "", casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var u casefile.Uploads
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(filepath.Dir(path), e.Name()))
		u.Add("folder/"+e.Name(), data)
	}
	up.Files = &u
	res2, err := Explain(net, up, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, res2) {
		t.Error("uploads give other numbers than the disk")
	}

	for _, m := range []string{"occlusion", "permutation"} {
		r, err := Explain(net, tab, Options{Method: m, Class: "mild", Background: 5, Seed: 2})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if s := sumOf(r.Cohort.ModalityImportance); math.Abs(s-1) > 1e-9 || r.Class != "mild" {
			t.Errorf("%s: cohort shares sum to %v, class %q", m, s, r.Class)
		}
		if (m == "permutation") != (r.Cases[0].ModalityImportance == nil) {
			t.Errorf("%s: per-case importance %v", m, r.Cases[0].ModalityImportance)
		}
	}
}

// TestExplainErrors checks errors naming the row and column, a stop, and bad options.
func TestExplainErrors(t *testing.T) {
	net, _, err := testmodel.ThreeInputs(3)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := casefile.Read(writeCases(t, 4, func(i int, row []string) {
		if i == 2 {
			row[6] = "high"
		}
	}), casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Explain(net, tab, Options{})
	var ce *casefile.Error
	if !errors.As(err, &ce) || ce.Row != 3 || ce.Column != "crp" {
		t.Fatalf("error %v, want one about row 3 column crp", err)
	}
	good, err := casefile.Read(writeCases(t, 3, nil), casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("not wanted")
	if _, err := Explain(net, good, Options{Progress: func(string, int, int) error { return stop }}); !errors.Is(err, stop) {
		t.Errorf("stopped: error %v", err)
	}
	for _, o := range []Options{{Method: "nope"}, {Class: "huge"}, {Method: "reference_gradient"}} {
		if _, err := Explain(net, good, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
