package validation

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
)

// TestMergeIsSeveralSeeds: two one-run reports with seeds 5 and 6, merged (given in
// the wrong order), have the runs, spread, summary over runs and comparisons of one
// report made with Seeds = 2 from seed 5.
func TestMergeIsSeveralSeeds(t *testing.T) {
	f1, _ := groundtruth.Builtin("F1")
	f6, _ := groundtruth.Builtin("F6")
	scs := []Scenario{{Scenario: f1, Source: "built-in"}, {Scenario: f6, Source: "built-in"}}
	o := tinyOptions(t)
	o.Methods = []string{"gradient", "permutation", "occlusion"}
	o.Randomisations = 1
	both := o
	both.Seeds = 2
	want, err := Run(context.Background(), scs, both)
	if err != nil {
		t.Fatal(err)
	}
	var parts []*Report
	for _, seed := range []uint64{6, 5} {
		oo := o
		oo.Seed = seed
		r, err := Run(context.Background(), scs, oo)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, r)
	}
	got, err := Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	if got.SeedRuns != 2 || got.Seed != 5 || got.SpreadOver != want.SpreadOver || len(got.Scenarios) != 2 {
		t.Fatalf("merged: %d runs, seed %d, over %q, %d scenarios", got.SeedRuns, got.Seed, got.SpreadOver, len(got.Scenarios))
	}
	for i := range want.Scenarios {
		w, g := want.Scenarios[i], got.Scenarios[i]
		if g.Name != w.Name || len(g.Seeds) != 2 || g.Seeds[0].Seed != 5 || g.Seeds[1].Seed != 6 {
			t.Fatalf("scenario %d: %s with runs %+v", i, g.Name, g.Seeds)
		}
		if g.Methods[0].RMSE != w.Methods[0].RMSE {
			t.Errorf("%s: the full result is not seed 5's (%v against %v)", g.Name, g.Methods[0].RMSE, w.Methods[0].RMSE)
		}
		for k, m := range w.Spread.Methods {
			if gm := g.Spread.Methods[k]; gm.RMSE != m.RMSE || gm.RBO != m.RBO {
				t.Errorf("%s %s: merged spread %+v, one run of two seeds %+v", g.Name, m.Method, gm, m)
			}
		}
		if g.Spread.Accuracy != w.Spread.Accuracy {
			t.Errorf("%s: accuracy %+v against %+v", g.Name, g.Spread.Accuracy, w.Spread.Accuracy)
		}
		if gi, wi := g.Spread.Interactions, w.Spread.Interactions; gi == nil || wi == nil || gi.Strength != wi.Strength {
			t.Errorf("%s: interactions %+v against %+v", g.Name, gi, wi)
		}
	}
	if len(got.Comparisons) != 3 || len(want.Comparisons) != 3 {
		t.Fatalf("%d and %d comparisons, want 3", len(got.Comparisons), len(want.Comparisons))
	}
	for k, c := range want.Comparisons {
		g := got.Comparisons[k]
		if g.A != c.A || g.B != c.B || math.Abs(g.MeanDiff-c.MeanDiff) > 1e-15 || math.Abs(g.SD-c.SD) > 1e-15 || g.ExceedsSpread != c.ExceedsSpread {
			t.Errorf("comparison %d: merged %+v, one run %+v", k, g, c)
		}
	}

	// A saved network of the run's own seed, given back (-models), still counts as a
	// training draw; one of another seed does not.
	saved := *parts[0] // seed 6
	saved.Scenarios = append([]ScenarioResult(nil), saved.Scenarios...)
	saved.Scenarios[0].Model = ModelInfo{Source: "/tmp/models/fusion-F1.flns", SHA256: "ab12", Seed: 6}
	if m, err := Merge([]*Report{&saved, parts[1]}); err != nil || m.Scenarios[0].Spread.Over != OverTraining || m.SpreadOver != OverTraining {
		t.Errorf("a saved network of the run's seed: over %q (%q), %v; want %q", m.Scenarios[0].Spread.Over, m.SpreadOver, err, OverTraining)
	}
	saved.Scenarios[0].Model.Seed = 1
	if m, err := Merge([]*Report{&saved, parts[1]}); err != nil || m.Scenarios[0].Spread.Over != OverEvaluation || m.Scenarios[1].Spread.Over != OverTraining {
		t.Errorf("a saved network of another seed: over %q and %q, %v; want %q, then %q", m.Scenarios[0].Spread.Over, m.Scenarios[1].Spread.Over, err, OverEvaluation, OverTraining)
	}

	// Errors: the same seed twice, a missing scenario, other methods.
	if _, err := Merge([]*Report{parts[0], parts[0]}); err == nil || !strings.Contains(err.Error(), "seed 6 twice") {
		t.Errorf("same seed twice: %v", err)
	}
	short := *parts[1]
	short.Scenarios = short.Scenarios[:1]
	if _, err := Merge([]*Report{parts[0], &short}); err == nil || !strings.Contains(err.Error(), "scenario F6-cross-modal has 1 runs, F1-ct-axial has 2") {
		t.Errorf("a scenario missing from one report: %v", err)
	}
	other := *parts[1]
	other.Methods = append([]MethodInfo(nil), other.Methods...)
	other.Methods[1].Name = "occlusion"
	if _, err := Merge([]*Report{parts[0], &other}); err == nil || !strings.Contains(err.Error(), `report 2 differs from report 1: method 2 is "occlusion", not "permutation"`) {
		t.Errorf("other methods: %v", err)
	}
	if _, err := Merge(nil); err == nil {
		t.Error("merge of nothing: no error")
	}
}
