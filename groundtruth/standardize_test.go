package groundtruth

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestStandardize(t *testing.T) {
	const n, cols = 777, 10
	r := rand.New(rand.NewPCG(5, 6))
	X := make([]float64, n*cols)
	for i := range n {
		for c := range cols {
			// Columns with very different means and spreads, one far from zero.
			X[i*cols+c] = 1e6*float64(c) + float64(c+1)*r.NormFloat64()
		}
	}
	orig := append([]float64(nil), X...)
	st, err := Standardize(X, cols)
	if err != nil {
		t.Fatal(err)
	}
	for c := range cols {
		mean, ss := 0.0, 0.0
		for i := range n {
			mean += X[i*cols+c]
		}
		mean /= n
		for i := range n {
			d := X[i*cols+c] - mean
			ss += d * d
		}
		if sd := math.Sqrt(ss / n); math.Abs(mean) > 1e-9 || math.Abs(sd-1) > 1e-9 {
			t.Errorf("column %d after standardising: mean %g, SD %g", c, mean, sd)
		}
		if math.Abs(st.SD[c]-float64(c+1)) > 0.1*float64(c+1) {
			t.Errorf("column %d: fitted SD %g, drawn with %d", c, st.SD[c], c+1)
		}
	}
	// Applying the fitted map to the original rows reproduces the standardised ones.
	if err := st.Apply(orig); err != nil {
		t.Fatal(err)
	}
	for i := range X {
		if orig[i] != X[i] {
			t.Fatalf("Apply differs from Standardize at %d: %g vs %g", i, orig[i], X[i])
		}
	}
}

func TestStandardizeErrors(t *testing.T) {
	if _, err := FitStandardizer([]float64{1, 2, 3}, 2); err == nil {
		t.Error("ragged matrix should fail")
	}
	if _, err := FitStandardizer(nil, 2); err == nil {
		t.Error("empty matrix should fail")
	}
	if _, err := FitStandardizer([]float64{1}, 0); err == nil {
		t.Error("zero columns should fail")
	}
	if _, err := FitStandardizer([]float64{1, 0.1, 2, 0.1, 3, 0.1}, 2); err == nil {
		t.Error("constant column should fail")
	}
	if _, err := FitStandardizer([]float64{1, math.NaN(), 2, 0}, 2); err == nil {
		t.Error("NaN should fail")
	}
	st := &Standardizer{Mean: []float64{0, 0}, SD: []float64{1, 1}}
	if err := st.Apply([]float64{1, 2, 3}); err == nil {
		t.Error("Apply on a ragged matrix should fail")
	}
}
