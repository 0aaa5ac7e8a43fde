package latent

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// symEigen returns the eigenvalues (ascending) and eigenvectors of the symmetric n x n
// matrix a (row-major; only read): vecs holds eigenvector k in column k (row-major
// n x n). It uses gonum's mat.EigenSym (LAPACK's symmetric QR algorithm, Dsyev), which
// costs check.wasm about 24 KB gzipped. ok is false when an entry of a is NaN or infinite
// or the factorisation fails.
func symEigen(a []float64, n int) (vals, vecs []float64, ok bool) {
	for _, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, false
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(n, append([]float64(nil), a...)), true) {
		return nil, nil, false
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	vecs = make([]float64, n*n)
	for r := range n {
		for c := range n {
			vecs[r*n+c] = v.At(r, c)
		}
	}
	return eig.Values(nil), vecs, true
}
