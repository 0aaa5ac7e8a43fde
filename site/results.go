package site

import (
	"strconv"
)

// Results shows the prediction, the modality and feature importances and pixel saliency,
// or says why there is nothing to show yet.
type Results struct {
	S *State
}

func (c *Results) positive() string {
	if p := c.S.Engine.Info().Positive; p != "" {
		return p
	}
	return "class 1"
}

func (c *Results) className() string {
	if c.S.Result.P >= 0.5 {
		return "Positive (" + c.positive() + ")"
	}
	return "Negative (not " + c.positive() + ")"
}

func (c *Results) summary() string {
	s := c.S.Engine.Info().Name
	if m, ok := c.S.Method(); ok {
		s += " · " + m.Label
	}
	if c.S.ExplainMS > 0 {
		s += " · explained in " + ftoa(c.S.ExplainMS, 1) + " ms"
	}
	return s
}

func (c *Results) scopeNote() string {
	if c.S.Result.Scope != "" {
		return "Share of the importance per input, over the " + c.S.Result.Scope + " (this method has no per-case form)."
	}
	if c.S.Result.Signed {
		return "Share of the attribution per input for this case; the sign says whether the input raises or lowers p."
	}
	return "Share of the importance per input for this case."
}

func (c *Results) featureNote() string {
	if c.S.Result.Signed {
		return "Forty fused features (ten per input); bars above the line raise p, below lower it; scaled to the largest."
	}
	return "Forty fused features (ten per input); scaled to the largest."
}

func (c *Results) signText(sign string) string {
	if sign == "" {
		return ""
	}
	return ", " + sign
}

func (c *Results) modBars() []modalityBar {
	b, _ := modalityBars(c.S.Result) // validated in State.recompute
	return b
}

func (c *Results) modViewBox() string {
	return "0 0 " + strconv.Itoa(modalityChartW) + " " + strconv.Itoa(modalityChartH)
}

func (c *Results) featBars() []featureBar {
	b, _, _ := featureBars(c.S.Result)
	return b
}

func (c *Results) baseline() float64 {
	_, base, _ := featureBars(c.S.Result)
	return base
}

func (c *Results) featViewBox() string {
	return "0 0 " + strconv.Itoa(featureChartW) + " " + strconv.Itoa(featureChartH+featureLabelH)
}

func (c *Results) slots() []*ImageSlot { return []*ImageSlot{&c.S.Axial, &c.S.Coronal} }

func (c *Results) sci(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
