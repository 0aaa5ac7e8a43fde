package importance

import (
	"fmt"
	"math"
	"slices"
)

// Intervals for importances. Every interval here is a percentile bootstrap interval: the
// statistic (the normalised modality shares, and feature shares where the method has
// them) is recomputed on B resamples, and the interval at level L runs from the
// (1-L)/2 to the (1+L)/2 quantile of the B values (linear interpolation between order
// statistics). Three resampling schemes, one per kind of importance:
//
//   - BootstrapCases: a cohort importance that is a sum of per-case scores (each case's
//     |attribution| per modality, normalised at the end, as cmd/explain -cases reports).
//     Cases are resampled with replacement; the per-case scores are reused, so it costs
//     no head passes at all, only O(B n (M + D)) additions.
//   - BootstrapGlobal: a cohort-wide method (permutation, the mean of four, any
//     GlobalFunc). Cases are resampled with replacement and the method runs again on each
//     resample with its own sampling seed: B times the method's head passes.
//   - LocalInterval: one case. The background cases are resampled with replacement and
//     the method runs again with its own sampling seed: B times the method's head passes.
//     A method that draws nothing (it ignores the background and has no random draws,
//     such as the paper's gradient) gives the same result on the first two resamples; it
//     is then reported Exact, with a zero-width interval, after those two runs.
//
// Ranks: the estimate orders the modalities by share (ties by index). For two modalities
// A ranked above B, the support of that order is the fraction of the B resamples in
// which A's share is strictly greater than B's. The order is supported when the support
// is at least RankSupportLevel. A modality's rank is supported when its order against
// the modality just above it and the one just below it are both supported.

// streamBootstrap is the PCG stream of the resampling, apart from the methods' streams.
const streamBootstrap uint64 = 0x626f6f74 // "boot"

// Interval is a closed interval [Lo, Hi]; it marshals to JSON as [lo, hi].
type Interval [2]float64

// Lo is the lower end.
func (iv Interval) Lo() float64 { return iv[0] }

// Hi is the upper end.
func (iv Interval) Hi() float64 { return iv[1] }

// Width is Hi - Lo.
func (iv Interval) Width() float64 { return iv[1] - iv[0] }

// Contains reports whether Lo <= v <= Hi.
func (iv Interval) Contains(v float64) bool { return iv[0] <= v && v <= iv[1] }

// Defaults of BootstrapOptions and the rank-support threshold, stated once.
const (
	DefaultResamples = 200
	DefaultLevel     = 0.95
	// RankSupportLevel is the least fraction of resamples that must keep an order of two
	// modalities for the order to count as supported.
	RankSupportLevel = 0.95
)

// BootstrapOptions tunes the intervals. The zero value means B = DefaultResamples
// resamples, level DefaultLevel, seed 0.
type BootstrapOptions struct {
	// Resamples is B, the number of resamples. Default DefaultResamples; at least 2.
	Resamples int
	// Level is the interval's nominal coverage, in (0, 1). Default DefaultLevel.
	Level float64
	// Seed seeds the resampling (a PCG stream of its own) and, for the methods that run
	// again, each resample's sampling seed.
	Seed uint64
	// Progress, when set, is called after each resample that runs the method again
	// (BootstrapGlobal, LocalInterval) with the resamples done and the total.
	Progress func(done, total int)
}

func (bo BootstrapOptions) withDefaults() (BootstrapOptions, error) {
	if bo.Resamples == 0 {
		bo.Resamples = DefaultResamples
	}
	if bo.Resamples < 2 {
		return bo, fmt.Errorf("importance: bootstrap Resamples = %d, want >= 2 (0 = default %d)", bo.Resamples, DefaultResamples)
	}
	if bo.Level == 0 {
		bo.Level = DefaultLevel
	}
	if !(bo.Level > 0 && bo.Level < 1) {
		return bo, fmt.Errorf("importance: bootstrap Level = %v, want a value in (0, 1) (0 = default %v)", bo.Level, DefaultLevel)
	}
	return bo, nil
}

