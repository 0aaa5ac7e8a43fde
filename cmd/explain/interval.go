package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/fusionlens/fusionlens/importance"
)

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

// newUncertainty describes u for the modalities names.
func newUncertainty(u importance.Uncertainty, names []string) *Uncertainty {
	out := &Uncertainty{Interval: fmt.Sprintf("%g %% percentile bootstrap", 100*u.Level), Resampled: u.Scheme,
		Resamples: u.Resamples, Level: u.Level, Exact: u.Exact, MethodRuns: u.MethodRuns, RankSupportLevel: importance.RankSupportLevel}
	for _, r := range u.Ranks {
		out.RankSupport = append(out.RankSupport, RankOrder{Higher: names[r.Higher], Lower: names[r.Lower], Support: r.Support, Supported: r.Supported})
	}
	return out
}

// bootstrapOptions are the intervals' options from the command line.
func (o options) bootstrapOptions() importance.BootstrapOptions {
	return importance.BootstrapOptions{Resamples: o.resamples, Seed: o.seed}
}

// explainLocal explains one case by f, with the interval over its background and
// sampling seed when withInterval (nil uncertainty otherwise).
func explainLocal(f importance.LocalFunc, h importance.Head, mods []importance.Modality, x []float32, bg importance.Cohort,
	o options, withInterval bool) (importance.Attribution, *importance.Uncertainty, error) {
	opt := importance.Options{Seed: o.seed}
	if !withInterval {
		a, err := f(h, mods, x, bg, opt)
		return a, nil, err
	}
	a, u, err := importance.LocalInterval(f, h, mods, x, bg, opt, o.bootstrapOptions())
	return a, &u, err
}

// explainGlobal runs a cohort-wide method, with the bootstrap over cases when
// o.resamples > 0.
func explainGlobal(f importance.GlobalFunc, h importance.Head, mods []importance.Modality, c importance.Cohort,
	o options, stderr io.Writer) (importance.Importance, *importance.Uncertainty, error) {
	opt := importance.Options{Seed: o.seed}
	if o.resamples == 0 {
		imp, err := f(h, mods, c, opt)
		return imp, nil, err
	}
	bo := o.bootstrapOptions()
	bo.Progress = (&progress{w: stderr, what: "ran the method again on bootstrap resample"}).report
	imp, u, err := importance.BootstrapGlobal(f, h, mods, c, opt, bo)
	return imp, &u, err
}

// addIntervals puts the one-case intervals u into r.
func addIntervals(r *Result, u *importance.Uncertainty) {
	if u == nil {
		return
	}
	names := make([]string, len(r.Modalities))
	for k := range r.Modalities {
		names[k] = r.Modalities[k].Name
		iv, ok := u.Modalities[k], u.RankSupported[k]
		r.Modalities[k].Interval, r.Modalities[k].RankSupported = &iv, &ok
	}
	if len(u.Features) == len(r.Features) {
		for j := range r.Features {
			iv := u.Features[j]
			r.Features[j].Interval = &iv
		}
	}
	r.Uncertainty = newUncertainty(*u, names)
}

// namedIntervals maps the modalities' names to their intervals and rank support.
func namedIntervals(names []string, u *importance.Uncertainty) (map[string]importance.Interval, map[string]bool) {
	iv, ok := make(map[string]importance.Interval, len(names)), make(map[string]bool, len(names))
	for k, n := range names {
		iv[n], ok[n] = u.Modalities[k], u.RankSupported[k]
	}
	return iv, ok
}

// cohortIntervals bootstraps the cohort share (scores: each case's |attribution| per
// modality, row-major) over the cases into c.
func cohortIntervals(c *CohortItem, names []string, scores []float64, n int, o options) error {
	if o.resamples == 0 {
		return nil
	}
	_, u, err := importance.BootstrapCases(importance.CaseScores{N: n, Modalities: scores}, len(names), o.bootstrapOptions())
	if err != nil {
		return err
	}
	setCohortIntervals(c, names, &u)
	return nil
}

func setCohortIntervals(c *CohortItem, names []string, u *importance.Uncertainty) {
	if u == nil {
		return
	}
	c.ModalityImportanceInterval, c.RankSupported = namedIntervals(names, u)
	c.Uncertainty = newUncertainty(*u, names)
}

// intervalCell writes an interval of a share in percent, then ~ when the rank it belongs
// to is not supported.
func intervalCell(iv importance.Interval, supported *bool) string {
	mark := ""
	if supported != nil && !*supported {
		mark = "~"
	}
	return fmt.Sprintf("[%.1f, %.1f]%s", 100*iv.Lo(), 100*iv.Hi(), mark)
}

// writeUncertaintyNote says in one or two lines what the intervals are.
func writeUncertaintyNote(b *strings.Builder, u *Uncertainty, indent string) {
	if u == nil {
		return
	}
	if u.Exact {
		fmt.Fprintf(b, "%sintervals: exact; this method draws nothing from the background or a seed, so it has no sampling spread\n", indent)
		return
	}
	fmt.Fprintf(b, "%sintervals: %s over the %s, %d resamples (%d more runs of the method); ~ marks a rank\n%s  that fewer than %.0f %% of resamples keep against a neighbouring modality\n",
		indent, u.Interval, u.Resampled, u.Resamples, u.MethodRuns, indent, 100*u.RankSupportLevel)
}
