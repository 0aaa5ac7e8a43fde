package importance

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/nn"
)

// funcHead is a LogitHead whose log-odds are f(z), computed in float64 and rounded once:
// the hand-made heads of the interaction tests. Its gradients are central differences
// (the interaction index reads only the log-odds).
type funcHead struct {
	dim int
	f   func(z []float64) float64
}

func (h funcHead) Dim() int { return h.dim }

func (h funcHead) row(z []float32, i int) []float64 {
	r := make([]float64, h.dim)
	for j := range r {
		r[j] = float64(z[i*h.dim+j])
	}
	return r
}

func (h funcHead) Logit(z []float32, n int, s []float32) {
	for i := range n {
		s[i] = float32(h.f(h.row(z, i)))
	}
}

func (h funcHead) GradLogit(z []float32, n int, s, g []float32) {
	const eps = 1e-4
	for i := range n {
		r := h.row(z, i)
		s[i] = float32(h.f(r))
		for j := range r {
			v := r[j]
			r[j] = v + eps
			up := h.f(r)
			r[j] = v - eps
			g[i*h.dim+j] = float32((up - h.f(r)) / (2 * eps))
			r[j] = v
		}
	}
}

func (h funcHead) Prob(z []float32, n int, p []float32) {
	for i := range n {
		p[i] = float32(nn.Logistic(h.f(h.row(z, i))))
	}
}

func (h funcHead) Grad(z []float32, n int, p, g []float32) {
	s := make([]float32, n)
	h.GradLogit(z, n, s, g)
	for i := range n {
		q := nn.Logistic(float64(s[i]))
		p[i] = float32(q)
		for j := range h.dim {
			g[i*h.dim+j] *= float32(q * (1 - q))
		}
	}
}

// gradLogitOnly hides funcHead's Logit, so the index takes log-odds from GradLogit.
type gradLogitOnly struct{ LogitHead }

// blocks returns m modalities of k features each, named m0, m1, ...
func blocks(m, k int) []Modality {
	mods := make([]Modality, m)
	for i := range mods {
		mods[i] = Modality{Name: "m" + string(rune('0'+i)), Start: i * k, End: (i + 1) * k}
	}
	return mods
}

// bruteInteraction computes the Shapley interaction index of modalities i and j for case
// x straight from its definition: every coalition S of the other modalities, its weight
// |S|!(M-|S|-2)!/(M-1)! by factorials, and the value of a coalition as the mean over the
// background rows of the log-odds with the modalities outside it taken from the row.
func bruteInteraction(h LogitHead, mods []Modality, x []float32, bg Cohort, i, j int) float64 {
	d, m := h.Dim(), len(mods)
	value := func(in map[int]bool) float64 {
		z := make([]float32, bg.N*d)
		for b := range bg.N {
			row := z[b*d : (b+1)*d]
			copy(row, x)
			for k, md := range mods {
				if !in[k] {
					copy(row[md.Start:md.End], bg.Row(b, d)[md.Start:md.End])
				}
			}
		}
		s, g := make([]float32, bg.N), make([]float32, bg.N*d)
		h.GradLogit(z, bg.N, s, g)
		var sum float64
		for _, v := range s {
			sum += float64(v)
		}
		return sum / float64(bg.N)
	}
	fact := func(n int) float64 {
		f := 1.0
		for k := 2; k <= n; k++ {
			f *= float64(k)
		}
		return f
	}
	var others []int
	for k := range m {
		if k != i && k != j {
			others = append(others, k)
		}
	}
	var total float64
	for sub := 0; sub < 1<<len(others); sub++ {
		in := map[int]bool{}
		for b, k := range others {
			if sub&(1<<b) != 0 {
				in[k] = true
			}
		}
		s := len(in)
		w := fact(s) * fact(m-s-2) / fact(m-1)
		vS := value(in)
		in[i] = true
		vi := value(in)
		in[j] = true
		vij := value(in)
		delete(in, i)
		vj := value(in)
		total += w * (vij - vi - vj + vS)
	}
	return total
}

