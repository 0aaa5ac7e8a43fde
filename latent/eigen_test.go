package latent

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSymEigen checks symEigen on symmetric matrices built as Q diag(λ) Qᵀ from a random
// orthonormal Q and chosen λ (some repeated): the eigenvalues are λ in ascending order,
// A V = V Λ, and V is orthonormal.
func TestSymEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 10, 40} {
		q := randomOrthonormal(n, rng)
		lambda := make([]float64, n)
		for k := range lambda {
			lambda[k] = 4*rng.Float64() - 2
		}
		if n > 2 {
			lambda[1] = lambda[2] // a repeated eigenvalue
		}
		a := make([]float64, n*n)
		for r := range n {
			for c := range n {
				for k := range n {
					a[r*n+c] += q[r*n+k] * lambda[k] * q[c*n+k]
				}
			}
		}
		vals, vecs, ok := symEigen(a, n)
		if !ok {
			t.Fatalf("n=%d: factorisation failed", n)
		}
		want := slices.Clone(lambda)
		slices.Sort(want)
		for k := range n {
			if math.Abs(vals[k]-want[k]) > 1e-12 {
				t.Fatalf("n=%d: eigenvalues %v, want %v", n, vals, want)
			}
			for r := range n {
				var av float64
				for c := range n {
					av += a[r*n+c] * vecs[c*n+k]
				}
				if d := math.Abs(av - vals[k]*vecs[r*n+k]); d > 1e-12 {
					t.Fatalf("n=%d: (A v_%d)[%d] off by %g", n, k, r, d)
				}
			}
			for j := range n {
				var dot float64
				for r := range n {
					dot += vecs[r*n+k] * vecs[r*n+j]
				}
				want := 0.0
				if j == k {
					want = 1
				}
				if math.Abs(dot-want) > 1e-12 {
					t.Fatalf("n=%d: v_%d . v_%d = %g, want %g", n, k, j, dot, want)
				}
			}
		}
	}
	if _, _, ok := symEigen([]float64{1, math.NaN(), math.NaN(), 1}, 2); ok {
		t.Error("a matrix with NaN entries factorised")
	}
}

// randomOrthonormal returns an n x n (row-major) matrix with orthonormal columns, by
// Gram-Schmidt on normal random columns.
func randomOrthonormal(n int, rng *rand.Rand) []float64 {
	q := make([]float64, n*n)
	for k := range n {
		col := make([]float64, n)
		for r := range col {
			col[r] = rng.NormFloat64()
		}
		for pass := 0; pass < 2; pass++ { // twice, for orthogonality to full precision
			for j := range k {
				var d float64
				for r := range n {
					d += col[r] * q[r*n+j]
				}
				for r := range n {
					col[r] -= d * q[r*n+j]
				}
			}
		}
		var norm float64
		for _, v := range col {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for r := range n {
			q[r*n+k] = col[r] / norm
		}
	}
	return q
}
