package groundtruth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// The ground truth counts features: I_j = mean |dF/dx_j|, summed per modality. For the
// clinical values the features are the values themselves, which every user has. For an
// image they are the autoencoder's ten whitened latent features, a basis no user sees:
// the autoencoder whitens its codes, so every orthonormal rotation of the ten features is
// an equally whitened basis, and a decision F over the rotated features x' = Q x, namely
// F'(x') = F(Qᵀx'), labels the same images identically. The two worlds give a user the
// same images, values, labels and network, and so give every method that is not told
// the basis the same answer; but their truths differ, because the sum of |dF/dx_j| over a
// modality changes with the basis: for a gradient g of one image, dF'/dx' = Q g, and
// Σ_j |(Q g)_j| lies anywhere between |g|₂ and √10 |g|₂. This file measures that
// ambiguity for a scenario and a cohort.

// numImages is how many modalities are images: ct_axial and ct_coronal, the first two of
// the fusion vector, whose features are an image's latent basis.
const numImages = 2

// MaxBasisDraws is the largest number of random bases BasisSpread draws.
const MaxBasisDraws = 100000

// BasisSpread is how far a scenario's ground truth depends on the basis of the image
// features, over one cohort (see Scenario.BasisSpread).
type BasisSpread struct {
	// Truth is the ground truth's modality shares in the autoencoder's own basis
	// (Importance(X).Modality).
	Truth [NumModalities]float64
	// BasisFree is the truth with each image's share taken as its expectation over a
	// uniformly random orthonormal basis: per case, c·|g_m|₂ for an image modality m
	// (c = E Σ_j |q_j| for q uniform on the unit sphere of R^10, about 2.587) and
	// Σ_j |g_j| for a clinical one, averaged over the cohort and normalised. It is what a
	// method can aim at without knowing the basis.
	BasisFree [NumModalities]float64
	// Convention is RMSE(Truth, BasisFree): what the autoencoder's particular basis
	// moves the truth away from its basis-free value.
	Convention float64
	// Draws is how many random bases were drawn for each image, and how many steps the
	// climb to the farthest twin took.
	Draws int
	// MeanTwin is the mean over the random draws of RMSE(Truth, the truth in the drawn basis).
	MeanTwin float64
	// Twin is the truth farthest from Truth found in another basis (the farthest random
	// draw, then climbed farther), and TwinRMSE its RMSE to Truth. A method that is not told the basis answers the same in both worlds, so by
	// the triangle inequality its RMSE is at least TwinRMSE/2 in one of them.
	Twin     [NumModalities]float64
	TwinRMSE float64
}

// sphereAbsMean returns E Σ_j |q_j| for q uniform on the unit sphere of R^d:
// d·Γ(d/2) / (√π·Γ((d+1)/2)).
func sphereAbsMean(d int) float64 {
	a, _ := math.Lgamma(float64(d) / 2)
	b, _ := math.Lgamma(float64(d+1) / 2)
	return float64(d) * math.Exp(a-b) / math.Sqrt(math.Pi)
}

// RandomRotation returns a d x d orthogonal matrix (row-major) drawn uniformly (Haar)
// from r: Gram-Schmidt on rows of independent standard normals, which is the QR
// factorisation of a Gaussian matrix with R's diagonal made positive.
func RandomRotation(d int, r *rand.Rand) []float64 {
	q := make([]float64, d*d)
	for {
		for i := range q {
			q[i] = r.NormFloat64()
		}
		// Rows (almost) linearly dependent have probability 0; draw again rather than
		// divide by a tiny norm.
		if orthonormalise(q, d) {
			return q
		}
	}
}

// orthonormalise replaces the rows of the d x d matrix q by their Gram-Schmidt
// orthonormalisation; false when a row is (almost) in the span of the rows before it.
func orthonormalise(q []float64, d int) bool {
	for i := range d {
		row := q[i*d : (i+1)*d]
		for k := range i {
			prev := q[k*d : (k+1)*d]
			dot := 0.0
			for j := range row {
				dot += row[j] * prev[j]
			}
			for j := range row {
				row[j] -= dot * prev[j]
			}
		}
		norm := 0.0
		for _, v := range row {
			norm += v * v
		}
		if norm < 1e-12 {
			return false
		}
		norm = math.Sqrt(norm)
		for j := range row {
			row[j] /= norm
		}
	}
	return true
}

// nudge returns G·q for a rotation G near the identity: I + step·(A - Aᵀ), A standard
// normal, orthonormalised.
func nudge(q []float64, d int, step float64, r *rand.Rand) []float64 {
	g := make([]float64, d*d)
	for i := range d {
		for j := range i {
			a := step * r.NormFloat64()
			g[i*d+j], g[j*d+i] = a, -a
		}
		g[i*d+i] = 1
	}
	if !orthonormalise(g, d) {
		return q
	}
	out := make([]float64, d*d)
	for i := range d {
		for k := range d {
			gik := g[i*d+k]
			for j := range d {
				out[i*d+j] += gik * q[k*d+j]
			}
		}
	}
	return out
}

