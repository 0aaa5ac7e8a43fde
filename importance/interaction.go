package importance

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// Modality interactions: which modalities act together. A share per modality cannot say
// that an image matters only in combination with a lab value; the pairwise Shapley
// interaction index (Grabisch & Roubens 1999) can. For players i != j of a game v over
// the players N (|N| = M),
//
//	I_ij = sum over S in N\{i,j} of |S|! (M-|S|-2)! / (M-1)! * [v(S+i+j) - v(S+i) - v(S+j) + v(S)],
//
// the second difference of v in i and j averaged over the coalitions of the others. Here
// the players are the modalities and v is the coalition value of the coalition methods
// (coalition.go): the modalities of S keep the explained case's values, the others take a
// background case's, and v(S) is the mean over the background sample, with one change:
// it averages the log-odds of the head's class, not p.
//
// Why log-odds: an additive log-odds (each modality adding its own evidence) then has
// interaction exactly zero, as it should. In p the logistic link alone makes every two
// modalities with an effect interact: near p = 0 or 1 one strong modality saturates p
// and the other adds nothing (a negative index), which would report a network that adds
// evidence as one that combines it. And a network trained on labels F > t learns
// log-odds close to an increasing function of F, so the log-odds is the scale on which
// the ground truth's second derivatives of F are read.

// MaxExactInteraction is the most modalities for which Interaction enumerates all 2^M
// coalitions; beyond it the index is sampled.
const MaxExactInteraction = 8

// DefaultInteractionSamples is the default of Options.InteractionSamples.
const DefaultInteractionSamples = 256

// streamInteraction is the PCG stream of the sampled index's draws.
const streamInteraction uint64 = 0x696e746572616374 // "interact"

// Interactions are the pairwise Shapley interaction indices of the modalities, for one
// case or a cohort, in log-odds of the head's class (see the package comment above
// Interaction for the value function).
//
// Sign: a positive index says the two modalities reinforce each other (together they
// move the log-odds more than the sum of what each does alone: the image matters more
// when the lab value is present); a negative one says they stand in for each other
// (either one alone does much of what both do, as with redundant evidence). Zero: each
// acts on its own, whatever the other's value.
//
// The matrices are M x M in the order of the modalities given, symmetric, with zeros on
// the diagonal (a modality does not interact with itself).
type Interactions struct {
	// Modalities names the rows and columns, in the model's order.
	Modalities []string `json:"modalities"`
	// Index is the signed index: for one case, the index; for a cohort, its mean over the
	// explained cases (where opposite signs cancel).
	Index [][]float64 `json:"index"`
	// Abs is |Index| for one case, the mean over cases of |index| for a cohort: how much
	// two modalities interact, whichever way.
	Abs [][]float64 `json:"abs"`
	// SE is the standard error of Index from the drawn coalitions when the index is
	// sampled (Exact false); nil when exact. For a cohort it is the sampling error of the
	// mean over the explained cases, not the spread between cases. Abs carries at most the
	// same error per case, plus an upward bias where the index is near zero.
	SE [][]float64 `json:"se,omitempty"`
	// BackgroundSE is the standard error of a cohort's Index from drawing its background
	// sample: Index is the mean over the background cases b of the index against b alone
	// (averaged over the explained cases), so BackgroundSE is their standard deviation
	// over sqrt(Background), times sqrt((N-Background)/(N-1)) for a sample drawn without
	// replacement from the N cases it was drawn from (0 when it is all of them;
	// Options.BackgroundOf when the background given was a sample already). It says
	// how far another background sample of the same size might move Index. Exact cohort
	// indices only; nil for one case and when sampled.
	BackgroundSE [][]float64 `json:"background_se,omitempty"`
	// Shapley is, from the same coalition values, each modality's Shapley value in
	// log-odds: signed for one case, the mean |value| for a cohort. Nil when the index is
	// sampled.
	Shapley []float64 `json:"shapley,omitempty"`
	// Exact says all 2^M coalitions were evaluated (M <= MaxExactInteraction).
	Exact bool `json:"exact"`
	// Samples is the number of coalitions drawn per pair and case when not Exact.
	Samples int `json:"samples_per_pair,omitempty"`
	// Cases is the number of cases explained (1 for one case); Background the number of
	// background cases that stand for an absent modality.
	Cases      int `json:"cases"`
	Background int `json:"background"`
}

