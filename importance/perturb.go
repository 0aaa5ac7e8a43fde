package importance

import (
	"fmt"
	"math"
	"strconv"
)

// featurePlayers returns one single-feature block per fusion feature, so the methods
// that perturb blocks score features and modalities with the same code.
func featurePlayers(dim int) []Modality {
	out := make([]Modality, dim)
	for j := range out {
		out[j] = Modality{Name: "z" + strconv.Itoa(j), Start: j, End: j + 1}
	}
	return out
}

// logLossEps keeps log-loss finite when p rounds to 0 or 1 in float32.
const logLossEps = 1e-7

func logLoss(p []float32, y []int) float64 {
	var s float64
	for i, v := range p {
		q := math.Min(math.Max(float64(v), logLossEps), 1-logLossEps)
		if y[i] == 1 {
			s -= math.Log(q)
		} else {
			s -= math.Log(1 - q)
		}
	}
	return s / float64(len(p))
}

func meanAbsDiff(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return s / float64(len(a))
}

// Permutation shuffles one feature, or one whole modality jointly (the same permutation
// for all its features, so within-modality structure survives), across the cohort's
// cases and measures the damage: the increase in log-loss when the cohort has labels,
// else the mean |change in p|. Each score is the mean over Repeats seeded permutations,
// the same permutations for every feature and modality (common random numbers make the
// comparison between them sharper); negative scores (shuffling helped by chance) are
// clipped to 0 before normalising.
func Permutation(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	if c.N < 2 {
		return Importance{}, fmt.Errorf("importance: permutation needs at least 2 cases, cohort has %d", c.N)
	}
	rng := newRNG(o.Seed, streamPermutation)
	perms := make([][]int, o.Repeats)
	for r := range perms {
		perms[r] = rng.Perm(c.N)
	}
	p0 := make([]float32, c.N)
	h.Prob(c.Z, c.N, p0)
	var loss0 float64
	if c.Labels != nil {
		loss0 = logLoss(p0, c.Labels)
	}
	work := append([]float32(nil), c.Z...)
	pw := make([]float32, c.N)
	score := func(players []Modality) []float64 {
		out := make([]float64, len(players))
		for k, pl := range players {
			for _, perm := range perms {
				for i, src := range perm {
					copy(work[i*dim+pl.Start:i*dim+pl.End], c.Z[src*dim+pl.Start:src*dim+pl.End])
				}
				h.Prob(work, c.N, pw)
				if c.Labels != nil {
					out[k] += logLoss(pw, c.Labels) - loss0
				} else {
					out[k] += meanAbsDiff(pw, p0)
				}
			}
			for i := 0; i < c.N; i++ {
				copy(work[i*dim+pl.Start:i*dim+pl.End], c.Z[i*dim+pl.Start:i*dim+pl.End])
			}
			out[k] = math.Max(0, out[k]/float64(len(perms)))
		}
		return out
	}
	return Importance{Method: "permutation", Features: Normalize(score(featurePlayers(dim))), Modalities: Normalize(score(mods))}, nil
}

// Occlusion replaces one feature, or one whole modality, by its cohort mean in every case
// and scores it by the mean |change in p|; both are normalised.
func Occlusion(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	mu := ColumnMean(c.Z, c.N, dim)
	p0 := make([]float32, c.N)
	h.Prob(c.Z, c.N, p0)
	work := append([]float32(nil), c.Z...)
	pw := make([]float32, c.N)
	score := func(players []Modality) []float64 {
		out := make([]float64, len(players))
		for k, pl := range players {
			for i := 0; i < c.N; i++ {
				for j := pl.Start; j < pl.End; j++ {
					work[i*dim+j] = float32(mu[j])
				}
			}
			h.Prob(work, c.N, pw)
			out[k] = meanAbsDiff(pw, p0)
			for i := 0; i < c.N; i++ {
				copy(work[i*dim+pl.Start:i*dim+pl.End], c.Z[i*dim+pl.Start:i*dim+pl.End])
			}
		}
		return out
	}
	return Importance{Method: "occlusion", Features: Normalize(score(featurePlayers(dim))), Modalities: Normalize(score(mods))}, nil
}

// OcclusionLocal returns, per feature and per modality, p(x) minus p(x with that block
// replaced by the background mean).
func OcclusionLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 1)
	if err != nil {
		return Attribution{}, err
	}
	mu := ColumnMean(bg.Z, bg.N, dim)
	players := append(featurePlayers(dim), mods...)
	rows := make([]float32, (1+len(players))*dim)
	copy(rows, x)
	for k, pl := range players {
		r := rows[(k+1)*dim : (k+2)*dim]
		copy(r, x)
		for j := pl.Start; j < pl.End; j++ {
			r[j] = float32(mu[j])
		}
	}
	p := make([]float32, 1+len(players))
	h.Prob(rows, len(p), p)
	delta := make([]float64, len(players))
	for k := range delta {
		delta[k] = float64(p[0]) - float64(p[k+1])
	}
	return Attribution{Method: "occlusion", P: float64(p[0]), Features: delta[:dim], Modalities: delta[dim:]}, nil
}