// checkMatrix checks that r is symmetric with a zero diagonal.
func checkMatrix(t *testing.T, r Interactions) {
	t.Helper()
	m := len(r.Modalities)
	if len(r.Index) != m || len(r.Abs) != m {
		t.Fatalf("matrices have %d and %d rows for %d modalities", len(r.Index), len(r.Abs), m)
	}
	for i := range m {
		if r.Index[i][i] != 0 || r.Abs[i][i] != 0 {
			t.Errorf("diagonal %d is %v, %v; want 0", i, r.Index[i][i], r.Abs[i][i])
		}
		for j := range m {
			if r.Index[i][j] != r.Index[j][i] || r.Abs[i][j] != r.Abs[j][i] {
				t.Errorf("not symmetric at %d,%d: %v vs %v", i, j, r.Index[i][j], r.Index[j][i])
			}
			if r.Abs[i][j] < 0 {
				t.Errorf("Abs[%d][%d] = %v < 0", i, j, r.Abs[i][j])
			}
		}
	}
}

func TestInteractionProductHeadInteractsOnlyInItsPair(t *testing.T) {
	// Four modalities of three features and one feature outside them (12); the log-odds
	// are x_A * x_B + x_C + 0.5 tanh(x_D) + x_12 x_A: only A and B act together (the
	// outside feature is never replaced, so its product with A is part of A's own effect).
	h := funcHead{dim: 13, f: func(z []float64) float64 {
		return z[0]*z[4] + z[7] + 0.5*math.Tanh(z[10]) + z[12]*z[1]
	}}
	mods := blocks(4, 3)
	bg := cohort(h, 30, 1)
	c := cohort(h, 5, 2)
	for k := range c.N {
		x := c.Row(k, 13)
		r, err := InteractionLocal(h, mods, x, bg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkMatrix(t, r)
		if !r.Exact || r.Cases != 1 || r.Background != 30 || r.SE != nil {
			t.Errorf("exact %v, cases %d, background %d, SE %v; want exact, 1, 30, nil", r.Exact, r.Cases, r.Background, r.SE)
		}
		// Closed form: xA xB - xA mean(bB) - mean(bA) xB + mean(bA bB).
		var mA, mB, mAB float64
		for b := range bg.N {
			row := bg.Row(b, 13)
			mA += float64(row[0]) / 30
			mB += float64(row[4]) / 30
			mAB += float64(row[0]) * float64(row[4]) / 30
		}
		xa, xb := float64(x[0]), float64(x[4])
		want := xa*xb - xa*mB - mA*xb + mAB
		for i := range 4 {
			for j := i + 1; j < 4; j++ {
				w := 0.0
				if i == 0 && j == 1 {
					w = want
				}
				if got := r.Index[i][j]; math.Abs(got-w) > 1e-5*(1+math.Abs(w)) {
					t.Errorf("case %d: I[%s|%s] = %v, want %v", k, mods[i].Name, mods[j].Name, got, w)
				}
				if b := bruteInteraction(h, mods, x, bg, i, j); math.Abs(r.Index[i][j]-b) > 1e-5*(1+math.Abs(b)) {
					t.Errorf("case %d: I[%d|%d] = %v, brute force %v", k, i, j, r.Index[i][j], b)
				}
			}
		}
		if p, ok := r.Strongest(); !ok || p.Name != "m0|m1" {
			t.Errorf("case %d: strongest pair %+v (%v), want m0|m1", k, p, ok)
		}
	}
}

func TestInteractionAdditiveHeadIsZero(t *testing.T) {
	h := funcHead{dim: 12, f: func(z []float64) float64 {
		return math.Tanh(2*z[0]) + z[1]*z[2] + z[4]*z[4] - 0.7*math.Sin(z[7]+z[8]) + 1.3*z[10]
	}}
	mods := blocks(4, 3)
	c := cohort(h, 40, 3)
	r, err := Interaction(h, mods, c, Options{Background: 20, Cases: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, r)
	for i := range 4 {
		for j := range 4 {
			if r.Abs[i][j] > 1e-5 {
				t.Errorf("additive head: |I[%d][%d]| = %v, want 0", i, j, r.Abs[i][j])
			}
		}
		if r.Shapley[i] <= 0.05 {
			t.Errorf("additive head: mean |Shapley| of modality %d = %v, want a clear main effect", i, r.Shapley[i])
		}
	}
	if s := r.Strength(); !(s < 1e-4) {
		t.Errorf("additive head: strength %v, want about 0", s)
	}
}

func TestInteractionMatchesBruteForceOnNetworks(t *testing.T) {
	uneven := []Modality{{"a", 0, 2}, {"b", 2, 5}, {"c", 5, 6}, {"d", 7, 11}, {"e", 11, 13}}
	for _, tc := range []struct {
		name string
		mods []Modality
		seed uint64
	}{{"four blocks", blocks(4, 3), 1}, {"five uneven with a gap", uneven, 2}, {"two", blocks(2, 6), 3}} {
		h := fixture.DenseHead([]int{13, 16, 8, 3}, tc.seed) // three classes: log-odds of class 1
		bg := Cohort{Z: fixture.NormalRows(12, 13, tc.seed), N: 12}
		x := fixture.NormalRows(1, 13, tc.seed+10)
		for _, head := range []LogitHead{h, gradLogitOnly{h}} {
			r, err := InteractionLocal(head, tc.mods, x, bg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkMatrix(t, r)
			var size float64
			m := len(tc.mods)
			for i := range m {
				for j := i + 1; j < m; j++ {
					b := bruteInteraction(h, tc.mods, x, bg, i, j)
					size = math.Max(size, math.Abs(b))
					if d := math.Abs(r.Index[i][j] - b); d > 1e-4*(1+math.Abs(b)) {
						t.Errorf("%s (%T): I[%d|%d] = %v, brute force %v", tc.name, head, i, j, r.Index[i][j], b)
					}
				}
			}
			if size < 1e-3 {
				t.Errorf("%s: the network's interactions are all below %v; the test needs a head that interacts", tc.name, size)
			}
		}
	}
}

func TestInteractionSampledConvergesWithinItsError(t *testing.T) {
	// Nine modalities: beyond MaxExactInteraction, so the index is sampled.
	const m, k = 9, 2
	mods := blocks(m, k)
	h := fixture.DenseHead([]int{m * k, 24, 12, 2}, 5)
	bg := Cohort{Z: fixture.NormalRows(10, m*k, 6), N: 10}
	x := fixture.NormalRows(1, m*k, 7)
	exact := make([][]float64, m)
	for i := range exact {
		exact[i] = make([]float64, m)
		for j := i + 1; j < m; j++ {
			exact[i][j] = bruteInteraction(h, mods, x, bg, i, j)
		}
	}
	var seSmall, seLarge float64
	for _, n := range []int{64, 1024} {
		r, err := InteractionLocal(h, mods, x, bg, Options{InteractionSamples: n, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		checkMatrix(t, r)
		if r.Exact || r.Samples != n || r.SE == nil || r.Shapley != nil {
			t.Fatalf("exact %v, samples %d, SE nil %v, Shapley %v; want a sampled result of %d", r.Exact, r.Samples, r.SE == nil, r.Shapley, n)
		}
		within2, pairs := 0, 0
		for i := range m {
			for j := i + 1; j < m; j++ {
				pairs++
				se, d := r.SE[i][j], math.Abs(r.Index[i][j]-exact[i][j])
				if d > 4*se+1e-6 {
					t.Errorf("%d samples: I[%d|%d] = %v ± %v, exact %v: %.1f standard errors off", n, i, j, r.Index[i][j], se, exact[i][j], d/se)
				}
				if d <= 2*se+1e-6 {
					within2++
				}
				if n == 64 {
					seSmall += se
				} else {
					seLarge += se
				}
			}
		}
		if within2 < pairs*8/10 {
			t.Errorf("%d samples: %d of %d pairs within 2 standard errors, want about 95%%", n, within2, pairs)
		}
	}
	// 16 times the samples: a quarter of the error.
	if ratio := seSmall / seLarge; ratio < 3 || ratio > 5.3 {
		t.Errorf("standard error shrank by %.2f with 16x the samples, want about 4", ratio)
	}
}

func TestInteractionCohortIsTheMeanOfItsCases(t *testing.T) {
	h := fixture.DenseHead([]int{40, 20, 2}, 9)
	c := Cohort{Z: fixture.NormalRows(60, 40, 9), N: 60}
	mods := DefaultModalities()
	o := Options{Background: 15, Cases: 7, Seed: 4}
	r, err := Interaction(h, mods, c, o)
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, r)
	if r.Cases != 7 || r.Background != 15 {
		t.Errorf("cases %d, background %d; want 7, 15", r.Cases, r.Background)
	}
	oo, _ := o.withDefaults()
	rows := explained(c, oo)
	sum, abs := square(4), square(4)
	phi := make([]float64, 4)
	for _, row := range rows {
		l, err := InteractionLocal(h, mods, c.Row(row, 40), c, o) // the same background draw
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			for j := range 4 {
				sum[i][j] += l.Index[i][j] / 7
				abs[i][j] += math.Abs(l.Index[i][j]) / 7
			}
			phi[i] += math.Abs(l.Shapley[i]) / 7
		}
	}
	for i := range 4 {
		for j := range 4 {
			// The cohort's rows go through the head in other batches: float32 rounding differs.
			if math.Abs(r.Index[i][j]-sum[i][j]) > 1e-6 || math.Abs(r.Abs[i][j]-abs[i][j]) > 1e-6 {
				t.Errorf("[%d][%d]: cohort %v, %v; mean of cases %v, %v", i, j, r.Index[i][j], r.Abs[i][j], sum[i][j], abs[i][j])
			}
		}
		if math.Abs(r.Shapley[i]-phi[i]) > 1e-6 {
			t.Errorf("Shapley[%d]: cohort %v, mean of cases %v", i, r.Shapley[i], phi[i])
		}
	}
	// Pairs: model order, names, shares of the absolute interaction summing to 1.
	pairs := r.Pairs()
	want := []string{"ct_axial|ct_coronal", "ct_axial|clinical_a", "ct_axial|clinical_b", "ct_coronal|clinical_a", "ct_coronal|clinical_b", "clinical_a|clinical_b"}
	var tot, shares float64
	for k, p := range pairs {
		if p.Name != want[k] || p.Index != r.Index[p.I][p.J] || p.Abs != r.Abs[p.I][p.J] {
			t.Errorf("pair %d: %+v, want %s", k, p, want[k])
		}
		tot += p.Abs
	}
	for k, p := range pairs {
		if math.Abs(p.Share-p.Abs/tot) > 1e-12 || r.Shares()[p.Name] != p.Share {
			t.Errorf("pair %d share %v, want %v", k, p.Share, p.Abs/tot)
		}
		shares += p.Share
	}
	if math.Abs(shares-1) > 1e-12 || len(pairs) != 6 {
		t.Errorf("%d pairs, shares sum to %v; want 6 and 1", len(pairs), shares)
	}
	if s := r.Strength(); !(s > 0) {
		t.Errorf("strength %v of a random network, want > 0", s)
	}
}

func TestInteractionAgainstIsTheMeanOfItsCasesAgainstThatBackground(t *testing.T) {
	h := fixture.DenseHead([]int{40, 20, 2}, 11)
	c := Cohort{Z: fixture.NormalRows(9, 40, 11), N: 9}
	bg := Cohort{Z: fixture.NormalRows(30, 40, 12), N: 30}
	mods := DefaultModalities()
	o := Options{Background: 12, Seed: 5}
	r, err := InteractionAgainst(h, mods, c, bg, o)
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, r)
	if r.Cases != 9 || r.Background != 12 {
		t.Errorf("cases %d, background %d; want 9, 12", r.Cases, r.Background)
	}
	sum := square(4)
	for row := range c.N {
		// The background draw depends on bg and the options only: the same for every case.
		l, err := InteractionLocal(h, mods, c.Row(row, 40), bg, o)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			for j := range 4 {
				sum[i][j] += l.Index[i][j] / 9
			}
		}
	}
	for i := range 4 {
		for j := range 4 {
			if math.Abs(r.Index[i][j]-sum[i][j]) > 1e-6 {
				t.Errorf("[%d][%d]: cohort %v, mean of cases against bg %v", i, j, r.Index[i][j], sum[i][j])
			}
		}
	}
	// Against its own cases it is Interaction.
	own, err := InteractionAgainst(h, mods, c, c, o)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Interaction(h, mods, c, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		for j := range 4 {
			if own.Index[i][j] != ref.Index[i][j] {
				t.Errorf("[%d][%d]: against itself %v, Interaction %v", i, j, own.Index[i][j], ref.Index[i][j])
			}
		}
	}
	if _, err := InteractionAgainst(h, mods, c, Cohort{}, o); err == nil || !strings.Contains(err.Error(), "background") {
		t.Errorf("empty background: error %v", err)
	}
	short := Cohort{Z: fixture.NormalRows(3, 39, 1), N: 3}
	if _, err := InteractionAgainst(h, mods, c, short, o); err == nil || !strings.Contains(err.Error(), "background") {
		t.Errorf("background of the wrong width: error %v", err)
	}
}

func TestInteractionRejectsBadArguments(t *testing.T) {
	h := fixture.DenseHead([]int{40, 8, 2}, 1)
	c := Cohort{Z: fixture.NormalRows(10, 40, 1), N: 10}
	x := c.Row(0, 40)
	for _, tc := range []struct {
		name string
		head Head
		mods []Modality
		o    Options
		want string
	}{
		{"no log-odds", plainHead{h}, DefaultModalities(), Options{}, "LogitHead"},
		{"one modality", h, []Modality{{"all", 0, 40}}, Options{}, "at least 2 modalities"},
		{"negative samples", h, DefaultModalities(), Options{InteractionSamples: -1}, "InteractionSamples = -1"},
		{"one sample", h, DefaultModalities(), Options{InteractionSamples: 1}, "InteractionSamples = 1"},
		{"overlap", h, []Modality{{"a", 0, 20}, {"b", 10, 40}}, Options{}, "overlap"},
	} {
		if _, err := InteractionLocal(tc.head, tc.mods, x, c, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: local error %v, want one containing %q", tc.name, err, tc.want)
		}
		if _, err := Interaction(tc.head, tc.mods, c, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: cohort error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := InteractionLocal(h, DefaultModalities(), x, Cohort{}, Options{}); err == nil {
		t.Error("an empty background was accepted")
	}
	bad := append([]float32(nil), x...)
	bad[3] = float32(math.NaN())
	if _, err := InteractionLocal(h, DefaultModalities(), bad, c, Options{}); err == nil || !strings.Contains(err.Error(), "feature 3") {
		t.Errorf("NaN case: error %v", err)
	}
}

// BenchmarkInteractionPaperNetwork computes the cohort interaction matrix for 1,000
// cases of the paper's network (its head 40-100-50-10-2, freshly initialised: the cost
// does not depend on the weights) with the default 50 background cases and with 200
// (cmd/explain's and the page's), beside two peers: the same matrix with every coalition
// vector built and run through the whole head (rows, the path before the first layer was
// split by modality blocks), and exact Shapley values of the modalities on the same
// cases, which evaluate the same coalitions of p.
func BenchmarkInteractionPaperNetwork(b *testing.B) {
	net, err := fusion.NewNet(fusion.DefaultConfig(), 256, 1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := fusion.HeadOf(net)
	if err != nil {
		b.Fatal(err)
	}
	c := Cohort{Z: fixture.NormalRows(1000, h.Dim(), 1), N: 1000}
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
	for _, nb := range []int{50, 200} {
		o := Options{Background: nb}
		b.Run(fmt.Sprintf("interaction-bg%d", nb), func(b *testing.B) {
			run(b, func() error { _, err := Interaction(h, DefaultModalities(), c, o); return err })
		})
		b.Run(fmt.Sprintf("interaction-rows-bg%d", nb), func(b *testing.B) {
			run(b, func() error { _, err := Interaction(rowHead{h}, DefaultModalities(), c, o); return err })
		})
	}
	b.Run("shapley", func(b *testing.B) {
		run(b, func() error { _, err := Shapley(h, DefaultModalities(), c, Options{}); return err })
	})
}
