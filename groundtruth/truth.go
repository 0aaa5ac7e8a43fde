package groundtruth

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/fusionlens/fusionlens/internal/quote"
	"github.com/fusionlens/fusionlens/nn"
)

// PCG stream constants, so that the label noise and the helper cohort drawn from the same
// seed are independent of each other and of other packages' streams.
const (
	labelNoiseStream = 0x6c6162656c6e6f69 // "labelnoi"
	logisticStream   = 0x6c6f676973746963 // "logistic"
	cohortStream     = 0x636f686f72746e72 // "cohortnr"
	basisStream      = 0x6261736973726f74 // "basisrot"
)

// Importance is the ground-truth importance of a scenario over a cohort.
type Importance struct {
	// MeanAbsGrad[j] is the mean over the cohort of |dF/dx_j|, unnormalised.
	MeanAbsGrad [NumFeatures]float64
	// Feature is MeanAbsGrad normalised to sum 1.
	Feature [NumFeatures]float64
	// Modality[m] is the sum of Feature over modality m's ten features (sums to 1).
	Modality [NumModalities]float64
}

// rows checks that X is a non-empty n x NumFeatures row-major matrix and returns n.
func rows(X []float64) (int, error) {
	if len(X) == 0 {
		return 0, fmt.Errorf("groundtruth: cohort is empty")
	}
	if len(X)%NumFeatures != 0 {
		return 0, fmt.Errorf("groundtruth: cohort has %d values, not a multiple of %d features", len(X), NumFeatures)
	}
	return len(X) / NumFeatures, nil
}

// Values returns F for each row of the cohort X (n x NumFeatures, row-major).
func (s *Scenario) Values(X []float64) ([]float64, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n, err := rows(X)
	if err != nil {
		return nil, err
	}
	f := make([]float64, n)
	for i := range f {
		f[i] = s.F(X[i*NumFeatures : (i+1)*NumFeatures])
	}
	return f, nil
}

// Importance returns the ground-truth importance of s over the cohort X (n x NumFeatures,
// row-major): the mean over rows of |dF/dx_j| per feature, normalised to sum 1, and its
// sums per modality. It fails when dF/dx is zero on every row, since shares of nothing
// are undefined.
func (s *Scenario) Importance(X []float64) (*Importance, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n, err := rows(X)
	if err != nil {
		return nil, err
	}
	var sum [NumFeatures]float64
	g := make([]float64, NumFeatures)
	for i := range n {
		s.Grad(X[i*NumFeatures:(i+1)*NumFeatures], g)
		for j, v := range g {
			if v < 0 {
				v = -v
			}
			sum[j] += v
		}
	}
	imp := &Importance{}
	total := 0.0
	for j := range sum {
		imp.MeanAbsGrad[j] = sum[j] / float64(n)
		total += imp.MeanAbsGrad[j]
	}
	if total == 0 {
		return nil, fmt.Errorf("groundtruth: scenario %s: dF/dx is zero on all %d cases, so importance is undefined", quote.Short(s.Name), n)
	}
	for j, v := range imp.MeanAbsGrad {
		imp.Feature[j] = v / total
		imp.Modality[j/FeaturesPerModality] += imp.Feature[j]
	}
	return imp, nil
}

// Labels is a labelled cohort.
type Labels struct {
	F         []float64 // decision value per case
	Y         []uint8   // label per case after noise: 1 is the positive class
	Threshold float64   // the threshold t: the cut (class 1 is F > t) or the logistic's centre
	// Flipped counts the labels that differ from the threshold's (F > t): those the
	// logistic draw and the noise changed. ExpectedFlipped is its expectation given F:
	// Σ_i P(y_i != [F_i > t]).
	Flipped         int
	ExpectedFlipped float64
	CleanPos        float64 // share of class 1 before noise
	Positive        float64 // share of class 1 after noise (the achieved class balance)
}

// Label computes F over the cohort X (n x NumFeatures, row-major) and the threshold t
// (the median of F over X, or the fixed value), labels each case and flips each label
// with probability LabelNoise, drawing from PCG(Seed, a stream fixed in this package).
// With ThresholdLabels class 1 is F > t, and with the median threshold and distinct
// values of F exactly floor(n/2) cases are class 1 before noise. With LogisticLabels
// case i is class 1 with probability σ(LabelScale*(F_i - t)), one uniform draw per case
// from PCG(Seed, another fixed stream); with the median threshold and F symmetric about
// its median, classes balance in expectation.
func (s *Scenario) Label(X []float64) (*Labels, error) {
	f, err := s.Values(X)
	if err != nil {
		return nil, err
	}
	n := len(f)
	l := &Labels{F: f, Y: make([]uint8, n), Threshold: s.Threshold.Value}
	if s.Threshold.Median {
		l.Threshold = median(f)
	}
	pos := 0
	var draw *rand.Rand
	if s.LabelMode == LogisticLabels {
		draw = rand.New(rand.NewPCG(s.Seed, logisticStream))
	}
	// pAway[i] is the probability that case i's label, before noise, differs from the
	// threshold's.
	pAway := make([]float64, n)
	for i, v := range f {
		above := v > l.Threshold
		y := above
		if draw != nil {
			p := nn.Logistic(s.LabelScale * (v - l.Threshold))
			y = draw.Float64() < p
			if above {
				pAway[i] = 1 - p
			} else {
				pAway[i] = p
			}
		}
		if y {
			l.Y[i] = 1
			pos++
		}
		if y != above {
			l.Flipped++
		}
	}
	for _, q := range pAway {
		// With noise the label ends away from the threshold's when exactly one of the
		// draw and the flip moved it.
		l.ExpectedFlipped += q + s.LabelNoise - 2*q*s.LabelNoise
	}
	l.CleanPos = float64(pos) / float64(n)
	if s.LabelNoise > 0 {
		r := rand.New(rand.NewPCG(s.Seed, labelNoiseStream))
		for i := range l.Y {
			// One draw per case whatever the outcome, so case i's flip does not
			// depend on the others.
			if r.Float64() < s.LabelNoise {
				l.Y[i] ^= 1
				if (l.Y[i] == 1) != (f[i] > l.Threshold) {
					l.Flipped++
				} else {
					l.Flipped--
				}
				if l.Y[i] == 1 {
					pos++
				} else {
					pos--
				}
			}
		}
	}
	l.Positive = float64(pos) / float64(n)
	return l, nil
}

// median returns the median of v (the mean of the two middle values when len(v) is even).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	m := s[n/2-1]/2 + s[n/2]/2
	if m >= s[n/2] {
		// The middle values are adjacent floats and the mean rounded up: cut at the lower
		// one so that the upper half still counts as F > median.
		m = s[n/2-1]
	}
	return m
}

// NormalCohort returns an n x NumFeatures row-major cohort of independent standard
// normal features drawn from PCG(seed, a stream fixed in this package). It stands in for
// real latent and clinical features in tests and for reference importances.
func NormalCohort(n int, seed uint64) ([]float64, error) {
	if n < 1 || n > MaxCohortSize {
		return nil, fmt.Errorf("groundtruth: cohort size %d, want 1..%d", n, MaxCohortSize)
	}
	r := rand.New(rand.NewPCG(seed, cohortStream))
	X := make([]float64, n*NumFeatures)
	for i := range X {
		X[i] = r.NormFloat64()
	}
	return X, nil
}
