package site

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
)

func TestInteractionMatrixRows(t *testing.T) {
	mods := paperMods()
	scale := interactionMatrixScale(testIndex, []float64{1, 0.5, -0.8, 0.1})
	if scale != 1 {
		t.Fatalf("scale %v, want the largest |Shapley value| 1", scale)
	}
	rows, err := interactionMatrixRows(mods, testIndex, scale)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].Short != "CT axi" || rows[3].Short != "Clin B" || rows[1].Label != "CT coronal" {
		t.Fatalf("rows %+v", rows)
	}
	for i, r := range rows {
		for j, c := range r.Cells {
			if c.Pair != rows[j].Cells[i].Pair || c.Value != testIndex[i][j] {
				t.Errorf("cell %d,%d: pair %q value %v; transposed %q", i, j, c.Pair, c.Value, rows[j].Cells[i].Pair)
			}
			if c.Diagonal != (i == j) {
				t.Errorf("cell %d,%d diagonal %v", i, j, c.Diagonal)
			}
		}
	}
	for _, tc := range []struct {
		i, j         int
		text, class  string
		labelContain string
	}{
		{0, 2, "+0.400", "ia ia-pos-3", "CT axial and Clinical A: +0.400, reinforce each other"},
		{3, 1, "−0.200", "ia ia-neg-2", "stand in for each other"},
		{0, 1, "+0.010", "ia ia-0", "act about independently"},
		{2, 3, "+0.001", "ia ia-0", ""},
		{1, 1, "—", "ia ia-diag", "no interaction"},
	} {
		c := rows[tc.i].Cells[tc.j]
		if c.Text != tc.text || c.Class != tc.class || !strings.Contains(c.Label, tc.labelContain) {
			t.Errorf("cell %d,%d: %q %q %q", tc.i, tc.j, c.Text, c.Class, c.Label)
		}
	}
	if _, err := interactionMatrixRows(mods, testIndex[:3], 1); err == nil {
		t.Error("three rows for four modalities accepted")
	}
	bad := [][]float64{{0, math.NaN(), 0, 0}, {math.NaN(), 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}
	if _, err := interactionMatrixRows(mods, bad, 1); err == nil || !strings.Contains(err.Error(), "CT axial and CT coronal") {
		t.Errorf("NaN cell: %v", err)
	}
}

func TestInteractionMatrixScaleLevelsText(t *testing.T) {
	if s := interactionMatrixScale(testIndex, nil); s != 0.4 {
		t.Errorf("scale without Shapley values %v, want the largest |index| 0.4", s)
	}
	for _, tc := range []struct {
		v, scale float64
		level    int
	}{{0, 1, 0}, {0.019, 1, 0}, {0.05, 1, 1}, {-0.2, 1, 2}, {0.3, 1, 3}, {-2, 1, 4}, {1, 0, 0}} {
		if l := interactionMatrixLevel(tc.v, tc.scale); l != tc.level {
			t.Errorf("level(%v, %v) = %d, want %d", tc.v, tc.scale, l, tc.level)
		}
	}
	for v, want := range map[float64]string{0: "0.000", -0.0001: "0.000", 0.1234: "+0.123", -12.34: "−12.3"} {
		if got := interactionMatrixText(v); got != want {
			t.Errorf("text(%v) = %q, want %q", v, got, want)
		}
	}
	st, i, j := interactionMatrixStrength(testIndex, []float64{1, 0.5, -0.8, 0.1})
	if math.Abs(st-0.6105/2.4) > 1e-12 || i != 0 || j != 2 {
		t.Errorf("strength %v, strongest %d|%d", st, i, j)
	}
	if st, i, _ := interactionMatrixStrength([][]float64{{0, 0}, {0, 0}}, nil); !math.IsNaN(st) || i != -1 {
		t.Errorf("no interaction: strength %v, strongest %d", st, i)
	}
	if interactionMatrixShort("Vitals") != "Vitals" || interactionMatrixShort("Laboratory") != "Labora" {
		t.Error("one-word labels shortened wrongly")
	}
}

