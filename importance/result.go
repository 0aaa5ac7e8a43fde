package importance

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Importance is a global importance over a cohort: non-negative scores per fusion
// feature and per modality, each normalised to sum 1 (a vector of zeros stays zero: the
// method saw no effect at all, and pretending otherwise would hide it).
type Importance struct {
	Method     string
	Features   []float64 // one per fusion feature; nil for methods that score modalities only
	Modalities []float64 // one per modality, in the order given
}

// Attribution explains one case. Features and Modalities are signed: for additive
// methods (gradient x input, integrated gradients, occlusion, Shapley, KernelSHAP, LIME)
// a modality's value is its contribution to p; for sensitivity methods (gradient,
// SmoothGrad) Features are dp/dz and a modality's value is the sum of |dp/dz_j| over
// its features, as in the paper.
type Attribution struct {
	Method     string
	P          float64   // p(class 1 | x)
	Base       float64   // reference prediction when Complete, else 0
	Complete   bool      // Modalities sum to P - Base (up to quadrature error for integrated gradients)
	Features   []float64 // one per fusion feature; nil for methods that score modalities only
	Modalities []float64
}

// Importance turns a local attribution into normalised magnitudes: |Features| and
// |Modalities|, each normalised to sum 1.
func (a Attribution) Importance() Importance {
	imp := Importance{Method: a.Method, Modalities: Normalize(abs(a.Modalities))}
	if a.Features != nil {
		imp.Features = Normalize(abs(a.Features))
	}
	return imp
}

// Normalize returns v scaled to sum 1. A vector that sums to 0 is returned as zeros.
// Entries are expected to be non-negative.
func Normalize(v []float64) []float64 {
	out := make([]float64, len(v))
	var s float64
	for _, x := range v {
		s += x
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return out
	}
	for i, x := range v {
		out[i] = x / s
	}
	return out
}

// Aggregate sums per-feature scores over each modality's features.
func Aggregate(features []float64, mods []Modality) ([]float64, error) {
	if err := CheckModalities(mods, len(features)); err != nil {
		return nil, err
	}
	return aggregate(features, mods), nil
}

func aggregate(features []float64, mods []Modality) []float64 {
	out := make([]float64, len(mods))
	for i, m := range mods {
		for j := m.Start; j < m.End; j++ {
			out[i] += features[j]
		}
	}
	return out
}

// fromFeatures builds a global Importance from per-feature scores: modality = sum of
// its features, both normalised.
func fromFeatures(method string, feat []float64, mods []Modality) Importance {
	return Importance{Method: method, Features: Normalize(feat), Modalities: Normalize(aggregate(feat, mods))}
}

func abs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Abs(x)
	}
	return out
}

// Options tunes the methods. The zero value means the stated defaults; every random
// draw comes from PCG streams seeded by Seed, so equal options give equal results.
type Options struct {
	Seed uint64

	// Steps is the number of integrated-gradients steps (midpoint Riemann rule). Default 32.
	Steps int
	// ZeroBaseline makes integrated gradients start from the zero vector instead of the
	// cohort (or background) mean fusion vector.
	ZeroBaseline bool

	// SmoothSamples is the number of noisy copies per case for SmoothGrad. Default 32.
	SmoothSamples int
	// NoiseFrac is SmoothGrad's noise sd as a fraction of each feature's sd. Default 0.15.
	NoiseFrac float64

	// Repeats is the number of permutations for permutation importance. Default 5.
	Repeats int

	// Background is how many cohort cases (drawn without replacement) stand for "the
	// feature is absent" in Shapley, KernelSHAP and LIME. Default 50.
	Background int
	// Cases, when > 0, makes the per-case coalition methods (Shapley, KernelSHAP, LIME)
	// explain only that many cohort cases, drawn without replacement. Default 0 = all.
	Cases int

	// LIMESamples is the number of perturbed masks per case for LIME. Default 128.
	LIMESamples int
	// KernelWidth is LIME's exponential kernel width over cosine distance. Default 0.25.
	KernelWidth float64
	// Ridge is LIME's ridge penalty on the coefficients (not the intercept). Default 1.
	Ridge float64

	// Coalitions is the number of coalitions per case for KernelSHAP over single
	// features: the 2 dim of size 1 and dim-1, then sampled complementary pairs.
	// Default 256; at least 2 dim.
	Coalitions int

	// InteractionSamples is the number of coalitions drawn per pair of modalities by the
	// sampled Shapley interaction index, used beyond MaxExactInteraction modalities (see
	// Interaction). Default DefaultInteractionSamples.
	InteractionSamples int

	// BackgroundOf, when > 0, says the background cohort handed to InteractionAgainst is
	// itself a sample drawn without replacement from BackgroundOf cases: the background
	// standard error's finite-population correction (Interactions.BackgroundSE) then counts
	// those cases, not the sample's.
	BackgroundOf int

	// Progress, if not nil, is told how many of the explained cases the cohort's
	// modality interactions (Interaction, InteractionAgainst) have done, after each case.
	Progress func(done, total int)
}

