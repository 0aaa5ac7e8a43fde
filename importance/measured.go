package importance

import (
	"fmt"
	"strings"
)

// The reference gradient is told each image's autoencoder features, the basis the
// validation platform's ground truth counts in; a user has no such basis. MeasuredGradient
// is its fair twin: the same chain rule through a quadratic map, from reference features
// a user can compute from the image alone (named measurements such as intensity
// statistics, the area and place of the bright region and a texture measure; package
// radiomics) and the clinical values themselves. Measurements come in arbitrary units
// and are correlated, so each is standardised over the cohort first: the method scores
// |dp/dr_j| per standard deviation of measurement j.

// MeasuredGradient is ReferenceGradient over c.Measured instead of c.Reference, each
// measured feature standardised over the cohort (a constant one is set to 0); it scores
// measured feature j by the cohort mean of |dp/dr_j| per SD of r_j and a modality by the
// sum over its measured features, both normalised. c.Reference is not used. It needs
// c.Measured, with more cases than the map has coefficients per fusion feature.
func MeasuredGradient(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	return standardisedGradient("measured_gradient", "measured features", h, mods, c, c.Measured, o)
}

// standardisedGradient is ReferenceGradient over the features r (laid out like
// c.Reference; nil when the cohort has none, which is an error naming what), each
// standardised over the cohort; the result is named name.
func standardisedGradient(name, what string, h Head, mods []Modality, c Cohort, r []float32, o Options) (Importance, error) {
	dim, _, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	if r == nil {
		return Importance{}, fmt.Errorf("importance: %s needs the cohort's %s, and it has none", strings.ReplaceAll(name, "_", " "), what)
	}
	rc := c
	rc.Reference = standardise(r, c.N, dim)
	imp, err := ReferenceGradient(h, mods, rc, o)
	if err != nil {
		return Importance{}, fmt.Errorf("importance: %s: %w", strings.ReplaceAll(name, "_", " "), err)
	}
	imp.Method = name
	return imp, nil
}

// standardise returns a copy of the n rows of dim values in x with every column
// centred on its mean and divided by its standard deviation (over n); a constant column
// becomes 0.
func standardise(x []float32, n, dim int) []float32 {
	mean, sd := ColumnMean(x, n, dim), ColumnSD(x, n, dim)
	out := make([]float32, len(x))
	for j := 0; j < dim; j++ {
		if !(sd[j] > 0) {
			continue
		}
		for i := 0; i < n; i++ {
			out[i*dim+j] = float32((float64(x[i*dim+j]) - mean[j]) / sd[j])
		}
	}
	return out
}
