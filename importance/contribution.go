package importance

import (
	"math"

	"github.com/fusionlens/fusionlens/nn"
)

// The methods in this file attribute the change of the output between a baseline and the
// case to the features: a gradient times the displacement from the baseline (zero for
// gradient x input, the cohort mean for the contributions), to first order or integrated
// along the straight path.

// GradientXInput scores feature j by the cohort mean of |z_j dp/dz_j|; modalities sum
// their features; both are normalised.
func GradientXInput(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	p := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	h.Grad(c.Z, c.N, p, g)
	feat := make([]float64, dim)
	for i := 0; i < c.N; i++ {
		row, gr := c.Z[i*dim:(i+1)*dim], g[i*dim:(i+1)*dim]
		for j := range feat {
			feat[j] += math.Abs(float64(gr[j]) * float64(row[j]))
		}
	}
	return fromFeatures("gradxinput", feat, mods), nil
}

// GradientXInputLocal returns z_j dp/dz_j at x, and its signed sum per modality. The
// background is not used.
func GradientXInputLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 0)
	if err != nil {
		return Attribution{}, err
	}
	p, g := gradOne(h, x, dim)
	for j := range g {
		g[j] *= float64(x[j])
	}
	return Attribution{Method: "gradxinput", P: p, Features: g, Modalities: aggregate(g, mods)}, nil
}

// IntegratedGradients scores feature j by the cohort mean of |IG_j|, where
// IG_j(x) = (x_j - b_j) * mean over k of dp/dz_j at b + a_k (x - b), a_k = (k+1/2)/Steps
// (midpoint rule). The baseline b is the cohort mean fusion vector, or zero with
// ZeroBaseline. Modalities sum their features; both are normalised.
func IntegratedGradients(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	base := make([]float64, dim)
	if !o.ZeroBaseline {
		base = ColumnMean(c.Z, c.N, dim)
	}
	attr := integrate(h, c.Z, c.N, dim, base, o.Steps)
	feat := meanAbsColumns(attr, c.N, dim)
	return fromFeatures("integrated_gradients", feat, mods), nil
}

// integrate returns the integrated-gradients attributions of the n rows of z.
func integrate(h Head, z []float32, n, dim int, base []float64, steps int) []float64 {
	acc := make([]float64, n*dim)
	path := make([]float32, n*dim)
	p := make([]float32, n)
	g := make([]float32, n*dim)
	for k := 0; k < steps; k++ {
		a := (float64(k) + 0.5) / float64(steps)
		for i := 0; i < n; i++ {
			row, out := z[i*dim:(i+1)*dim], path[i*dim:(i+1)*dim]
			for j, b := range base {
				out[j] = float32(b + a*(float64(row[j])-b))
			}
		}
		h.Grad(path, n, p, g)
		for i, v := range g {
			acc[i] += float64(v)
		}
	}
	for i := 0; i < n; i++ {
		row, out := z[i*dim:(i+1)*dim], acc[i*dim:(i+1)*dim]
		for j, b := range base {
			out[j] *= (float64(row[j]) - b) / float64(steps)
		}
	}
	return acc
}

// IntegratedGradientsLocal returns the integrated-gradients attribution of x and its
// signed sum per modality; they sum to about p(x) - p(baseline) (Complete). The
// baseline is the background mean, or zero with ZeroBaseline (then bg may be empty).
func IntegratedGradientsLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	minBG := 1
	if o.ZeroBaseline {
		minBG = 0
	}
	dim, o, err := setupLocal(h, mods, x, bg, o, minBG)
	if err != nil {
		return Attribution{}, err
	}
	base := make([]float64, dim)
	if !o.ZeroBaseline {
		base = ColumnMean(bg.Z, bg.N, dim)
	}
	attr := integrate(h, x, 1, dim, base, o.Steps)
	ends := make([]float32, 2*dim)
	copy(ends, x)
	for j, b := range base {
		ends[dim+j] = float32(b)
	}
	p := make([]float32, 2)
	h.Prob(ends, 2, p)
	return Attribution{Method: "integrated_gradients", P: float64(p[0]), Base: float64(p[1]), Complete: true,
		Features: attr, Modalities: aggregate(attr, mods)}, nil
}

// The paper's gradient, and the two corrections in gradient.go, score a modality by the
// sum of |dp/dz_j| over its fusion features. That sum depends on the basis the image encoder
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
	return Attribution{Method: name, P: nn.Logistic(float64(s[0])), Base: nn.Logistic(float64(s[1])), Complete: steps > 0,
		Features: phi, Modalities: aggregate(phi, mods)}, nil
}
