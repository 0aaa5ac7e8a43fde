package importance

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRMSE(t *testing.T) {
	// Differences are all 0.25, so RMSE = sqrt(mean(0.0625)) = 0.25.
	got, err := RMSE([]float64{0.5, 0.5, 0, 0}, []float64{0.25, 0.25, 0.25, 0.25})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RMSE", got, 0.25, 1e-15)
	// One difference of 0.6 among four: sqrt(0.36/4) = 0.3.
	got, _ = RMSE([]float64{1, 0, 0, 0}, []float64{0.4, 0, 0, 0})
	near(t, "RMSE", got, 0.3, 1e-15)
	if _, err := RMSE([]float64{1}, []float64{1, 2}); err == nil {
		t.Error("RMSE of unequal lengths: no error")
	}
	if _, err := RMSE(nil, nil); err == nil {
		t.Error("RMSE of empty vectors: no error")
	}
}

func TestRanking(t *testing.T) {
	r, err := Ranking([]float64{0.3, 0.3, 0.1, 0.3})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 1, 3, 2} // ties keep index order
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("Ranking = %v, want %v", r, want)
		}
	}
	if _, err := Ranking([]float64{1, math.NaN()}); err == nil {
		t.Error("Ranking with NaN: no error")
	}
}

// Worked examples of RBO_ext, p = 0.9 (p^1..p^4 = 0.9, 0.81, 0.729, 0.6561, (1-p)/p = 1/9).
func TestRBOExtWorkedExamples(t *testing.T) {
	cases := []struct {
		name string
		a, b []int
		want float64
	}{
		// Identical: X_d = d, so (1/9) sum_{d=1..4} p^d + p^4 = (1 - p^4) + p^4 = 1.
		{"identical", []int{2, 0, 3, 1}, []int{2, 0, 3, 1}, 1},
		// Nothing shared: every X_d = 0.
		{"disjoint", []int{0, 1}, []int{2, 3}, 0},
		// Adjacent pairs swapped: X = 0, 2, 2, 4.
		// sum X_d/d p^d = 0 + 0.81 + (2/3)(0.729) + 0.6561 = 1.9521;
		// RBO_ext = 1.9521/9 + (4/4)(0.6561) = 0.2169 + 0.6561 = 0.873.
		{"swapped pairs", []int{0, 1, 2, 3}, []int{1, 0, 3, 2}, 0.873},
		// Disjoint top halves: X = 0, 0, 2, 4.
		// sum = (2/3)(0.729) + 0.6561 = 1.1421; RBO_ext = 0.1269 + 0.6561 = 0.783.
		{"disjoint prefixes", []int{0, 1, 2, 3}, []int{2, 3, 0, 1}, 0.783},
		// Uneven lengths l = 4, s = 2 (eq. 32): X = 0, 2, 2, 2, X_s = 2.
		// sum1 = 0.81 + (2/3)(0.729) + (2/4)(0.6561) = 1.62405;
		// sum2 = 2(1)/(2*3)(0.729) + 2(2)/(2*4)(0.6561) = 0.243 + 0.32805 = 0.57105;
		// RBO_ext = (1.62405 + 0.57105)/9 + ((2-2)/4 + 2/2)(0.6561) = 0.2439 + 0.6561 = 0.9.
		{"uneven", []int{0, 1, 2, 3}, []int{1, 0}, 0.9},
	}
	for _, c := range cases {
		got, err := RBOExt(c.a, c.b, 0.9)
		if err != nil {
			t.Fatal(err)
		}
		near(t, c.name, got, c.want, 1e-12)
		sym, _ := RBOExt(c.b, c.a, 0.9)
		near(t, c.name+" (swapped arguments)", sym, got, 1e-15)
	}
}

