package importance

import "math"

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

// gradOne returns p and dp/dz at one fusion vector.
func gradOne(h Head, x []float32, dim int) (float64, []float64) {
	p := make([]float32, 1)
	g := make([]float32, dim)
	h.Grad(x, 1, p, g)
	return float64(p[0]), to64(g)
}

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
