package latent

import (
	"fmt"
	"math"
)

// Whitening maps raw codes to features: feature k = Σ_j Matrix[k*Dim+j] * (code_j - Mean_j).
// Its values are float32 numbers held in float64, so a model file (float32 tensors)
// stores them exactly.
type Whitening struct {
	Mean   [Dim]float64
	Matrix [Dim * Dim]float64 // row-major
}

// identityWhitening leaves codes as they are.
func identityWhitening() Whitening {
	var w Whitening
	for k := range Dim {
		w.Matrix[k*Dim+k] = 1
	}
	return w
}

// minEigRatio is the smallest covariance eigenvalue, relative to the largest, that
// FitWhitening accepts: below it the codes have (numerically) fewer than ten directions
// and whitening would blow noise up into features.
const minEigRatio = 1e-6

// FitWhitening fits the symmetric (ZCA) whitening C^(-1/2) of n codes (n x 10, row-major;
// n > 10): over them, the features it gives have mean 0, variance 1 and no correlation
// (up to float32 rounding of the stored matrix). It fails when the codes are not finite or
// their covariance is degenerate.
func FitWhitening(codes []float32, n int) (*Whitening, error) {
	if n <= Dim || len(codes) != n*Dim {
		return nil, fmt.Errorf("latent: whitening needs more than %d codes of %d values; got %d values for n=%d", Dim, Dim, len(codes), n)
	}
	if !finite(codes) {
		return nil, fmt.Errorf("latent: whitening: codes are not all finite")
	}
	mean, cov := moments(codes, n)
	vals, vecs, ok := symEigen(cov, Dim) // ascending
	if !ok {
		return nil, fmt.Errorf("latent: whitening: the eigendecomposition of the codes' covariance failed")
	}
	if !(vals[Dim-1] > 0) || vals[0] < minEigRatio*vals[Dim-1] {
		return nil, fmt.Errorf("latent: whitening: the codes are degenerate: covariance eigenvalues %.3g..%.3g (ratio below %g)", vals[0], vals[Dim-1], minEigRatio)
	}
	w := &Whitening{}
	for j := range Dim {
		w.Mean[j] = float64(float32(mean[j]))
	}
	for r := range Dim {
		for c := range Dim {
			var s float64
			for k := range Dim {
				s += vecs[r*Dim+k] * vecs[c*Dim+k] / math.Sqrt(vals[k])
			}
			w.Matrix[r*Dim+c] = float64(float32(s))
		}
	}
	return w, nil
}

// moments returns the mean and the population covariance (Dim x Dim, row-major) of n
// codes, in float64.
func moments(codes []float32, n int) (mean []float64, cov []float64) {
	mean = make([]float64, Dim)
	for i := range n {
		for j, v := range codes[i*Dim : (i+1)*Dim] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	cov = make([]float64, Dim*Dim)
	var d [Dim]float64
	for i := range n {
		for j, v := range codes[i*Dim : (i+1)*Dim] {
			d[j] = float64(v) - mean[j]
		}
		for r := range Dim {
			for c := r; c < Dim; c++ {
				cov[r*Dim+c] += d[r] * d[c]
			}
		}
	}
	for r := range Dim {
		for c := r; c < Dim; c++ {
			cov[r*Dim+c] /= float64(n)
			cov[c*Dim+r] = cov[r*Dim+c]
		}
	}
	return mean, cov
}

// Apply returns the features of n raw codes (n x 10, row-major) as n x 10 float64 values.
// It panics if len(codes) != n*10.
func (w *Whitening) Apply(codes []float32, n int) []float64 {
	if n < 0 || len(codes) != n*Dim {
		panic(fmt.Sprintf("latent: Whitening.Apply: %d values for %d codes, want %d", len(codes), n, n*Dim))
	}
	out := make([]float64, n*Dim)
	var d [Dim]float64
	for i := range n {
		for j, v := range codes[i*Dim : (i+1)*Dim] {
			d[j] = float64(v) - w.Mean[j]
		}
		o := out[i*Dim : (i+1)*Dim]
		for k := range Dim {
			var s float64
			for j, dj := range d {
				s += w.Matrix[k*Dim+j] * dj
			}
			o[k] = s
		}
	}
	return out
}

// CorrelationSpectrum returns the eigenvalues, ascending, of the correlation matrix of
// the columns of X (n x cols, row-major, float64): all 1 for uncorrelated columns, and
// the smallest near 0 when some column is nearly a linear combination of the others. It
// fails when a column is constant or the decomposition fails.
func CorrelationSpectrum(X []float64, cols int) ([]float64, error) {
	if cols < 1 || len(X) == 0 || len(X)%cols != 0 {
		return nil, fmt.Errorf("latent: correlation of %d values in %d columns", len(X), cols)
	}
	n := len(X) / cols
	mean := make([]float64, cols)
	for i := range n {
		for c, v := range X[i*cols : (i+1)*cols] {
			mean[c] += v
		}
	}
	for c := range mean {
		mean[c] /= float64(n)
	}
	cov := make([]float64, cols*cols)
	d := make([]float64, cols)
	for i := range n {
		for c, v := range X[i*cols : (i+1)*cols] {
			d[c] = v - mean[c]
		}
		for r := range cols {
			for c := r; c < cols; c++ {
				cov[r*cols+c] += d[r] * d[c]
			}
		}
	}
	sd := make([]float64, cols)
	for c := range sd {
		sd[c] = math.Sqrt(cov[c*cols+c])
		if !(sd[c] > 0) || math.IsInf(sd[c], 0) {
			return nil, fmt.Errorf("latent: correlation: column %d has variance %g", c, cov[c*cols+c])
		}
	}
	corr := make([]float64, cols*cols)
	for r := range cols {
		for c := r; c < cols; c++ {
			v := cov[r*cols+c] / (sd[r] * sd[c])
			corr[r*cols+c], corr[c*cols+r] = v, v
		}
	}
	vals, _, ok := symEigen(corr, cols)
	if !ok {
		return nil, fmt.Errorf("latent: correlation: eigendecomposition failed")
	}
	return vals, nil
}