// RBO_min for identical lists of length 4, p = 0.9:
// (1/9)[ (-3)(0.9) + (-2)(0.81)/2 + (-1)(0.729)/3 + 0 - 4 ln 0.1 ] = (1/9)(-3.753 + 9.2103404) = 0.6063712,
// the weight RBO gives the top four ranks (Webber et al. eq. 21).
func TestRBOMinWorkedExample(t *testing.T) {
	got, err := RBOMin([]int{0, 1, 2, 3}, []int{0, 1, 2, 3}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RBO_min", got, (-3.753-4*math.Log(0.1))/9, 1e-12)
	near(t, "RBO_min", got, 0.6063711524, 1e-9)
	res, _ := RBORes([]int{0, 1, 2, 3}, []int{0, 1, 2, 3}, 0.9)
	near(t, "RBO_min + RBO_res for identical lists", got+res, 1, 1e-12)
}

// bruteRBO sums RBO's definition (1-p) sum_d p^(d-1) X_d/d to depth 4000, with X_d for
// d > k supplied by tail.
func bruteRBO(a, b []int, p float64, tail func(d, k, xk int) float64) float64 {
	x, _ := overlaps(a, b)
	k := len(a)
	var s float64
	for d := 1; d <= 4000; d++ {
		xd := 0.0
		if d <= k {
			xd = float64(x[d])
		} else {
			xd = tail(d, k, x[k])
		}
		s += math.Pow(p, float64(d-1)) * xd / float64(d)
	}
	return (1 - p) * s
}

// The closed forms agree with RBO's definition under each variant's assumption about the
// unseen depths: min (no new matches), max = min + res (every new item matches as soon as
// it can), ext (the agreement X_k/k continues).
func TestRBOVariantsMatchDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 40; trial++ {
		k := 1 + rng.IntN(12)
		items := rng.Perm(k + rng.IntN(k+1)) // some items appear in one ranking only
		a := append([]int(nil), items[:k]...)
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		b := items[:k]
		p := 0.5 + 0.45*rng.Float64()
		lo, err := RBOMin(a, b, p)
		if err != nil {
			t.Fatal(err)
		}
		res, _ := RBORes(a, b, p)
		ext, _ := RBOExt(a, b, p)
		near(t, "RBO_min", lo, bruteRBO(a, b, p, func(d, k, xk int) float64 { return float64(xk) }), 1e-9)
		near(t, "RBO_min + RBO_res", lo+res, bruteRBO(a, b, p, func(d, k, xk int) float64 { return float64(min(d, xk+2*(d-k))) }), 1e-9)
		near(t, "RBO_ext", ext, bruteRBO(a, b, p, func(d, k, xk int) float64 { return float64(d*xk) / float64(k) }), 1e-9)
	}
}

func TestRBOErrors(t *testing.T) {
	for _, p := range []float64{0, 1, -0.1, math.NaN()} {
		if _, err := RBOExt([]int{0}, []int{0}, p); err == nil {
			t.Errorf("RBO_ext with p = %v: no error", p)
		}
	}
	if _, err := RBOExt([]int{0, 0}, []int{0, 1}, 0.9); err == nil {
		t.Error("RBO_ext with a duplicated item: no error")
	}
	if _, err := RBOExt(nil, []int{0}, 0.9); err == nil {
		t.Error("RBO_ext with an empty ranking: no error")
	}
	if _, err := RBOMin([]int{0, 1}, []int{0}, 0.9); err == nil {
		t.Error("RBO_min of unequal lengths: no error")
	}
	if _, err := ImportanceRBO([]float64{1, 2}, []float64{1}, 0.9); err == nil {
		t.Error("ImportanceRBO of unequal lengths: no error")
	}
}

func TestImportanceRBO(t *testing.T) {
	// Rankings [0 1 2 3] and [1 0 3 2]: the swapped-pairs example, 0.873.
	got, err := ImportanceRBO([]float64{0.4, 0.3, 0.2, 0.1}, []float64{0.3, 0.4, 0.1, 0.2}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "RBO of importances", got, 0.873, 1e-12)
	// All tied on one side ranks it 0 1 2 3 (index order), identical to the other.
	got, _ = ImportanceRBO([]float64{0.25, 0.25, 0.25, 0.25}, []float64{0.4, 0.3, 0.2, 0.1}, 0.9)
	near(t, "RBO with ties broken by index", got, 1, 1e-12)
}

