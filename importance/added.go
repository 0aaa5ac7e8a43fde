package importance

import (
	"fmt"
	"math"
)

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
	lh, dim, err := setupLogit(h, mods, c)
	if err != nil {
		return Importance{}, err
	}
	s := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	lh.GradLogit(c.Z, c.N, s, g)
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
	lh, dim, err := setupLogit(h, mods, c)
	if err != nil {
		return Importance{}, err
	}
	s := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	lh.GradLogit(c.Z, c.N, s, g)
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
	return Attribution{Method: name, P: probOf(float64(s[0])), Features: feat, Modalities: aggregate(abs(feat), mods)}, nil
}

// The paper's gradient, and the two corrections above, score a modality by the sum of
// |dp/dz_j| over its fusion features. That sum depends on the basis the image encoder
// happened to learn: ten features that are copies of one direction, or one feature
// carrying it, give different sums for the same function, and a feature the decision
// ignores still adds its noise floor in full. The contribution methods below measure
// instead how much the log-odds move because of the modality, case by case: the first-
// order (Taylor) change of the log-odds between the case and the cohort mean,
// sum over j in m of ds/dz_j (z_j - mean_j), or its exact value along the straight path
// (integrated gradients on the log-odds). Summed within the modality before the absolute
// value is taken, this is unchanged by any invertible affine map of the modality's fusion
// features (the gradient transforms by the inverse transpose, the deviation by the map),
// so the learned encoder's basis and scale drop out, and the independent noise of ignored
// features adds up in quadrature instead of in full.

// GradientContribution scores modality m by the cohort mean of
// |sum over j in m of ds/dz_j (z_j - mean_j)|, s the log-odds of class 1 and mean the
// cohort mean fusion vector, and feature j by the mean of |ds/dz_j (z_j - mean_j)|; both
// normalised. The head must be a LogitHead.
func GradientContribution(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	lh, dim, err := setupLogit(h, mods, c)
	if err != nil {
		return Importance{}, err
	}
	mu := ColumnMean(c.Z, c.N, dim)
	s := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	lh.GradLogit(c.Z, c.N, s, g)
	phi := make([]float64, c.N*dim)
	for i := range c.N {
		for j := range dim {
			phi[i*dim+j] = float64(g[i*dim+j]) * (float64(c.Z[i*dim+j]) - mu[j])
		}
	}
	return contributions("gradient_contribution", phi, c.N, dim, mods), nil
}

// IntegratedContribution is GradientContribution with the first-order change replaced
// by integrated gradients of the log-odds from the cohort mean to the case (Steps
// midpoint steps), so the modality terms of a case add up to s(z) - s(mean) for any
// head, not only a linear one. The head must be a LogitHead.
func IntegratedContribution(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	lh, dim, err := setupLogit(h, mods, c)
	if err != nil {
		return Importance{}, err
	}
	steps := o.Steps
	if steps <= 0 {
		steps = DefaultSteps
	}
	phi := integrateLogit(lh, c.Z, c.N, dim, ColumnMean(c.Z, c.N, dim), steps)
	return contributions("integrated_contribution", phi, c.N, dim, mods), nil
}

// integrateLogit returns the integrated gradients of the log-odds of the n rows of z
// from base (midpoint rule).
func integrateLogit(h LogitHead, z []float32, n, dim int, base []float64, steps int) []float64 {
	acc := make([]float64, n*dim)
	path := make([]float32, n*dim)
	s := make([]float32, n)
	g := make([]float32, n*dim)
	for k := range steps {
		a := (float64(k) + 0.5) / float64(steps)
		for i := range n {
			for j, b := range base {
				path[i*dim+j] = float32(b + a*(float64(z[i*dim+j])-b))
			}
		}
		h.GradLogit(path, n, s, g)
		for i, v := range g {
			acc[i] += float64(v)
		}
	}
	for i := range n {
		for j, b := range base {
			acc[i*dim+j] *= (float64(z[i*dim+j]) - b) / float64(steps)
		}
	}
	return acc
}

// contributions turns per-case, per-feature contributions phi (n x dim) into an
// importance: features by mean |phi_j|, modalities by mean |sum of phi_j over m|.
func contributions(name string, phi []float64, n, dim int, mods []Modality) Importance {
	feat := make([]float64, dim)
	mod := make([]float64, len(mods))
	for i := range n {
		row := phi[i*dim : (i+1)*dim]
		for j, v := range row {
			feat[j] += math.Abs(v)
		}
		for k, m := range mods {
			var sum float64
			for _, v := range row[m.Start:m.End] {
				sum += v
			}
			mod[k] += math.Abs(sum)
		}
	}
	return Importance{Method: name, Features: Normalize(feat), Modalities: Normalize(mod)}
}

