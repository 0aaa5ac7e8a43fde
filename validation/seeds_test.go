package validation

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/modelfile"
)

func TestStat(t *testing.T) {
	s := newStat([]float64{1, 2, 3, 4})
	if s.N != 4 || s.Mean != 2.5 || math.Abs(s.SD-math.Sqrt(5.0/3)) > 1e-12 {
		t.Errorf("stat of 1..4: %+v, want mean 2.5, sample SD sqrt(5/3)", s)
	}
	if s := newStat([]float64{7}); s.SD != 0 || s.Mean != 7 {
		t.Errorf("stat of one value: %+v", s)
	}
}

// TestComparisons builds a report of three runs of two scenarios by hand: method a is
// closer to the truth than b by 0.05 in every run, with a small spread; c is as close as a
// on average but swings from run to run. Only a against b may exceed the spread.
func TestComparisons(t *testing.T) {
	rmse := map[string][3]float64{"a": {0.03, 0.04, 0.035}, "b": {0.08, 0.09, 0.086}, "c": {0.00, 0.07, 0.035}}
	r := &Report{SeedRuns: 3, Methods: []MethodInfo{{Name: "a", Label: "A"}, {Name: "b", Label: "B"}, {Name: "c", Label: "C"}}}
	for s := range 2 {
		sc := ScenarioResult{Name: string(rune('P' + s))}
		for k := range 3 {
			run := SeedRun{Seed: uint64(k + 1), Accuracy: 0.9 + 0.01*float64(k)}
			for _, m := range r.Methods {
				run.Methods = append(run.Methods, SeedMethod{Method: m.Name, RMSE: rmse[m.Name][k] + 0.01*float64(s), RBO: 1})
			}
			sc.Seeds = append(sc.Seeds, run)
		}
		for _, m := range r.Methods {
			sc.Methods = append(sc.Methods, MethodResult{Method: m.Name, Agreement: Agreement{RMSE: rmse[m.Name][0] + 0.01*float64(s), RBO: 1}})
		}
		sc.Spread = spread(sc.Seeds, OverTraining)
		r.Scenarios = append(r.Scenarios, sc)
	}
	r.summarise()
	if len(r.Comparisons) != 3 || r.Accuracy == nil || r.Accuracy.N != 3 || math.Abs(r.Accuracy.Mean-0.91) > 1e-12 {
		t.Fatalf("%d comparisons, accuracy %+v", len(r.Comparisons), r.Accuracy)
	}
	for _, c := range r.Comparisons {
		want := c.A == "a" && c.B == "b"
		if c.ExceedsSpread != want || c.Seeds != 3 {
			t.Errorf("%s vs %s: mean %.4f, SD %.4f, exceeds %v over %d seeds; want exceeds %v", c.A, c.B, c.MeanDiff, c.SD, c.ExceedsSpread, c.Seeds, want)
		}
		if want && (c.ABetter != 3 || math.Abs(c.MeanDiff+0.0503333) > 1e-6 || c.T == nil || *c.T > -10) {
			t.Errorf("a vs b: %+v", c)
		}
	}
	a := r.Summary[0]
	if a.RMSEOverSeeds == nil || a.RMSEOverSeeds.N != 3 || math.Abs(a.MeanRMSE-(0.035+0.005)) > 1e-12 || a.MaxRMSE != 0.05 {
		t.Errorf("summary of a: %+v", a)
	}
	var b strings.Builder
	writeSpreadMarkdown(&b, r)
	for _, want := range []string{"### Over 3 runs per scenario", "| A | 0.040 ± 0.005 | 1.000 ± 0.000 | B | C |", "| C | 0.040 ± 0.035 | 1.000 ± 0.000 | - | A, B |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, b.String())
		}
	}
}

