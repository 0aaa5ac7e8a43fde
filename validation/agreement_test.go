package validation

import (
	"math"
	"testing"
)

func TestCompare(t *testing.T) {
	truth := []float64{0.4, 0.3, 0.2, 0.1}
	a, err := Compare(truth, truth)
	if err != nil {
		t.Fatal(err)
	}
	if a.RMSE != 0 || math.Abs(a.RBO-1) > 1e-12 || math.Abs(a.RBOIndexTies-1) > 1e-12 || a.Spearman == nil || *a.Spearman != 1 {
		t.Errorf("perfect estimate: %+v", a)
	}
	rev := []float64{0.1, 0.2, 0.3, 0.4}
	a, _ = Compare(rev, truth)
	if want := math.Sqrt((0.09 + 0.01 + 0.01 + 0.09) / 4); math.Abs(a.RMSE-want) > 1e-12 {
		t.Errorf("RMSE %v, want %v", a.RMSE, want)
	}
	if *a.Spearman != -1 || a.RBO >= 0.8 || a.RBO < math.Pow(0.9, 4) {
		t.Errorf("reversed ranking: Spearman %v, RBO %v", *a.Spearman, a.RBO)
	}
}

// The truth of F1 ties three modalities at exactly 0: any order among them is right, so a
// faithful estimate scores RBO 1 whatever its order there, while ties broken by index
// penalise it.
func TestCompareTruthTies(t *testing.T) {
	truth := []float64{1, 0, 0, 0}
	est := []float64{0.9, 0.01, 0.03, 0.06}
	a, err := Compare(est, truth)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a.RBO-1) > 1e-12 {
		t.Errorf("RBO %v, want 1", a.RBO)
	}
	if a.RBOIndexTies >= 1 {
		t.Errorf("RBO with index ties %v, want < 1", a.RBOIndexTies)
	}
	// A wrong top is still punished.
	b, _ := Compare([]float64{0.1, 0.5, 0.2, 0.2}, truth)
	if b.RBO > 0.85 { // RBO_ext of two full rankings of 4 is at least p^4 = 0.656
		t.Errorf("wrong top modality: RBO %v", b.RBO)
	}
	// F0's truth is constant: Spearman is undefined, RBO is 1 for any estimate.
	c, _ := Compare([]float64{0.3, 0.2, 0.25, 0.25}, []float64{0.25, 0.25, 0.25, 0.25})
	if c.Spearman != nil || math.Abs(c.RBO-1) > 1e-12 {
		t.Errorf("constant truth: Spearman %v, RBO %v", c.Spearman, c.RBO)
	}
	if got := Ignored(truth); len(got) != 3 || got[0] != 1 {
		t.Errorf("Ignored %v", got)
	}
}

func TestCompareErrors(t *testing.T) {
	for _, c := range [][2][]float64{
		{{1, 0}, {1, 0, 0}},
		{{1}, {1}},
		{{math.NaN(), 1}, {0.5, 0.5}},
		{{0.5, 0.5}, {math.Inf(1), 0}},
	} {
		if _, err := Compare(c[0], c[1]); err == nil {
			t.Errorf("Compare(%v, %v) accepted", c[0], c[1])
		}
	}
}