func TestSpearman(t *testing.T) {
	// b's ranks with ties averaged: 5->1, 6->2, 7,7->3.5, 8->5. Centred ranks:
	// a: -2 -1 0 1 2; b: -2 -1 0.5 2 0.5. rho = 8 / sqrt(10 * 9.5) = 0.8207827.
	got, err := Spearman([]float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Spearman with ties", got, 8/math.Sqrt(95), 1e-12)
	got, _ = Spearman([]float64{1, 2, 3}, []float64{30, 20, 10})
	near(t, "Spearman reversed", got, -1, 1e-12)
	got, _ = Spearman([]float64{0.1, 5, 2}, []float64{1, 100, 3})
	near(t, "Spearman monotone", got, 1, 1e-12)
	if _, err := Spearman([]float64{1, 1}, []float64{1, 2}); err == nil {
		t.Error("Spearman of a constant vector: no error")
	}
	if _, err := Spearman([]float64{1}, []float64{1}); err == nil {
		t.Error("Spearman of one value: no error")
	}
	got, _ = Spearman([]float64{10, 20, 20, 30}, []float64{1, 2, 2, 3})
	near(t, "Spearman with ties", got, 1, 1e-12)
}

func TestIgnoredLast(t *testing.T) {
	cases := []struct {
		v       []float64
		ignored []int
		want    bool
	}{
		{[]float64{0.7, 0.1, 0.1, 0.1}, []int{1, 2, 3}, true},
		{[]float64{0.25, 0.25, 0.25, 0.25}, []int{1, 2, 3}, false}, // all equal: nothing found
		{[]float64{0.4, 0.3, 0.3}, []int{2}, false},                // tied with a used modality
		{[]float64{0.1, 0.5, 0.4}, []int{0}, true},
		{[]float64{0.1, 0.5, 0.4}, nil, true},
	}
	for _, c := range cases {
		got, err := IgnoredLast(c.v, c.ignored...)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("IgnoredLast(%v, %v) = %v, want %v", c.v, c.ignored, got, c.want)
		}
	}
	if _, err := IgnoredLast([]float64{1}, 1); err == nil {
		t.Error("IgnoredLast with an out-of-range modality: no error")
	}
}

// A method that explains the model must lose its ranking when the head's parameters are
// randomised, and keep it on the same head. Feature-level methods rank 40 features, so
// one randomised copy decides; a modality-only method ranks four, where a random ranking
// matches by chance 1 time in 24, so its similarity is averaged over eight copies.
func TestParameterRandomisation(t *testing.T) {
	h := logistic{w: concentrated(1, 1, 0.2), b: 0.1}
	rng := rand.New(rand.NewPCG(3, 4))
	randomHead := func() Head {
		rw := make([]float64, 40)
		for j := range rw {
			rw[j] = rng.NormFloat64()
		}
		return logistic{w: rw}
	}
	c := cohort(h, 200, 40)
	for _, f := range []GlobalFunc{Gradient, Permutation, IntegratedGradients, KernelSHAP} {
		copies := 1
		if name := mustRun(t, f, h, c).Method; name == "kernelshap" {
			copies = 8
		}
		var sim float64
		for i := 0; i < copies; i++ {
			r, err := ParameterRandomisation(f, h, randomHead(), DefaultModalities(), c, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			sim += r.Similarity / float64(copies)
		}
		if r := (Randomisation{Similarity: sim}); !r.Dropped(0.5) {
			t.Errorf("%s: similarity %.3f after randomisation (mean of %d), want <= 0.5", mustRun(t, f, h, c).Method, sim, copies)
		}
		same, _ := ParameterRandomisation(f, h, h, DefaultModalities(), c, Options{Seed: 1})
		if same.Dropped(0.99) || same.ModalityRBO != 1 {
			t.Errorf("%s on the same head: similarity %.3f, RBO %.3f, want 1", same.Original.Method, same.Similarity, same.ModalityRBO)
		}
	}
	if _, err := ParameterRandomisation(Gradient, h, logistic{w: make([]float64, 20)}, DefaultModalities(), c, Options{}); err == nil {
		t.Error("randomised head of another width: no error")
	}
}

func mustRun(t *testing.T, f GlobalFunc, h Head, c Cohort) Importance {
	imp, err := f(h, DefaultModalities(), c, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

// FuzzRBO checks RBO's bounds on arbitrary rankings: 0 <= min <= ext <= min + res <= 1,
// and ext is symmetric.
func FuzzRBO(f *testing.F) {
	f.Add(uint64(1), uint8(4), uint8(200))
	f.Add(uint64(7), uint8(40), uint8(1))
	f.Fuzz(func(t *testing.T, seed uint64, n, pb uint8) {
		k := 1 + int(n)%50
		p := (float64(pb) + 0.5) / 256
		rng := rand.New(rand.NewPCG(seed, 1))
		items := rng.Perm(k + rng.IntN(k+1))
		a := append([]int(nil), items[:k]...)
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		b := items[:k]
		lo, err1 := RBOMin(a, b, p)
		res, err2 := RBORes(a, b, p)
		ext, err3 := RBOExt(a, b, p)
		ext2, err4 := RBOExt(b, a, p)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatal(err1, err2, err3, err4)
		}
		const eps = 1e-9
		if lo < -eps || ext < lo-eps || ext > lo+res+eps || lo+res > 1+eps || math.Abs(ext-ext2) > eps {
			t.Fatalf("k=%d p=%v: min %v ext %v (swapped %v) min+res %v", k, p, lo, ext, ext2, lo+res)
		}
	})
}
