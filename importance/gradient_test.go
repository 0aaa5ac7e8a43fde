package importance

import (
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

func TestGradientLogitOfLinearLogOddsIsTheWeights(t *testing.T) {
	w := make([]float32, 40)
	for j := range w {
		w[j] = float32(j%10+1) * 0.1
		if j%3 == 0 {
			w[j] = -w[j]
		}
	}
	h := linearHead(w, 0.3)
	c := Cohort{Z: fixture.NormalRows(500, 40, 1), N: 500}
	mods := DefaultModalities()
	imp, err := GradientLogit(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range w {
		sum += math.Abs(float64(v))
	}
	for j, v := range w {
		if want := math.Abs(float64(v)) / sum; math.Abs(imp.Features[j]-want) > 1e-6 {
			t.Errorf("feature %d: %v, want |w_j|/sum|w| = %v", j, imp.Features[j], want)
		}
	}
	// The paper's gradient weights cases by p(1-p), which for a linear log-odds is a
	// common factor: the shares agree.
	paper, err := Gradient(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for m := range mods {
		if math.Abs(paper.Modalities[m]-imp.Modalities[m]) > 1e-5 {
			t.Errorf("modality %d: paper %v, log-odds %v; a linear head should agree", m, paper.Modalities[m], imp.Modalities[m])
		}
	}
}

// TestSDMethodsAreScaleInvariant rescales fusion feature j by a and the head's inputs by
// 1/a: the function of the cohort is the same, so a method that measures features per
// SD must give the same importance, while the paper's gradient moves.
func TestSDMethodsAreScaleInvariant(t *testing.T) {
	h := fixture.DenseHead([]int{40, 30, 2}, 9)
	const n = 400
	z := fixture.NormalRows(n, 40, 2)
	scaled := &fusion.DenseHead{Layers: append([]fusion.DenseLayer(nil), h.Layers...)}
	first := h.Layers[0]
	first.W = append([]float32(nil), first.W...)
	zs := append([]float32(nil), z...)
	for j := 0; j < 10; j++ { // the whole first modality, measured in units 4x smaller
		const a = 4
		for i := range n {
			zs[i*40+j] *= a
		}
		for o := range first.Out {
			first.W[o*40+j] /= a
		}
	}
	scaled.Layers[0] = first
	mods := DefaultModalities()
	c, cs := Cohort{Z: z, N: n}, Cohort{Z: zs, N: n}
	for _, f := range []GlobalFunc{GradientSD, GradientLogitSD} {
		a, err := f(h, mods, c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f(scaled, mods, cs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for m := range mods {
			if math.Abs(a.Modalities[m]-b.Modalities[m]) > 1e-4 {
				t.Errorf("%s modality %d: %v before rescaling, %v after", a.Method, m, a.Modalities[m], b.Modalities[m])
			}
		}
	}
	a, _ := Gradient(h, mods, c, Options{})
	b, _ := Gradient(scaled, mods, cs, Options{})
	if math.Abs(a.Modalities[0]-b.Modalities[0]) < 0.05 {
		t.Errorf("the paper's gradient did not move under rescaling (%v vs %v); the test is not testing anything", a.Modalities[0], b.Modalities[0])
	}
}
