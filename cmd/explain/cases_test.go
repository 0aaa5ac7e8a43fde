package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
)

// casesFixture writes a CSV of n cases (images ct 32x32 grey and photo 16x16 RGB; age and
// crp in group vitals, sex (categorical) in group demo; classes a, b, c) and an untrained
// model of that schema with separate encoders. It returns the CSV's and the model's paths.
func casesFixture(t *testing.T, n int) (csvPath, modelPath string) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("label,ct,photo,age,crp,sex\n")
	for i := range n {
		ct := image.NewGray(image.Rect(0, 0, 32, 32))
		for j := range ct.Pix {
			ct.Pix[j] = uint8(rng.IntN(256))
		}
		photo := image.NewRGBA(image.Rect(0, 0, 16, 16))
		for j := range photo.Pix {
			photo.Pix[j] = uint8(rng.IntN(256)) | uint8(255*btoi(j%4 == 3))
		}
		writePNGFile(t, filepath.Join(dir, fmt.Sprintf("ct%d.png", i)), ct)
		writePNGFile(t, filepath.Join(dir, fmt.Sprintf("photo%d.png", i)), photo)
		fmt.Fprintf(&b, "%s,ct%d.png,photo%d.png,%d,%.1f,%s\n", []string{"a", "b", "c"}[i%3], i, i, 30+rng.IntN(40), 10*rng.Float64(), []string{"F", "M"}[rng.IntN(2)])
	}
	csvPath = filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := casefile.Read(csvPath, casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := casefile.ParseGroups("vitals=age,crp;demo=sex")
	s, err := casefile.Infer(tab, casefile.InferOptions{Images: []string{"ct", "photo"}, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := fusion.NewConfig(s, "separate", fusion.PaperConv, fusion.PaperDense, []int{100, 50, 10, 3})
	if err != nil {
		t.Fatal(err)
	}
	net, err := fusion.NewNet(cfg, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	modelPath = filepath.Join(dir, "model.flns")
	if err := fusion.Save(modelPath, net, modelfile.Meta{Seed: 3, DataSource: "test"}, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	return csvPath, modelPath
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func writePNGFile(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func cohortJSON(t *testing.T, args ...string) CohortResult {
	t.Helper()
	var r CohortResult
	out := runOK(t, append(args, "-json")...)
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

// sumsToOne checks a share map: every modality, shares in [0, 1] summing to 1.
func sumsToOne(t *testing.T, what string, m map[string]float64) {
	t.Helper()
	var names []string
	var sum float64
	for k, v := range m {
		names = append(names, k)
		sum += v
		if !(v >= 0 && v <= 1) {
			t.Errorf("%s: %s has share %v", what, k, v)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"ct", "demo", "photo", "vitals"}) || math.Abs(sum-1) > 1e-9 {
		t.Errorf("%s: modalities %q sum to %v", what, names, sum)
	}
}

func TestExplainCases(t *testing.T) {
	csv, model := casesFixture(t, 12)
	r := cohortJSON(t, "-model", model, "-cases", csv)
	if r.Cohort.N != 12 || len(r.PerCase) != 12 || r.Method.Name != "gradient" || r.Class != "" {
		t.Fatalf("n %d, %d cases, method %q, class %q", r.Cohort.N, len(r.PerCase), r.Method.Name, r.Class)
	}
	sumsToOne(t, "cohort", r.Cohort.ModalityImportance)
	for i, c := range r.PerCase {
		if c.Row != i+1 || c.Line != i+2 || c.Label == nil || *c.Label != []string{"a", "b", "c"}[i%3] {
			t.Errorf("case %d: row %d line %d label %v", i, c.Row, c.Line, c.Label)
		}
		var psum float64
		best := ""
		for k, p := range c.Probabilities {
			psum += p
			if best == "" || p > c.Probabilities[best] {
				best = k
			}
		}
		if math.Abs(psum-1) > 1e-5 || c.Prediction != best || c.Class != c.Prediction {
			t.Errorf("case %d: probabilities %v (sum %v), prediction %q, explained %q", i, c.Probabilities, psum, c.Prediction, c.Class)
		}
		sumsToOne(t, fmt.Sprintf("case %d", i), c.ModalityImportance)
	}

	// One row gives that row's explanation (to float32 rounding: a batch of one sums in
	// another order), and the cohort of one case is that case.
	one := cohortJSON(t, "-model", model, "-cases", csv, "-row", "5")
	if len(one.PerCase) != 1 || one.PerCase[0].Row != 5 || one.PerCase[0].Prediction != r.PerCase[4].Prediction {
		t.Fatalf("-row 5: %+v, want %+v", one.PerCase, r.PerCase[4])
	}
	for k, v := range one.PerCase[0].ModalityImportance {
		if math.Abs(v-r.PerCase[4].ModalityImportance[k]) > 1e-5 || math.Abs(v-one.Cohort.ModalityImportance[k]) > 1e-12 {
			t.Errorf("-row 5 %s: %v, in the whole file %v, cohort %v", k, v, r.PerCase[4].ModalityImportance[k], one.Cohort.ModalityImportance[k])
		}
	}

	// A chosen class, and a method with a background (the CSV's cases).
	kb := cohortJSON(t, "-model", model, "-cases", csv, "-class", "b", "-method", "kernelshap", "-background", "8")
	if kb.Class != "b" || kb.Method.Background != 8 {
		t.Errorf("class %q, background %d", kb.Class, kb.Method.Background)
	}
	for _, c := range kb.PerCase {
		if c.Class != "b" {
			t.Errorf("row %d explained for %q, want b", c.Row, c.Class)
		}
	}
	sumsToOne(t, "kernelshap cohort", kb.Cohort.ModalityImportance)

	// A method that scores only a cohort.
	perm := cohortJSON(t, "-model", model, "-cases", csv, "-method", "permutation")
	if perm.Cohort.Class == "" || perm.PerCase[0].ModalityImportance != nil {
		t.Errorf("permutation: cohort class %q, case importance %v", perm.Cohort.Class, perm.PerCase[0].ModalityImportance)
	}
	sumsToOne(t, "permutation cohort", perm.Cohort.ModalityImportance)

	// The table for people.
	table := runOK(t, "-model", model, "-cases", csv)
	for _, want := range []string{"cohort modality importance", "ct", "vitals", "each case's predicted class", "   12  c"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestExplainCasesErrors(t *testing.T) {
	csv, model := casesFixture(t, 6)
	dir := filepath.Dir(csv)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("label,ct,photo,age,crp,sex\nz,ct0.png,photo0.png,40,3,F\n"), 0o644)
	small := filepath.Join(dir, "small.csv")
	os.WriteFile(small, []byte("label,ct,photo,age,crp,sex\na,photo0.png,photo0.png,40,3,F\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-cases", bad}, `row 1 (line 2), column "label": "z" is not a class of the model (a, b, c)`},
		{[]string{"-cases", small}, `row 1 (line 2), column "ct": image "photo0.png" is colour (3 channel(s)), the model's input "ct" is grey (1)`},
		{[]string{"-cases", csv, "-row", "7"}, "-row 7: " + csv + " has 6 rows"},
		{[]string{"-cases", csv, "-class", "d"}, `-class "d": the model's classes are a, b, c`},
		{[]string{"-cases", csv, "-method", "reference_gradient"}, "cannot explain a CSV"},
		{[]string{"-cases", csv, "-axial", "x.png"}, "-axial explains one case"},
		{[]string{"-row", "2"}, "-row needs -cases"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"-model", model}, c.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
	// A 64x64 image for the 32x32 input: an error, unless -resize.
	writePNGFile(t, filepath.Join(dir, "big.png"), image.NewGray(image.Rect(0, 0, 64, 64)))
	os.WriteFile(small, []byte("label,ct,photo,age,crp,sex\na,big.png,photo1.png,40,3,F\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", model, "-cases", small}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `"big.png" is 64x64, the model's input "ct" reads 32x32`) {
		t.Errorf("a 64x64 image without -resize: exit %d, %s", code, stderr.String())
	}
	r := cohortJSON(t, "-model", model, "-cases", small, "-resize")
	if len(r.PerCase) != 1 || *r.PerCase[0].Label != "a" {
		t.Errorf("-resize: %+v", r.PerCase)
	}
}