// Defaults of Options, stated once.
const (
	DefaultSteps         = 32
	DefaultSmoothSamples = 32
	DefaultNoiseFrac     = 0.15
	DefaultRepeats       = 5
	DefaultBackground    = 50
	DefaultLIMESamples   = 128
	DefaultKernelWidth   = 0.25
	DefaultRidge         = 1.0
	DefaultCoalitions    = 256
)

// withDefaults fills zero fields and rejects negative ones.
func (o Options) withDefaults() (Options, error) {
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"Steps", &o.Steps, DefaultSteps},
		{"SmoothSamples", &o.SmoothSamples, DefaultSmoothSamples},
		{"Repeats", &o.Repeats, DefaultRepeats},
		{"Background", &o.Background, DefaultBackground},
		{"LIMESamples", &o.LIMESamples, DefaultLIMESamples},
		{"Coalitions", &o.Coalitions, DefaultCoalitions},
	}
	for _, f := range ints {
		if *f.v < 0 {
			return o, fmt.Errorf("importance: option %s = %d, want >= 0 (0 = default %d)", f.name, *f.v, f.def)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.Cases < 0 {
		return o, fmt.Errorf("importance: option Cases = %d, want >= 0 (0 = all)", o.Cases)
	}
	floats := []struct {
		name string
		v    *float64
		def  float64
	}{
		{"NoiseFrac", &o.NoiseFrac, DefaultNoiseFrac},
		{"KernelWidth", &o.KernelWidth, DefaultKernelWidth},
		{"Ridge", &o.Ridge, DefaultRidge},
	}
	for _, f := range floats {
		if *f.v < 0 || math.IsNaN(*f.v) || math.IsInf(*f.v, 0) {
			return o, fmt.Errorf("importance: option %s = %v, want a finite value >= 0 (0 = default %v)", f.name, *f.v, f.def)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return o, nil
}

// Stream numbers keep each method's random draws independent of the others'.
const (
	streamSmooth uint64 = iota + 1
	streamPermutation
	streamBackground
	streamCases
	streamLIME
	streamKernelSHAP
)

func newRNG(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// sampleRows returns k distinct row indices of an n-row cohort (all rows, in order, when
// k >= n), drawn by a partial Fisher-Yates shuffle.
func sampleRows(n, k int, rng *rand.Rand) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if k >= n {
		return idx
	}
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:k]
}

// gather copies the given rows of c into a new row-major matrix.
func gather(c Cohort, rows []int, dim int) []float32 {
	out := make([]float32, len(rows)*dim)
	for i, r := range rows {
		copy(out[i*dim:], c.Row(r, dim))
	}
	return out
}

// ColumnMean returns the per-feature mean of an n x dim row-major matrix.
func ColumnMean(z []float32, n, dim int) []float64 {
	mu := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, v := range z[i*dim : (i+1)*dim] {
			mu[j] += float64(v)
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	return mu
}

// ColumnSD returns the per-feature population standard deviation of an n x dim row-major
// matrix (the spread of each fusion feature over a cohort).
func ColumnSD(z []float32, n, dim int) []float64 {
	mu := ColumnMean(z, n, dim)
	sd := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, v := range z[i*dim : (i+1)*dim] {
			d := float64(v) - mu[j]
			sd[j] += d * d
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(n))
	}
	return sd
}