func TestWithIntervals(t *testing.T) {
	x := &engine.Explanation{Modalities: []float64{0.5, 0.3, 0.15, 0.05}}
	bars, err := modalityBars(x)
	if err != nil {
		t.Fatal(err)
	}
	u := &engine.Uncertainty{Level: 0.95, Modalities: []engine.Interval{{0.4, 0.6}, {0.2, 0.35}, {0.1, 0.2}, {0.05, 0.05}},
		RankSupported: []bool{true, true, false, true}}
	got := withIntervals(append([]modalityBar(nil), bars...), u)
	for i, b := range got {
		iv := u.Modalities[i]
		if b.Whisker != (iv[1] > iv[0]) || b.Unsupported == u.RankSupported[i] {
			t.Errorf("bar %d: whisker %v unsupported %v", i, b.Whisker, b.Unsupported)
		}
		if b.Whisker && (b.LoX != modalityLabelW+iv[0]*modalityBarMaxW || b.HiX != modalityLabelW+iv[1]*modalityBarMaxW || b.TextX < b.HiX) {
			t.Errorf("bar %d: whisker %v..%v, text at %v", i, b.LoX, b.HiX, b.TextX)
		}
	}
	if got[0].Interval != "95 % interval 40.0–60.0 %" || math.Abs(got[0].TextX-(modalityLabelW+0.6*modalityBarMaxW+6)) > 1e-9 {
		t.Errorf("bar 0: %q, text at %v", got[0].Interval, got[0].TextX)
	}
	u.Exact = true
	for _, b := range withIntervals(append([]modalityBar(nil), bars...), u) {
		if b.Whisker || b.Interval != "no sampling spread" {
			t.Errorf("exact: %+v", b)
		}
	}
	if b := withIntervals(append([]modalityBar(nil), bars...), nil); b[0].Interval != "" || b[0].Whisker {
		t.Error("no intervals drew some")
	}
	if b := withIntervals(append([]modalityBar(nil), bars...), &engine.Uncertainty{Modalities: u.Modalities[:2]}); b[0].Whisker {
		t.Error("intervals of the wrong length were drawn")
	}
}

func TestDefaultNote(t *testing.T) {
	s, eng := testState(t)
	eng.methods = []engine.Method{
		{ID: "occlusion", Label: "Occlusion", Fast: true},
		{ID: "gradient", Label: "Gradient", Fast: true},
		{ID: "shapley", Label: "Shapley values"},
		{ID: "permutation", Label: "Permutation", Global: true},
	}
	s.SetEngine(eng, "test", "loaded")
	if s.DefaultNote() != "" {
		t.Error("a default line before the validation results")
	}
	report := func(occ float64) string {
		return `{"methods":[{"id":"gradient","label":"G","rmse":0.125},{"id":"occlusion","label":"O","rmse":` + ftoa(occ, 4) + `},
		  {"id":"shapley","label":"S","rmse":0.036},{"id":"permutation","label":"P","rmse":0.027}],
		  "scenarios":[{"name":"F0","truth":[0.25,0.25,0.25,0.25],"estimates":{}},{"name":"F1","truth":[1,0,0,0],"estimates":{}}]}`
	}
	if err := s.SetValidation([]byte(report(0.044))); err != nil {
		t.Fatal(err)
	}
	want := "Default: Occlusion — closest to the ground truth of the methods fast enough for every keystroke (mean RMSE 0.044 on the 2 validation scenarios; slower: Shapley values 0.036)."
	if got := s.DefaultNote(); got != want {
		t.Errorf("default line\n %q\nwant\n %q", got, want)
	}
	if err := s.SetValidation([]byte(report(0.2))); err != nil {
		t.Fatal(err)
	}
	if got := s.DefaultNote(); !strings.Contains(got, "the fast method Gradient came closer there (0.125)") {
		t.Errorf("a default that the results do not support: %q", got)
	}
	s.General = true
	if s.DefaultNote() != "" {
		t.Error("a default line in a layout the validation does not cover")
	}
}

// TestCohortMatrixRows checks a cohort's matrix laid out in the page's modality order
// (not the matrix's): signs and shades against the largest |index|, the diagonal, the
// cells' sentences, and the refusals of a matrix that does not fit the layout.
func TestCohortMatrixRows(t *testing.T) {
	mods := []ModInfo{{ID: "a", Label: "A"}, {ID: "b", Label: "B"}, {ID: "c", Label: "C"}}
	m := &InteractionMatrix{Modalities: []string{"c", "a", "b"}, Matrix: [][]float64{
		{9, -0.2, 0.0001},
		{-0.2, 9, 0.4},
		{0.0001, 0.4, 9},
	}}
	rows, err := cohortMatrixRows(m, mods)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].ID != "a" || rows[2].ID != "c" {
		t.Fatalf("rows %+v", rows)
	}
	ab, ac, ca, bb := rows[0].Cells[1], rows[0].Cells[2], rows[2].Cells[0], rows[1].Cells[1]
	if ab.Text != "+0.400" || ab.Class != "ia ia-pos-4" || ab.Col != "b" || ab.Pair != "a|b" || cohortMatrixValue(ab) != "0.4" || !strings.Contains(ab.Label, "A and B: +0.400, reinforce") {
		t.Errorf("a|b cell %+v", ab)
	}
	if ac.Text != "−0.200" || ac.Class != "ia ia-neg-4" || !strings.Contains(ac.Label, "stand in") {
		t.Errorf("a|c cell %+v", ac)
	}
	if ca.Value != ac.Value || ca.Class != ac.Class || ca.Pair != "a|c" || ca.Label != "C and A: −0.200, stand in for each other" {
		t.Errorf("c|a %+v does not mirror a|c %+v", ca, ac)
	}
	if !bb.Diagonal || bb.Class != "ia ia-diag" || cohortMatrixValue(bb) != "" {
		t.Errorf("diagonal cell %+v (the matrix's diagonal must not count)", bb)
	}
	if bc := rows[1].Cells[2]; bc.Class != "ia ia-0" || !strings.Contains(bc.Label, "independently") {
		t.Errorf("b|c (near zero) cell %+v", bc)
	}
	for _, bad := range []*InteractionMatrix{
		nil,
		{Modalities: []string{"a", "b"}, Matrix: [][]float64{{0, 1}, {1, 0}}},
		{Modalities: []string{"a", "b", "c"}, Matrix: [][]float64{{0, 1}, {1, 0}}},
		{Modalities: []string{"a", "b", "c"}, Matrix: [][]float64{{0, 1, 2}, {1, 0}, {2, 0, 0}}},
	} {
		if _, err := cohortMatrixRows(bad, mods); err == nil {
			t.Errorf("matrix %+v accepted", bad)
		}
	}
}