// Uncertainty is the spread of one importance over resamples.
type Uncertainty struct {
	// Scheme says what was resampled: "cases" (BootstrapCases, BootstrapGlobal) or
	// "background and sampling seed" (LocalInterval).
	Scheme string
	// Resamples is B; Level the nominal coverage of each interval.
	Resamples int
	Level     float64
	// Exact is set when the method draws nothing that LocalInterval resamples: every
	// interval is then the point itself.
	Exact bool
	// Modalities holds the percentile interval of each modality's share.
	Modalities []Interval
	// Features holds the percentile interval of each feature's share; nil when the
	// method scores modalities only.
	Features []Interval
	// Ranks lists, for each modality but the last in the estimate's order, the support of
	// its order against the next one.
	Ranks []RankSupport
	// RankSupported says, per modality (in the given order), whether its rank is
	// supported: its orders against its neighbours in the ranking are both supported.
	RankSupported []bool
	// MethodRuns counts the runs of the method the intervals added beyond the point
	// estimate (0 for BootstrapCases, which reuses per-case scores); each costs what one
	// run of the method costs in head passes.
	MethodRuns int
}

// RankSupport is the support of one order of two modalities.
type RankSupport struct {
	// Higher is ranked above Lower by the estimate (indices into the modalities).
	Higher, Lower int
	// Support is the fraction of resamples where Higher's share is strictly greater.
	Support float64
	// Supported is Support >= RankSupportLevel.
	Supported bool
}

// CaseScores are per-case non-negative scores whose column sums, normalised, are a
// cohort importance: row i of Modalities holds case i's score of each of M modalities,
// row i of Features (nil, or N x D) its score of each of D features.
type CaseScores struct {
	N          int
	Modalities []float64 // N x M, row-major
	Features   []float64 // nil, or N x D, row-major
}

// BootstrapCases returns the cohort importance Normalize(column sums) of s (m modalities)
// and its uncertainty, by resampling the cases with replacement. It runs no method.
func BootstrapCases(s CaseScores, m int, bo BootstrapOptions) (Importance, Uncertainty, error) {
	bo, err := bo.withDefaults()
	if err != nil {
		return Importance{}, Uncertainty{}, err
	}
	if s.N < 1 || m < 1 {
		return Importance{}, Uncertainty{}, fmt.Errorf("importance: bootstrap over %d cases of %d modalities, want at least 1 of each", s.N, m)
	}
	if len(s.Modalities) != s.N*m {
		return Importance{}, Uncertainty{}, fmt.Errorf("importance: bootstrap modality scores have %d values, want N*M = %d*%d = %d", len(s.Modalities), s.N, m, s.N*m)
	}
	d := 0
	if s.Features != nil {
		if len(s.Features)%s.N != 0 || len(s.Features) == 0 {
			return Importance{}, Uncertainty{}, fmt.Errorf("importance: bootstrap feature scores have %d values, not a multiple of %d cases", len(s.Features), s.N)
		}
		d = len(s.Features) / s.N
	}
	for i, v := range s.Modalities {
		if !(v >= 0) || math.IsInf(v, 0) {
			return Importance{}, Uncertainty{}, fmt.Errorf("importance: bootstrap score of case %d modality %d is %v, want finite and >= 0", i/m, i%m, v)
		}
	}
	for i, v := range s.Features {
		if !(v >= 0) || math.IsInf(v, 0) {
			return Importance{}, Uncertainty{}, fmt.Errorf("importance: bootstrap score of case %d feature %d is %v, want finite and >= 0", i/d, i%d, v)
		}
	}
	colSums := func(v []float64, k int, count []int) []float64 {
		out := make([]float64, k)
		for i := range s.N {
			c := 1.0
			if count != nil {
				if count[i] == 0 {
					continue
				}
				c = float64(count[i])
			}
			for j, x := range v[i*k : (i+1)*k] {
				out[j] += c * x
			}
		}
		return Normalize(out)
	}
	point := Importance{Method: "bootstrap", Modalities: colSums(s.Modalities, m, nil)}
	if d > 0 {
		point.Features = colSums(s.Features, d, nil)
	}
	rng := newRNG(bo.Seed, streamBootstrap)
	count := make([]int, s.N)
	mod := make([][]float64, bo.Resamples)
	var feat [][]float64
	if d > 0 {
		feat = make([][]float64, bo.Resamples)
	}
	for b := range bo.Resamples {
		clear(count)
		for range s.N {
			count[rng.IntN(s.N)]++
		}
		mod[b] = colSums(s.Modalities, m, count)
		if d > 0 {
			feat[b] = colSums(s.Features, d, count)
		}
	}
	u := summarise(point.Modalities, mod, feat, bo)
	u.Scheme = "cases"
	return point, u, nil
}

