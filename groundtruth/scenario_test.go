package groundtruth

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkGrad compares s.Grad with central finite differences of s.F at x, on all 40
// components.
func checkGrad(t *testing.T, s *Scenario, x []float64) {
	t.Helper()
	const h = 1e-6
	g := s.Grad(x, nil)
	xp := make([]float64, NumFeatures)
	for j := range NumFeatures {
		copy(xp, x)
		xp[j] = x[j] + h
		fp := s.F(xp)
		xp[j] = x[j] - h
		fm := s.F(xp)
		fd := (fp - fm) / (2 * h)
		if math.Abs(fd-g[j]) > 1e-6*(1+math.Abs(g[j])) {
			t.Fatalf("%s: dF/dx[%s] at %v: analytic %.12g, finite difference %.12g", s.Name, FeatureName(j), x, g[j], fd)
		}
	}
}

func randomPoint(r *rand.Rand) []float64 {
	x := make([]float64, NumFeatures)
	for j := range x {
		x[j] = 1.5 * r.NormFloat64()
	}
	return x
}

func TestGradEveryKind(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for kind := Square; kind <= Product; kind++ {
		for trial := range 50 {
			term := Term{Kind: kind, Coef: 4*r.Float64() - 2, Feature: r.IntN(NumFeatures)}
			if kind == Product {
				term.Feature2 = (term.Feature + 1 + r.IntN(NumFeatures-1)) % NumFeatures
			} else {
				term.Scale = 3*r.Float64() - 1.5
				term.Center = 2*r.Float64() - 1
				if kind == Step {
					term.Scale = 0.5 + 15*r.Float64()
				}
			}
			s := Scenario{Name: kind.String(), Terms: []Term{term}, Threshold: Threshold{Median: true}, CohortSize: 10}
			s.Weights[r.IntN(NumFeatures)] = r.NormFloat64()
			if err := s.Validate(); err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			x := randomPoint(r)
			// abs has a kink at u = 0: keep finite differences away from it.
			for kind == Abs && math.Abs(term.Scale*(x[term.Feature]-term.Center)) < 1e-3 {
				x = randomPoint(r)
			}
			checkGrad(t, &s, x)
		}
	}
}

func TestGradBuiltins(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range Builtins() {
		for range 100 {
			checkGrad(t, &s, randomPoint(r))
		}
	}
}

