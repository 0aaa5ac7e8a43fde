package importance

import (
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/nn"
)

// Gradient is the paper's method: I_j = mean over the cohort of |dp/dz_j|; a modality's
// importance is the sum of its I_j; both are normalised to sum 1.
func Gradient(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	p := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	h.Grad(c.Z, c.N, p, g)
	feat := make([]float64, dim)
	for i := 0; i < c.N; i++ {
		for j, v := range g[i*dim : (i+1)*dim] {
			feat[j] += math.Abs(float64(v))
		}
	}
	return fromFeatures("gradient", feat, mods), nil
}

// GradientLocal returns dp/dz at x; a modality's value is the sum of |dp/dz_j| over its
// features. The background is not used.
func GradientLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 0)
	if err != nil {
		return Attribution{}, err
	}
	p, g := gradOne(h, x, dim)
	return Attribution{Method: "gradient", P: p, Features: g, Modalities: aggregate(abs(g), mods)}, nil
}

// GradientLocals returns GradientLocal of each of the n rows of z (n x Dim), with one
// Head call for them all instead of one per case: the paper's gradient of a cohort's
// cases (explainer/cases). The numbers equal GradientLocal's to float32 rounding.
func GradientLocals(h Head, mods []Modality, z []float32, n int) ([]Attribution, error) {
	dim, _, err := setupHead(h, mods, Options{})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	if err := (Cohort{Z: z, N: n}).check(dim); err != nil {
		return nil, err
	}
	p := make([]float32, n)
	g := make([]float32, n*dim)
	h.Grad(z, n, p, g)
	out := make([]Attribution, n)
	for i := range out {
		gi := to64(g[i*dim : (i+1)*dim])
		out[i] = Attribution{Method: "gradient", P: float64(p[i]), Features: gi, Modalities: aggregate(abs(gi), mods)}
	}
	return out, nil
}

// gradOne returns p and dp/dz at one fusion vector.
func gradOne(h Head, x []float32, dim int) (float64, []float64) {
	p := make([]float32, 1)
	g := make([]float32, dim)
	h.Grad(x, 1, p, g)
	return float64(p[0]), to64(g)
}

// SmoothGrad scores feature j by the cohort mean of |SG_j|, where SG(x) is the mean of
// dp/dz over SmoothSamples copies of x with Gaussian noise of sd NoiseFrac times each
// feature's cohort sd. Modalities sum their features; both are normalised.
func SmoothGrad(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	sg := smooth(h, c.Z, c.N, dim, ColumnSD(c.Z, c.N, dim), o)
	feat := meanAbsColumns(sg, c.N, dim)
	return fromFeatures("smoothgrad", feat, mods), nil
}

// smooth returns the SmoothGrad gradients of the n rows of z.
func smooth(h Head, z []float32, n, dim int, sd []float64, o Options) []float64 {
	rng := newRNG(o.Seed, streamSmooth)
	scale := make([]float64, dim)
	for j, v := range sd {
		scale[j] = o.NoiseFrac * v
	}
	acc := make([]float64, n*dim)
	noisy := make([]float32, n*dim)
	p := make([]float32, n)
	g := make([]float32, n*dim)
	for s := 0; s < o.SmoothSamples; s++ {
		for i := 0; i < n; i++ {
			row, out := z[i*dim:(i+1)*dim], noisy[i*dim:(i+1)*dim]
			for j, s := range scale {
				out[j] = float32(float64(row[j]) + s*rng.NormFloat64())
			}
		}
		h.Grad(noisy, n, p, g)
		for i, v := range g {
			acc[i] += float64(v)
		}
	}
	for i := range acc {
		acc[i] /= float64(o.SmoothSamples)
	}
	return acc
}

