package validation

import (
	"fmt"
	"sort"
	"strings"
)

// Merge combines reports of the same methods, made with different seeds, into one
// report with every run of every scenario, as Run with Options.Seeds would have made
// it: each scenario's runs are ordered by seed, the run with the lowest seed is reported
// in full, and the spread, the summary over runs and the comparisons are computed over
// all of them. A report's scenario contributes its runs (ScenarioResult.Seeds), or, from
// a report of one run, that run with the report's seed. So runs made at once in
// separate processes, or on separate machines, come together as one. Merge fails
// when a report is partial (Report.Partial: its run stopped before its last scenario),
// when the reports differ in methods, method options, autoencoder or quickness, when a
// scenario has the same seed twice, or when the scenarios end up with different numbers
// of runs.
func Merge(reports []*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("validation: merge of no reports")
	}
	type entry struct {
		full bool // this run is the one res reports in full
		run  SeedRun
		res  *ScenarioResult
	}
	first := reports[0]
	out := &Report{Seed: first.Seed, Quick: first.Quick, RBO: first.RBO, Persistence: first.Persistence, Options: first.Options,
		Methods: first.Methods, Autoencoder: first.Autoencoder, Paper: first.Paper, Machine: first.Machine}
	byName := map[string][]entry{}
	var order []string
	machines := map[string]bool{first.Machine: true}
	for k, r := range reports {
		if r == nil {
			return nil, fmt.Errorf("validation: merge: report %d is nil", k+1)
		}
		if r.Partial {
			return nil, fmt.Errorf("validation: merge: report %d is partial (%d of %d scenarios)", k+1, len(r.Scenarios), r.ScenariosPlanned)
		}
		if err := sameSetup(first, r); err != nil {
			return nil, fmt.Errorf("validation: merge: report %d differs from report 1: %w", k+1, err)
		}
		out.Seed = min(out.Seed, r.Seed)
		out.Seconds += r.Seconds
		if !machines[r.Machine] {
			machines[r.Machine] = true
			out.Machine += "; " + r.Machine
		}
		for i := range r.Scenarios {
			sc := &r.Scenarios[i]
			if len(sc.Methods) != len(r.Methods) {
				return nil, fmt.Errorf("validation: merge: report %d, scenario %s has %d methods for %d", k+1, sc.Name, len(sc.Methods), len(r.Methods))
			}
			runs := sc.Seeds
			if len(runs) == 0 {
				runs = []SeedRun{seedRun(sc, r.Seed)}
			}
			if _, ok := byName[sc.Name]; !ok {
				order = append(order, sc.Name)
			}
			for j, run := range runs {
				byName[sc.Name] = append(byName[sc.Name], entry{full: j == 0, run: run, res: sc})
			}
		}
	}
	runs := len(byName[order[0]])
	overs := map[string]bool{}
	for _, name := range order {
		es := byName[name]
		if len(es) != runs {
			return nil, fmt.Errorf("validation: merge: scenario %s has %d runs, %s has %d; every scenario needs the same number", name, len(es), order[0], runs)
		}
		sort.SliceStable(es, func(a, b int) bool { return es[a].run.Seed < es[b].run.Seed })
		over := OverTraining
		seeds := make([]SeedRun, len(es))
		for j, e := range es {
			if j > 0 && e.run.Seed == es[j-1].run.Seed {
				return nil, fmt.Errorf("validation: merge: scenario %s has seed %d twice", name, e.run.Seed)
			}
			if !trainedWithSeed(e.res.Model, e.run.Seed) {
				over = OverEvaluation
			}
			seeds[j] = e.run
		}
		if !es[0].full {
			return nil, fmt.Errorf("validation: merge: scenario %s: the run with seed %d is not reported in full by its report", name, es[0].run.Seed)
		}
		res := *es[0].res
		res.Seeds, res.Spread = nil, nil
		if runs > 1 {
			res.Seeds, res.Spread = seeds, spread(seeds, over)
			overs[over] = true
		}
		out.Scenarios = append(out.Scenarios, res)
	}
	if runs > 1 {
		out.SeedRuns = runs
		var parts []string
		for _, v := range []string{OverTraining, OverEvaluation} {
			if overs[v] {
				parts = append(parts, v)
			}
		}
		out.SpreadOver = strings.Join(parts, "; and, for the scenarios with a given model, ")
	}
	out.summarise()
	return out, nil
}

// trainedWithSeed says whether a run's network came from its own training seed: trained
// by the run, or a saved network (-save-models, then -models) whose recorded seed is the
// run's, which gives the same figures as training it again in the run. Runs whose
// networks all did vary over training seeds; a network given to every run does not.
func trainedWithSeed(m ModelInfo, seed uint64) bool {
	return m.Source == "trained" || (m.SHA256 != "" && m.Seed == seed)
}

// sameSetup says how b's set-up differs from a's, or nil.
func sameSetup(a, b *Report) error {
	if len(a.Methods) != len(b.Methods) {
		return fmt.Errorf("%d methods against %d", len(b.Methods), len(a.Methods))
	}
	for i := range a.Methods {
		if a.Methods[i].Name != b.Methods[i].Name {
			return fmt.Errorf("method %d is %q, not %q", i+1, b.Methods[i].Name, a.Methods[i].Name)
		}
	}
	if a.Options != b.Options {
		return fmt.Errorf("method options %+v, not %+v", b.Options, a.Options)
	}
	if a.Autoencoder != b.Autoencoder {
		return fmt.Errorf("autoencoder %+v, not %+v", b.Autoencoder, a.Autoencoder)
	}
	if a.Quick != b.Quick {
		return fmt.Errorf("quick %v, not %v", b.Quick, a.Quick)
	}
	return nil
}
