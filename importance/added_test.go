package importance

import (
	"fmt"
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/nn"
	"math/rand/v2"
)

// linearHead makes a fusion.DenseHead whose log-odds are w.z + b exactly (one layer).
func linearHead(w []float32, b float32) *fusion.DenseHead {
	d := len(w)
	l := fusion.DenseLayer{In: d, Out: 2, W: make([]float32, 2*d), B: []float32{0, b}}
	copy(l.W[d:], w)
	return &fusion.DenseHead{Layers: []fusion.DenseLayer{l}}
}

func TestGradientLogitOfLinearLogOddsIsTheWeights(t *testing.T) {
	w := make([]float32, 40)
	for j := range w {
		w[j] = float32(j%10+1) * 0.1
		if j%3 == 0 {
			w[j] = -w[j]
		}
	}
	h := linearHead(w, 0.3)
	c := Cohort{Z: normalRows(500, 40, 1), N: 500}
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
	h := randomHead([]int{40, 30, 2}, 9)
	const n = 400
	z := normalRows(n, 40, 2)
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

func TestLocalMethodsMatchGlobalOnOneCase(t *testing.T) {
	h := randomHead([]int{40, 20, 2}, 5)
	mods := DefaultModalities()
	bg := Cohort{Z: normalRows(50, 40, 3), N: 50}
	x := bg.Z[:40]
	one := Cohort{Z: x, N: 1}
	for _, name := range []string{"gradient_logit"} {
		m, err := addedByName(name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := m.Local(h, mods, x, bg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Global(h, mods, one, Options{})
		if err != nil {
			t.Fatal(err)
		}
		imp := a.Importance()
		for k := range mods {
			if math.Abs(imp.Modalities[k]-g.Modalities[k]) > 1e-6 {
				t.Errorf("%s modality %d: local %v, global on the one case %v", name, k, imp.Modalities[k], g.Modalities[k])
			}
		}
		p := make([]float32, 1)
		h.Prob(x, 1, p)
		if math.Abs(a.P-float64(p[0])) > 1e-6 {
			t.Errorf("%s: P %v, head %v", name, a.P, p[0])
		}
	}
	for _, name := range []string{"gradient_sd", "gradient_logit_sd"} {
		m, _ := addedByName(name)
		a, err := m.Local(h, mods, x, bg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := GradientLogitLocal(h, mods, x, bg, Options{})
		if name == "gradient_sd" {
			ref, _ = GradientLocal(h, mods, x, bg, Options{})
		}
		sd := ColumnSD(bg.Z, bg.N, 40)
		for j := range sd {
			if want := ref.Features[j] * sd[j]; math.Abs(a.Features[j]-want) > 1e-9 {
				t.Errorf("%s feature %d: %v, want derivative x SD %v", name, j, a.Features[j], want)
			}
		}
		if _, err := m.Local(h, mods, x, Cohort{Z: x, N: 1}, Options{}); err == nil {
			t.Errorf("%s: a background of one case was accepted", name)
		}
	}
}

func TestMethodsErrors(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Added() {
		if seen[m.Name] || m.Global == nil || m.Label == "" || m.Description == "" {
			t.Errorf("method %+v: duplicate or incomplete", m.Name)
		}
		seen[m.Name] = true
	}
	if !seen["gradient_logit_sd"] || !seen["gradient_whitened"] {
		t.Error("added methods missing")
	}
	h := randomHead([]int{40, 2}, 1)
	mods := DefaultModalities()
	z := normalRows(3, 40, 1)
	z[5] = float32(math.NaN())
	if _, err := GradientLogit(h, mods, Cohort{Z: z, N: 3}, Options{}); err == nil {
		t.Error("NaN in cohort accepted")
	}
	if _, err := GradientLogit(h, mods, Cohort{Z: z[:40], N: 3}, Options{}); err == nil {
		t.Error("short cohort accepted")
	}
	var plain Head = plainHead{h}
	if _, err := GradientLogit(plain, mods, Cohort{Z: normalRows(3, 40, 1), N: 3}, Options{}); err == nil {
		t.Error("a head without log-odds gradients accepted by gradient_logit")
	}
}

// plainHead hides fusion.DenseHead's GradLogit.
type plainHead struct{ h *fusion.DenseHead }

func (p plainHead) Dim() int                                { return p.h.Dim() }
func (p plainHead) Prob(z []float32, n int, q []float32)    { p.h.Prob(z, n, q) }
func (p plainHead) Grad(z []float32, n int, q, g []float32) { p.h.Grad(z, n, q, g) }

// affineBlock returns a copy of the cohort and of the head in which fusion features
// [lo, lo+k) are replaced by A z + b, A = diag(d) H (H a Householder reflection), with
// the head's first layer changed so that it computes the same function of the cases.
func affineBlock(h *fusion.DenseHead, z []float32, n, lo, k int, seed uint64) (*fusion.DenseHead, []float32) {
	dim := h.Dim()
	rng := normalRows(1, 2*k+k, seed)
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
	h := randomHead([]int{40, 30, 12, 2}, 21)
	const n = 300
	z := normalRows(n, 40, 8)
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
	z := normalRows(n, 40, 9)
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
	h := randomHead([]int{40, 30, 12, 2}, 22)
	mods := DefaultModalities()
	bg := Cohort{Z: normalRows(60, 40, 10), N: 60}
	x := normalRows(1, 40, 11)
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

func TestKappa(t *testing.T) {
	if math.Abs(kappa(1)-1) > 1e-12 || math.Abs(kappa(2)-4/math.Pi) > 1e-12 {
		t.Errorf("kappa(1) = %v, kappa(2) = %v; want 1 and 4/pi", kappa(1), kappa(2))
	}
	// Monte Carlo: the mean L1 norm of uniform unit vectors in R^10.
	z := normalRows(20000, 10, 3)
	var sum float64
	for i := range 20000 {
		var l1, l2 float64
		for _, v := range z[i*10 : (i+1)*10] {
			l1 += math.Abs(float64(v))
			l2 += float64(v) * float64(v)
		}
		sum += l1 / math.Sqrt(l2)
	}
	if mc := sum / 20000; math.Abs(mc-kappa(10)) > 0.01 {
		t.Errorf("kappa(10) = %v, Monte Carlo %v", kappa(10), mc)
	}
}

// TestWhitenedGradientRecoversLatentNorm builds fusion vectors whose first modality is
// an invertible linear map of white latent features and a head linear in the latents:
// the learned modality must score kappa |w_latent|_2 and the input modalities
// sum |w_j| SD_j, whatever the map.
func TestWhitenedGradientRecoversLatentNorm(t *testing.T) {
	const n = 4000
	x := normalRows(n, 40, 12) // white latents (first 10) and inputs (30)
	wx := make([]float32, 40)
	for j := range wx {
		wx[j] = float32(0.1 + 0.05*float64(j%7))
	}
	h := linearHead(wx, 0.1)
	ht, zt := affineBlock(h, x, n, 0, 10, 5)
	mods := DefaultModalities()
	imp, err := WhitenedGradient(1)(ht, mods, Cohort{Z: zt, N: n}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sd := ColumnSD(x, n, 40)
	want := make([]float64, 4)
	var l2 float64
	for j := range 10 {
		l2 += float64(wx[j]) * float64(wx[j])
	}
	want[0] = kappa(10) * math.Sqrt(l2)
	for m := 1; m < 4; m++ {
		for j := 10 * m; j < 10*m+10; j++ {
			want[m] += math.Abs(float64(wx[j])) * sd[j]
		}
	}
	want = Normalize(want)
	for m := range want {
		if math.Abs(imp.Modalities[m]-want[m]) > 5e-3 {
			t.Errorf("modality %d: %v, want %v", m, imp.Modalities[m], want[m])
		}
	}
	// The untransformed cohort gives the same importance: the map is invisible.
	direct, _ := WhitenedGradient(1)(h, mods, Cohort{Z: x, N: n}, Options{})
	for m := range want {
		if math.Abs(direct.Modalities[m]-imp.Modalities[m]) > 2e-3 {
			t.Errorf("modality %d: %v with the map, %v without", m, imp.Modalities[m], direct.Modalities[m])
		}
	}
	// The local form on one case against the same cohort as background.
	la, err := WhitenedGradientLocal(1)(ht, mods, zt[:40], Cohort{Z: zt, N: n}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A linear head has the same gradient everywhere, so one case's shares are the cohort's.
	for m, v := range la.Importance().Modalities {
		if math.Abs(v-imp.Modalities[m]) > 2e-3 {
			t.Errorf("local modality %d: %v, global %v", m, v, imp.Modalities[m])
		}
	}
	if _, err := WhitenedGradient(5)(h, mods, Cohort{Z: x, N: n}, Options{}); err == nil {
		t.Error("5 learned modalities of 4 accepted")
	}
}

// addedByName returns the added method with the given name.
func addedByName(name string) (Method, error) {
	for _, m := range Added() {
		if m.Name == name {
			return m, nil
		}
	}
	return Method{}, fmt.Errorf("no added method %q", name)
}

// randomHead draws a fusion.DenseHead of the given widths with small random biases.
func randomHead(widths []int, seed uint64) *fusion.DenseHead {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := &fusion.DenseHead{}
	for i := 1; i < len(widths); i++ {
		l := fusion.DenseLayer{In: widths[i-1], Out: widths[i], W: make([]float32, widths[i-1]*widths[i]), B: make([]float32, widths[i])}
		nn.InitHeUniform(l.W, l.In, rng)
		for j := range l.B {
			l.B[j] = float32(0.1 * rng.NormFloat64())
		}
		h.Layers = append(h.Layers, l)
	}
	return h
}

// normalRows returns n x dim standard normal values.
func normalRows(n, dim int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	z := make([]float32, n*dim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return z
}
