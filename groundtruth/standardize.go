package groundtruth

import (
	"fmt"
	"math"
)

// Standardizer maps each column of a row-major matrix to mean 0 and standard deviation 1
// over the cohort it was fitted on, and applies the same map to new cases. The
// autoencoder latents become ground-truth features this way.
type Standardizer struct {
	Mean []float64 // per column
	SD   []float64 // per column, population SD (divides by n), > 0
}

// FitStandardizer computes the per-column mean and population standard deviation of X,
// an n x cols row-major matrix. It fails when a column is constant or not finite, since
// such a column cannot be standardised.
func FitStandardizer(X []float64, cols int) (*Standardizer, error) {
	if cols < 1 {
		return nil, fmt.Errorf("groundtruth: standardize: %d columns, want at least 1", cols)
	}
	if len(X) == 0 || len(X)%cols != 0 {
		return nil, fmt.Errorf("groundtruth: standardize: %d values is not a non-empty multiple of %d columns", len(X), cols)
	}
	n := len(X) / cols
	st := &Standardizer{Mean: make([]float64, cols), SD: make([]float64, cols)}
	// A column is constant when all its values are equal; checking that directly avoids
	// mistaking rounding noise in the SD for spread.
	varies := make([]bool, cols)
	for i := range n {
		for c, v := range X[i*cols : (i+1)*cols] {
			st.Mean[c] += v
			varies[c] = varies[c] || v != X[c]
		}
	}
	for c := range st.Mean {
		st.Mean[c] /= float64(n)
	}
	// Corrected two-pass algorithm: deviations from the first-pass mean keep the sum of
	// squares accurate when the mean is large, and their sum corrects the mean's rounding.
	dsum := make([]float64, cols)
	for i := range n {
		for c, v := range X[i*cols : (i+1)*cols] {
			d := v - st.Mean[c]
			dsum[c] += d
			st.SD[c] += d * d
		}
	}
	for c := range st.SD {
		st.Mean[c] += dsum[c] / float64(n)
		st.SD[c] = math.Sqrt(max(0, st.SD[c]-dsum[c]*dsum[c]/float64(n)) / float64(n))
		if math.IsNaN(st.SD[c]) || math.IsInf(st.SD[c], 0) || math.IsInf(st.Mean[c], 0) {
			return nil, fmt.Errorf("groundtruth: standardize: column %d has non-finite values", c)
		}
		if !varies[c] || st.SD[c] == 0 {
			return nil, fmt.Errorf("groundtruth: standardize: column %d is constant (%g) over %d rows", c, st.Mean[c], n)
		}
	}
	return st, nil
}

// Apply standardises X (n x len(st.Mean), row-major) in place.
func (st *Standardizer) Apply(X []float64) error {
	cols := len(st.Mean)
	if cols == 0 || len(st.SD) != cols {
		return fmt.Errorf("groundtruth: standardize: standardizer has %d means and %d SDs", len(st.Mean), len(st.SD))
	}
	if len(X)%cols != 0 {
		return fmt.Errorf("groundtruth: standardize: %d values is not a multiple of %d columns", len(X), cols)
	}
	for i := 0; i < len(X); i += cols {
		row := X[i : i+cols]
		for c := range row {
			row[c] = (row[c] - st.Mean[c]) / st.SD[c]
		}
	}
	return nil
}

// Standardize fits a Standardizer to X (n x cols, row-major), applies it in place and
// returns it so new cases can be mapped the same way.
func Standardize(X []float64, cols int) (*Standardizer, error) {
	st, err := FitStandardizer(X, cols)
	if err != nil {
		return nil, err
	}
	return st, st.Apply(X)
}