// SmoothGradLocal returns the SmoothGrad gradient at x (noise scaled by the background's
// feature sd); a modality's value is the sum of |SG_j| over its features.
func SmoothGradLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 2)
	if err != nil {
		return Attribution{}, err
	}
	sg := smooth(h, x, 1, dim, ColumnSD(bg.Z, bg.N, dim), o)
	p := make([]float32, 1)
	h.Prob(x, 1, p)
	return Attribution{Method: "smoothgrad", P: float64(p[0]), Features: sg, Modalities: aggregate(abs(sg), mods)}, nil
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// meanAbsColumns returns the column sums of |v| for an n x dim matrix (the 1/n of the
// mean cancels when normalising).
func meanAbsColumns(v []float64, n, dim int) []float64 {
	out := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j, x := range v[i*dim : (i+1)*dim] {
			out[j] += math.Abs(x)
		}
	}
	return out
}

// LogitHead is a Head that also gives the log-odds s = ln(p/(1-p)) of class 1
// and its gradient. DenseHead is one.
type LogitHead interface {
	Head
	// GradLogit sets s[i] to the log-odds of row i of z (n x Dim) and g = ds/dz.
	GradLogit(z []float32, n int, s, g []float32)
}

// The paper's gradient importance, I_j = mean |dp/dz_j|, differs from the ground truth,
// mean |dF/dx_j|, in two ways that have nothing to do with which modality matters:
//
//   - Weighting by case. A network trained on labels F > t learns log-odds s close to an
//     increasing function of F, so dp/dz = p(1-p) ds/dz weights each case by p(1-p):
//     cases on the decision boundary count, confident ones hardly at all. The truth
//     averages over every case alike. For a linear F this only rescales all features
//     together, but for a nonlinear F the boundary cases are a biased sample (for a
//     square term, those with F near the median), so the shares move.
//   - Scale of the features. A fusion feature measured in larger units gets a smaller
//     derivative. Image features leave the encoder through a learned BatchNorm1d (scale
//     gamma, free), clinical values enter as raw standardised numbers (SD 1), so the
//     paper's shares depend on a scale the training happened to choose. The truth is
//     measured on features of SD 1.
//
// The methods below remove one or both: the gradient of the log-odds instead of p, and
// derivatives multiplied by each feature's SD over the cohort (so every feature is
// measured per SD, as the truth's features are). None of them uses the ground truth.

// GradientLogit scores feature j by the cohort mean of |ds/dz_j|, s the log-odds of
// class 1, and a modality by the sum of its features; both normalised. The head must be a
// LogitHead.
func GradientLogit(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	g, dim, err := cohortLogitGrad(h, mods, c)
	if err != nil {
		return Importance{}, err
	}
	return fromFeatures("gradient_logit", meanAbs(g, c.N, dim), mods), nil
}

// GradientSD scores feature j by the cohort mean of |dp/dz_j| times the SD of z_j over
// the cohort; modalities sum their features; both normalised.
func GradientSD(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, _, err := setup(h, mods, c, Options{})
	if err != nil {
		return Importance{}, err
	}
	p := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	h.Grad(c.Z, c.N, p, g)
	return fromFeatures("gradient_sd", timesSD(meanAbs(g, c.N, dim), c, dim), mods), nil
}

// GradientLogitSD scores feature j by the cohort mean of |ds/dz_j| times the SD of z_j
// over the cohort, s the log-odds of class 1: both corrections at once. The head must be
// a LogitHead.
func GradientLogitSD(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	g, dim, err := cohortLogitGrad(h, mods, c)
	if err != nil {
		return Importance{}, err
	}
	return fromFeatures("gradient_logit_sd", timesSD(meanAbs(g, c.N, dim), c, dim), mods), nil
}

// timesSD multiplies each feature's score by that feature's SD over the cohort, so
// features are compared per standard deviation.
func timesSD(feat []float64, c Cohort, dim int) []float64 {
	for j, sd := range ColumnSD(c.Z, c.N, dim) {
		feat[j] *= sd
	}
	return feat
}

