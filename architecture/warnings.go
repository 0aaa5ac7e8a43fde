package architecture

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fusionlens/fusionlens/importance"
)

// Thresholds of the warnings.
const (
	// NeededShare is the share from which a modality counts as needed by the decision
	// (by the truth, or else by permutation on the most accurate variant), and
	// CollapsedShare the share under which a variant counts as ignoring it.
	NeededShare    = 0.15
	CollapsedShare = 0.03
	// AccuracySDs is how many seed SDs (the larger of the variant's and the best's) a
	// variant's mean accuracy must fall below the best's to be flagged, and
	// MinAccuracyGap the least gap flagged however small the SDs (one seed has none).
	AccuracySDs    = 2
	MinAccuracyGap = 0.01
	// DisagreementRMSE is the RMSE between the gradient's shares and the model-agnostic
	// method's above which they are said to disagree.
	DisagreementRMSE = 0.10
	// InteractingStrength is the estimated interaction strength (Interaction.Strength) of
	// the most accurate variant with a fusion layer from which, without a ground truth,
	// the decision counts as combining modalities, which late fusion cannot represent.
	// Measured on the built-ins (InteractingBasis; RESULTS.md, "Late fusion and measured
	// interactions"): additive decisions read 0.15-0.46, cross-modal products 0.65-1.11;
	// 0.55 is about midway. Trained networks still add some interaction of their own,
	// and networks far from fitted read higher (up to 0.9 on additive decisions after
	// one or two epochs), so the figure is only as good as the variant's fit.
	InteractingStrength = 0.55
	// InteractingBasis is the measurement behind InteractingStrength, quoted in the
	// warning.
	InteractingBasis = "on the built-in scenarios' trained hybrid and separate networks additive decisions read 0.15-0.46 and cross-modal products 0.65-1.11"
)

// Warn sets the warnings of every variant of c (and c.Best), from its results, the
// truth when known, and method, the model-agnostic method behind modality_importance:
//
//   - unimodal collapse: a modality that the truth (or, without one, permutation on the
//     most accurate variant) gives at least NeededShare gets under CollapsedShare here;
//   - accuracy clearly below the best: more than AccuracySDs seed SDs (and at least
//     MinAccuracyGap) under the most accurate variant's;
//   - late fusion on a decision that multiplies features of different modalities
//     together (c.CrossModal), which a sum of per-modality scores cannot represent; or,
//     without a ground truth, whose modalities interact in the most accurate variant with
//     a fusion layer (its estimated interaction Strength at least InteractingStrength);
//   - the paper's gradient and the model-agnostic method disagree: RMSE between their
//     shares above DisagreementRMSE.
func Warn(c *Comparison, method string) {
	if len(c.Architectures) == 0 {
		return
	}
	best := 0
	for i, r := range c.Architectures {
		if r.Accuracy > c.Architectures[best].Accuracy {
			best = i
		}
	}
	b := c.Architectures[best]
	c.Best = b.Name
	need, by := c.Truth, "the truth"
	if need == nil {
		need, by = b.Methods[Permutation], "permutation on "+b.Name+", the most accurate,"
	}
	for i := range c.Architectures {
		r := &c.Architectures[i]
		r.Warnings = []string{}
		for _, m := range c.Modalities {
			if need[m] >= NeededShare && r.ModalityImportance[m] < CollapsedShare {
				r.Warnings = append(r.Warnings, fmt.Sprintf(
					"unimodal collapse: %s gets %.3f of the importance here while %s gives it %.2f; this network does not use an input the decision needs",
					m, r.ModalityImportance[m], by, need[m]))
			}
		}
		gap := b.Accuracy - r.Accuracy
		if sd := math.Max(r.AccuracySD, b.AccuracySD); i != best && gap > AccuracySDs*sd && gap >= MinAccuracyGap {
			r.Warnings = append(r.Warnings, fmt.Sprintf(
				"accuracy %.3f is clearly below the best (%s, %.3f): %.3f lower, more than %d seed SDs (%.3f)",
				r.Accuracy, b.Name, b.Accuracy, gap, AccuracySDs, sd))
		}
		if r.Name == Late && len(c.CrossModal) > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf(
				"late fusion on a decision with cross-modal products (%s): a sum of per-modality scores cannot represent them; fuse before the head",
				strings.Join(c.CrossModal, ", ")))
		}
		if f := bestFused(c); r.Name == Late && c.Truth == nil && f != nil && f.Interaction.Strength >= InteractingStrength {
			r.Warnings = append(r.Warnings, fmt.Sprintf(
				"late fusion while the modalities interact in %s (estimated interaction strength %.2f, at least the threshold %.2f; strongest pair %s; %s): a sum of per-modality scores cannot represent that; fuse before the head",
				f.Name, f.Interaction.Strength, InteractingStrength, f.Interaction.Strongest, InteractingBasis))
		}
		if g, ok := r.Methods[Gradient]; ok {
			if w := disagreement(c.Modalities, g, r.Methods[method]); w != "" {
				r.Warnings = append(r.Warnings, "the paper's gradient and "+method+" disagree: "+w)
			}
		}
	}
}

// bestFused returns the most accurate variant with an interaction estimate, or nil.
func bestFused(c *Comparison) *Result {
	var best *Result
	for i := range c.Architectures {
		r := &c.Architectures[i]
		if r.Interaction != nil && (best == nil || r.Accuracy > best.Accuracy) {
			best = r
		}
	}
	return best
}

// disagreement describes how shares a and b (by modality name) disagree, or returns "".
func disagreement(mods []string, a, b map[string]float64) string {
	va, vb := make([]float64, len(mods)), make([]float64, len(mods))
	for i, m := range mods {
		va[i], vb[i] = a[m], b[m]
	}
	e, err := importance.RMSE(va, vb)
	if err != nil {
		return err.Error()
	}
	if e > DisagreementRMSE {
		return fmt.Sprintf("RMSE %.3f between their modality shares (above %.2f); the gradient ranks %s first, the model-agnostic method %s",
			e, DisagreementRMSE, mods[argmax(va)], mods[argmax(vb)])
	}
	return ""
}

func argmax(v []float64) int {
	return slices.Index(v, slices.Max(v))
}
