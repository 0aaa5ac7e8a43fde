package groundtruth

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkHessian compares s.Hessian with central finite differences of s.Grad at x, on all
// 40 x 40 entries, and checks that it is symmetric.
func checkHessian(t *testing.T, s *Scenario, x []float64) {
	t.Helper()
	const h = 1e-5
	H := s.Hessian(x, nil)
	xp := make([]float64, NumFeatures)
	for j := range NumFeatures {
		copy(xp, x)
		xp[j] = x[j] + h
		gp := s.Grad(xp, nil)
		xp[j] = x[j] - h
		gm := s.Grad(xp, nil)
		for i := range NumFeatures {
			fd := (gp[i] - gm[i]) / (2 * h)
			if got := H[i*NumFeatures+j]; math.Abs(fd-got) > 1e-5*(1+math.Abs(got)) {
				t.Fatalf("%s: d2F/dx[%s]dx[%s] at %v: analytic %.12g, finite difference %.12g", s.Name, FeatureName(i), FeatureName(j), x, got, fd)
			}
			if H[i*NumFeatures+j] != H[j*NumFeatures+i] {
				t.Fatalf("%s: Hessian not symmetric at %s, %s", s.Name, FeatureName(i), FeatureName(j))
			}
		}
	}
}

func TestHessianEveryKind(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for kind := Square; kind <= Product; kind++ {
		for trial := range 30 {
			// Two terms of the kind, so that they add up, and a linear part.
			s := Scenario{Name: kind.String(), Threshold: Threshold{Median: true}, CohortSize: 10}
			s.Weights[r.IntN(NumFeatures)] = r.NormFloat64()
			for range 2 {
				term := Term{Kind: kind, Coef: 4*r.Float64() - 2, Feature: r.IntN(NumFeatures)}
				if kind == Product {
					term.Feature2 = (term.Feature + 1 + r.IntN(NumFeatures-1)) % NumFeatures
				} else {
					term.Scale = 3*r.Float64() - 1.5
					term.Center = 2*r.Float64() - 1
					if kind == Step {
						term.Scale = 0.5 + 6*r.Float64()
					}
				}
				s.Terms = append(s.Terms, term)
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			x := randomPoint(r)
			// abs has a kink at u = 0: keep finite differences away from it.
			for kind == Abs && (math.Abs(s.Terms[0].Scale*(x[s.Terms[0].Feature]-s.Terms[0].Center)) < 1e-3 ||
				math.Abs(s.Terms[1].Scale*(x[s.Terms[1].Feature]-s.Terms[1].Center)) < 1e-3) {
				x = randomPoint(r)
			}
			checkHessian(t, &s, x)
		}
	}
}

func TestHessianBuiltins(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range Builtins() {
		for range 10 {
			checkHessian(t, &s, randomPoint(r))
		}
	}
}

func TestInteractionBuiltins(t *testing.T) {
	X := mustCohort(t, 500, 3)
	for _, s := range Builtins() {
		in, err := s.Interaction(X)
		if err != nil {
			t.Fatal(err)
		}
		pairs := in.Pairs()
		if len(pairs) != 6 {
			t.Fatalf("%s: %d pairs, want 6", s.Name, len(pairs))
		}
		if s.Name != "F6-cross-modal" {
			// Every other built-in is a sum of one-feature terms: no interaction at all.
			if in.Total != 0 {
				t.Errorf("%s: total interaction %v, want 0", s.Name, in.Total)
			}
			for name, v := range pairs {
				if v != 0 {
					t.Errorf("%s: %s share %v, want 0", s.Name, name, v)
				}
			}
			continue
		}
		// F6: 0.5 ax0*ca0 + 0.25 co0*cb0 + 0.25 ax1*co1, constant second derivatives.
		want := map[string]float64{"ct_axial|clinical_a": 0.5, "ct_coronal|clinical_b": 0.25, "ct_axial|ct_coronal": 0.25,
			"ct_axial|clinical_b": 0, "ct_coronal|clinical_a": 0, "clinical_a|clinical_b": 0}
		for name, w := range want {
			if math.Abs(pairs[name]-w) > 1e-12 {
				t.Errorf("F6: %s share %v, want %v", name, pairs[name], w)
			}
		}
		if math.Abs(in.Total-1) > 1e-12 || in.MeanAbs[0][2] != 0.5 || in.MeanAbs[2][0] != 0.5 {
			t.Errorf("F6: total %v, MeanAbs[ax][ca] %v, [ca][ax] %v; want 1, 0.5, 0.5", in.Total, in.MeanAbs[0][2], in.MeanAbs[2][0])
		}
	}
}

func TestInteractionIsCohortMeanOfAbsoluteSecondDerivative(t *testing.T) {
	// Products whose coefficients cancel on some pairs of features but not in |.| summed
	// over the modality block, a product inside one modality (not counted), and a square.
	s := Scenario{Name: "mix", Threshold: Threshold{Median: true}, CohortSize: 10, Terms: []Term{
		{Kind: Product, Coef: 2, Feature: ax + 0, Feature2: cb + 0},
		{Kind: Product, Coef: -2, Feature: ax + 1, Feature2: cb + 1},
		{Kind: Product, Coef: 1, Feature: ca + 0, Feature2: ca + 1},
		{Kind: Product, Coef: 0.5, Feature: ca + 2, Feature2: co + 3},
		{Kind: Square, Coef: 3, Feature: co + 0, Scale: 1},
	}}
	in, err := s.Interaction(mustCohort(t, 20, 4))
	if err != nil {
		t.Fatal(err)
	}
	// ax|cb: |2| + |-2| = 4 (counted as the mean of |d2F/dx_i dx_j| over i in one and j
	// in the other); co|ca: 0.5; total 4.5.
	if in.MeanAbs[0][3] != 4 || in.MeanAbs[1][2] != 0.5 || in.Total != 4.5 {
		t.Errorf("MeanAbs ax|cb %v, co|ca %v, total %v; want 4, 0.5, 4.5", in.MeanAbs[0][3], in.MeanAbs[1][2], in.Total)
	}
	if p := in.Pairs(); math.Abs(p["ct_axial|clinical_b"]-4/4.5) > 1e-12 || math.Abs(p["ct_coronal|clinical_a"]-0.5/4.5) > 1e-12 {
		t.Errorf("shares %v", p)
	}
	for a := range NumModalities {
		if in.MeanAbs[a][a] != 0 {
			t.Errorf("modality %d with itself: %v, want 0", a, in.MeanAbs[a][a])
		}
	}
}

func TestInteractionErrors(t *testing.T) {
	s, _ := Builtin("F6")
	if _, err := s.Interaction(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty cohort: %v", err)
	}
	if _, err := s.Interaction(make([]float64, 41)); err == nil || !strings.Contains(err.Error(), "multiple of 40") {
		t.Errorf("ragged cohort: %v", err)
	}
	bad := *s
	bad.Terms = []Term{{Kind: Product, Coef: 1, Feature: 3, Feature2: 3}}
	if _, err := bad.Interaction(make([]float64, 40)); err == nil || !strings.Contains(err.Error(), "square term") {
		t.Errorf("invalid scenario: %v", err)
	}
}
