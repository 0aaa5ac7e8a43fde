package architecture

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/latent"
)

// tinyAutoencoder is a quickly trained autoencoder: poor features, good plumbing.
var tinyAutoencoder = sync.OnceValues(func() (*latent.Model, error) { return fixture.Autoencoder(150, 1, 3) })

func builtin(t *testing.T, name string) *groundtruth.Scenario { return mustBuiltin(t, name) }

func mustBuiltin(t testing.TB, name string) *groundtruth.Scenario {
	t.Helper()
	sc, err := groundtruth.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// quickRun compares the variants quickly on the scenarios.
func quickRun(t *testing.T, seeds int, names ...string) *Report {
	t.Helper()
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	var sets []Set
	for _, n := range names {
		sets = append(sets, Set{Scenario: builtin(t, n), Source: "built-in"})
	}
	r, err := Run(context.Background(), sets, Options{Quick: true, Seeds: seeds, N: 400, Epochs: 1, Autoencoder: ae})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReportShape checks compare.json's shape as the issue gives it, and what each
// variant's numbers must satisfy.
func TestReportShape(t *testing.T) {
	r := quickRun(t, 2, "F6")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Seeds       []uint64 `json:"seeds"`
		Method      string   `json:"importance_method"`
		Comparisons []struct {
			Name          string                       `json:"name"`
			Modalities    []string                     `json:"modalities"`
			Truth         map[string]float64           `json:"truth"`
			CrossModal    []string                     `json:"cross_modal_products"`
			Best          string                       `json:"best"`
			Architectures []map[string]json.RawMessage `json:"architectures"`
		} `json:"comparisons"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Seeds) != 2 || doc.Method != Shapley || len(doc.Comparisons) != 1 {
		t.Fatalf("seeds %v, method %q, %d comparisons", doc.Seeds, doc.Method, len(doc.Comparisons))
	}
	c := doc.Comparisons[0]
	if c.Name != "F6-cross-modal" || len(c.Modalities) != 4 || len(c.Truth) != 4 || len(c.CrossModal) != 3 {
		t.Fatalf("comparison %q: modalities %v, truth %v, cross-modal %v", c.Name, c.Modalities, c.Truth, c.CrossModal)
	}
	if len(c.Architectures) != len(Names()) {
		t.Fatalf("%d architectures, want %d", len(c.Architectures), len(Names()))
	}
	for i, a := range c.Architectures {
		for _, key := range []string{"name", "accuracy", "accuracy_sd", "auc", "modality_importance", "importance_sd", "rmse_to_truth", "warnings", "methods"} {
			if _, ok := a[key]; !ok {
				t.Errorf("architecture %d has no %q", i, key)
			}
		}
	}
	for _, a := range r.Comparisons[0].Architectures {
		if !(a.Accuracy > 0 && a.Accuracy <= 1 && a.AccuracySD >= 0 && a.AUC >= 0 && a.AUC <= 1) {
			t.Errorf("%s: accuracy %v ± %v, AUC %v", a.Name, a.Accuracy, a.AccuracySD, a.AUC)
		}
		var sum float64
		for _, m := range r.Comparisons[0].Modalities {
			sum += a.ModalityImportance[m]
		}
		if math.Abs(sum-1) > 1e-9 && sum != 0 {
			t.Errorf("%s: shares sum to %v", a.Name, sum)
		}
		_, hasGrad := a.Methods[Gradient]
		if want := a.Name == Hybrid || a.Name == Separate; hasGrad != want {
			t.Errorf("%s: gradient present %v, want %v", a.Name, hasGrad, want)
		}
		for _, m := range []string{Permutation, Occlusion, Shapley} {
			if len(a.Methods[m]) != 4 {
				t.Errorf("%s: method %s has %d modalities", a.Name, m, len(a.Methods[m]))
			}
		}
		if len(a.PerSeed) != 2 {
			t.Errorf("%s: %d seeds", a.Name, len(a.PerSeed))
		}
		late := false
		for _, w := range a.Warnings {
			late = late || strings.HasPrefix(w, "late fusion on a decision with cross-modal products")
		}
		if late != (a.Name == Late) {
			t.Errorf("%s: late-fusion warning %v; warnings %q", a.Name, late, a.Warnings)
		}
	}
}

// TestDeterministic runs the same comparison twice: everything but the timings must
// match, and another seed must give other numbers.
// withoutTimes clears a report's wall-clock figures, which vary from run to run.
func withoutTimes(r *Report) {
	r.Seconds = 0
	for i := range r.Comparisons {
		for j := range r.Comparisons[i].Architectures {
			for k := range r.Comparisons[i].Architectures[j].PerSeed {
				r.Comparisons[i].Architectures[j].PerSeed[k].TrainSeconds = 0
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	runJSON := func(seed uint64) string {
		o := Options{Quick: true, Seeds: 1, Seed: seed, N: 300, Epochs: 1, Autoencoder: ae, Architectures: []string{Early, Hybrid, Late}}
		r, err := Run(context.Background(), []Set{{Scenario: builtin(t, "F5")}}, o)
		if err != nil {
			t.Fatal(err)
		}
		withoutTimes(r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a, b := runJSON(4), runJSON(4)
	if a != b {
		t.Errorf("the same seed gave different reports:\n%s\n%s", a, b)
	}
	if c := runJSON(5); c == a {
		t.Errorf("seeds 4 and 5 gave the same report")
	}
}

// TestJobs checks that running the trainings side by side changes no number: a run one
// job at a time and one with three at once give the same report, and every job's result
// lands in its own variant's and seed's place.
func TestJobs(t *testing.T) {
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	var progress []Progress
	runJSON := func(jobs int) (string, *Report) {
		o := Options{Quick: true, Seeds: 2, N: 300, Epochs: 1, Autoencoder: ae, Jobs: jobs,
			Architectures: []string{Hybrid, Early, Late}, Progress: func(p Progress) { progress = append(progress, p) }}
		r, err := Run(context.Background(), []Set{{Scenario: builtin(t, "F5")}, {Scenario: builtin(t, "F1")}}, o)
		if err != nil {
			t.Fatal(err)
		}
		withoutTimes(r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), r
	}
	one, r := runJSON(1)
	progress = nil
	three, _ := runJSON(3)
	if one != three {
		t.Errorf("-jobs 1 and 3 gave different reports:\n%s\n%s", one, three)
	}
	for _, c := range r.Comparisons {
		for i, a := range c.Architectures {
			if want := []string{Hybrid, Early, Late}[i]; a.Name != want {
				t.Errorf("%s: variant %d is %s, want %s", c.Name, i, a.Name, want)
			}
			for k, s := range a.PerSeed {
				if s.Seed != r.Seeds[k] {
					t.Errorf("%s %s: per-seed result %d has seed %d, want %d", c.Name, a.Name, k, s.Seed, r.Seeds[k])
				}
				if (a.Name == Early) != (s.EpochsRun == nil) {
					t.Errorf("%s %s seed %d: epochs run %v", c.Name, a.Name, s.Seed, s.EpochsRun)
				}
			}
		}
	}
	// Every job says it trains and then measures, once each.
	count := map[string]int{}
	for _, p := range progress {
		if p.Architecture != "" {
			count[p.Name+" "+p.Architecture+" "+p.Phase+" "+string(rune('0'+p.Seed))]++
		}
	}
	if len(count) != 2*3*2*2 {
		t.Errorf("progress with 3 jobs: %d distinct (set, variant, phase, seed), want 24: %v", len(count), count)
	}
	for k, n := range count {
		if n != 1 {
			t.Errorf("progress %q said %d times", k, n)
		}
	}
}

// TestCancel checks that a run cancelled while its jobs train stops them and says why,
// with no report.
func TestCancel(t *testing.T) {
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	trained := 0
	o := Options{Quick: true, Seeds: 2, N: 300, Epochs: 3, Autoencoder: ae, Jobs: 2,
		Progress: func(p Progress) {
			if p.Phase == "train" {
				trained++
				if trained == 2 {
					cancel() // both workers have a job
				}
			}
		}}
	r, err := Run(ctx, []Set{{Scenario: builtin(t, "F1")}}, o)
	if !errors.Is(err, context.Canceled) || r != nil {
		t.Fatalf("cancelled run: report %v, error %v; want none and context.Canceled", r != nil, err)
	}
	if trained > 2+o.Jobs {
		t.Errorf("%d jobs started training after the cancel, want at most %d", trained-2, o.Jobs)
	}
}

// TestRunErrors checks that bad options are refused with errors naming them.
func TestRunErrors(t *testing.T) {
	sc := builtin(t, "F0")
	for _, tc := range []struct {
		sets []Set
		o    Options
		want string
	}{
		{nil, Options{}, "nothing to compare"},
		{[]Set{{Scenario: sc}}, Options{Architectures: []string{"middle"}}, `unknown architecture "middle"`},
		{[]Set{{Scenario: sc}}, Options{Architectures: []string{}}, "no architectures"},
		{[]Set{{Scenario: sc}}, Options{Seeds: -1}, "-1 seeds"},
		{[]Set{{Scenario: sc}}, Options{Patience: -1}, "patience -1"},
		{[]Set{{Scenario: sc}}, Options{Jobs: -2}, "-2 jobs"},
		{[]Set{{Scenario: sc}}, Options{SelectBy: fusion.Selection(7)}, "selection"},
		{[]Set{{Scenario: sc}}, Options{DecoupledWeightDecay: -1}, "decoupled weight decay -1"},
		{[]Set{{Scenario: sc}}, Options{InputSparsity: float32(math.NaN())}, "input sparsity NaN"},
		{[]Set{{Scenario: sc}}, Options{RefitEpochs: 2}, "2 refit epochs"},
		{[]Set{{Scenario: sc}}, Options{Method: "lime"}, `importance method "lime"`},
		{[]Set{{Scenario: sc}}, Options{}, "needs the autoencoder"},
	} {
		_, err := Run(context.Background(), tc.sets, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.o, err, tc.want)
		}
	}
	if _, err := ParseNames("early,early"); err == nil || !strings.Contains(err.Error(), "named twice") {
		t.Errorf("ParseNames(early,early): %v", err)
	}
	if n, err := ParseNames("late, hybrid"); err != nil || !slices.Equal(n, []string{Late, Hybrid}) {
		t.Errorf("ParseNames(late, hybrid) = %v, %v", n, err)
	}
}

// TestDataSet compares on a user's data set: no truth, so no RMSE, and the need for the
// collapse warning comes from permutation on the best variant.
func TestDataSet(t *testing.T) {
	train, val, test := smallSplit(t, "F3", 300)
	all := fusion.Dataset{N: train.N + val.N + test.N}
	for _, d := range []fusion.Dataset{train, val, test} {
		all.Axial = append(all.Axial, d.Axial...)
		all.Coronal = append(all.Coronal, d.Coronal...)
		all.Clinical = append(all.Clinical, d.Clinical...)
		all.Labels = append(all.Labels, d.Labels...)
	}
	r, err := Run(context.Background(), []Set{{Name: "mine", Data: all, Schema: fusion.PaperSchema()}},
		Options{Quick: true, Seeds: 1, Epochs: 2, Architectures: []string{Early, Late}})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Comparisons[0]
	if c.Name != "mine" || c.Truth != nil || c.Cases.N != all.N || c.Cases.Test != test.N {
		t.Fatalf("comparison %q: truth %v, cases %+v", c.Name, c.Truth, c.Cases)
	}
	for _, a := range c.Architectures {
		if a.RMSEToTruth != nil || len(a.ModalityImportance) != 4 || a.Warnings == nil {
			t.Errorf("%s: RMSE %v, shares %v, warnings %v", a.Name, a.RMSEToTruth, a.ModalityImportance, a.Warnings)
		}
	}
	// The figure draws every variant.
	var svg strings.Builder
	if err := Figure(r, &c).WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "mine: fusion architectures compared", ">early<", ">late<", "</svg>"} {
		if !strings.Contains(svg.String(), want) {
			t.Errorf("figure SVG lacks %q", want)
		}
	}
}

// TestSharedCases checks that a scenario compared after another, on cases drawn once and
// relabelled, gives exactly the comparison it gets on its own.
func TestSharedCases(t *testing.T) {
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Quick: true, Seeds: 1, Seed: 3, N: 300, Epochs: 1, Autoencoder: ae, Architectures: []string{Early, Hybrid}}
	both, err := Run(context.Background(), []Set{{Scenario: builtin(t, "F0")}, {Scenario: builtin(t, "F6")}}, o)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := Run(context.Background(), []Set{{Scenario: builtin(t, "F6")}}, o)
	if err != nil {
		t.Fatal(err)
	}
	withoutTimes(both)
	withoutTimes(alone)
	a, _ := json.Marshal(both.Comparisons[1])
	b, _ := json.Marshal(alone.Comparisons[0])
	if string(a) != string(b) {
		t.Errorf("F6 after F0 differs from F6 alone:\n%s\n%s", a, b)
	}
	if both.Comparisons[0].Truth["clinical_a"] == both.Comparisons[1].Truth["clinical_a"] {
		t.Errorf("F0 and F6 have the same truth: the cases were not relabelled")
	}
}

// TestPatience checks that patience stops the image networks within the epochs asked
// for and that the report says how many each ran; without it every network runs them all.
func TestPatience(t *testing.T) {
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	const epochs = 4
	for _, patience := range []int{0, 1} {
		o := Options{Quick: true, Seeds: 1, N: 300, Epochs: epochs, Patience: patience, Autoencoder: ae,
			Architectures: []string{Early, Hybrid, Late}}
		r, err := Run(context.Background(), []Set{{Scenario: builtin(t, "F1")}}, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Patience != patience {
			t.Errorf("report patience %d, want %d", r.Patience, patience)
		}
		for _, a := range r.Comparisons[0].Architectures {
			got := a.PerSeed[0].EpochsRun
			want := map[string]int{Early: 0, Hybrid: 1, Late: 2}[a.Name] // image networks
			if len(got) != want {
				t.Errorf("patience %d: %s reports %v epochs run, want %d networks", patience, a.Name, got, want)
			}
			curves := a.PerSeed[0].ValAccuracy
			if len(curves) != len(got) {
				t.Errorf("patience %d: %s reports %d validation curves for %d networks", patience, a.Name, len(curves), len(got))
				continue
			}
			for i, e := range got {
				if e < 1 || e > epochs || (patience == 0 && e != epochs) || (patience > 0 && e < 1+patience && e != epochs) {
					t.Errorf("patience %d: %s ran %v epochs of %d", patience, a.Name, got, epochs)
				}
				c := curves[i]
				if len(c) != e {
					t.Errorf("patience %d: %s network %d: %d validation accuracies for %d epochs", patience, a.Name, i, len(c), e)
					continue
				}
				for _, v := range c {
					if !(v >= 0 && v <= 1) {
						t.Errorf("patience %d: %s network %d: validation accuracy %v", patience, a.Name, i, v)
					}
				}
				// A network stopped by patience did not improve on its best in its last
				// patience epochs.
				if patience > 0 && e < epochs && slices.Max(c[e-patience:]) > slices.Max(c[:e-patience]) {
					t.Errorf("patience %d: %s network %d stopped after improving: %v", patience, a.Name, i, c)
				}
			}
		}
	}
}
