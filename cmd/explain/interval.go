package main

import (
	"fmt"
	"strings"

	"github.com/fusionlens/fusionlens/explainer/cases"
	"github.com/fusionlens/fusionlens/importance"
)

// Uncertainty says how the intervals of an output were made: explainer/cases's JSON
// form, which one case's output shares with a CSV of cases.
type Uncertainty = cases.Uncertainty

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
	r.Uncertainty = cases.UncertaintyOf(*u, names)
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