// BootstrapGlobal runs the cohort-wide method f on c (the point estimate) and on
// bo.Resamples resamples of c's cases drawn with replacement (labels and reference
// features go with their cases), each with a sampling seed of its own, and returns the
// point estimate and its uncertainty. It costs bo.Resamples more runs of f.
func BootstrapGlobal(f GlobalFunc, h Head, mods []Modality, c Cohort, o Options, bo BootstrapOptions) (Importance, Uncertainty, error) {
	bo, err := bo.withDefaults()
	if err != nil {
		return Importance{}, Uncertainty{}, err
	}
	point, err := f(h, mods, c, o)
	if err != nil {
		return Importance{}, Uncertainty{}, err
	}
	dim := h.Dim()
	rng := newRNG(bo.Seed, streamBootstrap)
	rows := make([]int, c.N)
	mod := make([][]float64, bo.Resamples)
	var feat [][]float64
	if point.Features != nil {
		feat = make([][]float64, bo.Resamples)
	}
	for b := range bo.Resamples {
		for i := range rows {
			rows[i] = rng.IntN(c.N)
		}
		rc := Cohort{Z: gather(c, rows, dim), N: c.N}
		if c.Labels != nil {
			rc.Labels = make([]int, c.N)
			for i, r := range rows {
				rc.Labels[i] = c.Labels[r]
			}
		}
		if c.Reference != nil {
			rc.Reference = gather(Cohort{Z: c.Reference, N: c.N}, rows, dim)
		}
		if c.Measured != nil {
			rc.Measured = gather(Cohort{Z: c.Measured, N: c.N}, rows, dim)
		}
		if c.Basis != nil {
			rc.Basis = gather(Cohort{Z: c.Basis, N: c.N}, rows, dim)
		}
		ro := o
		ro.Seed = resampleSeed(o.Seed, b)
		imp, err := f(h, mods, rc, ro)
		if err != nil {
			return Importance{}, Uncertainty{}, fmt.Errorf("importance: bootstrap resample %d: %w", b+1, err)
		}
		mod[b] = imp.Modalities
		if bo.Progress != nil {
			bo.Progress(b+1, bo.Resamples)
		}
		if feat != nil {
			if len(imp.Features) != len(point.Features) {
				feat = nil // a method that scores features only sometimes: modalities only
			} else {
				feat[b] = imp.Features
			}
		}
	}
	u := summarise(point.Modalities, mod, feat, bo)
	u.Scheme = "cases"
	u.MethodRuns = bo.Resamples
	return point, u, nil
}

// LocalInterval explains x by f against the background bg (the point estimate) and again
// against bo.Resamples resamples of bg's cases drawn with replacement, each with a
// sampling seed of its own, and returns the point attribution and the uncertainty of its
// shares (Attribution.Importance). A method whose first two resamples reproduce the point
// estimate exactly draws nothing from the background or a seed: it is reported Exact
// after those two runs. Otherwise it costs bo.Resamples more runs of f.
func LocalInterval(f LocalFunc, h Head, mods []Modality, x []float32, bg Cohort, o Options, bo BootstrapOptions) (Attribution, Uncertainty, error) {
	bo, err := bo.withDefaults()
	if err != nil {
		return Attribution{}, Uncertainty{}, err
	}
	a, err := f(h, mods, x, bg, o)
	if err != nil {
		return Attribution{}, Uncertainty{}, err
	}
	point := a.Importance()
	dim := h.Dim()
	rng := newRNG(bo.Seed, streamBootstrap)
	mod := make([][]float64, 0, bo.Resamples)
	var feat [][]float64
	if point.Features != nil {
		feat = make([][]float64, 0, bo.Resamples)
	}
	rows := make([]int, bg.N)
	same := true
	for b := range bo.Resamples {
		rb := bg
		if bg.N > 0 {
			for i := range rows {
				rows[i] = rng.IntN(bg.N)
			}
			rb = Cohort{Z: gather(bg, rows, dim), N: bg.N}
			if bg.Reference != nil {
				rb.Reference = gather(Cohort{Z: bg.Reference, N: bg.N}, rows, dim)
			}
			if bg.Measured != nil {
				rb.Measured = gather(Cohort{Z: bg.Measured, N: bg.N}, rows, dim)
			}
			if bg.Basis != nil {
				rb.Basis = gather(Cohort{Z: bg.Basis, N: bg.N}, rows, dim)
			}
		}
		ro := o
		ro.Seed = resampleSeed(o.Seed, b)
		ra, err := f(h, mods, x, rb, ro)
		if err != nil {
			return Attribution{}, Uncertainty{}, fmt.Errorf("importance: background resample %d: %w", b+1, err)
		}
		imp := ra.Importance()
		same = same && slices.Equal(imp.Modalities, point.Modalities) && slices.Equal(imp.Features, point.Features)
		mod = append(mod, imp.Modalities)
		if feat != nil {
			feat = append(feat, imp.Features)
		}
		if bo.Progress != nil {
			bo.Progress(b+1, bo.Resamples)
		}
		if b == 1 && same {
			u := summarise(point.Modalities, mod, feat, bo)
			u.Scheme, u.Exact, u.MethodRuns, u.Resamples = "background and sampling seed", true, 2, 2
			return a, u, nil
		}
	}
	u := summarise(point.Modalities, mod, feat, bo)
	u.Scheme = "background and sampling seed"
	u.MethodRuns = bo.Resamples
	return a, u, nil
}

