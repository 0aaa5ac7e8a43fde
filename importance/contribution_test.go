package importance

import (
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

// affineBlock returns a copy of the cohort and of the head in which fusion features
// [lo, lo+k) are replaced by A z + b, A = diag(d) H (H a Householder reflection), with
// the head's first layer changed so that it computes the same function of the cases.
func affineBlock(h *fusion.DenseHead, z []float32, n, lo, k int, seed uint64) (*fusion.DenseHead, []float32) {
	dim := h.Dim()
	rng := fixture.NormalRows(1, 2*k+k, seed)
	v, d, b := rng[:k], rng[k:2*k], rng[2*k:]
	var vv float64
	for _, x := range v {
		vv += float64(x) * float64(x)
	}
	hh := func(i, j int) float64 { // H = I - 2 v v^T / v^T v
		e := -2 * float64(v[i]) * float64(v[j]) / vv
		if i == j {
			e++
		}
		return e
	}
	scale := make([]float64, k)
	for i := range scale {
		scale[i] = 0.2 + 3*math.Abs(float64(d[i])) // from 0.2 up
	}
	zt := append([]float32(nil), z...)
	for r := range n {
		for i := range k {
			var s float64
			for j := range k {
				s += hh(i, j) * float64(z[r*dim+lo+j])
			}
			zt[r*dim+lo+i] = float32(scale[i]*s + float64(b[i]))
		}
	}
	// First layer: W' = W A^-1 on the block, A^-1 = H diag(1/scale); B' = B - W' b.
	first := h.Layers[0]
	nl := fusion.DenseLayer{In: first.In, Out: first.Out, W: append([]float32(nil), first.W...), B: append([]float32(nil), first.B...)}
	for o := range first.Out {
		for j := range k {
			var s float64
			for i := range k {
				s += float64(first.W[o*dim+lo+i]) * hh(i, j)
			}
			nl.W[o*dim+lo+j] = float32(s / scale[j])
		}
		var s float64
		for j := range k {
			s += float64(nl.W[o*dim+lo+j]) * float64(b[j])
		}
		nl.B[o] = float32(float64(first.B[o]) - s)
	}
	out := &fusion.DenseHead{Layers: append([]fusion.DenseLayer{nl}, h.Layers[1:]...)}
	return out, zt
}

// TestContributionsIgnoreTheBasisOfAModality re-expresses one modality's fusion features
// in another basis and scale; the head is changed to compute the same function, so a
// method that measures the modality and not its coordinates must not move.
func TestContributionsIgnoreTheBasisOfAModality(t *testing.T) {
	h := fixture.DenseHead([]int{40, 30, 12, 2}, 21)
	const n = 300
	z := fixture.NormalRows(n, 40, 8)
	ht, zt := affineBlock(h, z, n, 10, 10, 4)
	// Same function: equal log-odds on every case.
	s, st := make([]float32, n), make([]float32, n)
	h.Logit(z, n, s)
	ht.Logit(zt, n, st)
	for i := range s {
		if math.Abs(float64(s[i]-st[i])) > 2e-3*(1+math.Abs(float64(s[i]))) {
			t.Fatalf("case %d: log-odds %v before the change of basis, %v after", i, s[i], st[i])
		}
	}
	mods := DefaultModalities()
	c, ct := Cohort{Z: z, N: n}, Cohort{Z: zt, N: n}
	for _, f := range []GlobalFunc{GradientContribution, IntegratedContribution} {
		a, err := f(h, mods, c, Options{Steps: 16})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f(ht, mods, ct, Options{Steps: 16})
		if err != nil {
			t.Fatal(err)
		}
		for m := range mods {
			if math.Abs(a.Modalities[m]-b.Modalities[m]) > 2e-3 {
				t.Errorf("%s modality %d: %v, after the change of basis %v", a.Method, m, a.Modalities[m], b.Modalities[m])
			}
		}
	}
	a, _ := Gradient(h, mods, c, Options{})
	b, _ := Gradient(ht, mods, ct, Options{})
	if math.Abs(a.Modalities[1]-b.Modalities[1]) < 0.02 {
		t.Errorf("the paper's gradient did not move under the change of basis (%v vs %v): the test tests nothing", a.Modalities[1], b.Modalities[1])
	}
}

func TestContributionOfLinearLogOdds(t *testing.T) {
	w := make([]float32, 40)
	for j := range w {
		w[j] = float32(math.Sin(float64(j)) + 0.3)
	}
	h := linearHead(w, -0.2)
	const n = 200
	z := fixture.NormalRows(n, 40, 9)
	mods := DefaultModalities()
	c := Cohort{Z: z, N: n}
	mu := ColumnMean(z, n, 40)
	want := make([]float64, 4)
	for i := range n {
		for m, md := range mods {
			var s float64
			for j := md.Start; j < md.End; j++ {
				s += float64(w[j]) * (float64(z[i*40+j]) - mu[j])
			}
			want[m] += math.Abs(s)
		}
	}
	want = Normalize(want)
	for _, f := range []GlobalFunc{GradientContribution, IntegratedContribution} {
		imp, err := f(h, mods, c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for m := range mods {
			if math.Abs(imp.Modalities[m]-want[m]) > 1e-5 {
				t.Errorf("%s modality %d: %v, want mean |w_m . (z_m - mean)| share %v", imp.Method, m, imp.Modalities[m], want[m])
			}
		}
	}
}

// TestIntegratedContributionIsComplete checks that a case's modality terms add up to the
// change of log-odds from the background mean, for a nonlinear head.
func TestIntegratedContributionIsComplete(t *testing.T) {
	h := fixture.DenseHead([]int{40, 30, 12, 2}, 22)
	mods := DefaultModalities()
	bg := Cohort{Z: fixture.NormalRows(60, 40, 10), N: 60}
	x := fixture.NormalRows(1, 40, 11)
	a, err := IntegratedContributionLocal(h, mods, x, bg, Options{Steps: 256})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range a.Modalities {
		sum += v
	}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	if d := logit(a.P) - logit(a.Base); !a.Complete || math.Abs(sum-d) > 1e-2*(1+math.Abs(d)) {
		t.Errorf("modality terms sum to %v, log-odds changed by %v (complete %v)", sum, d, a.Complete)
	}
	g, err := GradientContributionLocal(h, mods, x, bg, Options{})
	if err != nil || g.Complete || len(g.Features) != 40 {
		t.Errorf("first-order local: %v %+v", err, g)
	}
	if _, err := GradientContributionLocal(h, mods, x, Cohort{}, Options{}); err == nil {
		t.Error("no background accepted")
	}
}