// TestCohortPages checks the paged per-case table and the JSON download of a cohort
// with its interaction matrix: the worker's JSON as sent, interactions included.
func TestCohortPages(t *testing.T) {
	s := cohortState()
	var js strings.Builder
	js.WriteString(`{"method":"gradient","modalities":["a","b"],"cohort":{"n":60,"modality_importance":{"a":0.5,"b":0.5},
 "modality_interactions":{"value":"v","class":"y","modalities":["a","b"],"matrix":[[0,0.1],[0.1,0]],"exact":true,"cases":60,"background_cases":20}},"cases":[`)
	for i := range 60 {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString(`{"row":` + strconv.Itoa(i+1) + `,"line":2,"label":null,"prediction":"y","probabilities":{"y":1},"explained_class":"y","modality_importance":{"a":0.5,"b":0.5}}`)
	}
	js.WriteString("]}")
	if err := s.SetCohortJSON([]byte(js.String())); err != nil {
		t.Fatal(err)
	}
	if s.cohortPages() != 3 {
		t.Fatalf("%d pages for 60 cases", s.cohortPages())
	}
	c := &CohortPanel{S: s}
	if r := s.cohortPageRows(); len(r) != cohortPageSize || r[0].Row != 1 || !c.firstPage() {
		t.Fatalf("first page %d rows from %d", len(r), r[0].Row)
	}
	c.OnNext(nil)
	c.OnNext(nil)
	c.OnNext(nil)
	if r := s.cohortPageRows(); len(r) != 10 || r[0].Row != 51 || !c.lastPage() || !strings.HasPrefix(c.more(), "Cases 51–60 of 60") {
		t.Fatalf("last page %d rows from %d, %q", len(r), r[0].Row, c.more())
	}
	c.OnPrev(nil)
	if r := s.cohortPageRows(); r[0].Row != 26 {
		t.Fatalf("page after Previous starts at row %d", r[0].Row)
	}
	if m := s.cohortInteractions(); len(m) != 2 || m[0].Cells[1].Text != "+0.100" {
		t.Fatalf("matrix %+v", m)
	}
	if note := c.matrixNote(); !strings.Contains(note, "log-odds of y") || !strings.Contains(note, "60 cases") || !strings.Contains(note, "20 cases of the CSV") {
		t.Errorf("matrix note %q", note)
	}
	dl, err := s.CohortJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dl), `"modality_interactions"`) || !strings.Contains(string(dl), `"background_cases": 20`) {
		t.Errorf("the download lost the interactions: %.400s", dl)
	}
	// A matrix that does not fit the layout is refused with the result.
	bad := strings.Replace(js.String(), `"modalities":["a","b"],"matrix"`, `"modalities":["a","z"],"matrix"`, 1)
	if err := cohortState().SetCohortJSON([]byte(bad)); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("a matrix without modality b: error %v", err)
	}
}

// TestClassGeneric checks that texts written for class 1 name the class the page
// explains, from the model's class names, or say the predicted class.
func TestClassGeneric(t *testing.T) {
	s := &State{Classes: []string{"none", "mild", "severe"}, Class: 2}
	if got := s.classGeneric("Mean absolute derivative of p(class 1); the log-odds of class 1."); got != "Mean absolute derivative of p(severe); the log-odds of severe." {
		t.Errorf("chosen class: %q", got)
	}
	s.Class = -1
	if got := s.classGeneric("p(class 1)"); got != "p(the predicted class)" {
		t.Errorf("predicted class: %q", got)
	}
}
