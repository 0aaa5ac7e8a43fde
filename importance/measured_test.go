package importance

import (
	"math"
	"strings"
	"testing"
)

// TestMeasuredGradientMatchesFiniteDifferences: with measured features that are a
// per-column affine transform of the reference features (arbitrary units and offsets),
// the measured gradient is the cohort mean of |dp/dr_j| times r_j's SD, with dp/dr from
// central differences of the composite r -> z -> p; it never reads c.Reference.
func TestMeasuredGradientMatchesFiniteDifferences(t *testing.T) {
	h := newMLP(5, 40, 16, 1)
	c, a, b := referenceWorld(300, 2)
	mods := DefaultModalities()
	sumAbs := fdScoresPerSD(h, c, a, b)
	m := c
	m.Measured = make([]float32, len(c.Reference))
	for i, v := range c.Reference {
		j := i % 40
		m.Measured[i] = float32(float64(v)*(0.01+float64(j)*3) + float64(j) - 20) // units and offsets of its own
	}
	m.Reference = nil
	imp, err := MeasuredGradient(h, mods, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Method != "measured_gradient" {
		t.Errorf("method %q", imp.Method)
	}
	nearSlice(t, "global features", imp.Features, Normalize(sumAbs), 5e-4)
	nearSlice(t, "global modalities", imp.Modalities, Normalize(aggregate(sumAbs, mods)), 5e-4)

	// The truth's basis beside it changes nothing.
	m.Reference = make([]float32, len(c.Reference))
	again, err := MeasuredGradient(h, mods, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "with a Reference beside it", again.Modalities, imp.Modalities, 1e-12)
}

// TestMeasuredGradientConstantFeature: a measurement that does not vary over the cohort
// (a flat image region, say) scores 0 and does not break the fit.
func TestMeasuredGradientConstantFeature(t *testing.T) {
	h := newMLP(7, 40, 8, 1)
	c, _, _ := referenceWorld(200, 4)
	c.Measured = append([]float32(nil), c.Reference...)
	for i := 0; i < c.N; i++ {
		c.Measured[i*40+3] = 0.25
	}
	imp, err := MeasuredGradient(h, DefaultModalities(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Features[3] != 0 {
		t.Errorf("constant measurement scores %v, want 0", imp.Features[3])
	}
	var s float64
	for _, v := range imp.Modalities {
		s += v
	}
	if math.Abs(s-1) > 1e-9 {
		t.Errorf("modality shares sum to %v", s)
	}
}

func TestMeasuredGradientErrors(t *testing.T) {
	h := newMLP(9, 40, 8, 1)
	mods := DefaultModalities()
	c := cohort(h, 100, 2)
	c.Reference = c.Z
	if _, err := MeasuredGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "measured features, and it has none") {
		t.Errorf("no measured features: err = %v", err)
	}
	c.Measured = c.Z[:len(c.Z)-1]
	if _, err := MeasuredGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "Measured has 3999 values") {
		t.Errorf("short measured features: err = %v", err)
	}
	c.Measured = append([]float32(nil), c.Z...)
	c.Measured[41] = float32(math.Inf(-1))
	if _, err := MeasuredGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "case 1 measured feature 1 is -Inf") {
		t.Errorf("infinite measured feature: err = %v", err)
	}
	few := cohort(h, 60, 3)
	few.Measured = few.Z
	if _, err := MeasuredGradient(h, mods, few, Options{}); err == nil || !strings.Contains(err.Error(), "measured gradient") || !strings.Contains(err.Error(), "more than 66 cases") {
		t.Errorf("60 cases: err = %v", err)
	}
}

// fdScoresPerSD returns, for each of the 40 reference features, the cohort sum of
// |dp/dr_j| times r_j's SD over the cohort, with dp/dr from central differences of the
// composite r -> z -> p of referenceWorld: what the measured and basis gradients score
// when their features are per-column affine transforms of c.Reference.
func fdScoresPerSD(h *mlp, c Cohort, a [][]float64, b []float64) []float64 {
	p := func(r []float32) float64 {
		q := make([]float32, 1)
		h.Prob(mapZ(r, a, b), 1, q)
		return float64(q[0])
	}
	sd := ColumnSD(c.Reference, c.N, 40)
	const eps = 1e-2
	sumAbs := make([]float64, 40)
	for i := 0; i < c.N; i++ {
		r := append([]float32(nil), c.Reference[i*40:(i+1)*40]...)
		for j := range r {
			old := r[j]
			r[j] = old + eps
			hi := p(r)
			r[j] = old - eps
			lo := p(r)
			r[j] = old
			sumAbs[j] += math.Abs((hi-lo)/(float64(old+eps)-float64(old-eps))) * sd[j]
		}
	}
	return sumAbs
}
