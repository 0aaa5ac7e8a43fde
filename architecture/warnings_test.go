package architecture

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/nn"
)

var paperModalities = []string{"ct_axial", "ct_coronal", "clinical_a", "clinical_b"}

// result makes a result with the given accuracy (and SD) and Shapley shares.
func result(name string, acc, sd float64, sh ...float64) Result {
	s := shares(paperModalities, sh)
	return Result{Name: name, Accuracy: acc, AccuracySD: sd, ModalityImportance: s,
		Methods: map[string]map[string]float64{Shapley: s, Permutation: s}}
}

// warned reports whether r has a warning starting with prefix.
func warned(r Result, prefix string) bool {
	return slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.HasPrefix(w, prefix) })
}

func TestCrossModalProducts(t *testing.T) {
	for name, want := range map[string][]string{
		"F0": nil, "F5": nil,
		"F6": {"ct_axial|clinical_a", "ct_coronal|clinical_b", "ct_axial|ct_coronal"},
	} {
		if got := CrossModalProducts(builtin(t, name)); !slices.Equal(got, want) {
			t.Errorf("%s: cross-modal products %v, want %v", name, got, want)
		}
	}
}

// TestWarnConstructed fires each warning on a constructed comparison and checks it stays
// quiet where it should.
func TestWarnConstructed(t *testing.T) {
	truth := shares(paperModalities, []float64{0.35, 0.25, 0.25, 0.15})
	mk := func(cross []string) *Comparison {
		c := &Comparison{Modalities: paperModalities, Truth: truth, CrossModal: cross, Architectures: []Result{
			result(Hybrid, 0.95, 0.005, 0.34, 0.26, 0.25, 0.15),
			result(Early, 0.90, 0.01, 0.50, 0.48, 0.01, 0.01),     // collapse of both clinical groups
			result(Separate, 0.945, 0.01, 0.30, 0.30, 0.20, 0.20), // within the SDs of the best
			result(Late, 0.80, 0.02, 0.25, 0.25, 0.25, 0.25),
		}}
		c.Architectures[0].Methods[Gradient] = shares(paperModalities, []float64{0.1, 0.1, 0.1, 0.7})
		c.Architectures[2].Methods[Gradient] = shares(paperModalities, []float64{0.31, 0.29, 0.2, 0.2})
		return c
	}
	c := mk(CrossModalProducts(builtin(t, "F6")))
	Warn(c, Shapley)
	if c.Best != Hybrid {
		t.Fatalf("best %q, want hybrid", c.Best)
	}
	h, e, s, l := c.Architectures[0], c.Architectures[1], c.Architectures[2], c.Architectures[3]
	for _, tc := range []struct {
		r      Result
		prefix string
		want   bool
	}{
		{e, "unimodal collapse: clinical_a", true},
		{e, "unimodal collapse: ct_axial", false},
		{e, "unimodal collapse: clinical_b", true}, // the truth's 0.15 is NeededShare itself
		{h, "unimodal collapse", false},
		{e, "accuracy 0.900 is clearly below the best", true},
		{s, "accuracy", false},
		{h, "accuracy", false},
		{l, "late fusion on a decision with cross-modal products", true},
		{h, "the paper's gradient and shapley disagree", true},
		{s, "the paper's gradient", false},
		{e, "the paper's gradient", false}, // no fusion layer, no gradient
	} {
		if got := warned(tc.r, tc.prefix); got != tc.want {
			t.Errorf("%s: warning %q fired %v, want %v; warnings %q", tc.r.Name, tc.prefix, got, tc.want, tc.r.Warnings)
		}
	}
	c = mk(nil) // a decision without cross-modal products
	Warn(c, Shapley)
	if warned(c.Architectures[3], "late fusion") {
		t.Errorf("late fusion warned without cross-modal products: %q", c.Architectures[3].Warnings)
	}
	// Without a truth, the need comes from permutation on the most accurate variant.
	c = mk(nil)
	c.Truth = nil
	Warn(c, Shapley)
	if !warned(c.Architectures[1], "unimodal collapse: clinical_a gets 0.010 of the importance here while permutation on hybrid") {
		t.Errorf("collapse without truth: %q", c.Architectures[1].Warnings)
	}
}

// smallSplit returns a small cohort of scenario name split 70/10/20.
func smallSplit(t *testing.T, name string, n int) (train, val, test fusion.Dataset) {
	t.Helper()
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	c, err := cohort.Build(builtin(t, name), ae, cohort.Options{N: n, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	tr, va, te, err := c.Splits(5)
	if err != nil {
		t.Fatal(err)
	}
	return cohortData(tr), cohortData(va), cohortData(te)
}

// TestCollapseByZeroedWeights cuts one modality out of trained models, the early
// variant's first-layer weights reading it and the late variant's combination weight of
// it, and checks that every method then gives it nothing and the warning fires.
func TestCollapseByZeroedWeights(t *testing.T) {
	train, val, test := smallSplit(t, "F3", 300)
	s := fusion.PaperSchema()
	for _, name := range []string{Early, Late} {
		m, err := Train(context.Background(), name, s, train, val, TrainOptions{Epochs: 1, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		const cut = 2 // clinical_a, which F3's truth gives 0.6
		switch v := m.(type) {
		case *early:
			d := v.net.seq.Layers[0].(*nn.Dense)
			b := v.blocks[cut]
			for o := range d.Out {
				clear(d.Weight.W[o*d.In+b.Start : o*d.In+b.End])
			}
		case *late:
			v.combine.w.W[cut] = 0
		}
		imp, err := Measure(m, test, MethodOptions{Seed: 1, Cases: 20, Background: 10})
		if err != nil {
			t.Fatal(err)
		}
		for meth, v := range imp {
			if v[cut] != 0 {
				t.Errorf("%s: %s gives the cut modality %v", name, meth, v[cut])
			}
		}
		c := &Comparison{Modalities: paperModalities, Truth: shares(paperModalities, []float64{0, 0, 0.6, 0.4}),
			Architectures: []Result{{Name: name, Accuracy: 0.7, ModalityImportance: shares(paperModalities, imp[Shapley]),
				Methods: map[string]map[string]float64{Shapley: shares(paperModalities, imp[Shapley])}}}}
		Warn(c, Shapley)
		if !warned(c.Architectures[0], "unimodal collapse: clinical_a") {
			t.Errorf("%s: no collapse warning; warnings %q", name, c.Architectures[0].Warnings)
		}
	}
}