// TestSeedsWithModel runs a given model twice: the network and test cases stay, only the
// methods' draws change, so the spread says so; the gradient draws nothing and has none,
// permutation draws and has some. A trained scenario beside it is trained again.
func TestSeedsWithModel(t *testing.T) {
	o := tinyOptions(t)
	net, err := fusion.NewNet(fusion.DefaultConfig(), 1, 9)
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	o.Models = []Model{{Net: net, Meta: modelfile.Meta{Scenario: json.RawMessage(`"F3"`), Seed: 11, Command: "go run ./cmd/train -scenario F3 -n 240 -seed 11"}, Source: "f3"}}
	o.Methods = []string{"gradient", "permutation"}
	o.Seeds = 2
	o.SaveModels = filepath.Join(t.TempDir(), "saved")
	f1, _ := groundtruth.Builtin("F1")
	f3, _ := groundtruth.Builtin("F3")
	r, err := Run(context.Background(), []Scenario{{Scenario: f1, Source: "built-in"}, {Scenario: f3}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.SeedRuns != 2 || !strings.Contains(r.SpreadOver, OverTraining) || !strings.Contains(r.SpreadOver, OverEvaluation) {
		t.Errorf("seed runs %d, spread over %q", r.SeedRuns, r.SpreadOver)
	}
	trained, given := r.Scenarios[0], r.Scenarios[1]
	if trained.Spread.Over != OverTraining || given.Spread.Over != OverEvaluation {
		t.Errorf("spread over %q and %q", trained.Spread.Over, given.Spread.Over)
	}
	if trained.Seeds[0].Seed != 5 || trained.Seeds[1].Seed != 6 || trained.Seeds[0].Methods[0].RMSE != trained.Methods[0].RMSE {
		t.Errorf("trained runs %+v; the first must be the one reported (RMSE %v)", trained.Seeds, trained.Methods[0].RMSE)
	}
	if trained.Seeds[0].Methods[0].RMSE == trained.Seeds[1].Methods[0].RMSE {
		t.Errorf("two trainings gave the gradient the same RMSE %v", trained.Seeds[0].Methods[0].RMSE)
	}
	if sd := given.Spread.Methods[0].RMSE.SD; sd != 0 || given.Spread.Accuracy.SD != 0 {
		t.Errorf("given model: gradient RMSE SD %v, accuracy SD %v; want 0 (nothing drawn, same network)", sd, given.Spread.Accuracy.SD)
	}
	if sd := given.Spread.Methods[1].RMSE.SD; !(sd > 0) {
		t.Errorf("given model: permutation RMSE SD %v, want > 0 (it draws permutations)", sd)
	}
	if trained.Methods[0].Randomisation == nil || trained.Interactions == nil {
		t.Errorf("the first run lost its sanity checks or interactions")
	}
	for k, run := range trained.Seeds {
		if run.Interactions == nil || len(run.Interactions.Estimate) != 6 || run.Interactions.Strength == nil {
			t.Errorf("trained run %d: interactions %+v, want six pairs and a strength", k, run.Interactions)
		}
	}
	if in := trained.Spread.Interactions; in == nil || in.Runs != 2 || len(in.Estimate) != 6 || in.Strength.N != 2 {
		t.Errorf("trained spread of interactions %+v, want two runs of six pairs", in)
	}
	if *trained.Seeds[0].Interactions.Strength != *trained.Interactions.Strength {
		t.Errorf("the first run's interactions %v are not the reported ones %v", *trained.Seeds[0].Interactions.Strength, *trained.Interactions.Strength)
	}
	if len(r.Comparisons) != 1 || r.Summary[0].RMSEOverSeeds == nil {
		t.Errorf("comparisons %+v, summary %+v", r.Comparisons, r.Summary[0])
	}
	if _, err := Run(context.Background(), []Scenario{{Scenario: f1}}, Options{Seeds: -1}); err == nil {
		t.Errorf("Seeds -1: no error")
	}
}

// TestInteractionSpread summarises three hand-made runs of a scenario with a true
// interaction, one of which misses the strongest pair, and one run without interactions.
func TestInteractionSpread(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	runs := []SeedRun{
		{Interactions: &SeedInteraction{Estimate: map[string]float64{"a|b": 0.6, "a|c": 0.4}, RMSE: f(0.1), StrongestFound: b(true), Strength: f(1.0)}},
		{Interactions: &SeedInteraction{Estimate: map[string]float64{"a|b": 0.4, "a|c": 0.6}, RMSE: f(0.3), StrongestFound: b(false), Strength: f(1.2)}},
		{},
		{Interactions: &SeedInteraction{Estimate: map[string]float64{"a|b": 0.8, "a|c": 0.2}, RMSE: f(0.2), StrongestFound: b(true), Strength: f(1.4)}},
	}
	s := interactionSpread(runs)
	if s == nil || s.Runs != 3 || s.StrongestFound == nil || *s.StrongestFound != 2 {
		t.Fatalf("spread %+v, want 3 runs, 2 found", s)
	}
	if ab := s.Estimate["a|b"]; math.Abs(ab.Mean-0.6) > 1e-12 || math.Abs(ab.SD-0.2) > 1e-12 || ab.N != 3 {
		t.Errorf("a|b %+v, want 0.6 +- 0.2 over 3", ab)
	}
	if s.RMSE == nil || math.Abs(s.RMSE.Mean-0.2) > 1e-12 || math.Abs(s.RMSE.SD-0.1) > 1e-12 {
		t.Errorf("RMSE %+v, want 0.2 +- 0.1", s.RMSE)
	}
	if math.Abs(s.Strength.Mean-1.2) > 1e-12 {
		t.Errorf("strength %+v, want mean 1.2", s.Strength)
	}
	sc := &ScenarioResult{Spread: &Spread{Interactions: s}, Interactions: &InteractionResult{Pairs: []string{"a|b", "a|c"}, TruthStrongest: []string{"a|b"}}}
	line := interactionSpreadLine(sc)
	for _, want := range []string{"over 3 runs", "strength 1.200 ± 0.200", "RMSE over pairs 0.200 ± 0.100", "strongest pair (a|b) found in 2/3 runs", "a|b 0.600 ± 0.200, a|c 0.400 ± 0.200"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	additive := interactionSpread([]SeedRun{{Interactions: &SeedInteraction{Estimate: map[string]float64{"a|b": 1}, Strength: f(0.2)}}})
	if additive.RMSE != nil || additive.StrongestFound != nil {
		t.Errorf("no true interaction, yet RMSE %v, found %v", additive.RMSE, additive.StrongestFound)
	}
	if interactionSpread([]SeedRun{{}, {}}) != nil {
		t.Error("runs without interactions have a spread")
	}
}
