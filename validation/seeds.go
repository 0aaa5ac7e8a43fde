package validation

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Several seeds. With Options.Seeds = S > 1, Run validates every scenario S times, run k
// with seed Options.Seed + k. For a network trained here that seed draws everything: the
// cohort, its split, the initial weights and shuffling, the methods' samples; the spread
// is the seed-to-seed spread of training and evaluation. For a given model (shipped, or
// from a folder) the network and its held-out test cases stay fixed and only the
// methods' samples change: the spread is over the evaluation draws alone, and methods
// that draw nothing (the gradients) have none.
//
// The first run of each scenario is reported in full (ScenarioResult: modality
// importances, sanity checks, interactions); every run's test accuracy, each method's
// modality importance, RMSE and RBO, and the modality interactions against their truth
// are in ScenarioResult.Seeds, summarised as mean and sample SD in ScenarioResult.Spread. The Summary's means are over every run, its SDs
// the seed-to-seed SDs of the per-seed means over the scenarios; the sanity-check counts
// are the first run's. Report.Comparisons says, per pair of methods, whether the
// difference of their mean RMSE exceeds its seed-to-seed spread (see Comparison).

// Stat is a mean and sample standard deviation (n - 1 in the denominator; 0 for one
// value) over N values.
type Stat struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	N    int     `json:"n"`
}

// newStat summarises v.
func newStat(v []float64) Stat {
	s := Stat{N: len(v)}
	if len(v) == 0 {
		return s
	}
	s.Mean = mean(v)
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(v)-1))
	}
	return s
}

// SeedRun is one run of a scenario: its seed, the network's test accuracy and each
// method's agreement with the truth.
type SeedRun struct {
	// Seed is the run's seed: everything's for a network trained here, the methods' for a
	// given model.
	Seed     uint64       `json:"seed"`
	Accuracy float64      `json:"test_accuracy"`
	Methods  []SeedMethod `json:"methods"`
	// Interactions is the run's modality interactions against the truth (nil when they
	// were not computed or failed).
	Interactions *SeedInteraction `json:"modality_interactions,omitempty"`
}

// SeedInteraction is one run's estimated modality interactions against the truth
// (see InteractionResult for the fields).
type SeedInteraction struct {
	Estimate          map[string]float64 `json:"estimate"`
	RMSE              *float64           `json:"rmse"`
	EstimateStrongest string             `json:"estimate_strongest"`
	StrongestFound    *bool              `json:"strongest_found"`
	Strength          *float64           `json:"estimate_strength"`
	Shapley           map[string]float64 `json:"shapley,omitempty"`
}

// InteractionSpread is a scenario's modality interactions over its runs: the mean and
// SD of each pair's estimated share, of the RMSE over pairs (where the truth has an
// interaction) and of the strength, and in how many runs the strongest true pair was
// the strongest estimated one.
type InteractionSpread struct {
	Runs     int             `json:"runs"`
	Estimate map[string]Stat `json:"estimate"`
	RMSE     *Stat           `json:"rmse,omitempty"`
	Strength Stat            `json:"estimate_strength"`
	// StrongestFound counts the runs that found the strongest pair (nil when the truth
	// has no interaction).
	StrongestFound *int `json:"strongest_found,omitempty"`
}

// SeedMethod is one method in one run.
type SeedMethod struct {
	Method     string    `json:"method"`
	Modalities []float64 `json:"modalities,omitempty"`
	RMSE       float64   `json:"rmse"`
	RBO        float64   `json:"rbo"`
	Error      string    `json:"error,omitempty"`
}

// Spread is a scenario's figures over its runs.
type Spread struct {
	Runs int `json:"runs"`
	// Over says what changed between the runs.
	Over     string         `json:"over"`
	Accuracy Stat           `json:"test_accuracy"`
	Methods  []MethodSpread `json:"methods"`
	// Interactions is nil when no run has them.
	Interactions *InteractionSpread `json:"modality_interactions,omitempty"`
}

// MethodSpread is one method's RMSE and RBO over a scenario's runs (the runs where it
// completed).
type MethodSpread struct {
	Method string `json:"method"`
	RMSE   Stat   `json:"rmse"`
	RBO    Stat   `json:"rbo"`
}

// What changed between runs, for Spread.Over and Report.SpreadOver.
const (
	OverTraining   = "training seeds: cohort, split, initial weights, shuffling and the methods' draws"
	OverEvaluation = "evaluation draws only: the methods' seeds, on one given model and its held-out test cases"
)

