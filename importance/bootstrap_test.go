package importance

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

// expScores draws n cases of per-modality scores mu[k] * Exp(1): the true cohort share of
// modality k is mu[k] / sum(mu), and a sample's shares scatter around it.
func expScores(n int, mu []float64, rng *rand.Rand) CaseScores {
	s := CaseScores{N: n, Modalities: make([]float64, n*len(mu))}
	for i := range n {
		for k, m := range mu {
			s.Modalities[i*len(mu)+k] = m * rng.ExpFloat64()
		}
	}
	return s
}

// binomialTol is three standard errors of a coverage rate p estimated from r trials.
func binomialTol(p float64, r int) float64 { return 3 * math.Sqrt(p*(1-p)/float64(r)) }

// TestBootstrapCasesCoverage checks that the 95 % intervals of BootstrapCases cover the
// known true shares in about 95 % of independent cohorts, per modality, within three
// binomial standard errors.
func TestBootstrapCasesCoverage(t *testing.T) {
	mu := []float64{0.4, 0.3, 0.2, 0.1}
	truth := Normalize(mu)
	const trials, n = 300, 200
	rng := rand.New(rand.NewPCG(11, 1))
	covered := make([]int, len(mu))
	for r := range trials {
		_, u, err := BootstrapCases(expScores(n, mu, rng), len(mu), BootstrapOptions{Seed: uint64(r)})
		if err != nil {
			t.Fatal(err)
		}
		for k, iv := range u.Modalities {
			if iv.Contains(truth[k]) {
				covered[k]++
			}
		}
	}
	tol := binomialTol(DefaultLevel, trials)
	for k, c := range covered {
		rate := float64(c) / trials
		t.Logf("modality %d: coverage %.3f (nominal %.2f, tolerance %.3f)", k, rate, DefaultLevel, tol)
		if math.Abs(rate-DefaultLevel) > tol {
			t.Errorf("modality %d: coverage %.3f, want %.2f +- %.3f", k, rate, DefaultLevel, tol)
		}
	}
}

// squares is the head f(z) = sum_j c_j z_j^2 (not a probability; Gradient reads only
// the derivative 2 c_j z_j). For standard-normal z the cohort mean of |df/dz_j| is
// 2 c_j sqrt(2/pi), so the true gradient importance of a modality is its share of sum c_j,
// while a finite cohort's estimate scatters with the cases' |z_j|.
type squares struct{ c []float64 }

func (h squares) Dim() int { return len(h.c) }

func (h squares) Prob(z []float32, n int, p []float32) { h.Grad(z, n, p, nil) }

func (h squares) Grad(z []float32, n int, p, g []float32) {
	d := len(h.c)
	for i := range n {
		var s float64
		for j, c := range h.c {
			x := float64(z[i*d+j])
			s += c * x * x
			if g != nil {
				g[i*d+j] = float32(2 * c * x)
			}
		}
		p[i] = float32(s)
	}
}

// TestBootstrapGlobalCoverage checks BootstrapGlobal's intervals of the paper's gradient
// importance against its known cohort value, as TestBootstrapCasesCoverage does.
func TestBootstrapGlobalCoverage(t *testing.T) {
	c := make([]float64, 40)
	for j := range c {
		c[j] = 0.2 + 0.1*float64(j/10) + 0.02*float64(j%7)
	}
	h := squares{c}
	mods := DefaultModalities()
	truth := Normalize(aggregate(c, mods))
	const trials, n = 200, 60
	rng := rand.New(rand.NewPCG(12, 1))
	covered := make([]int, len(mods))
	z := make([]float32, n*40)
	for r := range trials {
		for i := range z {
			z[i] = float32(rng.NormFloat64())
		}
		_, u, err := BootstrapGlobal(Gradient, h, mods, Cohort{Z: z, N: n}, Options{}, BootstrapOptions{Seed: uint64(r)})
		if err != nil {
			t.Fatal(err)
		}
		for k, iv := range u.Modalities {
			if iv.Contains(truth[k]) {
				covered[k]++
			}
		}
	}
	tol := binomialTol(DefaultLevel, trials)
	for k, cv := range covered {
		rate := float64(cv) / trials
		t.Logf("modality %d: coverage %.3f (nominal %.2f, tolerance %.3f)", k, rate, DefaultLevel, tol)
		if math.Abs(rate-DefaultLevel) > tol {
			t.Errorf("modality %d: coverage %.3f, want %.2f +- %.3f", k, rate, DefaultLevel, tol)
		}
	}
}

