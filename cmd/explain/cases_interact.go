package main

import (
	"fmt"

	"github.com/fusionlens/fusionlens/importance"
)

// Modality interactions over a CSV of cases (-cases): the pairwise Shapley interaction
// index of the modalities (importance.InteractionAgainst), for the cohort and, with -row,
// for the one case. The value is the log-odds of one class against all the others,
// ln(p/(1-p)), which for two classes and class 1 is the paper's network's s1 - s0; with K
// classes it is the chosen class's log-odds against the rest (the class of the index is
// in its "class" field). Absent modalities take the values of the same seeded sample of
// -background cases of the CSV that the other methods use.

// cohortInteractionClass returns the class whose log-odds the cohort's interactions read:
// -class (classIdx >= 0); else, for two classes, class 1 (the positive class, as for one
// case of the paper's network); else the class predicted most often over the n cases of
// probs (n x k).
func cohortInteractionClass(classIdx, k int, probs []float32, n int) int {
	switch {
	case classIdx >= 0:
		return classIdx
	case k == 2:
		return 1
	}
	count := make([]int, k)
	for i := range n {
		count[argmax(probs[i*k:(i+1)*k])]++
	}
	return argmaxInt(count)
}

// casesInteractions returns the modality interactions of head (reporting class) averaged
// over the n fusion vectors of z, with absent modalities from bg.
func casesInteractions(head importance.Head, mods []importance.Modality, z []float32, n int, bg importance.Cohort, class string, o options) (*Interactions, error) {
	r, err := importance.InteractionAgainst(head, mods, importance.Cohort{Z: z, N: n}, bg, importance.Options{Seed: o.seed, Background: o.background})
	if err != nil {
		return nil, fmt.Errorf("modality interactions: %w", err)
	}
	v := fmt.Sprintf("log-odds of class %s against the rest; absent modalities from %d background cases of the CSV", class, r.Background)
	if n > 1 {
		v += fmt.Sprintf("; over %d cases: index and matrix the mean signed index (opposite signs cancel), shares and strength from the mean |index|", n)
	}
	out := interactionsOf(r, v)
	out.Class, out.Cases = class, r.Cases
	return out, nil
}
