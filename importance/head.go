// Package importance measures how much each input modality of a fused network drove its
// decision, at the fusion layer: attribution methods over fusion vectors (gradient, the
// paper's method, and the baselines), their aggregation per modality, and the metrics
// that compare importances with ground truth (RMSE, rank-biased overlap, Spearman).
//
// Everything works on a Head, the post-fusion part of a network, so the methods run the
// same on a trained fusion network, on a quantised copy, and on the analytic heads of the
// tests. Global methods summarise a cohort of fusion vectors; local methods explain one.
package importance

import (
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/modality"
)

// Head is the post-fusion part of a network: fusion vectors in, p(class 1) out.
// Implementations need not be safe for concurrent use; this package calls them from one
// goroutine.
type Head interface {
	// Dim is the length of a fusion vector (40 for the paper's network).
	Dim() int
	// Prob sets p[i] = p(class 1 | z row i) for the n x Dim row-major matrix z.
	Prob(z []float32, n int, p []float32)
	// Grad sets p as Prob does and g = dp/dz (n x Dim, row-major).
	Grad(z []float32, n int, p, g []float32)
}

// Modality names a contiguous block [Start, End) of the fusion vector.
type Modality struct {
	Name       string
	Start, End int
}

// Len is the number of fusion features in the modality.
func (m Modality) Len() int { return m.End - m.Start }

// DefaultModalities returns the paper's four modalities of ten fusion features each, in
// fusion-vector order (package modality): ct_axial, ct_coronal, clinical_a, clinical_b.
func DefaultModalities() []Modality {
	var mods []Modality
	for _, m := range modality.All() {
		mods = append(mods, Modality{Name: m.ID(), Start: m.Start(), End: m.End()})
	}
	return mods
}

// maxPlayers bounds the number of modalities: coalition methods enumerate 2^M subsets
// and store coalitions as bits of a uint64.
const maxPlayers = 16

// CheckModalities reports whether mods are usable with fusion vectors of length dim:
// at least one, named uniquely, each non-empty inside [0, dim), none overlapping. The
// modalities need not cover every feature; features outside all of them are never
// perturbed and never scored per modality.
func CheckModalities(mods []Modality, dim int) error {
	if dim <= 0 {
		return fmt.Errorf("importance: fusion vector length %d, want > 0", dim)
	}
	if len(mods) == 0 {
		return fmt.Errorf("importance: no modalities")
	}
	if len(mods) > maxPlayers {
		return fmt.Errorf("importance: %d modalities, at most %d supported", len(mods), maxPlayers)
	}
	owner := make([]int, dim)
	for i := range owner {
		owner[i] = -1
	}
	names := make(map[string]bool, len(mods))
	for i, m := range mods {
		if m.Name == "" {
			return fmt.Errorf("importance: modality %d has no name", i)
		}
		if names[m.Name] {
			return fmt.Errorf("importance: modality name %q used twice", m.Name)
		}
		names[m.Name] = true
		if m.Start < 0 || m.End > dim || m.Start >= m.End {
			return fmt.Errorf("importance: modality %q spans [%d,%d), want a non-empty range inside [0,%d)", m.Name, m.Start, m.End, dim)
		}
		for j := m.Start; j < m.End; j++ {
			if owner[j] >= 0 {
				return fmt.Errorf("importance: modalities %q and %q overlap at fusion feature %d", mods[owner[j]].Name, m.Name, j)
			}
			owner[j] = i
		}
	}
	return nil
}

// Cohort is a set of fusion vectors, N rows of length dim in row-major order, with
// optional class labels (0 or 1) for the methods that can use them, and optional
// reference features for the methods that report importance in a named basis.
type Cohort struct {
	Z      []float32
	N      int
	Labels []int // nil, or N labels in {0, 1}
	// Reference is nil, or N rows of dim features a person can name, laid out by modality
	// like Z: for each case and modality, the features the importance should be counted
	// in (for the validation platform: the autoencoder's whitened latents of each image
	// and the clinical values themselves). Only ReferenceGradient uses it.
	Reference []float32
	// Measured is nil, or N rows of dim reference features laid out like Reference that
	// a user can compute without the truth's basis: for each image, measurements of the
	// image itself (package radiomics), and the clinical values. Only MeasuredGradient
	// uses it.
	Measured []float32
	// Basis is nil, or N rows of dim reference features laid out like Reference from the
	// cohort's own images: for each image, its standardised scores on the first principal
	// components of that image input over the cohort (package pca), and the clinical
	// values. Only BasisGradient uses it.
	Basis []float32
}