// gradients returns dF/dx for each row of X (n x NumFeatures, row-major).
func (s *Scenario) gradients(X []float64) ([]float64, int, error) {
	if err := s.Validate(); err != nil {
		return nil, 0, err
	}
	n, err := rows(X)
	if err != nil {
		return nil, 0, err
	}
	G := make([]float64, len(X))
	for i := range n {
		s.Grad(X[i*NumFeatures:(i+1)*NumFeatures], G[i*NumFeatures:(i+1)*NumFeatures])
	}
	return G, n, nil
}

// sharesInBasis returns the modality shares of Σ_i Σ_j |(Q_m g_i)_j| over the cohort's
// gradients G, image modality m's gradient rotated by rot[m] (nil: the identity), and
// ok false when every share is 0.
func sharesInBasis(G []float64, n int, rot [numImages][]float64) (share [NumModalities]float64, ok bool) {
	var sum [NumModalities]float64
	var g2 [FeaturesPerModality]float64
	for i := range n {
		g := G[i*NumFeatures : (i+1)*NumFeatures]
		for m := range NumModalities {
			blk := g[m*FeaturesPerModality : (m+1)*FeaturesPerModality]
			if m < len(rot) && rot[m] != nil {
				q := rot[m]
				for a := range g2 {
					v := 0.0
					for b, gb := range blk {
						v += q[a*FeaturesPerModality+b] * gb
					}
					g2[a] = v
				}
				blk = g2[:]
			}
			for _, v := range blk {
				sum[m] += math.Abs(v)
			}
		}
	}
	return normalise(sum)
}

// normalise divides v by its sum; ok is false when the sum is 0.
func normalise(v [NumModalities]float64) ([NumModalities]float64, bool) {
	total := 0.0
	for _, x := range v {
		total += x
	}
	if total == 0 {
		return v, false
	}
	for m := range v {
		v[m] /= total
	}
	return v, true
}

// shareRMSE is the root mean square difference of two modality-share vectors.
func shareRMSE(a, b [NumModalities]float64) float64 {
	s := 0.0
	for m := range a {
		s += (a[m] - b[m]) * (a[m] - b[m])
	}
	return math.Sqrt(s / NumModalities)
}

// BasisSpread measures how far the ground truth of s over the cohort X (n x NumFeatures,
// row-major) depends on the basis of the image features: its basis-free value in closed
// form, and the truths of draws worlds whose image features are the cohort's rotated by
// independent uniformly random orthonormal matrices (one per image modality and draw,
// from PCG(seed, a stream fixed in this package)), then as many steps of a climb from the
// farthest of them towards a farther twin. The clinical features are never rotated: a user has
// them as they are. It fails as Importance does, and when draws is outside
// 1..MaxBasisDraws.
func (s *Scenario) BasisSpread(X []float64, draws int, seed uint64) (*BasisSpread, error) {
	if draws < 1 || draws > MaxBasisDraws {
		return nil, fmt.Errorf("groundtruth: %d basis draws, want 1..%d", draws, MaxBasisDraws)
	}
	G, n, err := s.gradients(X)
	if err != nil {
		return nil, err
	}
	sp := &BasisSpread{Draws: draws}
	var ok bool
	if sp.Truth, ok = sharesInBasis(G, n, [numImages][]float64{}); !ok {
		return nil, fmt.Errorf("groundtruth: scenario %s: dF/dx is zero on all %d cases, so importance is undefined", quote.Short(s.Name), n)
	}

	c := sphereAbsMean(FeaturesPerModality)
	var free [NumModalities]float64
	for i := range n {
		g := G[i*NumFeatures : (i+1)*NumFeatures]
		for m := range NumModalities {
			blk := g[m*FeaturesPerModality : (m+1)*FeaturesPerModality]
			if m < numImages {
				ss := 0.0
				for _, v := range blk {
					ss += v * v
				}
				free[m] += c * math.Sqrt(ss)
				continue
			}
			for _, v := range blk {
				free[m] += math.Abs(v)
			}
		}
	}
	sp.BasisFree, _ = normalise(free) // non-zero: Truth's sum is
	sp.Convention = shareRMSE(sp.Truth, sp.BasisFree)

	r := rand.New(rand.NewPCG(seed, basisStream))
	var best [numImages][]float64
	for range draws {
		var rot [numImages][]float64
		for k := range rot {
			rot[k] = RandomRotation(FeaturesPerModality, r)
		}
		t, _ := sharesInBasis(G, n, rot) // a rotation keeps every |g_m|₂, so the sum stays > 0
		d := shareRMSE(sp.Truth, t)
		sp.MeanTwin += d / float64(draws)
		if best[0] == nil || d > sp.TwinRMSE {
			sp.TwinRMSE, sp.Twin, best = d, t, rot
		}
	}
	// Random bases seldom come near the extremes (a gradient along one feature has
	// Σ|q_j| = √10 only for q on a diagonal), so climb from the farthest draw: nudge one
	// image's basis by a small random rotation, keep it when the twin moves farther, and
	// take smaller steps as the climb goes on.
	for i := range draws {
		step := 0.3 * math.Pow(0.01, float64(i)/float64(draws))
		rot := best
		k := i % numImages
		rot[k] = nudge(best[k], FeaturesPerModality, step, r)
		t, _ := sharesInBasis(G, n, rot)
		if d := shareRMSE(sp.Truth, t); d > sp.TwinRMSE {
			sp.TwinRMSE, sp.Twin, best = d, t, rot
		}
	}
	return sp, nil
}
