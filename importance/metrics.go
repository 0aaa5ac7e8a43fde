package importance

import (
	"fmt"
	"math"
	"sort"

	"github.com/fusionlens/fusionlens/internal/rank"
)

// RMSE is the root mean squared difference of two importance vectors of equal length,
// e.g. a method's modality importances against ground truth.
func RMSE(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("importance: RMSE of vectors of length %d and %d", len(a), len(b))
	}
	if len(a) == 0 {
		return 0, fmt.Errorf("importance: RMSE of empty vectors")
	}
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(a))), nil
}

// DefaultPersistence is the RBO persistence p used by this project. With p = 0.9 the top
// ten ranks carry about 86 % of RBO's weight and the top four about 61 % (Webber et al.
// eq. 21), so for four modalities the whole ranking counts, the top most.
const DefaultPersistence = 0.9

// Ranking orders the indices of v by decreasing value. Ties are broken by increasing
// index (for modalities: fusion-vector order), so equal inputs always give the same
// ranking; NaN values are an error.
func Ranking(v []float64) ([]int, error) {
	idx := make([]int, len(v))
	for i, x := range v {
		if math.IsNaN(x) {
			return nil, fmt.Errorf("importance: value %d is NaN, cannot rank", i)
		}
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] > v[idx[b]] })
	return idx, nil
}

// overlaps returns X_1..X_l for the rankings long (length l) and short (length s <= l):
// X_d = |long[:d] ∩ short[:min(d,s)]|. Items are non-negative ids; duplicates are errors.
func overlaps(long, short []int) ([]int, error) {
	inL := make(map[int]bool, len(long))
	inS := make(map[int]bool, len(short))
	x := make([]int, len(long)+1)
	for d := 1; d <= len(long); d++ {
		a := long[d-1]
		if inL[a] {
			return nil, fmt.Errorf("importance: item %d appears twice in a ranking", a)
		}
		inL[a] = true
		x[d] = x[d-1]
		if d <= len(short) {
			b := short[d-1]
			if inS[b] {
				return nil, fmt.Errorf("importance: item %d appears twice in a ranking", b)
			}
			inS[b] = true
			if a == b {
				x[d]++
				continue
			}
			if inL[b] {
				x[d]++
			}
		}
		if inS[a] {
			x[d]++
		}
	}
	return x, nil
}

func checkPersistence(p float64) error {
	if !(p > 0 && p < 1) {
		return fmt.Errorf("importance: RBO persistence %v, want 0 < p < 1", p)
	}
	return nil
}

// RBOExt is the extrapolated rank-biased overlap of two rankings (Webber, Moffat & Zobel
// 2010, eq. 32), which assumes the agreement seen at the end of the lists continues:
//
//	RBO_ext = (1-p)/p [ sum_{d=1..l} X_d/d p^d + sum_{d=s+1..l} X_s (d-s)/(s d) p^d ]
//	          + [ (X_l - X_s)/l + X_s/s ] p^l
//
// with s <= l the lengths and X_d the size of the overlap of the top d items. For equal
// lengths k it is (X_k/k) p^k + (1-p)/p sum_{d=1..k} (X_d/d) p^d, and identical rankings
// score exactly 1.
func RBOExt(a, b []int, p float64) (float64, error) {
	if err := checkPersistence(p); err != nil {
		return 0, err
	}
	long, short := a, b
	if len(short) > len(long) {
		long, short = short, long
	}
	l, s := len(long), len(short)
	if s == 0 {
		return 0, fmt.Errorf("importance: RBO of an empty ranking")
	}
	x, err := overlaps(long, short)
	if err != nil {
		return 0, err
	}
	var sum float64
	pd := 1.0
	for d := 1; d <= l; d++ {
		pd *= p
		sum += float64(x[d]) / float64(d) * pd
		if d > s {
			sum += float64(x[s]*(d-s)) / float64(s*d) * pd
		}
	}
	return (1-p)/p*sum + (float64(x[l]-x[s])/float64(l)+float64(x[s])/float64(s))*pd, nil
}

