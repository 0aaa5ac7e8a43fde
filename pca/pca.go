// Package pca finds the principal components of a cohort's rows (for example each image
// of a cohort as a row of pixels) and gives every row its standardised scores on the
// first few of them. The scores are reference features a user can compute from their own
// cohort alone, with no model of the world that made it (importance.BasisGradient).
//
// The components are the eigenvectors of the rows' population covariance matrix, found
// with gonum's symmetric eigensolver; each is signed so that its largest loading (the
// first, on a tie) is positive, so that the same rows always give the same basis.
package pca

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// MaxDim bounds the values per row Fit accepts: the covariance matrix is Dim x Dim.
const MaxDim = 4096

// Basis is the first K principal components of a cohort's rows.
type Basis struct {
	Dim        int       // values per row
	K          int       // components kept
	Mean       []float64 // Dim: the rows' mean
	Components []float64 // K x Dim, row-major: unit vectors, by decreasing variance
	Variance   []float64 // K: the rows' population variance along each component
	// Total is the rows' total population variance (the covariance matrix's trace), so
	// that Variance[k]/Total is the share component k explains.
	Total float64
}

// Fit returns the first k principal components of the n rows of dim values in x
// (row-major). It fails when the sizes do not fit, a value is not finite, or fewer than k
// components have a variance above 1e-12 of the largest (then standardised scores would
// blow rounding noise up).
func Fit(x []float32, n, dim, k int) (*Basis, error) {
	switch {
	case dim < 1 || dim > MaxDim:
		return nil, fmt.Errorf("pca: %d values per row, want 1 to %d", dim, MaxDim)
	case n < 2:
		return nil, fmt.Errorf("pca: %d rows, want at least 2", n)
	case len(x) != n*dim:
		return nil, fmt.Errorf("pca: %d values for %d rows of %d, want %d", len(x), n, dim, n*dim)
	case k < 1 || k > dim || k >= n:
		return nil, fmt.Errorf("pca: %d components of %d rows of %d values, want 1 to %d", k, n, dim, min(dim, n-1))
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("pca: row %d value %d is %v", i/dim, i%dim, v)
		}
	}
	mean := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, v := range x[i*dim : (i+1)*dim] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centred := mat.NewDense(n, dim, nil)
	for i := 0; i < n; i++ {
		row := centred.RawRowView(i)
		for j, v := range x[i*dim : (i+1)*dim] {
			row[j] = float64(v) - mean[j]
		}
	}
	cov := mat.NewSymDense(dim, nil)
	cov.SymOuterK(1/float64(n), centred.T()) // (X' X)/n
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, fmt.Errorf("pca: the eigendecomposition of the %d x %d covariance failed", dim, dim)
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, dim)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	b := &Basis{Dim: dim, K: k, Mean: mean, Components: make([]float64, k*dim), Variance: make([]float64, k)}
	for _, v := range vals {
		b.Total += max(v, 0)
	}
	top := vals[order[0]]
	for c := 0; c < k; c++ {
		col := order[c]
		if !(vals[col] > 1e-12*top) || !(top > 0) {
			return nil, fmt.Errorf("pca: component %d of %d has variance %g (largest %g): the rows span fewer than %d directions", c+1, k, vals[col], top, k)
		}
		b.Variance[c] = vals[col]
		comp := b.Components[c*dim : (c+1)*dim]
		big := 0
		for j := range comp {
			comp[j] = vecs.At(j, col)
			if math.Abs(comp[j]) > math.Abs(comp[big]) {
				big = j
			}
		}
		if comp[big] < 0 {
			for j := range comp {
				comp[j] = -comp[j]
			}
		}
	}
	return b, nil
}

// Scores returns the standardised scores of the n rows of b.Dim values in x (row-major)
// on b's components, n x b.K row-major: score k of a row is its centred values' projection
// on component k divided by the component's standard deviation, so that over the rows b
// was fitted on every score has mean 0 and variance 1 and no two are correlated.
func (b *Basis) Scores(x []float32, n int) ([]float32, error) {
	if n < 0 || len(x) != n*b.Dim {
		return nil, fmt.Errorf("pca: %d values for %d rows of %d, want %d", len(x), n, b.Dim, n*b.Dim)
	}
	out := make([]float32, n*b.K)
	d := make([]float64, b.Dim)
	for i := 0; i < n; i++ {
		for j, v := range x[i*b.Dim : (i+1)*b.Dim] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("pca: row %d value %d is %v", i, j, v)
			}
			d[j] = float64(v) - b.Mean[j]
		}
		for c := 0; c < b.K; c++ {
			var s float64
			for j, w := range b.Components[c*b.Dim : (c+1)*b.Dim] {
				s += w * d[j]
			}
			out[i*b.K+c] = float32(s / math.Sqrt(b.Variance[c]))
		}
	}
	return out, nil
}

// Explained returns the share of the rows' total variance the kept components explain.
func (b *Basis) Explained() float64 {
	if !(b.Total > 0) {
		return 0
	}
	var s float64
	for _, v := range b.Variance {
		s += v
	}
	return s / b.Total
}