func TestStepTails(t *testing.T) {
	// Far from the threshold the logistic step must stay finite and flat, not NaN.
	s := Scenario{Name: "tails", Terms: []Term{{Kind: Step, Coef: 1, Feature: 0, Scale: 1e6}}, Threshold: Threshold{Median: true}, CohortSize: 10}
	for _, v := range []float64{-1e6, -3, 3, 1e6} {
		x := make([]float64, NumFeatures)
		x[0] = v
		f, g := s.F(x), s.Grad(x, nil)[0]
		want := 0.0
		if v > 0 {
			want = 1
		}
		if f != want || g != 0 {
			t.Errorf("step at %g: F = %g, dF/dx = %g, want %g and 0", v, f, g, want)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	valid := func() Scenario {
		s := Scenario{Name: "v", Threshold: Threshold{Median: true}, CohortSize: 10}
		s.Weights[0] = 1
		return s
	}
	cases := []struct {
		name   string
		mutate func(*Scenario)
		want   string
	}{
		{"no name", func(s *Scenario) { s.Name = "" }, "name: is empty"},
		{"control", func(s *Scenario) { s.Description = "a\nb" }, "description: contains control character"},
		{"nan weight", func(s *Scenario) { s.Weights[25] = math.NaN() }, "weights[clinical_a[5]]: is NaN"},
		{"inf weight", func(s *Scenario) { s.Weights[3] = math.Inf(-1) }, "weights[ct_axial[3]]: is -Inf"},
		{"huge weight", func(s *Scenario) { s.Weights[3] = 2e6 }, "weights[ct_axial[3]]: |2e+06| exceeds"},
		{"nan intercept", func(s *Scenario) { s.Intercept = math.NaN() }, "intercept: is NaN"},
		{"constant", func(s *Scenario) { s.Weights[0] = 0 }, "F is constant"},
		{"bad kind", func(s *Scenario) { s.Terms = []Term{{Kind: 99, Coef: 1, Scale: 1}} }, "terms[0].kind: unknown term kind 99"},
		{"zero coef", func(s *Scenario) { s.Terms = []Term{{Kind: Tanh, Scale: 1}} }, "terms[0].coef: is 0"},
		{"feature range", func(s *Scenario) { s.Terms = []Term{{Kind: Tanh, Coef: 1, Scale: 1, Feature: 40}} }, "terms[0].feature: index 40 out of range"},
		{"zero scale", func(s *Scenario) { s.Terms = []Term{{Kind: Sin, Coef: 1}} }, "terms[0].scale: is 0"},
		{"neg slope", func(s *Scenario) { s.Terms = []Term{{Kind: Step, Coef: 1, Scale: -1}} }, "terms[0].slope: is -1"},
		{"nan threshold", func(s *Scenario) { s.Terms = []Term{{Kind: Step, Coef: 1, Scale: 1, Center: math.NaN()}} }, "terms[0].threshold: is NaN"},
		{"feature2 unary", func(s *Scenario) { s.Terms = []Term{{Kind: Abs, Coef: 1, Scale: 1, Feature2: 3}} }, "terms[0]: abs takes one feature"},
		{"self product", func(s *Scenario) { s.Terms = []Term{{Kind: Product, Coef: 1, Feature: 4, Feature2: 4}} }, "terms[0].features: both factors are ct_axial[4]"},
		{"product range", func(s *Scenario) { s.Terms = []Term{{Kind: Product, Coef: 1, Feature2: -1}} }, "terms[0].features[1]: index -1 out of range"},
		{"product scale", func(s *Scenario) { s.Terms = []Term{{Kind: Product, Coef: 1, Feature2: 1, Scale: 1}} }, "terms[0]: product takes no scale"},
		{"threshold inf", func(s *Scenario) { s.Threshold = Threshold{Value: math.Inf(1)} }, "threshold: is +Inf"},
		{"median value", func(s *Scenario) { s.Threshold = Threshold{Median: true, Value: 1} }, "threshold: is the median but also has value 1"},
		{"noise", func(s *Scenario) { s.LabelNoise = 0.5 }, "label_noise: is 0.5"},
		{"noise nan", func(s *Scenario) { s.LabelNoise = math.NaN() }, "label_noise: is NaN"},
		{"cohort", func(s *Scenario) { s.CohortSize = 1 }, "cohort_size: is 1"},
		{"too many terms", func(s *Scenario) { s.Terms = make([]Term, MaxTerms+1) }, "terms: has 1001 terms"},
	}
	for _, c := range cases {
		s := valid()
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		c.mutate(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
		if _, ok := err.(*ScenarioError); !ok {
			t.Errorf("%s: error %T is not a *ScenarioError", c.name, err)
		}
	}
}

func TestFormula(t *testing.T) {
	s := Scenario{Name: "f", Intercept: -1, Threshold: Threshold{Median: true}, CohortSize: 10}
	s.Weights[0] = 2
	s.Weights[25] = -1
	s.Terms = []Term{
		{Kind: Step, Coef: 1.5, Feature: 31, Scale: 10, Center: 0.3},
		{Kind: Product, Coef: 0.5, Feature: 1, Feature2: 22},
		{Kind: Square, Coef: 1, Feature: 2, Scale: 1},
		{Kind: Square, Coef: 2, Feature: 10, Scale: 3, Center: 1},
	}
	want := "F = -1 + 2*ct_axial[0] - 1*clinical_a[5] + 1.5*sigmoid(10*(clinical_b[1] - 0.3)) + 0.5*ct_axial[1]*clinical_a[2] + 1*ct_axial[2]^2 + 2*(3*(ct_coronal[0] - 1))^2"
	if got := s.Formula(); got != want {
		t.Errorf("Formula:\n got %s\nwant %s", got, want)
	}
}

func TestKindNames(t *testing.T) {
	for k := Square; k <= Product; k++ {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("cube"); err == nil {
		t.Error("ParseKind(cube) should fail")
	}
	if Kind(0).String() != "Kind(0)" {
		t.Errorf("Kind(0).String() = %q", Kind(0).String())
	}
}
