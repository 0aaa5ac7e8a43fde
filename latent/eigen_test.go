package latent

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestSymEigen checks the Jacobi solver on random symmetric matrices: A V = V Λ, V
// orthonormal, eigenvalues ascending, and the same eigenvalues as gonum's LAPACK.
func TestSymEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 10, 40} {
		a := make([]float64, n*n)
		for r := range n {
			for c := r; c < n; c++ {
				v := rng.NormFloat64()
				a[r*n+c], a[c*n+r] = v, v
			}
		}
		vals, vecs := symEigen(a, n)
		scale := 0.0
		for _, v := range vals {
			scale = math.Max(scale, math.Abs(v))
		}
		for k := range n {
			if k > 0 && vals[k] < vals[k-1] {
				t.Fatalf("n=%d: eigenvalues not ascending at %d: %v", n, k, vals)
			}
			for r := range n {
				var av float64
				for c := range n {
					av += a[r*n+c] * vecs[c*n+k]
				}
				if d := math.Abs(av - vals[k]*vecs[r*n+k]); d > 1e-10*scale {
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
		var eig mat.EigenSym
		if !eig.Factorize(mat.NewSymDense(n, a), false) {
			t.Fatal("gonum factorisation failed")
		}
		for k, v := range eig.Values(nil) {
			if math.Abs(v-vals[k]) > 1e-10*scale {
				t.Fatalf("n=%d: eigenvalue %d = %g, gonum says %g", n, k, vals[k], v)
			}
		}
	}
}
