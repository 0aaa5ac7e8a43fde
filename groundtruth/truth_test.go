package groundtruth

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func mustCohort(t testing.TB, n int, seed uint64) []float64 {
	t.Helper()
	X, err := NormalCohort(n, seed)
	if err != nil {
		t.Fatal(err)
	}
	return X
}

func TestImportanceLinearExact(t *testing.T) {
	// F = 2*x0 + x25: |dF/dx| is 2 and 1 on every case, so the shares are exact.
	s := Scenario{Name: "hand", Threshold: Threshold{Median: true}, CohortSize: 10}
	s.Weights[0] = 2
	s.Weights[25] = 1
	imp, err := s.Importance(mustCohort(t, 1000, 5))
	if err != nil {
		t.Fatal(err)
	}
	want := [NumModalities]float64{2.0 / 3, 0, 1.0 / 3, 0}
	if imp.Modality != want {
		t.Errorf("modality importance %v, want %v", imp.Modality, want)
	}
	for j, v := range imp.Feature {
		w := 0.0
		switch j {
		case 0:
			w = 2.0 / 3
		case 25:
			w = 1.0 / 3
		}
		if v != w {
			t.Errorf("feature %s importance %g, want %g", FeatureName(j), v, w)
		}
	}
	if imp.MeanAbsGrad[0] != 2 || imp.MeanAbsGrad[25] != 1 {
		t.Errorf("mean |dF/dx| = %g, %g, want 2, 1", imp.MeanAbsGrad[0], imp.MeanAbsGrad[25])
	}
}

func TestImportanceNonlinearHand(t *testing.T) {
	// On the four-row cohort x0 ∈ {-2,-1,1,2}, x10 = x30 = 1 (others 0):
	// F = x0² + 3*x10*x30 + tanh(x20 - 0).
	// |dF/dx0| = |2x0|: mean (4+2+2+4)/4 = 3. |dF/dx10| = 3|x30| = 3, |dF/dx30| = 3|x10| = 3.
	// |dF/dx20| = 1 - tanh²(0) = 1. Total 10: ct_axial .3, ct_coronal .3, clinical_a .1, clinical_b .3.
	s := Scenario{Name: "hand2", Threshold: Threshold{Median: true}, CohortSize: 10, Terms: []Term{
		{Kind: Square, Coef: 1, Feature: 0, Scale: 1},
		{Kind: Product, Coef: 3, Feature: 10, Feature2: 30},
		{Kind: Tanh, Coef: 1, Feature: 20, Scale: 1},
	}}
	X := make([]float64, 4*NumFeatures)
	for i, v := range []float64{-2, -1, 1, 2} {
		X[i*NumFeatures] = v
		X[i*NumFeatures+10] = 1
		X[i*NumFeatures+30] = 1
	}
	imp, err := s.Importance(X)
	if err != nil {
		t.Fatal(err)
	}
	want := [NumModalities]float64{0.3, 0.3, 0.1, 0.3}
	for m := range want {
		if math.Abs(imp.Modality[m]-want[m]) > 1e-15 {
			t.Errorf("%s importance %.17g, want %g", Modalities[m], imp.Modality[m], want[m])
		}
	}
}

func TestImportanceStepLimit(t *testing.T) {
	// As the slope grows, a step's mean |dF/dx| tends to the density of x at the
	// threshold: 1/sqrt(2π) = 0.3989 at 0 for a standard normal feature.
	X := mustCohort(t, 200000, 9)
	s := Scenario{Name: "step", Threshold: Threshold{Median: true}, CohortSize: 10,
		Terms: []Term{{Kind: Step, Coef: 1, Feature: 7, Scale: 50}}}
	imp, err := s.Importance(X)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := imp.MeanAbsGrad[7], 1/math.Sqrt(2*math.Pi); math.Abs(got-want) > 0.01 {
		t.Errorf("steep step mean |dF/dx| = %.4f, want about %.4f", got, want)
	}
	if imp.Modality[0] != 1 {
		t.Errorf("step on ct_axial[7]: modality importance %v", imp.Modality)
	}
}

