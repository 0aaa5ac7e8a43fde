package importance

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// A coalition is a set of players (blocks of the fusion vector: modalities, or single
// features), stored as bits of a uint64: bit i set means player i keeps the explained
// case's values. Absent players take a background case's values, and the coalition's
// value is the mean of p over the background sample: the marginal (interventional)
// expectation used by KernelSHAP. Features outside every player keep the case's values.

// maxRowsPerCall bounds the rows built for one Head call, and so the memory per call.
const maxRowsPerCall = 8192

// valuer evaluates coalitions of one set of players against one background sample,
// reusing its buffers across cases.
type valuer struct {
	h       Head
	eval    func(z []float32, n int, out []float32) // the value of each row: h.Prob unless set otherwise
	dim     int
	players []Modality
	bg      []float32 // nb x dim
	nb      int
	rows    []float32
	p       []float32
	// each, when not nil, receives from values every background case's value of each
	// coalition too: each[k*nb+b] for masks[k] and background case b (len(masks) x nb).
	each []float64
}

func newValuer(h Head, players []Modality, bg []float32, nb int) *valuer {
	return &valuer{h: h, eval: h.Prob, dim: h.Dim(), players: players, bg: bg, nb: nb}
}

// values sets v[k] to the value of coalition masks[k] for case x.
func (e *valuer) values(x []float32, masks []uint64, v []float64) {
	per := min(len(masks), max(1, maxRowsPerCall/e.nb)) // masks per Head call
	if len(e.p) < per*e.nb {
		e.rows = make([]float32, per*e.nb*e.dim)
		e.p = make([]float32, per*e.nb)
	}
	for lo := 0; lo < len(masks); lo += per {
		hi := min(lo+per, len(masks))
		r := 0
		for _, m := range masks[lo:hi] {
			for b := 0; b < e.nb; b++ {
				row := e.rows[r*e.dim : (r+1)*e.dim]
				copy(row, x)
				bgRow := e.bg[b*e.dim : (b+1)*e.dim]
				for i, pl := range e.players {
					if m&(1<<i) == 0 {
						copy(row[pl.Start:pl.End], bgRow[pl.Start:pl.End])
					}
				}
				r++
			}
		}
		e.eval(e.rows[:r*e.dim], r, e.p[:r])
		for k := range masks[lo:hi] {
			var s float64
			for b, q := range e.p[k*e.nb : (k+1)*e.nb] {
				s += float64(q)
				if e.each != nil {
					e.each[(lo+k)*e.nb+b] = float64(q)
				}
			}
			v[lo+k] = s / float64(e.nb)
		}
	}
}

// background draws the background sample from c (Background cases without replacement).
func background(c Cohort, dim int, o Options) ([]float32, int) {
	rows := sampleRows(c.N, o.Background, newRNG(o.Seed, streamBackground))
	return gather(c, rows, dim), len(rows)
}

// explained returns the cohort rows a per-case method explains (Cases of them, or all).
func explained(c Cohort, o Options) []int {
	if o.Cases > 0 && o.Cases < c.N {
		return sampleRows(c.N, o.Cases, newRNG(o.Seed, streamCases))
	}
	return sampleRows(c.N, c.N, nil)
}

// probRows returns p for the given rows of c.
func probRows(h Head, c Cohort, rows []int, dim int) []float64 {
	z := gather(c, rows, dim)
	p := make([]float32, len(rows))
	h.Prob(z, len(rows), p)
	return to64(p)
}

// shapleyPhi returns exact Shapley values from the values v[mask] of all 2^M coalitions:
// phi_i = sum over S not containing i of |S|!(M-|S|-1)!/M! (v(S+i) - v(S)).
func shapleyPhi(m int, v []float64) []float64 {
	w := make([]float64, m) // w[s] = s!(M-s-1)!/M!
	for s := range w {
		w[s] = math.Exp(lgamma(s+1) + lgamma(m-s) - lgamma(m+1))
	}
	phi := make([]float64, m)
	for mask := range v {
		s := bits.OnesCount64(uint64(mask))
		for i := 0; i < m; i++ {
			if mask&(1<<i) == 0 {
				phi[i] += w[s] * (v[mask|1<<i] - v[mask])
			}
		}
	}
	return phi
}