// Pair is one pair of modalities, I before J in the model's order.
type Pair struct {
	Name  string  // "A|B", A and B the modality names in the model's order
	I, J  int     // their positions
	Index float64 // Interactions.Index[I][J]
	Abs   float64 // Interactions.Abs[I][J]
	Share float64 // Abs over the sum of Abs over all pairs (0 when that sum is 0)
}

// PairName names the pair of modalities a and b, a first: "a|b".
func PairName(a, b string) string { return a + "|" + b }

// Pairs lists the M(M-1)/2 pairs in the model's order (0|1, 0|2, ..., 1|2, ...), with
// each pair's share of the total absolute interaction.
func (r Interactions) Pairs() []Pair {
	var out []Pair
	var tot float64
	for i := range r.Modalities {
		for j := i + 1; j < len(r.Modalities); j++ {
			out = append(out, Pair{Name: PairName(r.Modalities[i], r.Modalities[j]), I: i, J: j, Index: r.Index[i][j], Abs: r.Abs[i][j]})
			tot += r.Abs[i][j]
		}
	}
	if tot > 0 {
		for k := range out {
			out[k].Share = out[k].Abs / tot
		}
	}
	return out
}

// Shares returns each pair's share of the total absolute interaction, by pair name.
func (r Interactions) Shares() map[string]float64 {
	out := map[string]float64{}
	for _, p := range r.Pairs() {
		out[p.Name] = p.Share
	}
	return out
}

// Strongest returns the pair with the largest Abs (the first in the model's order on a
// tie), and false when no pair interacts at all.
func (r Interactions) Strongest() (Pair, bool) {
	var best Pair
	found := false
	for _, p := range r.Pairs() {
		if p.Abs > best.Abs {
			best, found = p, true
		}
	}
	return best, found
}

// Strength is the total absolute interaction over all pairs relative to the total
// absolute Shapley value over the modalities: near 0 when the modalities act on their
// own, of order 1 when their effects lie mostly in interactions. It is NaN when Shapley
// is nil (a sampled index) or all zero.
func (r Interactions) Strength() float64 {
	var main, inter float64
	for _, v := range r.Shapley {
		main += math.Abs(v)
	}
	for _, p := range r.Pairs() {
		inter += p.Abs
	}
	if main == 0 {
		return math.NaN()
	}
	return inter / main
}

// InteractionLocal returns the pairwise Shapley interaction indices of the modalities
// for the one case x, with a sample of Options.Background cases of bg (drawn without
// replacement, as the coalition methods draw theirs) standing for an absent modality.
// With at most MaxExactInteraction modalities every coalition is evaluated; beyond, the
// index of each pair is the mean of Options.InteractionSamples second differences at
// coalitions drawn from the index's own weights (a size uniform in 0..M-2, then the
// players uniformly), and SE is its standard error. The head must be a LogitHead, and
// there must be at least two modalities.
func InteractionLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Interactions, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 1)
	if err != nil {
		return Interactions{}, err
	}
	ic, err := newInteractionCase(h, mods, o)
	if err != nil {
		return Interactions{}, err
	}
	b, nb := background(bg, dim, o)
	e := ic.valuer(h, mods, b, nb)
	s := make([]float32, 1)
	e.eval(x, 1, s)
	ic.run(e, x, float64(s[0]))
	r := ic.result(mods, 1, nb)
	for i := range ic.m {
		for j := range ic.m {
			r.Index[i][j] = ic.idx[i*ic.m+j]
			r.Abs[i][j] = math.Abs(ic.idx[i*ic.m+j])
			if r.SE != nil {
				r.SE[i][j] = ic.se[i*ic.m+j]
			}
		}
	}
	if r.Shapley != nil {
		copy(r.Shapley, ic.phi)
	}
	return r, nil
}

// Interaction returns the cohort's pairwise modality interactions: InteractionLocal of
// each explained case (Options.Cases of them drawn without replacement, or all),
// against one background sample of the cohort; Index is the mean signed index, Abs the
// mean |index|, Shapley the mean |Shapley value|. Pairs gives each pair's share of the
// total absolute interaction.
func Interaction(h Head, mods []Modality, c Cohort, o Options) (Interactions, error) {
	return InteractionAgainst(h, mods, c, c, o)
}