func TestImportanceErrors(t *testing.T) {
	s, _ := Builtin("F0")
	if _, err := s.Importance(nil); err == nil {
		t.Error("empty cohort should fail")
	}
	if _, err := s.Importance(make([]float64, 41)); err == nil || !strings.Contains(err.Error(), "not a multiple of 40") {
		t.Errorf("ragged cohort: %v", err)
	}
	// abs at its kink on every case: gradient zero everywhere.
	z := Scenario{Name: "kink", Threshold: Threshold{Median: true}, CohortSize: 10,
		Terms: []Term{{Kind: Abs, Coef: 1, Feature: 3, Scale: 1}}}
	if _, err := z.Importance(make([]float64, 2*NumFeatures)); err == nil || !strings.Contains(err.Error(), "zero on all 2 cases") {
		t.Errorf("zero gradient: %v", err)
	}
	bad := Scenario{Name: "bad"}
	if _, err := bad.Importance(make([]float64, NumFeatures)); err == nil {
		t.Error("invalid scenario should fail")
	}
}

func TestLabelsBalance(t *testing.T) {
	for _, n := range []int{5000, 5001} {
		X := mustCohort(t, n, 11)
		for _, s := range Builtins() {
			l, err := s.Label(X)
			if err != nil {
				t.Fatal(err)
			}
			pos := 0
			for i, y := range l.Y {
				if (l.F[i] > l.Threshold) != (y == 1) {
					t.Fatalf("%s: case %d: F %g, threshold %g, label %d", s.Name, i, l.F[i], l.Threshold, y)
				}
				pos += int(y)
			}
			if pos != n/2 || l.CleanPos != float64(n/2)/float64(n) || l.Positive != l.CleanPos || l.Flipped != 0 {
				t.Errorf("%s n=%d: %d positives (clean %g, after noise %g, %d flipped), want %d", s.Name, n, pos, l.CleanPos, l.Positive, l.Flipped, n/2)
			}
		}
	}
}

func TestLabelsNoiseAndFixedThreshold(t *testing.T) {
	X := mustCohort(t, 20000, 12)
	s, _ := Builtin("F0")
	s.LabelNoise = 0.1
	s.Seed = 42
	l, err := s.Label(X)
	if err != nil {
		t.Fatal(err)
	}
	clean := *s
	clean.LabelNoise = 0
	lc, _ := clean.Label(X)
	diff, pos := 0, 0
	for i := range l.Y {
		if l.Y[i] != lc.Y[i] {
			diff++
		}
		pos += int(l.Y[i])
	}
	if diff != l.Flipped || float64(pos)/float64(len(l.Y)) != l.Positive {
		t.Errorf("flipped %d (counted %d), positive share %g (counted %d)", l.Flipped, diff, l.Positive, pos)
	}
	// 20000 draws at p = 0.1: SD of the count is 42, so ±200 is about 5 SD.
	if l.Flipped < 1800 || l.Flipped > 2200 {
		t.Errorf("flipped %d of 20000 at p = 0.1", l.Flipped)
	}
	// Same seed, same labels; another seed, other labels.
	l2, _ := s.Label(X)
	if !slices.Equal(l.Y, l2.Y) {
		t.Error("labels differ between two runs with the same seed")
	}
	s.Seed = 43
	l3, _ := s.Label(X)
	if slices.Equal(l.Y, l3.Y) {
		t.Error("labels equal with different noise seeds")
	}
	// A fixed threshold far above the median gives few positives, and says so.
	s.LabelNoise = 0
	s.Threshold = Threshold{Value: 10}
	l4, _ := s.Label(X)
	want := 0
	for _, f := range l4.F {
		if f > 10 {
			want++
		}
	}
	if l4.Threshold != 10 || l4.Positive != float64(want)/20000 || l4.Positive > 0.1 {
		t.Errorf("fixed threshold 10: threshold %g, positive share %g, want %d/20000", l4.Threshold, l4.Positive, want)
	}
}

func TestDeterminism(t *testing.T) {
	a, b := mustCohort(t, 100, 3), mustCohort(t, 100, 3)
	if !slices.Equal(a, b) {
		t.Error("NormalCohort differs between runs with the same seed")
	}
	if c := mustCohort(t, 100, 4); slices.Equal(a, c) {
		t.Error("NormalCohort equal for seeds 3 and 4")
	}
	if _, err := NormalCohort(0, 1); err == nil {
		t.Error("NormalCohort(0) should fail")
	}
}

