package cases

import (
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/importance"
)

// Interactions are modality interactions in the JSON output: the pairwise Shapley
// interaction index of a log-odds (importance.InteractionLocal, InteractionAgainst),
// pairs named "A|B" (importance.PairName) in the model's modality order. The type is
// the page's contract (engine.InteractionMatrix), so the page reads what the worker
// writes with the same type.
type Interactions = engine.InteractionMatrix

// InteractionsOf is r in the JSON's shape, its value described by value.
func InteractionsOf(r importance.Interactions, value string) *Interactions {
	out := &Interactions{Value: value, Modalities: r.Modalities,
		Index: map[string]float64{}, Shares: map[string]float64{}, Matrix: r.Index, Exact: r.Exact, Background: r.Background}
	for _, p := range r.Pairs() {
		out.Index[p.Name], out.Shares[p.Name] = p.Index, p.Share
		if r.BackgroundSE != nil {
			if out.BackgroundSE == nil {
				out.BackgroundSE = map[string]float64{}
			}
			out.BackgroundSE[p.Name] = r.BackgroundSE[p.I][p.J]
		}
		if r.SE != nil {
			if out.SE == nil {
				out.SE = map[string]float64{}
			}
			out.SE[p.Name] = r.SE[p.I][p.J]
		}
	}
	if p, ok := r.Strongest(); ok {
		out.Strongest = p.Name
	}
	if s := r.Strength(); !math.IsNaN(s) {
		out.Strength = &s
	}
	return out
}

// Uncertainty says how the intervals of an output were made (package importance,
// bootstrap.go): percentile bootstrap intervals at Level over Resamples resamples of
// what Resampled names, and which orders of the modalities they support.
type Uncertainty struct {
	Interval string `json:"interval"`
	// Resampled is "cases" (a cohort: cases drawn with replacement) or "background and
	// sampling seed" (one case: the background cases drawn with replacement, and a new seed
	// for the method's random draws).
	Resampled string  `json:"resampled"`
	Resamples int     `json:"resamples"`
	Level     float64 `json:"level"`
	// Exact is set when the method draws nothing that is resampled (the gradients of one
	// case): the intervals are the point itself.
	Exact bool `json:"exact,omitempty"`
	// MethodRuns is how many more runs of the method the intervals cost (0 for a cohort
	// of per-case explanations, whose scores are resampled without running anything).
	MethodRuns int `json:"extra_method_runs"`
	// RankSupportLevel is the least fraction of resamples that must keep an order.
	RankSupportLevel float64 `json:"rank_support_level"`
	// RankSupport lists the orders of neighbouring modalities in the estimate's ranking,
	// highest first, with the fraction of resamples that keep each.
	RankSupport []RankOrder `json:"rank_support"`
}

// RankOrder is the support of one order: Higher ranked above Lower by the estimate.
type RankOrder struct {
	Higher    string  `json:"higher"`
	Lower     string  `json:"lower"`
	Support   float64 `json:"support"`
	Supported bool    `json:"supported"`
}

// UncertaintyOf describes u for the modalities names (in u's order).
func UncertaintyOf(u importance.Uncertainty, names []string) *Uncertainty {
	out := &Uncertainty{Interval: fmt.Sprintf("%g %% percentile bootstrap", 100*u.Level), Resampled: u.Scheme,
		Resamples: u.Resamples, Level: u.Level, Exact: u.Exact, MethodRuns: u.MethodRuns, RankSupportLevel: importance.RankSupportLevel}
	for _, r := range u.Ranks {
		out.RankSupport = append(out.RankSupport, RankOrder{Higher: names[r.Higher], Lower: names[r.Lower], Support: r.Support, Supported: r.Supported})
	}
	return out
}

// namedIntervals maps the modalities' names to their intervals and rank support.
func namedIntervals(names []string, u importance.Uncertainty) (map[string]importance.Interval, map[string]bool) {
	iv, ok := make(map[string]importance.Interval, len(names)), make(map[string]bool, len(names))
	for k, n := range names {
		iv[n], ok[n] = u.Modalities[k], u.RankSupported[k]
	}
	return iv, ok
}