// seedRun extracts the figures of one run.
func seedRun(res *ScenarioResult, seed uint64) SeedRun {
	run := SeedRun{Seed: seed, Accuracy: res.Test.Accuracy}
	for _, m := range res.Methods {
		run.Methods = append(run.Methods, SeedMethod{Method: m.Method, Modalities: m.Modalities, RMSE: m.RMSE, RBO: m.RBO, Error: m.Error})
	}
	if in := res.Interactions; in != nil && in.Error == "" {
		run.Interactions = &SeedInteraction{Estimate: in.Estimate, RMSE: in.RMSE, EstimateStrongest: in.EstimateStrongest,
			StrongestFound: in.StrongestFound, Strength: in.Strength, Shapley: in.Shapley}
	}
	return run
}

// interactionSpread summarises the runs' interactions; nil when none has them.
func interactionSpread(runs []SeedRun) *InteractionSpread {
	var rmse, strength []float64
	est := map[string][]float64{}
	found, withTruth := 0, false
	s := &InteractionSpread{}
	for _, r := range runs {
		in := r.Interactions
		if in == nil {
			continue
		}
		s.Runs++
		for p, v := range in.Estimate {
			est[p] = append(est[p], v)
		}
		if in.RMSE != nil {
			rmse = append(rmse, *in.RMSE)
		}
		if in.Strength != nil {
			strength = append(strength, *in.Strength)
		}
		if in.StrongestFound != nil {
			withTruth = true
			if *in.StrongestFound {
				found++
			}
		}
	}
	if s.Runs == 0 {
		return nil
	}
	s.Estimate = map[string]Stat{}
	for p, v := range est {
		s.Estimate[p] = newStat(v)
	}
	if len(rmse) > 0 {
		st := newStat(rmse)
		s.RMSE = &st
	}
	s.Strength = newStat(strength)
	if withTruth {
		s.StrongestFound = &found
	}
	return s
}

// interactionSpreadLine says in one line how the interactions varied over the runs.
func interactionSpreadLine(sc *ScenarioResult) string {
	s := sc.Spread.Interactions
	if s == nil {
		return ""
	}
	line := fmt.Sprintf("modality interactions over %d runs: estimated strength %s", s.Runs, pm(s.Strength))
	if s.RMSE != nil {
		line += fmt.Sprintf(", RMSE over pairs %s", pm(*s.RMSE))
	}
	if s.StrongestFound != nil {
		var strongest []string
		if sc.Interactions != nil {
			strongest = sc.Interactions.TruthStrongest
		}
		line += fmt.Sprintf(", strongest pair (%s) found in %d/%d runs", strings.Join(strongest, ", "), *s.StrongestFound, s.Runs)
	} else {
		line += " (the truth has no interaction)"
	}
	if sc.Interactions != nil {
		var parts []string
		for _, p := range sc.Interactions.Pairs {
			if st, ok := s.Estimate[p]; ok {
				parts = append(parts, fmt.Sprintf("%s %s", p, pm(st)))
			}
		}
		line += "; estimated shares " + strings.Join(parts, ", ")
	}
	return line
}

// spread summarises a scenario's runs.
func spread(runs []SeedRun, over string) *Spread {
	s := &Spread{Runs: len(runs), Over: over}
	acc := make([]float64, len(runs))
	for k, r := range runs {
		acc[k] = r.Accuracy
	}
	s.Accuracy = newStat(acc)
	for i, m := range runs[0].Methods {
		var rmse, rbo []float64
		for _, r := range runs {
			if r.Methods[i].Error == "" {
				rmse = append(rmse, r.Methods[i].RMSE)
				rbo = append(rbo, r.Methods[i].RBO)
			}
		}
		s.Methods = append(s.Methods, MethodSpread{Method: m.Method, RMSE: newStat(rmse), RBO: newStat(rbo)})
	}
	s.Interactions = interactionSpread(runs)
	return s
}

// Comparison says whether two methods' mean RMSE over the scenarios differ by more than
// the seed-to-seed spread. Per seed k, D_k is A's mean RMSE minus B's, both over the
// scenarios where both completed in run k (a paired difference: the same networks and
// test cases). ExceedsSpread is |mean D| > 2 SD(D), with SD the sample SD of D over the
// seeds: the difference is more than twice what it varies by from seed to seed (for
// three seeds, a paired t statistic above 2 sqrt(3) = 3.46). Undefined for one seed.
type Comparison struct {
	A string `json:"a"`
	B string `json:"b"`
	// MeanDiff is the mean of D over the seeds (negative: A is closer to the truth).
	MeanDiff float64 `json:"mean_rmse_difference"`
	SD       float64 `json:"sd"`
	// T is MeanDiff / (SD / sqrt(Seeds)), the paired t statistic; nil when SD is 0.
	T *float64 `json:"t,omitempty"`
	// ABetter counts the seeds where A's mean RMSE is lower.
	ABetter       int  `json:"seeds_a_better"`
	Seeds         int  `json:"seeds"`
	ExceedsSpread bool `json:"exceeds_spread"`
}