// InteractionAgainst is Interaction with the background sample drawn from bg instead of
// the explained cohort c (for example a sample of a user's cases kept for every method):
// the mean over the explained cases of c of InteractionLocal against bg with the same
// options. InteractionAgainst(h, mods, c, c, o) is Interaction(h, mods, c, o).
func InteractionAgainst(h Head, mods []Modality, c, bg Cohort, o Options) (Interactions, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Interactions{}, err
	}
	if err := bg.check(dim); err != nil {
		return Interactions{}, fmt.Errorf("background: %w", err)
	}
	ic, err := newInteractionCase(h, mods, o)
	if err != nil {
		return Interactions{}, err
	}
	b, nb := background(bg, dim, o)
	e := ic.valuer(h, mods, b, nb)
	// A cohort evaluates many coalitions per background case: by the head's first-layer
	// blocks when it has them (only here, so that a page explaining one case at a time
	// links none of it).
	if bv := newBlockValues(h.(LogitHead), mods, b, nb); bv != nil {
		ic.values = func(x []float32, masks []uint64, v []float64) { bv.values(x, masks, v, e.each) }
	}
	rows := explained(c, o)
	sx := make([]float32, len(rows))
	e.eval(gather(c, rows, dim), len(rows), sx)
	m := ic.m
	sum, abs, vse := make([]float64, m*m), make([]float64, m*m), make([]float64, m*m)
	phi := make([]float64, m)
	var perBG []float64 // nb x m x m: the index against each background case, summed over cases
	if ic.exact && nb > 1 {
		e.each = make([]float64, len(ic.masks)*nb)
		ic.bgIdx = make([]float64, nb*m*m)
		perBG = make([]float64, nb*m*m)
	}
	for k, row := range rows {
		ic.run(e, c.Row(row, dim), float64(sx[k]))
		if o.Progress != nil {
			o.Progress(k+1, len(rows))
		}
		if perBG != nil {
			ic.runEach(e.each, nb, float64(sx[k]))
			for i, v := range ic.bgIdx {
				perBG[i] += v
			}
		}
		for i, v := range ic.idx {
			sum[i] += v
			abs[i] += math.Abs(v)
			if ic.se != nil {
				vse[i] += ic.se[i] * ic.se[i]
			}
		}
		for i, v := range ic.phi {
			phi[i] += math.Abs(v)
		}
	}
	n := float64(len(rows))
	r := ic.result(mods, len(rows), nb)
	for i := range m {
		for j := range m {
			r.Index[i][j] = sum[i*m+j] / n
			r.Abs[i][j] = abs[i*m+j] / n
			if r.SE != nil {
				r.SE[i][j] = math.Sqrt(vse[i*m+j]) / n
			}
		}
	}
	for i := range r.Shapley {
		r.Shapley[i] = phi[i] / n
	}
	if perBG != nil {
		pop := bg.N
		if o.BackgroundOf > 0 {
			pop = o.BackgroundOf
		}
		r.BackgroundSE = backgroundSE(perBG, m, nb, n, pop)
	}
	return r, nil
}

// interactionCase computes the index of one case at a time, reusing its buffers.
type interactionCase struct {
	m       int
	exact   bool
	samples int
	masks   []uint64  // coalitions evaluated per case
	v       []float64 // their values (exact: indexed by mask, the full coalition last)
	w       []float64 // exact: the index's weight of a coalition of each size
	rng     *rand.Rand
	perm    []int
	// values evaluates coalitions: the valuer's, or the first-layer blocks' (a cohort's).
	values func(x []float32, masks []uint64, v []float64)
	idx    []float64 // m x m: the case's index
	bgIdx  []float64 // nb x m x m: against each background case alone (exact, when the valuer gives each)
	se     []float64 // m x m: its standard error (sampled only)
	phi    []float64 // the case's Shapley values (exact only)
}