// GradientContributionLocal explains one case by ds/dz_j (x_j - mean_j), mean the
// background's mean fusion vector, and its signed sum per modality: the first-order
// change of the log-odds from the mean case, exact for a linear head. The background
// needs at least one case.
func GradientContributionLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	return contributionLocal("gradient_contribution", h, mods, x, bg, 0)
}

// IntegratedContributionLocal explains one case by the integrated gradients of the
// log-odds from the background mean, and their signed sums per modality, which add up to
// s(x) - s(mean) (Complete; Base is p at the mean).
func IntegratedContributionLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	steps := o.Steps
	if steps <= 0 {
		steps = DefaultSteps
	}
	return contributionLocal("integrated_contribution", h, mods, x, bg, steps)
}

// contributionLocal is the local form of both contribution methods: first order when
// steps is 0, integrated otherwise.
func contributionLocal(name string, h Head, mods []Modality, x []float32, bg Cohort, steps int) (Attribution, error) {
	lh, dim, err := setupLocalLogit(name, h, mods, x, bg, 1)
	if err != nil {
		return Attribution{}, err
	}
	mu := ColumnMean(bg.Z, bg.N, dim)
	ends := make([]float32, 2*dim)
	copy(ends, x)
	for j, v := range mu {
		ends[dim+j] = float32(v)
	}
	s := make([]float32, 2)
	g := make([]float32, 2*dim)
	lh.GradLogit(ends, 2, s, g)
	var phi []float64
	if steps == 0 {
		phi = make([]float64, dim)
		for j := range phi {
			phi[j] = float64(g[j]) * (float64(x[j]) - mu[j])
		}
	} else {
		phi = integrateLogit(lh, x, 1, dim, mu, steps)
	}
	return Attribution{Method: name, P: probOf(float64(s[0])), Base: probOf(float64(s[1])), Complete: steps > 0,
		Features: phi, Modalities: aggregate(phi, mods)}, nil
}

// The ground truth sums mean |dF/dx_j| over a modality's latent features: an L1 norm in
// the autoencoder's basis, which credits a modality whose effect is spread over many
// features more than one whose effect sits in a few. The contribution methods cannot
// see that spread (they measure the modality as a whole), and the paper's gradient sees
// it only where the fusion features are the ground-truth features themselves: the
// clinical values enter the fusion vector unchanged, the image features come out of a
// learned encoder in a basis of its own. WhitenedGradient uses both facts. For a clinical
// (input) modality it sums |ds/dz_j| SD(z_j) over the features, the truth's own L1 in the
// truth's own basis. For an image (learned) modality it takes, per case, the norm
// sqrt(g' C g) of the log-odds gradient g over the modality's features, C their
// covariance over the cohort: if the encoder's features are any invertible affine map
// z = A x + b of whitened latent features x, then C = A A' and sqrt(g' C g) = |A' g| =
// |ds/dx|, the L2 norm of the gradient with respect to the latent features themselves,
// whatever A is. The L1 norm the truth uses is not identifiable from it (it depends on
// the latent basis, which the network never sees); the method takes its expectation over
// a uniformly random orthonormal basis, kappa_d |v|, kappa_d = d Gamma(d/2) /
// (sqrt(pi) Gamma((d+1)/2)) (2.59 for d = 10).

// kappa is E|Qv|_1 / |v|_2 over uniformly random rotations Q of R^d.
func kappa(d int) float64 {
	a, _ := math.Lgamma(float64(d) / 2)
	b, _ := math.Lgamma(float64(d+1) / 2)
	return float64(d) * math.Exp(a-b) / math.Sqrt(math.Pi)
}

// WhitenedGradient returns the whitened-gradient method for fusion vectors whose first
// learned modalities are learned embeddings (the images, in the paper's network) and the
// rest input values (see the comment above). The head must be a LogitHead.
func WhitenedGradient(learned int) GlobalFunc {
	return func(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
		lh, dim, err := setupLogit(h, mods, c)
		if err != nil {
			return Importance{}, err
		}
		if learned < 0 || learned > len(mods) {
			return Importance{}, fmt.Errorf("importance: %d learned modalities of %d", learned, len(mods))
		}
		s := make([]float32, c.N)
		g := make([]float32, c.N*dim)
		lh.GradLogit(c.Z, c.N, s, g)
		sd := ColumnSD(c.Z, c.N, dim)
		mu := ColumnMean(c.Z, c.N, dim)
		feat := meanAbs(g, c.N, dim)
		for j := range feat {
			feat[j] *= sd[j]
		}
		mod := make([]float64, len(mods))
		for k, m := range mods {
			if k >= learned {
				for j := m.Start; j < m.End; j++ {
					mod[k] += feat[j]
				}
				continue
			}
			cov := covariance(c.Z, c.N, dim, m, mu)
			d := m.Len()
			for i := range c.N {
				gi := g[i*dim+m.Start : i*dim+m.End]
				var q float64
				for a := range d {
					var row float64
					for b := range d {
						row += cov[a*d+b] * float64(gi[b])
					}
					q += float64(gi[a]) * row
				}
				mod[k] += math.Sqrt(math.Max(q, 0))
			}
			mod[k] *= kappa(d) / float64(c.N)
		}
		return Importance{Method: "gradient_whitened", Features: Normalize(feat), Modalities: Normalize(mod)}, nil
	}
}

