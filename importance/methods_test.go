package importance

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/fusionlens/fusionlens/internal/fixture"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.9g, want %.9g (tolerance %g)", what, got, want, tol)
	}
}

func nearSlice(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has length %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		near(t, what+"["+itoa(i)+"]", got[i], want[i], tol)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

// The paper's gradient importance on a logistic head is |w_j| / sum |w| exactly: the
// factor p(1-p) is common to every feature of a case.
func TestGradientLogisticClosedForm(t *testing.T) {
	w := concentrated(2, 1, 0.25)
	h := logistic{w: w, b: 0.4}
	c := cohort(h, 200, 1)
	imp, err := Gradient(h, DefaultModalities(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Normalize(abs(w))
	nearSlice(t, "feature importance", imp.Features, want, 1e-5)
	nearSlice(t, "modality importance", imp.Modalities, aggregate(want, DefaultModalities()), 1e-5)
	near(t, "sum of modality importances", sum(imp.Modalities), 1, 1e-12)
}

// Every gradient-based method gives the same answer with the head's analytic gradient
// and with central finite differences of its p.
func TestGradientMethodsMatchFiniteDifferences(t *testing.T) {
	heads := map[string]Head{
		"interaction": interaction{logistic: logistic{w: concentrated(1, 0.6, 0.2), b: 0.1}, c: 0.9, a: 2, k: 33},
		"mlp":         newMLP(5, 40, 10, 1),
	}
	mods := DefaultModalities()
	o := Options{Seed: 3, Steps: 8, SmoothSamples: 4}
	for name, h := range heads {
		fd := fdHead{h, 1e-2}
		c := cohort(h, 30, 2)
		for _, f := range []struct {
			name string
			g    GlobalFunc
			l    LocalFunc
		}{
			{"gradient", Gradient, GradientLocal},
			{"gradxinput", GradientXInput, GradientXInputLocal},
			{"integrated_gradients", IntegratedGradients, IntegratedGradientsLocal},
			{"smoothgrad", SmoothGrad, SmoothGradLocal},
		} {
			a, err := f.g(h, mods, c, o)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.g(fd, mods, c, o)
			if err != nil {
				t.Fatal(err)
			}
			nearSlice(t, name+" "+f.name+" features", a.Features, b.Features, 2e-3*slices.Max(a.Features))
			nearSlice(t, name+" "+f.name+" modalities", a.Modalities, b.Modalities, 2e-3)
			x := c.Row(4, 40)
			la, err := f.l(h, mods, x, c, o)
			if err != nil {
				t.Fatal(err)
			}
			lb, err := f.l(fd, mods, x, c, o)
			if err != nil {
				t.Fatal(err)
			}
			scale := slices.Max(abs(la.Features))
			nearSlice(t, name+" local "+f.name+" features", la.Features, lb.Features, 2e-3*scale)
		}
	}
}

// Integrated gradients are complete: attributions sum to p(x) - p(baseline), up to the
// midpoint rule's O(1/steps^2) error.
func TestIntegratedGradientsCompleteness(t *testing.T) {
	h := interaction{logistic: logistic{w: concentrated(0, 1.2, 0.3), b: 0.2}, c: 1.5, a: 1, k: 12}
	c := cohort(h, 100, 4)
	mods := DefaultModalities()
	for _, zero := range []bool{false, true} {
		var prevErr float64
		for i, steps := range []int{16, 64} {
			worst := 0.0
			for r := 0; r < 10; r++ {
				a, err := IntegratedGradientsLocal(h, mods, c.Row(r, 40), c, Options{Steps: steps, ZeroBaseline: zero})
				if err != nil {
					t.Fatal(err)
				}
				if !a.Complete {
					t.Fatal("integrated gradients not marked Complete")
				}
				near(t, "sum of feature attributions vs modalities", sum(a.Features), sum(a.Modalities), 1e-9)
				worst = math.Max(worst, math.Abs(sum(a.Modalities)-(a.P-a.Base)))
			}
			if worst > 2e-3 {
				t.Errorf("zero baseline %v, %d steps: completeness error %.3g, want < 2e-3", zero, steps, worst)
			}
			if i > 0 && worst > prevErr/4 {
				t.Errorf("zero baseline %v: completeness error %.3g at %d steps did not fall like 1/steps^2 from %.3g", zero, worst, steps, prevErr)
			}
			prevErr = worst
		}
	}
}

// On an additive head the baseline-relative methods have exact closed forms:
// IG_j = w_j (x_j - b_j), a modality's Shapley value and KernelSHAP value are
// sum_j w_j (x_j - mean_j), occlusion's is the same with the background mean.
func TestAdditiveHeadClosedForms(t *testing.T) {
	w := concentrated(3, 1, 0.4)
	h := linear{w: w, b: 0.5}
	mods := DefaultModalities()
	bg := cohort(h, 20, 6)
	x := cohort(h, 1, 7).Z
	mu := ColumnMean(bg.Z, bg.N, 40)
	wantF := make([]float64, 40)
	for j := range wantF {
		wantF[j] = w[j] * (float64(x[j]) - mu[j])
	}
	wantM := aggregate(wantF, mods)
	o := Options{Background: bg.N} // the whole background, so the expectation is its mean

	ig, err := IntegratedGradientsLocal(h, mods, x, bg, o)
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "IG features", ig.Features, wantF, 1e-5)
	for _, f := range []LocalFunc{ShapleyLocal, KernelSHAPLocal, OcclusionLocal, KernelSHAPFeaturesLocal} {
		a, err := f(h, mods, x, bg, o)
		if err != nil {
			t.Fatal(err)
		}
		nearSlice(t, a.Method+" modalities", a.Modalities, wantM, 2e-5)
		if a.Features != nil {
			nearSlice(t, a.Method+" features", a.Features, wantF, 2e-5)
		}
	}
}

// For p = z_a z_k with a in one modality and k in another and one background case at
// zero, v(S) = x_a x_k when S holds both modalities and 0 otherwise, so the two split
// x_a x_k equally and the others get nothing.
func TestShapleyPureInteraction(t *testing.T) {
	h := product{dim: 40, a: 3, k: 25}
	bg := Cohort{Z: make([]float32, 40), N: 1}
	x := make([]float32, 40)
	x[3], x[25] = 2, -1.5
	for _, f := range []LocalFunc{ShapleyLocal, KernelSHAPLocal} {
		a, err := f(h, DefaultModalities(), x, bg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		nearSlice(t, a.Method, a.Modalities, []float64{-1.5, 0, -1.5, 0}, 1e-12)
		near(t, a.Method+" base", a.Base, 0, 0)
	}
}

// Shapley values are efficient: they sum to p(x) - E[p] over the background, and Base is
// that expectation.
func TestShapleyEfficiency(t *testing.T) {
	h := newMLP(8, 40, 16, 8, 1)
	c := cohort(h, 60, 9)
	mods := DefaultModalities()
	o := Options{Background: 25, Seed: 2}
	bg, nb := background(c, 40, mustDefaults(t, o))
	for r := 0; r < 5; r++ {
		for _, f := range []LocalFunc{ShapleyLocal, KernelSHAPLocal, KernelSHAPFeaturesLocal} {
			a, err := f(h, mods, c.Row(r, 40), c, o)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Complete {
				t.Fatalf("%s not marked Complete", a.Method)
			}
			near(t, a.Method+" sum of phi", sum(a.Modalities), a.P-a.Base, 1e-9)
			p := make([]float32, nb)
			h.Prob(bg, nb, p)
			near(t, a.Method+" base", a.Base, sum(to64(p))/float64(nb), 1e-12)
		}
	}
}

func mustDefaults(t *testing.T, o Options) Options {
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// With every coalition enumerated, KernelSHAP's constrained regression reproduces the
// exact Shapley values for any head.
func TestKernelSHAPEqualsShapley(t *testing.T) {
	h := newMLP(11, 40, 16, 1)
	c := cohort(h, 80, 12)
	mods := DefaultModalities()
	o := Options{Seed: 5, Background: 30, Cases: 40}
	a, err := Shapley(h, mods, c, o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := KernelSHAP(h, mods, c, o)
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "kernelshap vs shapley", b.Modalities, a.Modalities, 1e-9)
	// Also on uneven blocks with five players and an uncovered feature.
	mods5 := []Modality{{"a", 0, 3}, {"b", 3, 17}, {"c", 17, 18}, {"d", 18, 30}, {"e", 31, 40}}
	for r := 0; r < 3; r++ {
		x := c.Row(r, 40)
		sa, err := ShapleyLocal(h, mods5, x, c, o)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := KernelSHAPLocal(h, mods5, x, c, o)
		if err != nil {
			t.Fatal(err)
		}
		nearSlice(t, "local kernelshap vs shapley, 5 players", sb.Modalities, sa.Modalities, 1e-9)
		near(t, "efficiency with an uncovered feature", sum(sa.Modalities), sa.P-sa.Base, 1e-9)
	}
}

// LIME on an additive head with one background case is an exact linear model of the
// mask, so with a negligible ridge the coefficients are w.(x_m - b_m) per modality.
func TestLIMEAdditiveExact(t *testing.T) {
	w := concentrated(1, 1, 0.5)
	h := linear{w: w}
	bg := cohort(h, 1, 13)
	x := cohort(h, 1, 14).Z
	want := make([]float64, 4)
	for j := range w {
		want[j/10] += w[j] * (float64(x[j]) - float64(bg.Z[j]))
	}
	a, err := LIMELocal(h, DefaultModalities(), x, bg, Options{Ridge: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "LIME coefficients", a.Modalities, want, 1e-4)
	if a.Complete {
		t.Error("LIME marked Complete")
	}
}

// Permutation and occlusion score a feature the head ignores exactly 0: shuffling or
// occluding it leaves p unchanged, and negative loss changes are clipped.
func TestPerturbationIgnoredFeaturesScoreZero(t *testing.T) {
	w := concentrated(0, 1, 0)
	h := logistic{w: w}
	c := cohort(h, 150, 15)
	for _, labels := range []bool{true, false} {
		cc := c
		if !labels {
			cc.Labels = nil
		}
		for _, f := range []GlobalFunc{Permutation, Occlusion} {
			imp, err := f(h, DefaultModalities(), cc, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			for j := 10; j < 40; j++ {
				if imp.Features[j] != 0 {
					t.Errorf("%s (labels %v): ignored feature %d scores %v", imp.Method, labels, j, imp.Features[j])
				}
			}
			nearSlice(t, imp.Method+" modalities", imp.Modalities, []float64{1, 0, 0, 0}, 0)
		}
	}
}

// On a logistic head whose weight sits on one modality, every method ranks that modality
// first and, when the other modalities are ignored entirely, ranks them below it.
func TestEveryMethodFindsTheDominantModality(t *testing.T) {
	o := Options{Seed: 7, Background: 20, Cases: 60, Steps: 8, SmoothSamples: 4, Repeats: 2, LIMESamples: 64, Coalitions: 96}
	for k := 0; k < 4; k++ {
		for _, small := range []float64{0, 0.15} {
			h := logistic{w: concentrated(k, 0.7, small), b: 0.2}
			c := cohort(h, 120, uint64(20+k))
			ignored := []int{}
			for i := 0; i < 4; i++ {
				if i != k {
					ignored = append(ignored, i)
				}
			}
			for _, m := range Methods() {
				imp, err := m.Global(h, DefaultModalities(), c, o)
				if err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
				near(t, m.Name+" modality sum", sum(imp.Modalities), 1, 1e-9)
				if imp.Features != nil {
					near(t, m.Name+" feature sum", sum(imp.Features), 1, 1e-9)
				}
				r, _ := Ranking(imp.Modalities)
				if r[0] != k {
					t.Errorf("%s, weight on %d (others %v): ranking %v, importances %.3f", m.Name, k, small, r, imp.Modalities)
				}
				if small == 0 {
					if ok, _ := IgnoredLast(imp.Modalities, ignored...); !ok {
						t.Errorf("%s, weight only on %d: ignored modalities not last: %.4f", m.Name, k, imp.Modalities)
					}
				}
				if m.Local == nil {
					continue
				}
				a, err := m.Local(h, DefaultModalities(), c.Row(0, 40), c, o)
				if err != nil {
					t.Fatalf("%s local: %v", m.Name, err)
				}
				if r, _ := Ranking(abs(a.Modalities)); r[0] != k {
					t.Errorf("%s local, weight on %d: ranking %v of %.4f", m.Name, k, r, a.Modalities)
				}
			}
		}
	}
}

// Equal options give identical results; a different seed changes every method that
// draws random numbers.
func TestDeterministicBySeed(t *testing.T) {
	h := interaction{logistic: logistic{w: concentrated(2, 0.5, 0.3)}, c: 0.8, a: 5, k: 35}
	c := cohort(h, 90, 30)
	o := Options{Seed: 1, Background: 15, Cases: 30, SmoothSamples: 4, Repeats: 2, LIMESamples: 40, Coalitions: 100}
	random := map[string]bool{"smoothgrad": true, "permutation": true, "kernelshap": true,
		"kernelshap_features": true, "lime": true, "shapley": true, "mean4": true}
	for _, m := range Methods() {
		a, err := m.Global(h, DefaultModalities(), c, o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := m.Global(h, DefaultModalities(), c, o)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two runs with equal options differ", m.Name)
		}
		o2 := o
		o2.Seed = 2
		d, _ := m.Global(h, DefaultModalities(), c, o2)
		if changed := !reflect.DeepEqual(a, d); changed != random[m.Name] {
			t.Errorf("%s: changing the seed changed the result: %v, want %v", m.Name, changed, random[m.Name])
		}
	}
}

func TestMeanOfFour(t *testing.T) {
	h := logistic{w: concentrated(1, 0.6, 0.2)}
	c := cohort(h, 80, 31)
	o := Options{Seed: 4, Background: 10, LIMESamples: 32}
	mods := DefaultModalities()
	got, err := MeanOfFour(h, mods, c, o)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 4)
	for _, f := range []GlobalFunc{Gradient, Permutation, LIME, KernelSHAP} {
		imp, _ := f(h, mods, c, o)
		for i, v := range imp.Modalities {
			want[i] += v / 4
		}
	}
	nearSlice(t, "mean of four", got.Modalities, want, 1e-12)
	if got.Features != nil {
		t.Error("mean of four has feature scores although LIME and KernelSHAP have none")
	}
	m, err := Mean("m", Importance{Features: []float64{1, 0}, Modalities: []float64{1}}, Importance{Features: []float64{0, 1}, Modalities: []float64{1}})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "mean features", m.Features, []float64{0.5, 0.5}, 0)
	if _, err := Mean("m", Importance{Modalities: []float64{1}}, Importance{Modalities: []float64{0.5, 0.5}}); err == nil {
		t.Error("mean of importances with different modality counts: no error")
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range AllMethods() {
		if m.Name == "" || m.Label == "" || m.Description == "" || m.Global == nil {
			t.Errorf("method %+v is incomplete", m.Name)
		}
		if seen[m.Name] {
			t.Errorf("method name %q used twice", m.Name)
		}
		seen[m.Name] = true
		got, err := MethodByName(m.Name)
		if err != nil || got.Name != m.Name {
			t.Errorf("MethodByName(%q) = %q, %v", m.Name, got.Name, err)
		}
	}
	if _, err := MethodByName("nope"); err == nil {
		t.Error("MethodByName of an unknown name: no error")
	}
	if !seen["gradient"] || !seen["mean4"] || !seen["gradient_logit_sd"] || !seen["reference_gradient"] || !seen["measured_gradient"] {
		t.Error("AllMethods misses the paper's, the added or the reference methods")
	}
	if AllMethods()[0].Name != "gradient" {
		t.Errorf("AllMethods starts with %q, want the paper's gradient", AllMethods()[0].Name)
	}
	for _, m := range ReferenceMethods() {
		if m.Local != nil {
			t.Errorf("%s: a reference method has a Local of the fusion-vector form", m.Name)
		}
	}
}

func TestInputErrors(t *testing.T) {
	h := logistic{w: make([]float64, 40)}
	good := cohort(h, 5, 1)
	mods := DefaultModalities()
	bad := []struct {
		name string
		mods []Modality
		c    Cohort
		o    Options
	}{
		{"short Z", mods, Cohort{Z: good.Z[:100], N: 5}, Options{}},
		{"no cases", mods, Cohort{}, Options{}},
		{"label 2", mods, Cohort{Z: good.Z, N: 5, Labels: []int{0, 1, 2, 0, 1}}, Options{}},
		{"few labels", mods, Cohort{Z: good.Z, N: 5, Labels: []int{0}}, Options{}},
		{"NaN", mods, Cohort{Z: append(append([]float32{}, good.Z[:39]...), append([]float32{float32(math.NaN())}, good.Z[40:]...)...), N: 5}, Options{}},
		{"Inf", mods, Cohort{Z: append([]float32{float32(math.Inf(-1))}, good.Z[1:]...), N: 5}, Options{}},
		{"overlap", []Modality{{"a", 0, 20}, {"b", 10, 40}}, good, Options{}},
		{"outside", []Modality{{"a", 30, 41}}, good, Options{}},
		{"empty", []Modality{{"a", 5, 5}}, good, Options{}},
		{"unnamed", []Modality{{"", 0, 5}}, good, Options{}},
		{"duplicate", []Modality{{"a", 0, 5}, {"a", 5, 10}}, good, Options{}},
		{"none", nil, good, Options{}},
		{"negative steps", mods, good, Options{Steps: -1}},
		{"negative ridge", mods, good, Options{Ridge: -1}},
		{"NaN noise", mods, good, Options{NoiseFrac: math.NaN()}},
	}
	for _, m := range Methods() {
		for _, b := range bad {
			if _, err := m.Global(h, b.mods, b.c, b.o); err == nil {
				t.Errorf("%s with %s: no error", m.Name, b.name)
			}
		}
		if m.Local != nil {
			if _, err := m.Local(h, mods, good.Z[:39], good, Options{}); err == nil {
				t.Errorf("%s local with 39 features: no error", m.Name)
			}
		}
	}
	if _, err := Permutation(h, mods, Cohort{Z: good.Z[:40], N: 1}, Options{}); err == nil {
		t.Error("permutation of one case: no error")
	}
	if _, err := SmoothGradLocal(h, mods, good.Z[:40], Cohort{Z: good.Z[:40], N: 1}, Options{}); err == nil {
		t.Error("smoothgrad with a one-case background: no error")
	}
}

// KernelSHAP over single features enumerates every coalition for up to three players,
// so it is exact there; for eight players it samples, and must still land near the exact
// Shapley values (a wrong kernel weight would bias it).
func TestKernelSHAPFeaturesAgainstExactShapley(t *testing.T) {
	for _, dim := range []int{1, 2, 3, 8} {
		h := newMLP(uint64(dim), dim, 6, 1)
		c := cohort(h, 40, 50)
		players := featurePlayers(dim)
		o := Options{Seed: 3, Background: 20, Coalitions: 200}
		for r := 0; r < 3; r++ {
			x := c.Row(r, dim)
			exact, err := ShapleyLocal(h, players, x, c, o)
			if err != nil {
				t.Fatal(err)
			}
			ks, err := KernelSHAPFeaturesLocal(h, players, x, c, o)
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-9
			if dim > 3 {
				tol = 0.05 * slices.Max(abs(exact.Modalities))
			}
			nearSlice(t, "kernelshap_features vs exact shapley, dim "+itoa(dim), ks.Features, exact.Modalities, tol)
		}
	}
}

func TestLocalMethodsMatchGlobalOnOneCase(t *testing.T) {
	h := fixture.DenseHead([]int{40, 20, 2}, 5)
	mods := DefaultModalities()
	bg := Cohort{Z: fixture.NormalRows(50, 40, 3), N: 50}
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
	h := fixture.DenseHead([]int{40, 2}, 1)
	mods := DefaultModalities()
	z := fixture.NormalRows(3, 40, 1)
	z[5] = float32(math.NaN())
	if _, err := GradientLogit(h, mods, Cohort{Z: z, N: 3}, Options{}); err == nil {
		t.Error("NaN in cohort accepted")
	}
	if _, err := GradientLogit(h, mods, Cohort{Z: z[:40], N: 3}, Options{}); err == nil {
		t.Error("short cohort accepted")
	}
	var plain Head = plainHead{h}
	if _, err := GradientLogit(plain, mods, Cohort{Z: fixture.NormalRows(3, 40, 1), N: 3}, Options{}); err == nil {
		t.Error("a head without log-odds gradients accepted by gradient_logit")
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
