package importance

import (
	"fmt"
	"math"
)

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