// newInteractionCase checks the arguments particular to the index.
func newInteractionCase(h Head, mods []Modality, o Options) (*interactionCase, error) {
	if _, ok := h.(LogitHead); !ok {
		return nil, fmt.Errorf("importance: modality interactions need a head that gives log-odds (a LogitHead), have %T", h)
	}
	m := len(mods)
	if m < 2 {
		return nil, fmt.Errorf("importance: modality interactions need at least 2 modalities, have %d", m)
	}
	samples := o.InteractionSamples
	switch {
	case samples < 0:
		return nil, fmt.Errorf("importance: option InteractionSamples = %d, want >= 0 (0 = default %d)", samples, DefaultInteractionSamples)
	case samples == 0:
		samples = DefaultInteractionSamples
	case samples == 1:
		return nil, fmt.Errorf("importance: option InteractionSamples = 1, want at least 2 so that the standard error is defined")
	}
	if m <= MaxExactInteraction {
		return newExactInteraction(m), nil
	}
	return newSampledInteraction(m, samples, newRNG(o.Seed, streamInteraction)), nil
}

func newExactInteraction(m int) *interactionCase {
	ic := &interactionCase{m: m, exact: true, masks: allMasks(m), v: make([]float64, 1<<m), idx: make([]float64, m*m)}
	ic.w = make([]float64, m-1) // w[s] = s! (m-s-2)! / (m-1)!
	for s := range ic.w {
		ic.w[s] = math.Exp(lgamma(s+1) + lgamma(m-s-1) - lgamma(m))
	}
	return ic
}

func newSampledInteraction(m, samples int, rng *rand.Rand) *interactionCase {
	pairs := m * (m - 1) / 2
	return &interactionCase{m: m, samples: samples, rng: rng, perm: make([]int, 0, m),
		masks: make([]uint64, 4*pairs*samples), v: make([]float64, 4*pairs*samples),
		idx: make([]float64, m*m), se: make([]float64, m*m)}
}

// valuer returns the coalition valuer over the modalities that averages log-odds.
func (ic *interactionCase) valuer(h Head, mods []Modality, bg []float32, nb int) *valuer {
	e := newValuer(h, mods, bg, nb)
	e.eval = logOdds(h.(LogitHead))
	ic.values = e.values
	return e
}

// logitter is a head that gives log-odds without their gradient (fusion.DenseHead).
type logitter interface {
	Logit(z []float32, n int, s []float32)
}

// logOdds returns a function that sets s to the log-odds of each row of z: h.Logit when
// h has it, else GradLogit with a gradient buffer of its own.
func logOdds(h LogitHead) func(z []float32, n int, s []float32) {
	if l, ok := h.(logitter); ok {
		return l.Logit
	}
	var g []float32
	return func(z []float32, n int, s []float32) {
		if len(g) < n*h.Dim() {
			g = make([]float32, n*h.Dim())
		}
		h.GradLogit(z, n, s, g[:n*h.Dim()])
	}
}

// run computes the index of case x, whose log-odds are sx, into ic.idx (and ic.se, ic.phi).
func (ic *interactionCase) run(e *valuer, x []float32, sx float64) {
	if ic.exact {
		ic.runExact(e, x, sx)
	} else {
		ic.runSampled(e, x)
	}
}

func (ic *interactionCase) runExact(e *valuer, x []float32, sx float64) {
	m := ic.m
	ic.values(x, ic.masks, ic.v[:len(ic.masks)])
	ic.v[len(ic.v)-1] = sx
	clear(ic.idx)
	for mask := range ic.v {
		s := bits.OnesCount64(uint64(mask))
		if s > m-2 {
			continue
		}
		for i := 0; i < m; i++ {
			bi := 1 << i
			if mask&bi != 0 {
				continue
			}
			for j := i + 1; j < m; j++ {
				bj := 1 << j
				if mask&bj != 0 {
					continue
				}
				ic.idx[i*m+j] += ic.w[s] * (ic.v[mask|bi|bj] - ic.v[mask|bi] - ic.v[mask|bj] + ic.v[mask])
			}
		}
	}
	ic.symmetrise(ic.idx)
	ic.phi = shapleyPhi(m, ic.v)
}

// runEach sets ic.bgIdx to the index of the case run last against each background case
// alone, from each background case's coalition values (each[mask*nb+b]; the full
// coalition's value is sx for every one). Their mean over the background cases is ic.idx.
func (ic *interactionCase) runEach(each []float64, nb int, sx float64) {
	m := ic.m
	full := 1<<m - 1
	val := func(mask, b int) float64 {
		if mask == full {
			return sx
		}
		return each[mask*nb+b]
	}
	clear(ic.bgIdx)
	for mask := range 1 << m {
		s := bits.OnesCount64(uint64(mask))
		if s > m-2 {
			continue
		}
		w := ic.w[s]
		for i := 0; i < m; i++ {
			bi := 1 << i
			if mask&bi != 0 {
				continue
			}
			for j := i + 1; j < m; j++ {
				bj := 1 << j
				if mask&bj != 0 {
					continue
				}
				for b := range nb {
					ic.bgIdx[b*m*m+i*m+j] += w * (val(mask|bi|bj, b) - val(mask|bi, b) - val(mask|bj, b) + val(mask, b))
				}
			}
		}
	}
}