// equalRankings checks the two rankings have the same non-zero length and returns their
// overlaps.
func equalRankings(a, b []int, p float64) ([]int, error) {
	if err := checkPersistence(p); err != nil {
		return nil, err
	}
	if len(a) != len(b) || len(a) == 0 {
		return nil, fmt.Errorf("importance: RBO bounds need two non-empty rankings of equal length, have %d and %d", len(a), len(b))
	}
	return overlaps(a, b)
}

// RBOMin is the lower bound of rank-biased overlap for two rankings of equal length k
// (Webber et al. eq. 11), which assumes no item beyond depth k ever matches:
//
//	RBO_min = (1-p)/p [ sum_{d=1..k} (X_d - X_k) p^d / d - X_k ln(1-p) ]
func RBOMin(a, b []int, p float64) (float64, error) {
	x, err := equalRankings(a, b, p)
	if err != nil {
		return 0, err
	}
	k := len(a)
	var sum float64
	pd := 1.0
	for d := 1; d <= k; d++ {
		pd *= p
		sum += float64(x[d]-x[k]) * pd / float64(d)
	}
	return (1 - p) / p * (sum - float64(x[k])*math.Log(1-p)), nil
}

// RBORes is the residual of rank-biased overlap for two rankings of equal length k
// (Webber et al. eq. 30 with s = l = k): the most the unseen depths could add, so that
// RBO lies in [RBO_min, RBO_min + RBO_res]. With f = 2k - X_k,
//
//	RBO_res = 2 p^k - p^f - (1-p)/p [ 2k sum_{d=k+1..f} p^d/d + X_k (ln(1/(1-p)) - sum_{d=1..f} p^d/d) ]
func RBORes(a, b []int, p float64) (float64, error) {
	x, err := equalRankings(a, b, p)
	if err != nil {
		return 0, err
	}
	k := len(a)
	xk := x[k]
	f := 2*k - xk
	var tail, head float64 // sum_{d=k+1..f} p^d/d and sum_{d=1..f} p^d/d
	pd := 1.0
	for d := 1; d <= f; d++ {
		pd *= p
		head += pd / float64(d)
		if d > k {
			tail += pd / float64(d)
		}
	}
	pk := math.Pow(p, float64(k))
	return 2*pk - pd - (1-p)/p*(float64(2*k)*tail+float64(xk)*(-math.Log(1-p)-head)), nil
}

// ImportanceRBO ranks two importance vectors (see Ranking for ties) and returns the
// extrapolated rank-biased overlap of the rankings with persistence p.
func ImportanceRBO(a, b []float64, p float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("importance: RBO of importance vectors of length %d and %d", len(a), len(b))
	}
	ra, err := Ranking(a)
	if err != nil {
		return 0, err
	}
	rb, err := Ranking(b)
	if err != nil {
		return 0, err
	}
	return RBOExt(ra, rb, p)
}

// Spearman is the Spearman rank correlation of a and b: the Pearson correlation of their
// average ranks (so ties are handled). It is undefined, and an error, when either vector
// is constant.
func Spearman(a, b []float64) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("importance: Spearman of vectors of length %d and %d", len(a), len(b))
	}
	if len(a) < 2 {
		return 0, fmt.Errorf("importance: Spearman needs at least 2 values, have %d", len(a))
	}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return 0, fmt.Errorf("importance: Spearman input %d is NaN", i)
		}
	}
	ra, rb := rank.Average(a), rank.Average(b)
	mean := float64(len(a)+1) / 2 // ranks always average (n+1)/2
	var sab, saa, sbb float64
	for i := range ra {
		da, db := ra[i]-mean, rb[i]-mean
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0, fmt.Errorf("importance: Spearman of a constant vector is undefined")
	}
	return sab / math.Sqrt(saa*sbb), nil
}
