package main

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/weights"
)

// checkInteractions checks the shape of one modality_interactions object: the modalities
// in order, every pair once in the model's order, the matrix symmetric with a zero
// diagonal and equal to the index, shares summing to 1, the strongest pair the largest.
func checkInteractions(t *testing.T, what string, in *Interactions, mods []string, class string, cases int) {
	t.Helper()
	if in == nil {
		t.Fatalf("%s: no modality_interactions", what)
	}
	if strings.Join(in.Modalities, ",") != strings.Join(mods, ",") || in.Class != class || in.Cases != cases || !in.Exact || in.Background < 1 {
		t.Fatalf("%s: modalities %q class %q cases %d exact %v background %d; want %q, %q, %d", what, in.Modalities, in.Class, in.Cases, in.Exact, in.Background, mods, class, cases)
	}
	if !strings.Contains(in.Value, "log-odds of class "+class+" against the rest") {
		t.Errorf("%s: value %q does not say the class", what, in.Value)
	}
	m := len(mods)
	if len(in.Index) != m*(m-1)/2 || len(in.Shares) != len(in.Index) || len(in.Matrix) != m {
		t.Fatalf("%s: %d pairs, %d shares, %d rows", what, len(in.Index), len(in.Shares), len(in.Matrix))
	}
	var sum float64
	for i := range m {
		if in.Matrix[i][i] != 0 {
			t.Errorf("%s: diagonal [%d] = %v", what, i, in.Matrix[i][i])
		}
		for j := i + 1; j < m; j++ {
			name := mods[i] + "|" + mods[j]
			v, ok := in.Index[name]
			if !ok || in.Matrix[i][j] != v || in.Matrix[j][i] != v {
				t.Errorf("%s: pair %s index %v (%v), matrix %v / %v", what, name, v, ok, in.Matrix[i][j], in.Matrix[j][i])
			}
			sum += in.Shares[name]
			if in.Shares[name] > in.Shares[in.Strongest] {
				t.Errorf("%s: %s has share %v above the strongest %s's", what, name, in.Shares[name], in.Strongest)
			}
		}
	}
	if math.Abs(sum-1) > 1e-9 || in.Strength == nil || !(*in.Strength > 0) {
		t.Errorf("%s: shares sum to %v, strength %v", what, sum, in.Strength)
	}
}

func TestCasesInteractionsAnySchema(t *testing.T) {
	csv, model := casesFixture(t, 9)
	mods := []string{"ct", "photo", "vitals", "demo"} // image inputs, then groups: the model's order
	r := cohortJSON(t, "-model", model, "-cases", csv, "-background", "6")
	// Three classes and no -class: the class predicted most often.
	count := map[string]int{}
	for _, c := range r.PerCase {
		count[c.Prediction]++
		if c.ModalityInteractions != nil {
			t.Errorf("row %d has interactions without -row", c.Row)
		}
	}
	most := ""
	for _, k := range []string{"a", "b", "c"} {
		if count[k] > count[most] {
			most = k
		}
	}
	checkInteractions(t, "cohort", r.Cohort.ModalityInteractions, mods, most, 9)

	// With -class, the cohort's index is the mean of each row's (-row), against the same
	// background sample of the CSV.
	cohortB := cohortJSON(t, "-model", model, "-cases", csv, "-background", "6", "-class", "b").Cohort.ModalityInteractions
	checkInteractions(t, "cohort of class b", cohortB, mods, "b", 9)
	mean := map[string]float64{}
	for row := 1; row <= 9; row++ {
		one := cohortJSON(t, "-model", model, "-cases", csv, "-background", "6", "-class", "b", "-row", strconv.Itoa(row))
		in := one.PerCase[0].ModalityInteractions
		checkInteractions(t, "row "+strconv.Itoa(row), in, mods, "b", 1)
		for k, v := range in.Index {
			mean[k] += v / 9
		}
	}
	for k, v := range cohortB.Index {
		// Rows go through the encoders in other batches: float32 rounding differs.
		if math.Abs(v-mean[k]) > 1e-4*math.Max(1, math.Abs(v)) {
			t.Errorf("%s: cohort %v, mean of the rows %v", k, v, mean[k])
		}
	}

	table := runOK(t, "-model", model, "-cases", csv, "-background", "6")
	for _, want := range []string{"modality interactions", "ct|photo", "vitals|demo", "against the rest"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestCasesInteractionsFindTheProduct explains a CSV of F6's world (a product of the axial
// image's and clinical group A's features) with the shipped F6 model: the strongest cohort
// pair is that one, and the index is of class 1 (two classes, no -class).
func TestCasesInteractionsFindTheProduct(t *testing.T) {
	b, err := weights.Autoencoder()
	if err != nil {
		t.Fatal(err)
	}
	ae, err := latent.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := groundtruth.Builtin("F6")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cohort.Build(sc, ae, cohort.Options{N: 120, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	csv := writePaperCSV(t, t.TempDir(), fusion.Dataset{N: c.N, Axial: c.Axial, Coronal: c.Coronal, Clinical: c.Clinical, Labels: c.Labels})
	r := cohortJSON(t, "-shipped", "F6", "-cases", csv, "-background", "40")
	s := fusion.PaperSchema()
	in := r.Cohort.ModalityInteractions
	checkInteractions(t, "F6 cohort", in, s.Modalities(), s.Classes[1], 120)
	t.Logf("F6 cohort of %d cases: strongest %s, strength %.3f, shares %v", in.Cases, in.Strongest, *in.Strength, in.Shares)
	if in.Strongest != "ct_axial|clinical_a" || *in.Strength < 0.5 {
		t.Errorf("F6: strongest pair %s (shares %v), strength %v; want ct_axial|clinical_a and a strong interaction", in.Strongest, in.Shares, *in.Strength)
	}
}