// TestBootstrapShrinks checks that intervals narrow as the cohort grows: sixteen times
// the cases should roughly quarter the width (1/sqrt(n)); at most half is asserted.
func TestBootstrapShrinks(t *testing.T) {
	mu := []float64{0.4, 0.3, 0.2, 0.1}
	width := func(n int) float64 {
		_, u, err := BootstrapCases(expScores(n, mu, rand.New(rand.NewPCG(5, uint64(n)))), len(mu), BootstrapOptions{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		var w float64
		for _, iv := range u.Modalities {
			w += iv.Width()
		}
		return w / float64(len(mu))
	}
	small, large := width(100), width(1600)
	t.Logf("mean width: %.4f at 100 cases, %.4f at 1600", small, large)
	if !(large > 0 && large < 0.5*small) {
		t.Errorf("mean width %.4f at 1600 cases, %.4f at 100: want under half", large, small)
	}
}

// TestBootstrapDeterministic checks that equal seeds give equal intervals and different
// seeds different ones, for all three schemes.
func TestBootstrapDeterministic(t *testing.T) {
	mu := []float64{0.4, 0.3, 0.2, 0.1}
	s := expScores(300, mu, rand.New(rand.NewPCG(1, 2)))
	h := interaction{logistic: logistic{w: concentrated(0, 0.8, 0.3), b: 0.1}, c: 1.5, a: 3, k: 25}
	c := cohort(h, 300, 4)
	x := c.Row(0, 40)
	mods := DefaultModalities()
	runs := map[string]func(seed uint64) Uncertainty{
		"cases": func(seed uint64) Uncertainty {
			_, u, err := BootstrapCases(s, len(mu), BootstrapOptions{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			return u
		},
		"global": func(seed uint64) Uncertainty {
			_, u, err := BootstrapGlobal(Permutation, h, mods, c, Options{Seed: 1}, BootstrapOptions{Seed: seed, Resamples: 20})
			if err != nil {
				t.Fatal(err)
			}
			return u
		},
		"local": func(seed uint64) Uncertainty {
			_, u, err := LocalInterval(KernelSHAPLocal, h, mods, x, c, Options{Seed: 1}, BootstrapOptions{Seed: seed, Resamples: 30})
			if err != nil {
				t.Fatal(err)
			}
			return u
		},
	}
	for name, run := range runs {
		a, b, other := run(7), run(7), run(8)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: seed 7 twice gives different results", name)
		}
		if reflect.DeepEqual(a.Modalities, other.Modalities) {
			t.Errorf("%s: seeds 7 and 8 give the same intervals %v", name, a.Modalities)
		}
	}
}

// TestRankSupportTie builds two modalities tied exactly (half the cases score them 1 and
// 2, the other half 2 and 1) beside two clearly ordered ones: the tie's order must be
// unsupported, the clear orders supported.
func TestRankSupportTie(t *testing.T) {
	const n = 400
	s := CaseScores{N: n, Modalities: make([]float64, n*4)}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range n {
		row := s.Modalities[i*4 : (i+1)*4]
		row[0], row[1] = 1, 2
		if i%2 == 1 {
			row[0], row[1] = 2, 1
		}
		row[2] = 5 + 0.5*rng.Float64() // far above the tie
		row[3] = 0.1 * rng.Float64()   // far below it
	}
	imp, u, err := BootstrapCases(s, 4, BootstrapOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Modalities[0] != imp.Modalities[1] {
		t.Fatalf("the constructed tie is not one: %v", imp.Modalities)
	}
	if len(u.Ranks) != 3 {
		t.Fatalf("%d rank supports, want 3", len(u.Ranks))
	}
	for _, r := range u.Ranks {
		tie := (r.Higher == 0 && r.Lower == 1) || (r.Higher == 1 && r.Lower == 0)
		if tie == r.Supported {
			t.Errorf("order %d over %d: support %.3f, supported %v; want supported only away from the tie", r.Higher, r.Lower, r.Support, r.Supported)
		}
	}
	if want := []bool{false, false, true, true}; !reflect.DeepEqual(u.RankSupported, want) {
		t.Errorf("RankSupported %v, want %v", u.RankSupported, want)
	}
	// Overlapping intervals for the tie; disjoint for the clear orders.
	if u.Modalities[0].Hi() < u.Modalities[1].Lo() || u.Modalities[1].Hi() < u.Modalities[0].Lo() {
		t.Errorf("tied modalities' intervals %v and %v do not overlap", u.Modalities[0], u.Modalities[1])
	}
	if u.Modalities[2].Lo() <= u.Modalities[1].Hi() {
		t.Errorf("intervals %v and %v overlap", u.Modalities[2], u.Modalities[1])
	}
}

// TestLocalInterval checks the one-case scheme: the paper's gradient draws nothing and
// is Exact after two runs; occlusion and KernelSHAP read the background, so their
// intervals have width, and every run is counted.
func TestLocalInterval(t *testing.T) {
	h := interaction{logistic: logistic{w: concentrated(1, 0.8, 0.3), b: 0.1}, c: 1.5, a: 3, k: 25}
	c := cohort(h, 200, 9)
	x := c.Row(5, 40)
	mods := DefaultModalities()
	a, u, err := LocalInterval(GradientLocal, h, mods, x, Cohort{}, Options{}, BootstrapOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	share := a.Importance()
	if !u.Exact || u.MethodRuns != 2 || len(u.Features) != 40 {
		t.Fatalf("gradient: exact %v after %d runs with %d feature intervals, want exact after 2 with 40", u.Exact, u.MethodRuns, len(u.Features))
	}
	for k, iv := range u.Modalities {
		if iv.Lo() != share.Modalities[k] || iv.Hi() != share.Modalities[k] {
			t.Errorf("gradient: modality %d interval %v, want the point %v", k, iv, share.Modalities[k])
		}
	}
	for _, f := range []LocalFunc{OcclusionLocal, KernelSHAPLocal, SmoothGradLocal} {
		a, u, err := LocalInterval(f, h, mods, x, c, Options{Seed: 2}, BootstrapOptions{Seed: 1, Resamples: 40})
		if err != nil {
			t.Fatal(err)
		}
		if u.Exact || u.MethodRuns != 40 || u.Resamples != 40 {
			t.Errorf("%s: exact %v, %d runs, %d resamples; want not exact, 40, 40", a.Method, u.Exact, u.MethodRuns, u.Resamples)
		}
		var w float64
		for _, iv := range u.Modalities {
			if iv.Lo() > iv.Hi() || iv.Lo() < 0 || iv.Hi() > 1 {
				t.Errorf("%s: interval %v outside [0, 1] or reversed", a.Method, iv)
			}
			w += iv.Width()
		}
		if w == 0 {
			t.Errorf("%s: every interval has width 0, but the method reads the background", a.Method)
		}
	}
}

func TestQuantile(t *testing.T) {
	v := make([]float64, 101)
	for i := range v {
		v[i] = float64(i)
	}
	for _, c := range []struct{ q, want float64 }{{0, 0}, {0.025, 2.5}, {0.5, 50}, {0.975, 97.5}, {1, 100}} {
		if got := quantile(v, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("quantile(0..100, %v) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestBootstrapErrors(t *testing.T) {
	good := CaseScores{N: 2, Modalities: []float64{1, 2, 3, 4}}
	cases := []struct {
		name string
		s    CaseScores
		m    int
		bo   BootstrapOptions
	}{
		{"one resample", good, 2, BootstrapOptions{Resamples: 1}},
		{"negative resamples", good, 2, BootstrapOptions{Resamples: -5}},
		{"level 1", good, 2, BootstrapOptions{Level: 1}},
		{"level NaN", good, 2, BootstrapOptions{Level: math.NaN()}},
		{"no cases", CaseScores{}, 2, BootstrapOptions{}},
		{"short scores", CaseScores{N: 2, Modalities: []float64{1, 2, 3}}, 2, BootstrapOptions{}},
		{"negative score", CaseScores{N: 2, Modalities: []float64{1, -2, 3, 4}}, 2, BootstrapOptions{}},
		{"NaN score", CaseScores{N: 2, Modalities: []float64{1, math.NaN(), 3, 4}}, 2, BootstrapOptions{}},
		{"ragged features", CaseScores{N: 2, Modalities: []float64{1, 2, 3, 4}, Features: []float64{1, 2, 3}}, 2, BootstrapOptions{}},
	}
	for _, c := range cases {
		if _, _, err := BootstrapCases(c.s, c.m, c.bo); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if _, _, err := BootstrapCases(good, 2, BootstrapOptions{}); err != nil {
		t.Errorf("good scores: %v", err)
	}
}

// BenchmarkCohortInterval is the cohort interval of cmd/explain -cases at its default
// (B = 200) on 1,000 cases with 4 modality and 40 feature scores, beside its peer in the
// same run: the per-case explanations it reuses (the paper's gradient of each case on the
// paper's head, a fusion.DenseHead), which it adds to. Both report CPU time too.
func BenchmarkCohortInterval(b *testing.B) {
	net, err := fusion.NewNet(fusion.DefaultConfig(), 256, 1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := fusion.HeadOf(net)
	if err != nil {
		b.Fatal(err)
	}
	c := Cohort{Z: fixture.NormalRows(1000, h.Dim(), 1), N: 1000}
	mods := DefaultModalities()
	s := CaseScores{N: c.N}
	for i := range c.N {
		a, err := GradientLocal(h, mods, c.Row(i, 40), Cohort{}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Modalities = append(s.Modalities, abs(a.Modalities)...)
		s.Features = append(s.Features, abs(a.Features)...)
	}
	run := func(b *testing.B, f func() error) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		if cpu := cpuSeconds() - cpu0; cpu > 0 {
			b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
		}
	}
	b.Run("bootstrap", func(b *testing.B) {
		run(b, func() error { _, _, err := BootstrapCases(s, 4, BootstrapOptions{Seed: 1}); return err })
	})
	b.Run("gradient-per-case", func(b *testing.B) {
		run(b, func() error {
			for i := range c.N {
				if _, err := GradientLocal(h, mods, c.Row(i, 40), Cohort{}, Options{}); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