// summarise turns resampled shares into percentile intervals and rank supports. point
// are the estimate's modality shares; mod (B x M) and feat (nil or B x D) the resamples'.
func summarise(point []float64, mod, feat [][]float64, bo BootstrapOptions) Uncertainty {
	u := Uncertainty{Resamples: len(mod), Level: bo.Level}
	u.Modalities = percentiles(mod, len(point), bo.Level)
	if feat != nil && len(feat) > 0 && feat[0] != nil {
		u.Features = percentiles(feat, len(feat[0]), bo.Level)
	}
	u.Ranks, u.RankSupported = rankSupport(point, mod)
	return u
}

// percentiles returns, per column of the B x k samples, the percentile interval at level.
func percentiles(samples [][]float64, k int, level float64) []Interval {
	out := make([]Interval, k)
	col := make([]float64, len(samples))
	for j := range k {
		for b, s := range samples {
			col[b] = s[j]
		}
		insertionSort(col, func(a, b float64) bool { return a < b })
		out[j] = Interval{quantile(col, (1-level)/2), quantile(col, (1+level)/2)}
	}
	return out
}

// quantile returns the q-quantile of sorted v, interpolating linearly between the order
// statistics at positions q (len(v)-1) (Hyndman and Fan's type 7).
func quantile(v []float64, q float64) float64 {
	pos := q * float64(len(v)-1)
	i := int(math.Floor(pos))
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	f := pos - float64(i)
	return v[i] + f*(v[i+1]-v[i])
}

// rankSupport orders the modalities by their point shares (ties by index) and measures,
// for each neighbouring pair, the fraction of resamples that keep it strictly; then which
// modalities have supported ranks.
func rankSupport(point []float64, samples [][]float64) ([]RankSupport, []bool) {
	m := len(point)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	insertionSort(order, func(a, b int) bool { return point[a] > point[b] })
	ranks := make([]RankSupport, 0, max(m-1, 0))
	for k := 0; k+1 < m; k++ {
		hi, lo := order[k], order[k+1]
		kept := 0
		for _, s := range samples {
			if s[hi] > s[lo] {
				kept++
			}
		}
		sup := float64(kept) / float64(len(samples))
		ranks = append(ranks, RankSupport{Higher: hi, Lower: lo, Support: sup, Supported: sup >= RankSupportLevel})
	}
	ok := make([]bool, m)
	for k, i := range order {
		ok[i] = (k == 0 || ranks[k-1].Supported) && (k == m-1 || ranks[k].Supported)
	}
	return ranks, ok
}

// resampleSeed is resample b's sampling seed: a splitmix64 mix of seed and b, so that
// resamples draw independently of each other and of the point estimate (seed itself).
func resampleSeed(seed uint64, b int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*uint64(b+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// insertionSort sorts v stably by less. The bootstrap sorts a few hundred resampled
// values per column and a few modalities, where it is fast enough; it keeps the page's
// download about 6 KB (gzip) smaller than slices' sorts, whose generic instances the page
// links only for these.
func insertionSort[T any](v []T, less func(a, b T) bool) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && less(v[j], v[j-1]); j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