// backgroundSE returns the standard error of the cohort's index from its background
// sample (Interactions.BackgroundSE): perBG holds, per background case, the index
// against it summed over the n explained cases (nb x m x m), drawn from pop cases.
func backgroundSE(perBG []float64, m, nb int, n float64, pop int) [][]float64 {
	out := square(m)
	fpc := 0.0
	if pop > 1 {
		fpc = math.Max(0, float64(pop-nb)/float64(pop-1))
	}
	for i := range m {
		for j := i + 1; j < m; j++ {
			var s, sq float64
			for b := range nb {
				v := perBG[b*m*m+i*m+j] / n
				s += v
				sq += v * v
			}
			mean := s / float64(nb)
			variance := math.Max(0, (sq-float64(nb)*mean*mean)/float64(nb-1))
			out[i][j] = math.Sqrt(variance / float64(nb) * fpc)
			out[j][i] = out[i][j]
		}
	}
	return out
}

// runSampled draws, for every pair, Samples coalitions S of the other players with the
// index's weights (each size 0..m-2 with probability 1/(m-1), then the players uniformly)
// and averages the second differences; their standard deviation over sqrt(Samples) is
// the standard error.
func (ic *interactionCase) runSampled(e *valuer, x []float32) {
	m, n := ic.m, ic.samples
	k := 0
	for i := 0; i < m; i++ {
		for j := i + 1; j < m; j++ {
			ic.perm = ic.perm[:0]
			for p := 0; p < m; p++ {
				if p != i && p != j {
					ic.perm = append(ic.perm, p)
				}
			}
			for range n {
				size := ic.rng.IntN(m - 1)
				var s uint64
				for a := 0; a < size; a++ {
					b := a + ic.rng.IntN(len(ic.perm)-a)
					ic.perm[a], ic.perm[b] = ic.perm[b], ic.perm[a]
					s |= 1 << ic.perm[a]
				}
				ic.masks[k], ic.masks[k+1], ic.masks[k+2], ic.masks[k+3] = s, s|1<<i, s|1<<j, s|1<<i|1<<j
				k += 4
			}
		}
	}
	ic.values(x, ic.masks, ic.v)
	clear(ic.idx)
	clear(ic.se)
	k = 0
	for i := 0; i < m; i++ {
		for j := i + 1; j < m; j++ {
			var sum, sq float64
			for range n {
				d := ic.v[k+3] - ic.v[k+1] - ic.v[k+2] + ic.v[k]
				sum += d
				sq += d * d
				k += 4
			}
			mean := sum / float64(n)
			variance := math.Max(0, (sq-float64(n)*mean*mean)/float64(n-1))
			ic.idx[i*m+j] = mean
			ic.se[i*m+j] = math.Sqrt(variance / float64(n))
		}
	}
	ic.symmetrise(ic.idx)
	ic.symmetrise(ic.se)
}

// symmetrise copies the upper triangle of the m x m matrix a onto the lower.
func (ic *interactionCase) symmetrise(a []float64) {
	for i := 0; i < ic.m; i++ {
		for j := i + 1; j < ic.m; j++ {
			a[j*ic.m+i] = a[i*ic.m+j]
		}
	}
}

// result returns an empty result for the modalities.
func (ic *interactionCase) result(mods []Modality, cases, nb int) Interactions {
	m := ic.m
	r := Interactions{Exact: ic.exact, Cases: cases, Background: nb, Index: square(m), Abs: square(m)}
	for _, md := range mods {
		r.Modalities = append(r.Modalities, md.Name)
	}
	if ic.exact {
		r.Shapley = make([]float64, m)
	} else {
		r.Samples = ic.samples
		r.SE = square(m)
	}
	return r
}

func square(m int) [][]float64 {
	out := make([][]float64, m)
	for i := range out {
		out[i] = make([]float64, m)
	}
	return out
}