// ExceedsFactor is how many seed-to-seed SDs a mean difference must exceed.
const ExceedsFactor = 2.0

// summariseSeeds fills the Summary's over-seed statistics, the report's accuracy and
// the pairwise comparisons from the scenarios' runs. It does nothing for one run.
func (r *Report) summariseSeeds() {
	if r.SeedRuns < 2 || len(r.Scenarios) == 0 {
		return
	}
	for _, sc := range r.Scenarios {
		if len(sc.Seeds) != r.SeedRuns {
			return // an older report, or one scenario cut short
		}
	}
	// perSeed[k][i]: method i's mean RMSE over the scenarios in run k; ok: completed all.
	perSeed := func(i, j int) (di []float64) {
		for k := range r.SeedRuns {
			var a, b float64
			var n int
			for _, sc := range r.Scenarios {
				ma, mb := sc.Seeds[k].Methods[i], sc.Seeds[k].Methods[j]
				if ma.Error != "" || mb.Error != "" {
					continue
				}
				a += ma.RMSE
				b += mb.RMSE
				n++
			}
			if n > 0 {
				di = append(di, (a-b)/float64(n))
			}
		}
		return di
	}
	var acc []float64
	for k := range r.SeedRuns {
		var s float64
		for _, sc := range r.Scenarios {
			s += sc.Seeds[k].Accuracy
		}
		acc = append(acc, s/float64(len(r.Scenarios)))
	}
	a := newStat(acc)
	r.Accuracy = &a
	for i := range r.Summary {
		var rmse, rbo, all []float64
		for k := range r.SeedRuns {
			var s, t float64
			var n int
			for _, sc := range r.Scenarios {
				m := sc.Seeds[k].Methods[i]
				if m.Error != "" {
					continue
				}
				s += m.RMSE
				t += m.RBO
				n++
				all = append(all, m.RMSE)
			}
			if n > 0 {
				rmse = append(rmse, s/float64(n))
				rbo = append(rbo, t/float64(n))
			}
		}
		if len(rmse) == 0 {
			continue
		}
		sr, sb := newStat(rmse), newStat(rbo)
		s := &r.Summary[i]
		s.RMSEOverSeeds, s.RBOOverSeeds = &sr, &sb
		// The means are over every run, the better estimate.
		s.MeanRMSE, s.MeanRBO = sr.Mean, sb.Mean
		for _, v := range all {
			s.MaxRMSE = math.Max(s.MaxRMSE, v)
		}
	}
	r.Comparisons = nil
	for i := range r.Methods {
		for j := i + 1; j < len(r.Methods); j++ {
			d := perSeed(i, j)
			if len(d) < 2 {
				continue
			}
			st := newStat(d)
			c := Comparison{A: r.Methods[i].Name, B: r.Methods[j].Name, MeanDiff: st.Mean, SD: st.SD, Seeds: len(d)}
			for _, v := range d {
				if v < 0 {
					c.ABetter++
				}
			}
			if st.SD > 0 {
				t := st.Mean / (st.SD / math.Sqrt(float64(len(d))))
				c.T = &t
			}
			c.ExceedsSpread = st.Mean != 0 && math.Abs(st.Mean) > ExceedsFactor*st.SD
			r.Comparisons = append(r.Comparisons, c)
		}
	}
}

// pm writes a mean and SD as "0.051 ± 0.004".
func pm(s Stat) string { return fmt.Sprintf("%.3f ± %.3f", s.Mean, s.SD) }

// methodSpread returns the spread of method name in sc, or nil.
func methodSpread(sc *ScenarioResult, name string) *MethodSpread {
	if sc.Spread == nil {
		return nil
	}
	for i := range sc.Spread.Methods {
		if sc.Spread.Methods[i].Method == name {
			return &sc.Spread.Methods[i]
		}
	}
	return nil
}

// writeSpreadTable writes a scenario's figures over its runs under its table.
func writeSpreadTable(b *strings.Builder, r *Report, sc *ScenarioResult) {
	s := sc.Spread
	if s == nil {
		return
	}
	fmt.Fprintf(b, "  over %d runs (%s): test accuracy %s\n", s.Runs, s.Over, pm(s.Accuracy))
	fmt.Fprintf(b, "  %-22s %15s %15s\n", "method", "RMSE mean ± SD", "RBO mean ± SD")
	for _, m := range s.Methods {
		if m.RMSE.N == 0 {
			fmt.Fprintf(b, "  %-22s failed in every run\n", r.label(m.Method))
			continue
		}
		fmt.Fprintf(b, "  %-22s %15s %15s\n", r.label(m.Method), pm(m.RMSE), pm(m.RBO))
	}
	if line := interactionSpreadLine(sc); line != "" {
		fmt.Fprintf(b, "  %s\n", line)
	}
}