// TestBuiltinsTable checks every built-in and logs its ground-truth importance on the
// reference cohort (independent standard normal features, n = 5000, seed 1).
func TestBuiltinsTable(t *testing.T) {
	X := mustCohort(t, 5000, 1)
	b := Builtins()
	if len(b) != 8 {
		t.Fatalf("%d built-ins, want 8", len(b))
	}
	var tab strings.Builder
	fmt.Fprintf(&tab, "\n%-18s %10s %10s %10s %10s\n", "scenario", Modalities[0], Modalities[1], Modalities[2], Modalities[3])
	names := map[string]bool{}
	for k, s := range b {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if !strings.HasPrefix(s.Name, fmt.Sprintf("F%d-", k)) || s.Description == "" || names[s.Name] {
			t.Errorf("built-in %d: name %q, description %q", k, s.Name, s.Description)
		}
		names[s.Name] = true
		if got, err := Builtin(fmt.Sprintf("F%d", k)); err != nil || got.Name != s.Name {
			t.Errorf("Builtin(F%d) = %v, %v", k, got, err)
		}
		imp, err := s.Importance(X)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&tab, "%-18s %10.4f %10.4f %10.4f %10.4f\n", s.Name, imp.Modality[0], imp.Modality[1], imp.Modality[2], imp.Modality[3])
		sum := 0.0
		for _, v := range imp.Modality {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%s: modality importances sum to %g", s.Name, sum)
		}
	}
	t.Log(tab.String())
	if _, err := Builtin("F8"); err == nil {
		t.Error("Builtin(F8) should fail")
	}
	// Modalities a scenario ignores get exactly zero.
	zeros := map[string][]int{"F1": {1, 2, 3}, "F2": {0, 2, 3}, "F3": {0, 1}, "F4": {2, 3}}
	for name, ms := range zeros {
		s, _ := Builtin(name)
		imp, _ := s.Importance(X)
		for _, m := range ms {
			if imp.Modality[m] != 0 {
				t.Errorf("%s: %s importance %g, want 0", name, Modalities[m], imp.Modality[m])
			}
		}
	}
	// The linear ones are exact whatever the cohort.
	exact := map[string][NumModalities]float64{"F0": {0.25, 0.25, 0.25, 0.25}, "F1": {1, 0, 0, 0}, "F2": {0, 1, 0, 0}, "F3": {0, 0, 0.6, 0.4}, "F4": {0.5, 0.5, 0, 0}}
	for name, want := range exact {
		s, _ := Builtin(name)
		imp, _ := s.Importance(X)
		for m := range want {
			if math.Abs(imp.Modality[m]-want[m]) > 1e-12 {
				t.Errorf("%s: %s importance %.15g, want %g", name, Modalities[m], imp.Modality[m], want[m])
			}
		}
	}
}

// TestBuiltinsGradedTargets checks the graded built-ins against the targets in their
// descriptions on a large standard normal cohort.
func TestBuiltinsGradedTargets(t *testing.T) {
	X := mustCohort(t, 100000, 2)
	targets := map[string][NumModalities]float64{
		"F5": {0.40, 0.30, 0.20, 0.10},
		"F6": {0.35, 0.25, 0.25, 0.15},
		"F7": {0.25, 0.05, 0.15, 0.55},
	}
	for name, want := range targets {
		s, _ := Builtin(name)
		imp, err := s.Importance(X)
		if err != nil {
			t.Fatal(err)
		}
		for m := range want {
			if math.Abs(imp.Modality[m]-want[m]) > 0.01 {
				t.Errorf("%s: %s importance %.4f, target %.2f", s.Name, Modalities[m], imp.Modality[m], want[m])
			}
		}
	}
}

func BenchmarkImportanceF5(b *testing.B) {
	X := mustCohort(b, 5000, 1)
	s, _ := Builtin("F5")
	for b.Loop() {
		if _, err := s.Importance(X); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMedianAdjacentFloats(t *testing.T) {
	// The mean of these two rounds (to even) up to the upper one.
	a := math.Nextafter(1, 2)
	b := math.Nextafter(a, 2)
	if a/2+b/2 != b {
		t.Fatal("test premise: the mean should round to the upper value")
	}
	if m := median([]float64{b, a}); !(m < b) {
		t.Errorf("median of adjacent floats %v, %v = %v, want below the upper one", a, b, m)
	}
	if m := median([]float64{3, 1, 2, 4}); m != 2.5 {
		t.Errorf("median(3,1,2,4) = %g", m)
	}
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median(3,1,2) = %g", m)
	}
}