func lgamma(n int) float64 {
	l, _ := math.Lgamma(float64(n))
	return l
}

// allMasks returns the masks 0 .. 2^m - 2 (every coalition but the full one, whose value
// is p(x) itself).
func allMasks(m int) []uint64 {
	out := make([]uint64, 1<<m-1)
	for i := range out {
		out[i] = uint64(i)
	}
	return out
}

// shapleyCase returns the exact Shapley values of one case over m players.
func shapleyCase(m int, _ Options) caseFunc {
	masks := allMasks(m)
	v := make([]float64, len(masks)+1)
	return func(e *valuer, x []float32, px float64) ([]float64, error) {
		e.values(x, masks, v[:len(masks)])
		v[len(masks)] = px
		return shapleyPhi(m, v), nil
	}
}

// Shapley computes exact Shapley values over the modalities for each explained case
// (value of a coalition = mean p over the background sample with the coalition's
// features kept from the case, all 2^M coalitions enumerated) and scores each modality by
// the mean |phi|, normalised. It scores modalities only.
func Shapley(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	return coalitionGlobal("shapley", h, mods, c, o, shapleyCase)
}

// ShapleyLocal returns the exact Shapley values of x over the modalities; they sum to
// p(x) - E[p] over the background sample (Complete).
func ShapleyLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	return coalitionLocal("shapley", true, h, mods, x, bg, o, shapleyCase)
}

// caseFunc attributes one case x (with p(x) = px) over the valuer's players.
type caseFunc func(e *valuer, x []float32, px float64) ([]float64, error)

// caseMaker builds a method's caseFunc once the arguments are validated: m players,
// options with defaults.
type caseMaker func(m int, o Options) caseFunc

// coalitionGlobal runs a per-case coalition method over the explained cases and scores
// each modality by the mean |attribution|.
func coalitionGlobal(name string, h Head, mods []Modality, c Cohort, o Options, mk caseMaker) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	f := mk(len(mods), o)
	bg, nb := background(c, dim, o)
	e := newValuer(h, mods, bg, nb)
	rows := explained(c, o)
	px := probRows(h, c, rows, dim)
	acc := make([]float64, len(mods))
	for k, r := range rows {
		phi, err := f(e, c.Row(r, dim), px[k])
		if err != nil {
			return Importance{}, fmt.Errorf("importance: %s on case %d: %w", name, r, err)
		}
		for i, v := range phi {
			acc[i] += math.Abs(v)
		}
	}
	return Importance{Method: name, Modalities: Normalize(acc)}, nil
}

// coalitionLocal runs a per-case coalition method on x against a background sample of
// bg; complete says the attributions sum to p(x) - E[p] over that sample.
func coalitionLocal(name string, complete bool, h Head, mods []Modality, x []float32, bg Cohort, o Options, mk caseMaker) (Attribution, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 1)
	if err != nil {
		return Attribution{}, err
	}
	f := mk(len(mods), o)
	b, nb := background(bg, dim, o)
	e := newValuer(h, mods, b, nb)
	p := make([]float32, 1)
	h.Prob(x, 1, p)
	phi, err := f(e, x, float64(p[0]))
	if err != nil {
		return Attribution{}, fmt.Errorf("importance: %s: %w", name, err)
	}
	a := Attribution{Method: name, P: float64(p[0]), Modalities: phi}
	if complete {
		a.Complete = true
		a.Base = e.empty(x)
	}
	return a, nil
}

// empty is the value of the empty coalition for x: E[p] over the background, with
// features outside every player held at x's values.
func (e *valuer) empty(x []float32) float64 {
	v := make([]float64, 1)
	e.values(x, []uint64{0}, v)
	return v[0]
}

