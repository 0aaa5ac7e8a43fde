package groundtruth

import (
	"fmt"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// feature indices used by the built-in scenarios, by modality.
const (
	ax = 0 * FeaturesPerModality // ct_axial
	co = 1 * FeaturesPerModality // ct_coronal
	ca = 2 * FeaturesPerModality // clinical_a
	cb = 3 * FeaturesPerModality // clinical_b
)

// Builtins returns fresh copies of the eight built-in scenarios F0..F7, in order. F0 is
// the paper's published case (F = the sum of all 40 features); the others are ours, chosen
// so the ground-truth modality importances differ from case to case: exact zeros for
// ignored modalities, even splits and graded ones. The graded targets in the descriptions
// hold for independent standard normal features in the limit of a large cohort; on any
// real cohort, Importance gives the exact values. All use the median threshold, no label
// noise, DefaultCohortSize and DefaultSeed, and only smooth, low-order terms (steps have
// slope 4), so a network that sees image features through an encoder can still learn them.
func Builtins() []Scenario {
	var b [8]Scenario
	for k := range b {
		b[k].Threshold = Threshold{Median: true}
		b[k].CohortSize = DefaultCohortSize
		b[k].Seed = DefaultSeed
	}

	b[0].Name = "F0-sum-all"
	b[0].Description = "The published case: F is the sum of all 40 features, so every modality matters equally (0.25 each)."
	for j := range NumFeatures {
		b[0].Weights[j] = 1
	}

	b[1].Name = "F1-ct-axial"
	b[1].Description = "Only the axial CT image matters: a linear function of its ten latent features with weights falling from 1 to 0.28."
	for k := range FeaturesPerModality {
		b[1].Weights[ax+k] = 1 - 0.08*float64(k)
	}

	b[2].Name = "F2-ct-coronal"
	b[2].Description = "Only the coronal CT image matters: a linear function of its ten latent features with weights rising from 0.5 to 1.4."
	for k := range FeaturesPerModality {
		b[2].Weights[co+k] = 0.5 + 0.1*float64(k)
	}

	b[3].Name = "F3-clinical"
	b[3].Description = "Only the clinical values matter: group A with weight 0.6 and group B with weight 0.4 per variable (0.6 / 0.4)."
	for k := range FeaturesPerModality {
		b[3].Weights[ca+k] = 0.6
		b[3].Weights[cb+k] = 0.4
	}

	b[4].Name = "F4-both-images"
	b[4].Description = "Only the two CT images matter, equally: the sum of their twenty latent features (0.5 / 0.5)."
	for k := range FeaturesPerModality {
		b[4].Weights[ax+k] = 1
		b[4].Weights[co+k] = 1
	}

	b[5].Name = "F5-nonlinear"
	b[5].Description = "Nonlinear terms in every modality (square, tanh, sin, abs, a smooth step), graded about 0.40 / 0.30 / 0.20 / 0.10."
	b[5].Weights[ax+2] = 0.125
	b[5].Weights[ca+1] = 0.072
	b[5].Terms = []Term{
		{Kind: Square, Coef: 0.25, Feature: ax + 0, Scale: 1},
		{Kind: Tanh, Coef: 0.4, Feature: ax + 1, Scale: 1.5},
		{Kind: Sin, Coef: 0.5, Feature: co + 0, Scale: 1.2},
		{Kind: Abs, Coef: 0.2, Feature: co + 1, Scale: 1},
		{Kind: Step, Coef: 1, Feature: ca + 0, Scale: 4, Center: 0.5},
		{Kind: Square, Coef: 0.05, Feature: cb + 0, Scale: 1, Center: 0.5},
		{Kind: Tanh, Coef: 0.18, Feature: cb + 1, Scale: 1},
	}

	b[6].Name = "F6-cross-modal"
	b[6].Description = "Products of features across modalities (image x clinical, image x image) plus small linear parts, about 0.35 / 0.25 / 0.25 / 0.15."
	b[6].Weights[ax+2] = 0.1
	b[6].Weights[co+2] = 0.1
	b[6].Weights[ca+2] = 0.1
	b[6].Weights[cb+2] = 0.1
	b[6].Terms = []Term{
		{Kind: Product, Coef: 0.5, Feature: ax + 0, Feature2: ca + 0},
		{Kind: Product, Coef: 0.25, Feature: co + 0, Feature2: cb + 0},
		{Kind: Product, Coef: 0.25, Feature: ax + 1, Feature2: co + 1},
	}

	b[7].Name = "F7-mixed-dominant"
	b[7].Description = "Clinical group B dominates, mixed linear and nonlinear terms elsewhere, about 0.25 / 0.05 / 0.15 / 0.55."
	for k := range FeaturesPerModality {
		b[7].Weights[cb+k] = 0.09
	}
	b[7].Weights[ax+0] = 0.2
	b[7].Weights[ca+1] = 0.1
	b[7].Weights[co+0] = 0.1
	b[7].Terms = []Term{
		{Kind: Tanh, Coef: 0.33, Feature: cb + 0, Scale: 1},
		{Kind: Square, Coef: 0.1875, Feature: ax + 1, Scale: 1},
		{Kind: Step, Coef: 0.55, Feature: ca + 0, Scale: 4, Center: 0},
	}
	return b[:]
}

// Builtin returns a fresh copy of the built-in scenario with the given full name
// ("F3-clinical") or short name ("F3").
func Builtin(name string) (*Scenario, error) {
	var names []string
	for _, s := range Builtins() {
		if short, _, _ := strings.Cut(s.Name, "-"); s.Name == name || short == name {
			return &s, nil
		}
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("groundtruth: no built-in scenario %s (want one of %s, or F0..F7)", quote.Short(name), strings.Join(names, ", "))
}