// WhitenedGradientLocal is the local form of WhitenedGradient (learned modalities first):
// Features are ds/dz_j times SD(z_j) over the background, a learned modality's value is
// kappa_d sqrt(g' C g) with C its covariance over the background, an input modality's
// the sum of |ds/dz_j| SD(z_j). The background needs at least two cases.
func WhitenedGradientLocal(learned int) LocalFunc {
	return func(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
		dim, _, err := setupLocal(h, mods, x, bg, o, 2)
		if err != nil {
			return Attribution{}, err
		}
		if learned < 0 || learned > len(mods) {
			return Attribution{}, fmt.Errorf("importance: %d learned modalities of %d", learned, len(mods))
		}
		a, err := logitLocal("gradient_whitened", h, mods, x, nil)
		if err != nil {
			return Attribution{}, err
		}
		g := a.Features // ds/dz
		sd := ColumnSD(bg.Z, bg.N, dim)
		mu := ColumnMean(bg.Z, bg.N, dim)
		feat := make([]float64, dim)
		for j := range feat {
			feat[j] = g[j] * sd[j]
		}
		for k, m := range mods {
			if k >= learned {
				a.Modalities[k] = 0
				for j := m.Start; j < m.End; j++ {
					a.Modalities[k] += math.Abs(feat[j])
				}
				continue
			}
			cov := covariance(bg.Z, bg.N, dim, m, mu)
			d := m.Len()
			var q float64
			for i := range d {
				for j := range d {
					q += g[m.Start+i] * cov[i*d+j] * g[m.Start+j]
				}
			}
			a.Modalities[k] = kappa(d) * math.Sqrt(math.Max(q, 0))
		}
		a.Features = feat
		return a, nil
	}
}

// covariance returns the d x d population covariance of modality m's features.
func covariance(z []float32, n, dim int, m Modality, mu []float64) []float64 {
	d := m.Len()
	cov := make([]float64, d*d)
	dev := make([]float64, d)
	for i := range n {
		for a := range d {
			dev[a] = float64(z[i*dim+m.Start+a]) - mu[m.Start+a]
		}
		for a := range d {
			for b := range d {
				cov[a*d+b] += dev[a] * dev[b]
			}
		}
	}
	for k := range cov {
		cov[k] /= float64(n)
	}
	return cov
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

// probOf returns p = 1/(1+exp(-s)) for log-odds s without overflow.
func probOf(s float64) float64 {
	if s >= 0 {
		return 1 / (1 + math.Exp(-s))
	}
	e := math.Exp(s)
	return e / (1 + e)
}

// Added lists the methods this project adds to the paper's: the paper's gradient with the
// log-odds and scale corrections, the contribution methods and the whitened gradient,
// each explained above. They need a LogitHead.
func Added() []Method {
	return []Method{
		{Name: "gradient_logit", Label: "Gradient of log-odds",
			Description: "Mean absolute derivative of the log-odds of class 1 with respect to each fusion feature: every case counts alike, not only those near the decision boundary.",
			Global:      GradientLogit, Local: GradientLogitLocal},
		{Name: "gradient_sd", Label: "Gradient x SD",
			Description: "The paper's gradient with each feature's derivative multiplied by that feature's standard deviation over the cohort, so features are compared per standard deviation.",
			Global:      GradientSD, Local: GradientSDLocal},
		{Name: "gradient_logit_sd", Label: "Log-odds gradient x SD",
			Description: "Both corrections: the derivative of the log-odds, times each feature's standard deviation over the cohort.",
			Global:      GradientLogitSD, Local: GradientLogitSDLocal},
		{Name: "gradient_contribution", Label: "Gradient contribution",
			Description: "First-order change of the log-odds caused by each modality: the log-odds gradient times the case's deviation from the cohort mean, summed over the modality's features, then made absolute; blind to the basis and scale of the learned image features.",
			Global:      GradientContribution, Local: GradientContributionLocal},
		{Name: "integrated_contribution", Label: "Integrated contribution",
			Description: "The gradient contribution made exact for a nonlinear head: integrated gradients of the log-odds from the cohort mean, summed over each modality's features, then made absolute.",
			Global:      IntegratedContribution, Local: IntegratedContributionLocal},
		{Name: "gradient_whitened", Label: "Whitened gradient",
			Description: "Log-odds gradient measured in the truth's units: per SD for the clinical values, and for each image as the norm of the gradient with respect to whitened image features, scaled to the L1 norm expected in an unknown basis.",
			Global:      WhitenedGradient(2), Local: WhitenedGradientLocal(2)},
	}
}