// Row returns the i-th fusion vector (a sub-slice of Z, not a copy).
func (c Cohort) Row(i, dim int) []float32 { return c.Z[i*dim : (i+1)*dim] }

// check reports what is wrong with c for fusion vectors of length dim.
func (c Cohort) check(dim int) error {
	if c.N <= 0 {
		return fmt.Errorf("importance: cohort has %d cases, want at least 1", c.N)
	}
	if len(c.Z) != c.N*dim {
		return fmt.Errorf("importance: cohort Z has %d values, want N*dim = %d*%d = %d", len(c.Z), c.N, dim, c.N*dim)
	}
	if i := nonFinite(c.Z); i >= 0 {
		return fmt.Errorf("importance: cohort case %d feature %d is %v", i/dim, i%dim, c.Z[i])
	}
	// Optional per-case feature sets of the fusion vector's width (the reference, measured
	// and basis gradients' features).
	for _, f := range []struct {
		field, what string
		x           []float32
	}{{"Reference", "reference", c.Reference}, {"Measured", "measured", c.Measured}, {"Basis", "basis", c.Basis}} {
		if f.x == nil {
			continue
		}
		if len(f.x) != c.N*dim {
			return fmt.Errorf("importance: cohort %s has %d values, want N*dim = %d*%d = %d", f.field, len(f.x), c.N, dim, c.N*dim)
		}
		if i := nonFinite(f.x); i >= 0 {
			return fmt.Errorf("importance: cohort case %d %s feature %d is %v", i/dim, f.what, i%dim, f.x[i])
		}
	}
	if c.Labels != nil {
		if len(c.Labels) != c.N {
			return fmt.Errorf("importance: cohort has %d labels for %d cases", len(c.Labels), c.N)
		}
		for i, y := range c.Labels {
			if y != 0 && y != 1 {
				return fmt.Errorf("importance: cohort label %d is %d, want 0 or 1", i, y)
			}
		}
	}
	return nil
}

// checkCase reports what is wrong with one fusion vector x.
func checkCase(x []float32, dim int) error {
	if len(x) != dim {
		return fmt.Errorf("importance: case has %d fusion features, want %d", len(x), dim)
	}
	if j := nonFinite(x); j >= 0 {
		return fmt.Errorf("importance: case feature %d is %v", j, x[j])
	}
	return nil
}

// setup validates the common arguments of a global method and returns the dimension
// and the options with defaults filled in.
func setup(h Head, mods []Modality, c Cohort, o Options) (int, Options, error) {
	dim, o, err := setupHead(h, mods, o)
	if err != nil {
		return 0, o, err
	}
	if err := c.check(dim); err != nil {
		return 0, o, err
	}
	return dim, o, nil
}

// setupHead validates what every method reads: the options, the head and the
// modalities over its fusion vector.
func setupHead(h Head, mods []Modality, o Options) (int, Options, error) {
	o, err := o.withDefaults()
	if err != nil {
		return 0, o, err
	}
	if h == nil {
		return 0, o, fmt.Errorf("importance: nil head")
	}
	dim := h.Dim()
	if err := CheckModalities(mods, dim); err != nil {
		return 0, o, err
	}
	return dim, o, nil
}

// setupLocal validates the arguments of a local method; minBG is the number of
// background cases the method needs (0 when it needs none).
func setupLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options, minBG int) (int, Options, error) {
	dim, o, err := setupHead(h, mods, o)
	if err != nil {
		return 0, o, err
	}
	if err := checkCase(x, dim); err != nil {
		return 0, o, err
	}
	if minBG > 0 {
		if bg.N < minBG {
			return 0, o, fmt.Errorf("importance: background has %d cases, this method needs at least %d", bg.N, minBG)
		}
		if err := bg.check(dim); err != nil {
			return 0, o, fmt.Errorf("background: %w", err)
		}
	}
	return dim, o, nil
}

// nonFinite returns the index of the first NaN or infinite value of v, or -1. It first
// sums v - v, which is 0 for finite values and NaN otherwise, because that loop is several
// times faster than testing each value, and cohorts are checked on every call.
func nonFinite(v []float32) int {
	var s float32
	for _, x := range v {
		s += x - x
	}
	if s == 0 {
		return -1
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}
