package validation

import (
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
)

// The decision head's probabilities are the labels' own: ε or 1 - ε on either side of the
// threshold with threshold labels, ε + (1 - 2ε)σ(s(F - t)) with logistic ones; its
// gradient matches central differences of Prob (logistic) and is 0 for the step.
func TestDecisionHead(t *testing.T) {
	sc, _ := groundtruth.Builtin("F6") // products and linear terms
	sc.LabelNoise = 0.1
	X, err := groundtruth.NormalCohort(20, 3)
	if err != nil {
		t.Fatal(err)
	}
	z := make([]float32, len(X))
	for i, v := range X {
		z[i] = float32(v)
	}
	n := 20
	const thr = 0.2
	h := newDecisionHead(sc, thr)
	p := make([]float32, n)
	g := make([]float32, n*groundtruth.NumFeatures)
	h.Grad(z, n, p, g)
	x := make([]float64, groundtruth.NumFeatures)
	for i := range n {
		for j := range x {
			x[j] = float64(z[i*groundtruth.NumFeatures+j])
		}
		want := 0.1
		if sc.F(x) > thr {
			want = 0.9
		}
		if math.Abs(float64(p[i])-want) > 1e-7 {
			t.Errorf("threshold labels, case %d: p %g, want %g", i, p[i], want)
		}
	}
	for _, v := range g {
		if v != 0 {
			t.Fatalf("threshold labels: gradient %g, want 0 (a step)", v)
		}
	}

	sc.LabelMode, sc.LabelScale = groundtruth.LogisticLabels, 0.7
	h.Grad(z, n, p, g)
	const eps = 1e-3
	one := make([]float32, groundtruth.NumFeatures)
	up, down := make([]float32, 1), make([]float32, 1)
	for i := range n {
		copy(one, z[i*groundtruth.NumFeatures:(i+1)*groundtruth.NumFeatures])
		for j := range groundtruth.NumFeatures {
			v := one[j]
			one[j] = v + eps
			h.Prob(one, 1, up)
			one[j] = v - eps
			h.Prob(one, 1, down)
			one[j] = v
			fd := (float64(up[0]) - float64(down[0])) / (2 * eps)
			if got := float64(g[i*groundtruth.NumFeatures+j]); math.Abs(got-fd) > 2e-3*math.Max(1, math.Abs(fd)) {
				t.Errorf("logistic labels, case %d, %s: dp/dx %g, central difference %g", i, groundtruth.FeatureName(j), got, fd)
			}
		}
	}
	for i := range n {
		for j := range x {
			x[j] = float64(z[i*groundtruth.NumFeatures+j])
		}
		q := 1 / (1 + math.Exp(-0.7*(sc.F(x)-thr)))
		if want := 0.1 + 0.8*q; math.Abs(float64(p[i])-want) > 1e-6 {
			t.Errorf("logistic labels, case %d: p %g, want %g", i, p[i], want)
		}
	}
}
