package cases

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/importance"
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

// TestExplainOptIn checks the opt-in work: none of it by default (the page's cohort
// mode), the cohort's and each case's intervals and interactions when asked, one row
// explained as in the whole file, and bad options refused.
func TestExplainOptIn(t *testing.T) {
	net, _, err := testmodel.ThreeInputs(3)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := casefile.Read(writeCases(t, 9, nil), casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Explain(net, tab, Options{Method: "kernelshap", Background: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c := plain.Cohort; c.ModalityInteractions != nil || c.Uncertainty != nil || c.ModalityImportanceInterval != nil || plain.Background != 5 {
		t.Errorf("default options did extra work: %+v, background %d", c, plain.Background)
	}
	for _, c := range plain.Cases {
		if c.ModalityInteractions != nil || c.Uncertainty != nil {
			t.Errorf("row %d: interactions or intervals without asking", c.Row)
		}
	}

	all, err := Explain(net, tab, Options{Method: "kernelshap", Background: 5, Seed: 1, Resamples: 10, CaseIntervals: true, Interactions: true, CaseInteractions: true})
	if err != nil {
		t.Fatal(err)
	}
	// The point estimates do not move with the opt-in work.
	for i, c := range all.Cases {
		if !reflect.DeepEqual(c.ModalityImportance, plain.Cases[i].ModalityImportance) {
			t.Errorf("row %d: shares %v with intervals, %v without", c.Row, c.ModalityImportance, plain.Cases[i].ModalityImportance)
		}
	}
	if !reflect.DeepEqual(all.Cohort.ModalityImportance, plain.Cohort.ModalityImportance) {
		t.Errorf("cohort shares %v with intervals, %v without", all.Cohort.ModalityImportance, plain.Cohort.ModalityImportance)
	}
	checkIntervals := func(what string, shares map[string]float64, iv map[string]importance.Interval, u *Uncertainty, scheme string) {
		t.Helper()
		if u == nil || u.Resampled != scheme || u.Resamples != 10 || len(iv) != len(shares) || len(u.RankSupport) != len(shares)-1 {
			t.Fatalf("%s: uncertainty %+v, %d intervals for %d shares", what, u, len(iv), len(shares))
		}
		for n, v := range shares {
			if i, ok := iv[n]; !ok || i.Lo() > i.Hi() || i.Lo() < 0 || i.Hi() > 1 {
				t.Errorf("%s: %s share %v, interval %v", what, n, v, i)
			}
		}
	}
	checkIntervals("cohort", all.Cohort.ModalityImportance, all.Cohort.ModalityImportanceInterval, all.Cohort.Uncertainty, "cases")
	for _, c := range all.Cases {
		checkIntervals(fmt.Sprintf("row %d", c.Row), c.ModalityImportance, c.ModalityImportanceInterval, c.Uncertainty, "background and sampling seed")
		if in := c.ModalityInteractions; in == nil || in.Cases != 1 || in.Class != c.Class || len(in.Index) != 10 {
			t.Errorf("row %d: interactions %+v", c.Row, in)
		}
	}
	// Three classes, no Class: the cohort's interactions read the class predicted most often.
	count := map[string]int{}
	for _, c := range all.Cases {
		count[c.Prediction]++
	}
	in := all.Cohort.ModalityInteractions
	if in == nil || in.Cases != 9 || count[in.Class] < count[all.Cases[0].Prediction] || !reflect.DeepEqual(in.Modalities, all.Modalities) || in.Background != 5 {
		t.Fatalf("cohort interactions %+v (predictions %v)", in, count)
	}
	// The cohort's index is the mean of the cases' for the same class (to float32 rounding).
	same, err := Explain(net, tab, Options{Method: "kernelshap", Background: 5, Seed: 1, Class: in.Class, Interactions: true, CaseInteractions: true})
	if err != nil {
		t.Fatal(err)
	}
	for p, v := range same.Cohort.ModalityInteractions.Index {
		var mean float64
		for _, c := range same.Cases {
			mean += c.ModalityInteractions.Index[p] / 9
		}
		if math.Abs(v-mean) > 1e-6 {
			t.Errorf("pair %s: cohort %v, mean of the cases %v", p, v, mean)
		}
	}

	// One row: as in the whole file (to float32 rounding: a batch of one), against the
	// same background sample.
	one, err := Explain(net, tab, Options{Method: "kernelshap", Background: 5, Seed: 1, Rows: []int{4}})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Cases) != 1 || one.Cases[0].Row != 5 || one.Background != 5 {
		t.Fatalf("row 5: %+v, background %d", one.Cases, one.Background)
	}
	for n, v := range one.Cases[0].ModalityImportance {
		if w := plain.Cases[4].ModalityImportance[n]; math.Abs(v-w) > 1e-5 {
			t.Errorf("row 5 %s: %v alone, %v in the whole file", n, v, w)
		}
	}

	for _, o := range []Options{{Resamples: 1}, {Resamples: -2}, {Rows: []int{9}}, {Rows: []int{-1}}} {
		if _, err := Explain(net, tab, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestExplainReadyBeforeInteractions checks that Ready gets the cohort's importance and
// every case before the interactions are computed (no matrix yet, no progress of the
// matrix step yet), that the result returned then carries the matrix and the same
// shares, that the matrix step reports its progress case by case, and that an error from
// Ready stops the work.
func TestExplainReadyBeforeInteractions(t *testing.T) {
	net, _, err := testmodel.ThreeInputs(3)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := casefile.Read(writeCases(t, 7, nil), casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	const matrix = "modality interactions of the cohort"
	var early *Result
	var earlyShares map[string]float64
	var matrixDone []int
	o := Options{Seed: 1, Background: 5, Interactions: true,
		Progress: func(what string, done, total int) error {
			if what == matrix {
				if total != 7 {
					t.Errorf("the matrix step reports %d of %d cases, want of 7", done, total)
				}
				matrixDone = append(matrixDone, done)
			}
			return nil
		},
		Ready: func(r *Result) error {
			if len(matrixDone) != 0 {
				t.Errorf("Ready came after %d progress reports of the matrix", len(matrixDone))
			}
			if r.Cohort.ModalityInteractions != nil {
				t.Error("Ready got a result with the matrix already")
			}
			if r.Cohort.N != 7 || len(r.Cases) != 7 || len(r.Cohort.ModalityImportance) != len(r.Modalities) {
				t.Errorf("Ready got %d cases of n %d, %d shares", len(r.Cases), r.Cohort.N, len(r.Cohort.ModalityImportance))
			}
			early, earlyShares = r, maps.Clone(r.Cohort.ModalityImportance)
			return nil
		}}
	res, err := Explain(net, tab, o)
	if err != nil {
		t.Fatal(err)
	}
	if early == nil || res != early {
		t.Fatal("Ready was not called with the result Explain returns")
	}
	if res.Cohort.ModalityInteractions == nil || res.Cohort.ModalityInteractions.Cases != 7 {
		t.Fatalf("the finished result's matrix: %+v", res.Cohort.ModalityInteractions)
	}
	if !reflect.DeepEqual(res.Cohort.ModalityImportance, earlyShares) {
		t.Errorf("shares %v at the end, %v when ready", res.Cohort.ModalityImportance, earlyShares)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7}; !reflect.DeepEqual(matrixDone, want) {
		t.Errorf("the matrix step reported %v, want %v", matrixDone, want)
	}
	o.Progress, o.Ready = nil, nil
	plain, err := Explain(net, tab, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plain.Cohort.ModalityInteractions, res.Cohort.ModalityInteractions) {
		t.Errorf("the matrix with Ready %+v, without %+v", res.Cohort.ModalityInteractions, plain.Cohort.ModalityInteractions)
	}

	stop := errors.New("the page went away")
	o.Ready = func(*Result) error { return stop }
	if _, err := Explain(net, tab, o); !errors.Is(err, stop) {
		t.Errorf("Ready's error: Explain returned %v", err)
	}
}

// TestExplainInteractionBackground checks that the cohort's interactions use at most
// InteractionBackground of the background cases, say so, and carry the standard error of
// that sample for every pair; with the whole CSV as the background there is none.
func TestExplainInteractionBackground(t *testing.T) {
	net, _, err := testmodel.ThreeInputs(3)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := casefile.Read(writeCases(t, 12, nil), casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Explain(net, tab, Options{Seed: 1, Background: 8, InteractionBackground: 4, Interactions: true})
	if err != nil {
		t.Fatal(err)
	}
	in := r.Cohort.ModalityInteractions
	if in.Background != 4 || len(in.BackgroundSE) != len(in.Index) || !strings.Contains(in.Value, "background_se") {
		t.Fatalf("interactions over %d background cases, SE %v, value %q", in.Background, in.BackgroundSE, in.Value)
	}
	positive := false
	for p, se := range in.BackgroundSE {
		if se < 0 || math.IsNaN(se) {
			t.Errorf("pair %s: background SE %v", p, se)
		}
		positive = positive || se > 0
	}
	if !positive {
		t.Errorf("4 background cases of 12 have no error at all: %v", in.BackgroundSE)
	}
	all, err := Explain(net, tab, Options{Seed: 1, Background: 12, Interactions: true})
	if err != nil {
		t.Fatal(err)
	}
	for p, se := range all.Cohort.ModalityInteractions.BackgroundSE {
		if se != 0 {
			t.Errorf("every case as the background: pair %s SE %v, want 0", p, se)
		}
	}
}

// TestExplainGradientBatched checks that the paper's gradient of every case at once (one
// Head call per class) gives each case the shares the per-case path gives (the one that
// runs with case intervals), for each case's predicted class (the model of seed 5
// predicts two classes over these cases: two batches) and for one class chosen.
func TestExplainGradientBatched(t *testing.T) {
	net, _, err := testmodel.ThreeInputs(5)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := casefile.Read(writeCases(t, 10, nil), casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, class := range []string{"", "severe"} {
		batched, err := Explain(net, tab, Options{Seed: 1, Class: class})
		if err != nil {
			t.Fatal(err)
		}
		one, err := Explain(net, tab, Options{Seed: 1, Class: class, Resamples: 2, CaseIntervals: true})
		if err != nil {
			t.Fatal(err)
		}
		classes := map[string]bool{}
		for i, c := range batched.Cases {
			classes[c.Class] = true
			if c.Class != one.Cases[i].Class || len(c.ModalityImportance) != len(batched.Modalities) {
				t.Fatalf("class %q row %d: explained %q with %d shares, per case %q", class, c.Row, c.Class, len(c.ModalityImportance), one.Cases[i].Class)
			}
			for md, v := range c.ModalityImportance {
				if w := one.Cases[i].ModalityImportance[md]; math.Abs(v-w) > 1e-5 {
					t.Errorf("class %q row %d %s: %v batched, %v per case", class, c.Row, md, v, w)
				}
			}
		}
		if class == "" && len(classes) < 2 {
			t.Errorf("every case explained for %v: the test wants two batches", classes)
		}
	}
}