// GradientLogitLocal explains one case by ds/dz (signed, per feature) and the sum of
// |ds/dz_j| per modality. The background is not used.
func GradientLogitLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	return logitLocal("gradient_logit", h, mods, x, nil)
}

// GradientLogitSDLocal explains one case by ds/dz_j times the SD of z_j over the
// background (signed, per feature) and the sum of their magnitudes per modality. The
// background needs at least two cases.
func GradientLogitSDLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	if _, _, err := setupLocal(h, mods, x, bg, o, 2); err != nil {
		return Attribution{}, err
	}
	return logitLocal("gradient_logit_sd", h, mods, x, ColumnSD(bg.Z, bg.N, h.Dim()))
}

// GradientSDLocal explains one case by dp/dz_j times the SD of z_j over the background
// and the sum of their magnitudes per modality.
func GradientSDLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	if _, _, err := setupLocal(h, mods, x, bg, o, 2); err != nil {
		return Attribution{}, err
	}
	a, err := GradientLocal(h, mods, x, bg, o)
	if err != nil {
		return Attribution{}, err
	}
	for j, sd := range ColumnSD(bg.Z, bg.N, h.Dim()) {
		a.Features[j] *= sd
	}
	a.Method = "gradient_sd"
	a.Modalities = aggregate(abs(a.Features), mods)
	return a, nil
}

func logitLocal(name string, h Head, mods []Modality, x []float32, sd []float64) (Attribution, error) {
	lh, dim, err := setupLocalLogit(name, h, mods, x, Cohort{}, 0)
	if err != nil {
		return Attribution{}, err
	}
	s := make([]float32, 1)
	g := make([]float32, dim)
	lh.GradLogit(x, 1, s, g)
	feat := make([]float64, dim)
	for j, v := range g {
		feat[j] = float64(v)
		if sd != nil {
			feat[j] *= sd[j]
		}
	}
	return Attribution{Method: name, P: nn.Logistic(float64(s[0])), Features: feat, Modalities: aggregate(abs(feat), mods)}, nil
}

// setupLogit checks a global method's arguments and that h gives log-odds gradients.
func setupLogit(h Head, mods []Modality, c Cohort) (LogitHead, int, error) {
	dim, _, err := setup(h, mods, c, Options{})
	if err != nil {
		return nil, 0, err
	}
	lh, ok := h.(LogitHead)
	if !ok {
		return nil, 0, fmt.Errorf("importance: this method needs a head that gives log-odds gradients (a LogitHead), have %T", h)
	}
	return lh, dim, nil
}

// cohortLogitGrad returns ds/dz (N x Dim) of the log-odds s of class 1 for every case of
// c, and the dimension, after setupLogit's checks.
func cohortLogitGrad(h Head, mods []Modality, c Cohort) ([]float32, int, error) {
	lh, dim, err := setupLogit(h, mods, c)
	if err != nil {
		return nil, 0, err
	}
	s := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	lh.GradLogit(c.Z, c.N, s, g)
	return g, dim, nil
}

// setupLocalLogit checks a local method's arguments as setupLocal does and that h gives
// log-odds gradients.
func setupLocalLogit(name string, h Head, mods []Modality, x []float32, bg Cohort, minBG int) (LogitHead, int, error) {
	lh, ok := h.(LogitHead)
	if !ok {
		return nil, 0, fmt.Errorf("importance: %s needs a head that gives log-odds gradients (a LogitHead), have %T", name, h)
	}
	dim, _, err := setupLocal(h, mods, x, bg, Options{}, minBG)
	return lh, dim, err
}

// meanAbs returns the column means of |v| for an n x dim matrix.
func meanAbs(v []float32, n, dim int) []float64 {
	out := make([]float64, dim)
	for i := range n {
		for j, x := range v[i*dim : (i+1)*dim] {
			out[j] += math.Abs(float64(x))
		}
	}
	for j := range out {
		out[j] /= float64(n)
	}
	return out
}
