package nn

import (
	"math"
	"testing"
)

// TestLogisticTails checks Logistic against its defining identities where the naive
// formula fails: no NaN or overflow at huge |x|, sigma(x) = exp(x) to full precision
// far in the lower tail, and sigma(x) + sigma(-x) = 1.
func TestLogisticTails(t *testing.T) {
	if got := Logistic(0); got != 0.5 {
		t.Errorf("Logistic(0) = %v, want 0.5", got)
	}
	for _, x := range []float64{-1000, -40, -3, -0.25, 0.25, 3, 40, 1000, math.Inf(1), math.Inf(-1)} {
		p := Logistic(x)
		if math.IsNaN(p) || p < 0 || p > 1 {
			t.Fatalf("Logistic(%v) = %v, outside [0, 1]", x, p)
		}
		if s := p + Logistic(-x); math.Abs(s-1) > 1e-15 {
			t.Errorf("Logistic(%v) + Logistic(%v) = %v, want 1", x, -x, s)
		}
	}
	// In the lower tail 1/(1+exp(-x)) = exp(x)/(1+exp(x)) = exp(x)(1 - exp(x) + ...).
	for _, x := range []float64{-40, -100, -700} {
		want := math.Exp(x)
		if got := Logistic(x); math.Abs(got-want) > 1e-15*want {
			t.Errorf("Logistic(%v) = %v, want %v", x, got, want)
		}
	}
}