// kernelWeights returns the Shapley kernel weight (M-1) / (C(M,|S|) |S| (M-|S|)) of each
// proper coalition mask.
func kernelWeights(m int, masks []uint64) []float64 {
	w := make([]float64, len(masks))
	for k, mask := range masks {
		s := bits.OnesCount64(mask)
		logC := lgamma(m+1) - lgamma(s+1) - lgamma(m-s+1)
		w[k] = float64(m-1) / (math.Exp(logC) * float64(s) * float64(m-s))
	}
	return w
}

// kernelSHAPSolve fits KernelSHAP: the weighted least-squares line through the
// coalition values, v(S) ~ v0 + sum_{i in S} phi_i, under the efficiency constraint
// sum phi = vFull - v0 (the infinite kernel weight of the empty and full coalitions),
// imposed by eliminating the last player as in the shap library.
func kernelSHAPSolve(m int, masks []uint64, w, v []float64, v0, vFull float64) ([]float64, error) {
	delta := vFull - v0
	if m == 1 {
		return []float64{delta}, nil
	}
	k := m - 1
	a := make([]float64, k*k)
	b := make([]float64, k)
	x := make([]float64, k)
	last := uint64(1) << k
	for r, mask := range masks {
		zl := 0.0
		if mask&last != 0 {
			zl = 1
		}
		for j := 0; j < k; j++ {
			x[j] = -zl
			if mask&(1<<j) != 0 {
				x[j]++
			}
		}
		y := v[r] - v0 - zl*delta
		for i := 0; i < k; i++ {
			if x[i] == 0 {
				continue
			}
			wi := w[r] * x[i]
			b[i] += wi * y
			for j := 0; j < k; j++ {
				a[i*k+j] += wi * x[j]
			}
		}
	}
	if err := solveSPD(a, b, k); err != nil {
		return nil, fmt.Errorf("the coalitions do not determine every player (%w); use more coalitions", err)
	}
	phi := append(b, delta)
	for _, v := range b {
		phi[k] -= v
	}
	return phi, nil
}

// KernelSHAP runs exact KernelSHAP with the modalities as players: every proper
// coalition (14 for four modalities) weighted by the Shapley kernel, value = mean p over
// the background sample, efficiency imposed as a constraint. Each modality scores the
// mean |phi| over the explained cases, normalised. (With all coalitions enumerated this
// equals the exact Shapley values; the regression is kept because it is the method the
// authors compared against.)
func KernelSHAP(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	return coalitionGlobal("kernelshap", h, mods, c, o, kernelSHAPCase)
}

// KernelSHAPLocal returns the KernelSHAP values of x over the modalities; they sum to
// p(x) - E[p] over the background sample (Complete).
func KernelSHAPLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	return coalitionLocal("kernelshap", true, h, mods, x, bg, o, kernelSHAPCase)
}

// kernelSHAPCase returns the exact KernelSHAP of one case over m players.
func kernelSHAPCase(m int, _ Options) caseFunc {
	all := allMasks(m)
	eval := append(all[1:], 0) // proper non-empty coalitions, then the empty one for v0
	n := len(eval) - 1
	w := kernelWeights(m, eval[:n])
	v := make([]float64, len(eval))
	return func(e *valuer, x []float32, px float64) ([]float64, error) {
		e.values(x, eval, v)
		return kernelSHAPSolve(m, eval[:n], w, v[:n], v[n], px)
	}
}

// sampledKernel chooses the coalitions of m players for sampled KernelSHAP, as the shap
// library does when its budget allows: every coalition of size 1 and of size m-1 is
// enumerated with its exact Shapley-kernel weight (which also guarantees the regression
// is determined), and the rest of the budget is drawn in complementary pairs from sizes
// 2..m-2, a size s with probability proportional to the kernel's total weight at that
// size, (m-1)/(s(m-s)), then s players uniformly; each drawn coalition carries an equal
// share of those sizes' total weight.
type sampledKernel struct {
	m     int
	fixed int       // the enumerated coalitions at the front of masks
	cum   []float64 // cumulative probabilities of the sampled sizes 2..m-2
	perm  []int
	masks []uint64 // enumerated, then drawn coalitions, then the empty one (for v0)
	w     []float64
	v     []float64
}

