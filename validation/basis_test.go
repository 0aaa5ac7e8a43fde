package validation

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
)

// TestBasis: over a run of two seeds, Basis redraws each run's test cases, finds the
// recorded truth again, and re-scores every method against the basis-free truth; a
// clinical-only scenario has no spread, one that reads both images has some; a scenario
// missing from the list, or another cohort size, is an error.
func TestBasis(t *testing.T) {
	f6, _ := groundtruth.Builtin("F6")
	f3, _ := groundtruth.Builtin("F3")
	scs := []Scenario{{Scenario: f6, Source: "built-in"}, {Scenario: f3, Source: "built-in"}}
	o := tinyOptions(t)
	o.Methods = []string{"gradient", "permutation", "occlusion"}
	o.Randomisations = 0
	o.Seeds = 2
	r, err := Run(context.Background(), scs, o)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	b, err := Basis(context.Background(), r, scs, o.Autoencoder, func(name string, seed uint64) {
		seen = append(seen, name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 4 || len(b.Scenarios) != 2 || len(b.Methods) != 3 || b.Draws != BasisDraws {
		t.Fatalf("%d cohorts redrawn, %d scenarios, %d methods, %d draws; want 4, 2, 3, %d", len(seen), len(b.Scenarios), len(b.Methods), b.Draws, BasisDraws)
	}
	var bound, conv float64
	for i, sc := range b.Scenarios {
		res := r.Scenarios[i]
		if sc.Name != res.Name || len(sc.Runs) != 2 {
			t.Fatalf("scenario %d: %s with %d runs, want %s with 2", i, sc.Name, len(sc.Runs), res.Name)
		}
		if sc.Runs[0].Seed != res.Cases.Seed || sc.Runs[1].Seed == sc.Runs[0].Seed {
			t.Errorf("%s: cohort seeds %d, %d; want the report's %d, then another", sc.Name, sc.Runs[0].Seed, sc.Runs[1].Seed, res.Cases.Seed)
		}
		if d, _ := importance.RMSE(sc.Runs[0].Truth, res.Truth); d > 1e-12 {
			t.Errorf("%s: redrawn truth %v, report's %v", sc.Name, sc.Runs[0].Truth, res.Truth)
		}
		for k, run := range sc.Runs {
			for j, m := range res.Seeds[k].Methods {
				want, _ := importance.RMSE(m.Modalities, run.BasisFree)
				if math.Abs(float64(run.RMSEBasisFree[j])-want) > 1e-12 {
					t.Errorf("%s run %d, %s: RMSE to the basis-free truth %g, want %g", sc.Name, k, m.Method, run.RMSEBasisFree[j], want)
				}
				if math.Abs(float64(run.RMSE[j])-m.RMSE) > 1e-9 {
					t.Errorf("%s run %d, %s: RMSE to the truth %g, the report's %g", sc.Name, k, m.Method, run.RMSE[j], m.RMSE)
				}
				// Occlusion also runs on the decision itself; by the triangle inequality its
				// two RMSEs to the truth differ by at most the network's distance from it.
				d, nd := float64(run.Decision[j]), float64(run.NetworkToDecision[j])
				if m.Method != "occlusion" {
					if !math.IsNaN(d) || !math.IsNaN(nd) {
						t.Errorf("%s run %d, %s: on the decision %g, %g; want none (it reads gradients or labels)", sc.Name, k, m.Method, d, nd)
					}
					continue
				}
				if math.IsNaN(d) || math.IsNaN(nd) || math.Abs(m.RMSE-d) > nd+1e-12 {
					t.Errorf("%s run %d, occlusion: RMSE %g on the network, %g on the decision, %g between them", sc.Name, k, m.RMSE, d, nd)
				}
			}
			bound += run.TwinRMSE / 2 / 2 / 2
			conv += run.Convention / 2 / 2
		}
	}
	f6runs, f3runs := b.Scenarios[0].Runs, b.Scenarios[1].Runs
	if f3runs[0].TwinRMSE != 0 || f3runs[0].Convention != 0 {
		t.Errorf("F3 (clinical values only): twin %g, convention %g; want 0", f3runs[0].TwinRMSE, f3runs[0].Convention)
	}
	if f6runs[0].TwinRMSE <= 0 || f6runs[0].Convention <= 0 {
		t.Errorf("F6 (both images): twin %g, convention %g; want > 0", f6runs[0].TwinRMSE, f6runs[0].Convention)
	}
	// On F3, whose decision reads the clinical values alone, occlusion of the decision
	// itself gives the images nothing.
	for _, run := range f3runs {
		est := run.OnDecision["occlusion"]
		if len(est) != 4 || est[0] != 0 || est[1] != 0 || est[2]+est[3] < 0.999 || len(run.OnDecision) != 1 {
			t.Errorf("F3: occlusion of the decision itself %v (of %d methods), want the images at 0", est, len(run.OnDecision))
		}
	}
	for _, m := range b.Methods {
		if (m.Method == "occlusion") != (m.Decision.N == 2) {
			t.Errorf("%s: %d runs on the decision, want 2 for occlusion only", m.Method, m.Decision.N)
		}
	}
	if math.Abs(b.Bound-bound) > 1e-12 || math.Abs(b.Convention-conv) > 1e-12 {
		t.Errorf("bound %g, convention %g; want the means %g, %g", b.Bound, b.Convention, bound, conv)
	}

	var js, md bytes.Buffer
	if err := b.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back BasisReport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Scenarios) != 2 || back.Bound != b.Bound {
		t.Errorf("JSON does not read back: %v", err)
	}
	if err := b.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{f6.Name, f3.Name, "Permutation", "basis-free"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}

	if _, err := Basis(context.Background(), r, scs[:1], o.Autoencoder, nil); err == nil || !strings.Contains(err.Error(), f3.Name) {
		t.Errorf("scenario missing: error %v, want one naming %s", err, f3.Name)
	}
	other := *r
	other.Scenarios = append([]ScenarioResult(nil), r.Scenarios...)
	other.Scenarios[0].Cases.N = r.Scenarios[0].Cases.N + 40
	if _, err := Basis(context.Background(), &other, scs, o.Autoencoder, nil); err == nil || !strings.Contains(err.Error(), "not the report's") {
		t.Errorf("another cohort size: error %v, want the truths' mismatch", err)
	}
}

// basisRuns: a run's cohort is its own seed's when its network was trained with it, the
// recorded one when a given network served every run or the report has one run; the
// methods' seed is each run's, and the report's for a report of one run.
func TestBasisRuns(t *testing.T) {
	one := &Report{Seed: 1}
	given := ScenarioResult{Cases: Cases{Seed: 5}}
	runs, cohorts := basisRuns(one, &given)
	if len(runs) != 1 || runs[0].Seed != 1 || cohorts[0] != 5 {
		t.Errorf("one run of a given model: method seed %d, cohort %v; want 1 and [5]", runs[0].Seed, cohorts)
	}
	trained := ScenarioResult{Cases: Cases{Seed: 1}, Seeds: []SeedRun{{Seed: 1}, {Seed: 2}, {Seed: 3}}, Spread: &Spread{Over: OverTraining}}
	if _, cohorts := basisRuns(one, &trained); len(cohorts) != 3 || cohorts[0] != 1 || cohorts[1] != 2 || cohorts[2] != 3 {
		t.Errorf("runs over training seeds: cohorts %v, want [1 2 3]", cohorts)
	}
	evaluated := ScenarioResult{Cases: Cases{Seed: 5}, Seeds: []SeedRun{{Seed: 1}, {Seed: 2}}, Spread: &Spread{Over: OverEvaluation}}
	if runs, cohorts := basisRuns(one, &evaluated); cohorts[0] != 5 || cohorts[1] != 5 || runs[1].Seed != 2 {
		t.Errorf("runs over evaluation draws: cohorts %v, method seeds %d, %d; want [5 5], 1, 2", cohorts, runs[0].Seed, runs[1].Seed)
	}
}
