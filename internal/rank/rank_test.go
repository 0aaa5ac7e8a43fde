package rank

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAverage(t *testing.T) {
	cases := []struct {
		name string
		v    []float64
		want []float64
	}{
		{"empty", nil, []float64{}},
		{"one", []float64{4}, []float64{1}},
		{"distinct", []float64{0.5, -2, 9}, []float64{2, 1, 3}},
		{"ties", []float64{10, 20, 20, 30, 20}, []float64{1, 3, 3, 5, 3}},
		{"all equal", []float64{7, 7, 7, 7}, []float64{2.5, 2.5, 2.5, 2.5}},
		{"NaN lowest, tied", []float64{1, math.NaN(), 0, math.NaN()}, []float64{4, 1.5, 3, 1.5}},
	}
	for _, c := range cases {
		if got := Average(c.v); !slices.Equal(got, c.want) {
			t.Errorf("%s: Average(%v) = %v, want %v", c.name, c.v, got, c.want)
		}
	}
	if got, want := Average([]float32{0.25, 0.25, 1}), []float64{1.5, 1.5, 3}; !slices.Equal(got, want) {
		t.Errorf("Average of float32 = %v, want %v", got, want)
	}
}

// TestAverageProperties checks, on random values with many ties, that ranks keep the
// values' order, that equal values share a rank, and that the ranks sum to n(n+1)/2.
func TestAverageProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(40)
		v := make([]int, n)
		for i := range v {
			v[i] = rng.IntN(1 + n/3) // few distinct values: ties are common
		}
		r := Average(v)
		var sum float64
		for i := range v {
			sum += r[i]
			for j := range v {
				if (v[i] < v[j]) != (r[i] < r[j]) || (v[i] == v[j]) != (r[i] == r[j]) {
					t.Fatalf("trial %d: values %v have ranks %v: %d and %d out of order", trial, v, r, i, j)
				}
			}
		}
		if want := float64(n*(n+1)) / 2; sum != want {
			t.Fatalf("trial %d: ranks %v sum to %g, want %g", trial, r, sum, want)
		}
	}
}