func newSampledKernel(m, coalitions int) *sampledKernel {
	sk := &sampledKernel{m: m, perm: make([]int, m)}
	if m == 1 { // the only player's value is p(x) - v0; no regression
		sk.masks, sk.v = []uint64{0}, make([]float64, 1)
		return sk
	}
	size := make([]float64, m) // normalised total kernel weight per size
	var tot float64
	for s := 1; s < m; s++ {
		size[s] = float64(m-1) / float64(s*(m-s))
		tot += size[s]
	}
	for s := range size {
		size[s] /= tot
	}
	full := uint64(1)<<m - 1
	for j := 0; j < m; j++ {
		sk.masks = append(sk.masks, 1<<j)
		sk.w = append(sk.w, size[1]/float64(m))
	}
	if m > 2 { // for m = 2 the complements are the singletons again
		for j := 0; j < m; j++ {
			sk.masks = append(sk.masks, full&^(1<<j))
			sk.w = append(sk.w, size[m-1]/float64(m))
		}
	}
	sk.fixed = len(sk.masks)
	if m > 3 {
		var rest float64
		for s := 2; s <= m-2; s++ {
			rest += size[s]
			sk.cum = append(sk.cum, rest)
		}
		for i := range sk.cum {
			sk.cum[i] /= rest
		}
		drawn := 2 * max(0, (coalitions-sk.fixed+1)/2)
		for k := 0; k < drawn; k++ {
			sk.masks = append(sk.masks, 0)
			sk.w = append(sk.w, rest/float64(drawn))
		}
	}
	sk.masks = append(sk.masks, 0)
	sk.v = make([]float64, len(sk.masks))
	return sk
}

// draw replaces the sampled coalitions with fresh ones.
func (sk *sampledKernel) draw(rng *rand.Rand) {
	full := uint64(1)<<sk.m - 1
	for k := sk.fixed; k+1 < len(sk.masks); k += 2 {
		u := rng.Float64()
		s := 2
		for s < sk.m-2 && sk.cum[s-2] < u {
			s++
		}
		for i := range sk.perm {
			sk.perm[i] = i
		}
		var mask uint64
		for i := 0; i < s; i++ {
			j := i + rng.IntN(sk.m-i)
			sk.perm[i], sk.perm[j] = sk.perm[j], sk.perm[i]
			mask |= 1 << sk.perm[i]
		}
		sk.masks[k], sk.masks[k+1] = mask, full&^mask
	}
}

// phi draws fresh coalitions and returns the sampled KernelSHAP values of x.
func (sk *sampledKernel) phi(e *valuer, rng *rand.Rand, x []float32, px float64) ([]float64, error) {
	n := len(sk.w)
	if sk.m == 1 {
		e.values(x, sk.masks, sk.v)
		return []float64{px - sk.v[0]}, nil
	}
	sk.draw(rng)
	e.values(x, sk.masks, sk.v)
	return kernelSHAPSolve(sk.m, sk.masks[:n], sk.w, sk.v[:n], sk.v[n], px)
}

// maxFeaturePlayers bounds KernelSHAP over single features (coalitions are uint64 bits).
const maxFeaturePlayers = 64

// checkFeaturePlayers reports whether KernelSHAP over dim single features can run: it
// enumerates the 2 dim coalitions of size 1 and dim-1 before it samples any.
func checkFeaturePlayers(dim int, o Options) error {
	if dim > maxFeaturePlayers {
		return fmt.Errorf("importance: kernelshap over features supports at most %d features, head has %d", maxFeaturePlayers, dim)
	}
	if need := 2 * dim; dim > 2 && o.Coalitions < need {
		return fmt.Errorf("importance: kernelshap over %d features needs at least %d coalitions, Coalitions = %d", dim, need, o.Coalitions)
	}
	return nil
}