// writeSpreadSummary writes the summary over seeds and which differences exceed the
// seed-to-seed spread.
func writeSpreadSummary(b *strings.Builder, r *Report) {
	if r.Accuracy == nil {
		return
	}
	fmt.Fprintf(b, "Over %d runs per scenario (%s): mean test accuracy %s\n", r.SeedRuns, r.SpreadOver, pm(*r.Accuracy))
	fmt.Fprintf(b, "  %-22s %19s %19s  %s\n", "method", "mean RMSE ± SD", "mean RBO ± SD", "closer to the truth than, beyond the seed-to-seed spread")
	for _, s := range r.rankedSummary() {
		fmt.Fprintf(b, "  %-22s %19s %19s  %s\n", s.Label, pm(*s.RMSEOverSeeds), pm(*s.RBOOverSeeds), strings.Join(r.beats(s.Method), ", "))
	}
	fmt.Fprintf(b, "  (SD: of the per-run mean over the scenarios; \"beyond the spread\": the mean paired difference of mean RMSE exceeds %.0f SDs of it over the runs)\n", ExceedsFactor)
}

// rankedSummary returns the summaries with over-seed figures, by mean RMSE.
func (r *Report) rankedSummary() []Summary {
	var out []Summary
	for _, s := range r.Summary {
		if s.RMSEOverSeeds != nil {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RMSEOverSeeds.Mean < out[j].RMSEOverSeeds.Mean })
	return out
}

// beats lists the labels of the methods that method is closer to the truth than, beyond
// the spread.
func (r *Report) beats(method string) []string {
	var out []string
	for _, c := range r.Comparisons {
		if !c.ExceedsSpread {
			continue
		}
		switch {
		case c.A == method && c.MeanDiff < 0:
			out = append(out, r.label(c.B))
		case c.B == method && c.MeanDiff > 0:
			out = append(out, r.label(c.A))
		}
	}
	if out == nil {
		return []string{"-"}
	}
	return out
}

// writeSpreadMarkdown writes the over-seed summary and the comparisons as Markdown.
func writeSpreadMarkdown(b *strings.Builder, r *Report) {
	if r.Accuracy == nil {
		return
	}
	fmt.Fprintf(b, "\n### Over %d runs per scenario\n\nWhat changed between runs: %s. Mean test accuracy %s (SD over runs of the mean over scenarios).\n\n", r.SeedRuns, r.SpreadOver, pm(*r.Accuracy))
	b.WriteString("| method | mean RMSE ± SD | mean RBO ± SD | closer to the truth than (beyond the seed-to-seed spread) | within the spread of |\n|---|---:|---:|---|---|\n")
	for _, s := range r.rankedSummary() {
		var within []string
		for _, c := range r.Comparisons {
			if c.ExceedsSpread {
				continue
			}
			if c.A == s.Method {
				within = append(within, r.label(c.B))
			} else if c.B == s.Method {
				within = append(within, r.label(c.A))
			}
		}
		if within == nil {
			within = []string{"-"}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", s.Label, pm(*s.RMSEOverSeeds), pm(*s.RBOOverSeeds), strings.Join(r.beats(s.Method), ", "), strings.Join(within, ", "))
	}
	fmt.Fprintf(b, "\nSD: sample SD over the runs of the mean over the scenarios. A difference is beyond the spread when the mean over runs of the paired difference of two methods' mean RMSE exceeds %.0f times its SD over the runs (`comparisons` in results.json has every pair with its t statistic).\n", ExceedsFactor)
}

// writeScenarioSpreadMarkdown writes a scenario's figures over its runs as Markdown.
func writeScenarioSpreadMarkdown(b *strings.Builder, r *Report, sc *ScenarioResult) {
	s := sc.Spread
	if s == nil {
		return
	}
	fmt.Fprintf(b, "\nOver %d runs (%s): test accuracy %s.\n\n| method | RMSE mean ± SD | RBO mean ± SD |\n|---|---:|---:|\n", s.Runs, s.Over, pm(s.Accuracy))
	for _, m := range s.Methods {
		if m.RMSE.N == 0 {
			fmt.Fprintf(b, "| %s | failed | |\n", r.label(m.Method))
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", r.label(m.Method), pm(m.RMSE), pm(m.RBO))
	}
	if line := interactionSpreadLine(sc); line != "" {
		fmt.Fprintf(b, "\n%s%s.\n", strings.ToUpper(line[:1]), line[1:])
	}
}
