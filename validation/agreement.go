package validation

import (
	"fmt"
	"math"
	"sort"

	"github.com/fusionlens/fusionlens/importance"
)

// Persistence is the RBO persistence p this platform uses (importance.DefaultPersistence,
// 0.9), with the extrapolated variant RBO_ext (Webber, Moffat & Zobel 2010, eq. 32).
const Persistence = importance.DefaultPersistence

// tieTol is the relative difference below which two ground-truth importances count as
// tied: the truth of F0 is exactly 0.25 four times, that of F1 exactly 0 three times,
// and a scenario file's weights may differ only by rounding.
const tieTol = 1e-9

// Agreement says how close an estimated modality importance is to the ground truth.
type Agreement struct {
	// RMSE is the root mean squared difference over the modalities.
	RMSE float64 `json:"rmse"`
	// RBO is RBO_ext (p = Persistence) of the estimate's ranking against the truth's, where
	// modalities the truth ties are ranked in the estimate's order: when the truth says two
	// modalities matter equally, either order is right.
	RBO float64 `json:"rbo"`
	// RBOIndexTies is RBO_ext with the truth's ties broken by modality index instead, as
	// importance.ImportanceRBO does; it penalises an estimate for ranking truly tied
	// modalities out of index order. Reported for comparison.
	RBOIndexTies float64 `json:"rbo_index_ties"`
	// Spearman is the rank correlation of estimate and truth (average ranks for ties), or
	// nil when it is undefined because one of them is constant (F0's truth is).
	Spearman *float64 `json:"spearman"`
}

// Compare measures the agreement of est with truth (equal lengths, at least 2).
func Compare(est, truth []float64) (Agreement, error) {
	if len(est) != len(truth) {
		return Agreement{}, fmt.Errorf("validation: estimate has %d modalities, truth %d", len(est), len(truth))
	}
	if len(est) < 2 {
		return Agreement{}, fmt.Errorf("validation: %d modalities; agreement needs at least 2", len(est))
	}
	for i := range est {
		if math.IsNaN(est[i]) || math.IsInf(est[i], 0) || math.IsNaN(truth[i]) || math.IsInf(truth[i], 0) {
			return Agreement{}, fmt.Errorf("validation: modality %d: estimate %v, truth %v; both must be finite", i, est[i], truth[i])
		}
	}
	var a Agreement
	var err error
	if a.RMSE, err = importance.RMSE(est, truth); err != nil {
		return Agreement{}, err
	}
	if a.RBOIndexTies, err = importance.ImportanceRBO(est, truth, Persistence); err != nil {
		return Agreement{}, err
	}
	re, err := importance.Ranking(est)
	if err != nil {
		return Agreement{}, err
	}
	if a.RBO, err = importance.RBOExt(re, truthRanking(truth, re), Persistence); err != nil {
		return Agreement{}, err
	}
	if s, err := importance.Spearman(est, truth); err == nil {
		a.Spearman = &s
	}
	return a, nil
}

// truthRanking orders the indices of truth by decreasing value, ranking tied values as
// they appear in the estimate's ranking re.
func truthRanking(truth []float64, re []int) []int {
	pos := make([]int, len(re))
	for k, i := range re {
		pos[i] = k
	}
	idx := make([]int, len(truth))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ta, tb := truth[idx[a]], truth[idx[b]]
		if tied(ta, tb) {
			return pos[idx[a]] < pos[idx[b]]
		}
		return ta > tb
	})
	return idx
}

func tied(a, b float64) bool {
	return math.Abs(a-b) <= tieTol*math.Max(math.Abs(a), math.Abs(b))
}

// Ignored returns the modalities whose truth is exactly 0: the decision does not use
// them at all, so a faithful method must rank them last (importance.IgnoredLast).
func Ignored(truth []float64) []int {
	var out []int
	for i, v := range truth {
		if v == 0 {
			out = append(out, i)
		}
	}
	return out
}