// KernelSHAPFeatures runs sampled KernelSHAP with each fusion feature as a player
// (Coalitions coalitions per case: all of size 1 and dim-1, the rest drawn in
// complementary pairs by the Shapley kernel, at least 2 dim in all), scores feature j by the mean |phi_j| over the explained cases and a modality
// by the sum of its features' scores, both normalised. It costs Coalitions x Background
// head rows per case: use Cases to bound it.
func KernelSHAPFeatures(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, o, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	if err := checkFeaturePlayers(dim, o); err != nil {
		return Importance{}, err
	}
	bg, nb := background(c, dim, o)
	e := newValuer(h, featurePlayers(dim), bg, nb)
	rows := explained(c, o)
	px := probRows(h, c, rows, dim)
	sk := newSampledKernel(dim, o.Coalitions)
	rng := newRNG(o.Seed, streamKernelSHAP)
	feat := make([]float64, dim)
	for k, r := range rows {
		phi, err := sk.phi(e, rng, c.Row(r, dim), px[k])
		if err != nil {
			return Importance{}, fmt.Errorf("importance: kernelshap_features on case %d: %w", r, err)
		}
		for j, v := range phi {
			feat[j] += math.Abs(v)
		}
	}
	return fromFeatures("kernelshap_features", feat, mods), nil
}

// KernelSHAPFeaturesLocal returns sampled KernelSHAP values of x per fusion feature and
// their signed sums per modality; they sum to p(x) - E[p] over the background (Complete).
func KernelSHAPFeaturesLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	dim, o, err := setupLocal(h, mods, x, bg, o, 1)
	if err != nil {
		return Attribution{}, err
	}
	if err := checkFeaturePlayers(dim, o); err != nil {
		return Attribution{}, err
	}
	b, nb := background(bg, dim, o)
	e := newValuer(h, featurePlayers(dim), b, nb)
	p := make([]float32, 1)
	h.Prob(x, 1, p)
	phi, err := newSampledKernel(dim, o.Coalitions).phi(e, newRNG(o.Seed, streamKernelSHAP), x, float64(p[0]))
	if err != nil {
		return Attribution{}, fmt.Errorf("importance: kernelshap_features: %w", err)
	}
	return Attribution{Method: "kernelshap_features", P: float64(p[0]), Base: e.empty(x), Complete: true,
		Features: phi, Modalities: aggregate(phi, mods)}, nil
}

// solveSPD solves a x = b in place (x returned in b) for a symmetric positive definite
// k x k matrix a (row-major, overwritten by its Cholesky factor).
func solveSPD(a, b []float64, k int) error {
	var scale float64
	for i := 0; i < k; i++ {
		scale = math.Max(scale, math.Abs(a[i*k+i]))
	}
	for j := 0; j < k; j++ {
		d := a[j*k+j]
		for l := 0; l < j; l++ {
			d -= a[j*k+l] * a[j*k+l]
		}
		if !(d > 1e-12*scale) {
			return fmt.Errorf("matrix is singular at column %d of %d", j, k)
		}
		d = math.Sqrt(d)
		a[j*k+j] = d
		for i := j + 1; i < k; i++ {
			s := a[i*k+j]
			for l := 0; l < j; l++ {
				s -= a[i*k+l] * a[j*k+l]
			}
			a[i*k+j] = s / d
		}
	}
	for i := 0; i < k; i++ { // L y = b
		s := b[i]
		for l := 0; l < i; l++ {
			s -= a[i*k+l] * b[l]
		}
		b[i] = s / a[i*k+i]
	}
	for i := k - 1; i >= 0; i-- { // L^T x = y
		s := b[i]
		for l := i + 1; l < k; l++ {
			s -= a[l*k+i] * b[l]
		}
		b[i] = s / a[i*k+i]
	}
	return nil
}
