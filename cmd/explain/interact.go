package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// Interactions is the case's modality interactions in the JSON output: the pairwise
// Shapley interaction index of the log-odds of class 1 (importance.InteractionLocal),
// pairs named "A|B" in the model's modality order.
type Interactions struct {
	Value string `json:"value"`
	// Class is the class whose log-odds (against the rest) the index reads (-cases only).
	Class      string   `json:"class,omitempty"`
	Modalities []string `json:"modalities"`
	// Index is the signed index per pair: positive where the two modalities reinforce
	// each other, negative where they stand in for each other.
	Index map[string]float64 `json:"index"`
	// Shares is each pair's |index| over the sum over pairs.
	Shares map[string]float64 `json:"shares"`
	// Matrix is the symmetric matrix of the signed index (zero diagonal).
	Matrix    [][]float64 `json:"matrix"`
	Strongest string      `json:"strongest,omitempty"`
	// Strength is the total |index| over the total |Shapley value| of the modalities.
	Strength *float64 `json:"strength,omitempty"`
	Exact    bool     `json:"exact"`
	// SE is each pair's standard error when the index is sampled (more than
	// importance.MaxExactInteraction modalities).
	SE map[string]float64 `json:"se,omitempty"`
	// Cases is the number of cases averaged (-cases only: the cohort's, or 1 for -row).
	Cases      int `json:"cases,omitempty"`
	Background int `json:"background_cases"`
	pairs      []importance.Pair
}

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
	return interactionsOf(r, "log-odds of class 1; absent modalities from the background cases"), nil
}

// interactionsOf is r in the JSON's shape, its value described by value.
func interactionsOf(r importance.Interactions, value string) *Interactions {
	out := &Interactions{Value: value, Modalities: r.Modalities,
		Index: map[string]float64{}, Shares: map[string]float64{}, Matrix: r.Index, Exact: r.Exact, Background: r.Background, pairs: r.Pairs()}
	for _, p := range out.pairs {
		out.Index[p.Name], out.Shares[p.Name] = p.Index, p.Share
		if r.SE != nil {
			if out.SE == nil {
				out.SE = map[string]float64{}
			}
			out.SE[p.Name] = r.SE[p.I][p.J]
		}
	}
	if p, ok := r.Strongest(); ok {
		out.Strongest = p.Name
	}
	if s := r.Strength(); !math.IsNaN(s) {
		out.Strength = &s
	}
	return out
}

// writeInteractions prints the case's interactions, pairs in the model's order.
func writeInteractions(b *strings.Builder, in *Interactions) {
	if in == nil {
		return
	}
	fmt.Fprintf(b, "\nmodality interactions (Shapley interaction index of the log-odds; + reinforce, - stand in for each other)\n")
	fmt.Fprintf(b, "%-26s %10s %8s\n", "pair", "index", "share")
	for _, p := range in.pairs {
		fmt.Fprintf(b, "%-26s %+10.4f %7.1f%%\n", p.Name, p.Index, 100*p.Share)
	}
}
