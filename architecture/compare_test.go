package architecture

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/latent"
)

// tinyAutoencoder is a quickly trained autoencoder: poor features, good plumbing.
var tinyAutoencoder = sync.OnceValues(func() (*latent.Model, error) { return fixture.Autoencoder(150, 1, 3) })

func builtin(t *testing.T, name string) *groundtruth.Scenario {
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
