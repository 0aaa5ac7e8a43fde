package main

import (
	"fmt"
	"strings"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/explainer/cases"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// Interactions are the modality interactions in the JSON output: explainer/cases's
// form, which one case's output shares with a CSV of cases.
type Interactions = cases.Interactions

// caseInteractions computes the interactions of the case's fusion vector z against the
// background bg (drawn here when the method needed none).
func caseInteractions(net *fusion.Net, head importance.Head, z []float32, bg importance.Cohort, o options) (*Interactions, error) {
	if bg.N == 0 {
		var err error
		if bg, err = explainer.ReferenceCohort(net, o.background, o.seed); err != nil {
			return nil, err
		}
	}
	r, err := importance.InteractionLocal(head, importance.DefaultModalities(), z, bg, importance.Options{Seed: o.seed, Background: o.background})
	if err != nil {
		return nil, fmt.Errorf("modality interactions: %w", err)
	}
	return cases.InteractionsOf(r, "log-odds of class 1; absent modalities from the background cases"), nil
}

// writeInteractions prints the case's interactions, pairs in the model's order.
func writeInteractions(b *strings.Builder, in *Interactions) {
	if in == nil {
		return
	}
	fmt.Fprintf(b, "\nmodality interactions (Shapley interaction index of the log-odds; + reinforce, - stand in for each other)\n")
	fmt.Fprintf(b, "%-26s %10s %8s\n", "pair", "index", "share")
	for i, a := range in.Modalities {
		for _, c := range in.Modalities[i+1:] {
			p := importance.PairName(a, c)
			fmt.Fprintf(b, "%-26s %+10.4f %7.1f%%\n", p, in.Index[p], 100*in.Shares[p])
		}
	}
}
