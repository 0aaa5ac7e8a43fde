package site

import (
	"math"
	"strconv"

	"github.com/vugu/vugu"
)

// Results shows the prediction, the modality and feature importances, pixel saliency,
// the ground-truth check and the downloads, or says why there is nothing to show yet.
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
	if r := c.S.Result; c.S.General && len(r.Probs) > 0 {
		return c.S.ClassName(argmax(r.Probs))
	}
	if c.S.Result.P >= 0.5 {
		return "Positive (" + c.positive() + ")"
	}
	return "Negative (not " + c.positive() + ")"
}

// pText formats a probability for people: three decimals, and no false certainty at
// the ends.
func pText(p float64) string {
	switch {
	case p < 0.001:
		return "< 0.001"
	case p > 0.999:
		return "> 0.999"
	}
	return "= " + ftoa(p, 3)
}

func (c *Results) pLine() string {
	if r := c.S.Result; c.S.General && len(r.Probs) > 0 {
		return "explaining p(" + c.S.ClassName(r.Class) + ") " + pText(r.P)
	}
	return "p(" + c.positive() + ") " + pText(c.S.Result.P)
}

// argmax returns the index of the largest value (the first of equals).
func argmax(v []float64) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

func (c *Results) probClass(i int) string {
	if i == c.S.Result.Class {
		return "explained"
	}
	return ""
}

func (c *Results) imagesMissing() bool {
	for _, sl := range c.S.Slots {
		if sl.Pixels == nil {
			return true
		}
	}
	return false
}

func (c *Results) dropNote() string {
	if c.S.General {
		return "Drop an image into each image slot on the left."
	}
	return "Drop an axial and a coronal CT slice on the left, or load the example case."
}

func (c *Results) featW() int { return featureChartWidth(c.S.Mods) }

func (c *Results) featLabel() string {
	return "Importance of each of the " + strconv.Itoa(fusionSize(c.S.Mods)) + " fusion features, coloured by modality"
}

func (c *Results) classNote() string { return c.S.Engine.Info().ClassNote }

func (c *Results) summary() string {
	s := c.S.Engine.Info().Name
	if m, ok := c.S.Method(); ok {
		s += " · " + m.Label
	}
	if c.S.ExplainMS > 0 && c.S.Result.Pending == "" {
		s += " · explained in " + ms(c.S.ExplainMS)
	}
	return s
}

// ms formats a duration in milliseconds with sensible precision.
func ms(v float64) string {
	switch {
	case v < 1:
		return ftoa(v, 2) + " ms"
	case v < 100:
		return ftoa(v, 1) + " ms"
	case v < 10000:
		return ftoa(v, 0) + " ms"
	}
	return ftoa(v/1000, 1) + " s"
}

func (c *Results) synthetic() bool { return c.S.Engine.Info().Synthetic }

func (c *Results) scopeNote() string {
	r := c.S.Result
	if r.Scope != "" {
		return "Share of the importance per input over the " + r.Scope + ": this method has no per-case form, so these bars are the same for every case."
	}
	s := "Share of the importance per input for this case"
	if r.Signed {
		s += "; the sign says whether the input raises or lowers p"
	}
	if r.Background > 0 {
		s += "; \"absent\" inputs are taken from " + strconv.Itoa(r.Background) + " synthetic reference cases"
	}
	return s + "."
}

func (c *Results) featureNote() string {
	if c.S.General {
		s := strconv.Itoa(fusionSize(c.S.Mods)) + " fused features (each image's encoder features, then the tabular values; a categorical variable one per level)"
		if c.S.Result.Signed {
			return s + "; bars above the line raise p, below lower it; scaled to the largest."
		}
		return s + ": |dp/dz| of each, scaled to the largest."
	}
	if c.S.Result.Signed {
		return "Forty fused features (ten per input); bars above the line raise p, below lower it; scaled to the largest."
	}
	return "Forty fused features (ten per input): |dp/dz| of each, scaled to the largest."
}

func (c *Results) signText(sign string) string {
	if sign == "" {
		return ""
	}
	return ", " + sign
}

func (c *Results) modBars() []modalityBar {
	b, _ := modalityBarsFor(c.S.Result, c.S.Mods) // validated in State.recompute
	return withIntervals(b, c.S.uncertainty())
}

// rankMarkX is where the mark of an unsupported rank sits: at the end of the label
// column, just before the bar.
func (c *Results) rankMarkX() int { return modalityLabelW - rankMarkGap }

// barTitle is a bar's tooltip: its score and interval.
func (c *Results) barTitle(b modalityBar) string {
	s := b.Label + ": score " + ftoa(b.Score, 4)
	if b.Interval != "" {
		s += "; " + b.Interval
	}
	if b.Unsupported {
		s += "; " + rankMarkMeaning
	}
	return s
}

// intervalEnd is end k (0 lo, 1 hi) of a bar's interval for a data attribute, nil
// (no attribute) when there is no interval yet.
func (c *Results) intervalEnd(b modalityBar, k int) interface{} {
	if b.Interval == "" {
		return nil
	}
	if k == 0 {
		return full(b.Lo)
	}
	return full(b.Hi)
}

// rankState is a bar's data-rank: "supported" or "unsupported" once the intervals are
// known, nil before.
func (c *Results) rankState(b modalityBar) interface{} {
	switch {
	case b.Interval == "":
		return nil
	case b.Unsupported:
		return "unsupported"
	}
	return "supported"
}

// intervalState is the chart's data-intervals: "exact", "bootstrap" or "none".
func (c *Results) intervalState() string {
	switch u := c.S.uncertainty(); {
	case u == nil:
		return "none"
	case u.Exact:
		return "exact"
	}
	return "bootstrap"
}

// rankMarkMeaning says what the mark of an unsupported rank means.
const rankMarkMeaning = "rank not supported: fewer than 95 % of the resamples keep this modality's place against a neighbour"

// intervalNote says what the whiskers are, or why there are none.
func (c *Results) intervalNote() string {
	s := c.S
	if s.UncertaintyErr != "" {
		return s.UncertaintyErr
	}
	u := s.uncertainty()
	if u == nil {
		if s.Busy("intervals") {
			return "Computing the intervals of these shares…"
		}
		return ""
	}
	label := s.Result.Method
	if m, ok := s.Method(); ok {
		label = m.Label
	}
	if u.Exact {
		return "No whiskers: " + label + " is deterministic and reads no background cases, so its shares have no sampling spread (each interval has zero width)."
	}
	note := "Whiskers: " + ftoa(100*u.Level, 0) + " % percentile bootstrap intervals over " + u.Over + " (" + strconv.Itoa(u.Resamples) + " resamples)."
	var weak []string
	for _, r := range u.Ranks {
		if !r.Supported && r.Higher < len(s.Mods) && r.Lower < len(s.Mods) {
			weak = append(weak, s.Mods[r.Higher].Label+" above "+s.Mods[r.Lower].Label+" ("+ftoa(100*r.Support, 0)+" %)")
		}
	}
	if len(weak) == 0 {
		return note + " Every place in the ranking is kept by at least " + ftoa(100*u.RankSupportLevel, 0) + " % of the resamples."
	}
	return note + " ≈ marks a rank the intervals cannot support; fewer than " + ftoa(100*u.RankSupportLevel, 0) +
		" % of the resamples keep " + joinAnd(weak) + "."
}

// The interaction matrix.

func (c *Results) matrixRows() []interactionMatrixRow {
	x := c.S.interactions()
	rows, _ := interactionMatrixRows(c.S.Mods, x.Index, interactionMatrixScale(x.Index, x.Shapley)) // validated in State.details
	return rows
}

func (c *Results) matrixStrength() string {
	x := c.S.interactions()
	st, i, j := interactionMatrixStrength(x.Index, x.Shapley)
	if i < 0 {
		return "No pair of modalities interacts for this case."
	}
	s := "Strongest pair: " + c.S.Mods[i].Label + " and " + c.S.Mods[j].Label + "."
	if !math.IsNaN(st) {
		s += " Strength " + ftoa(st, 2) + ": the total |interaction| over the total |Shapley value| of the modalities (near 0 when each acts on its own, about 1 when their effects lie mostly in combinations)."
	}
	return s
}

func (c *Results) matrixCaption() string {
	x := c.S.interactions()
	return "Pairwise interactions for this case: Shapley interaction index of the " + x.Value +
		". + reinforce each other (blue), − stand in for each other (orange); shade: size next to the largest modality's own effect."
}

func (c *Results) matrixStatus() string {
	switch {
	case c.S.InteractionsErr != "":
		return c.S.InteractionsErr
	case c.S.interactions() == nil && c.S.Busy("interactions"):
		return "Computing the modalities' interactions…"
	}
	return ""
}

func (c *Results) modViewBox() string {
	return "0 0 " + strconv.Itoa(modalityChartW) + " " + strconv.Itoa(len(c.S.Mods)*modalityRowH)
}

func (c *Results) featBars() []featureBar {
	b, _, _ := featureBarsFor(c.S.Result, c.S.Mods)
	return b
}

func (c *Results) baseline() float64 {
	_, base, _ := featureBarsFor(c.S.Result, c.S.Mods)
	return base
}

func (c *Results) featViewBox() string {
	return "0 0 " + strconv.Itoa(c.featW()) + " " + strconv.Itoa(featureChartH+featureLabelH)
}

func (c *Results) sci(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// full formats a number for data attributes: enough digits to compare with native runs.
func full(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

// Ground-truth check.

func (c *Results) truthMethod() string {
	if m, ok := c.S.Method(); ok {
		return m.Label
	}
	return c.S.MethodID
}

func (c *Results) truthRows() []truthRow { return truthRows(c.S.Truth) }

func (c *Results) truthViewBox() string {
	return "0 0 " + strconv.Itoa(truthChartW) + " " + strconv.Itoa(truthChartH)
}

func (c *Results) truthBusy() bool { return c.S.Busy("truth") }

func (c *Results) truthVerdict() string {
	t := c.S.Truth
	s := "RMSE " + ftoa(t.RMSE, 3) + " (0 is perfect; the paper's best method averaged 0.084), RBO " + ftoa(t.RBO, 3) +
		" (1 is the same ranking; p = " + ftoa(t.Persistence, 1) + ")."
	for i := range t.Truth {
		for j := i + 1; j < len(t.Truth); j++ {
			if math.Abs(t.Truth[i]-t.Truth[j]) < 1e-9 {
				return s + " The truth ranks some modalities equally, so any order among those counts as agreeing."
			}
		}
	}
	return s
}

func (c *Results) truthSource() string {
	t := c.S.Truth
	s := strconv.Itoa(t.Cases) + " new synthetic cases of " + t.Scenario + " (" + t.Source + ")"
	if t.Accuracy > 0 {
		s += "; the network classifies " + ftoa(100*t.Accuracy, 1) + " % of them correctly"
	}
	return s + "."
}

// OnTruth starts the ground-truth check.
func (c *Results) OnTruth(e vugu.DOMEvent) {
	defer catch(&c.S.TruthErr, "starting the ground-truth check")
	c.S.RunTruth()
}

// Progress of background work.

func (c *Results) working(key string) bool { return c.S.WorkKey == key }

// Downloads.

// OnSaveJSON saves the explanation as JSON.
func (c *Results) OnSaveJSON(e vugu.DOMEvent) {
	defer catch(&c.S.SaveErr, "saving the explanation")
	c.S.SaveErr = ""
	data, err := c.S.ExportJSON()
	if err == nil {
		err = saveBytes(c.S.exportName()+".json", "application/json", data)
	}
	if err != nil {
		c.S.SaveErr = err.Error()
	}
}

// OnSaveSVG saves the chart as SVG.
func (c *Results) OnSaveSVG(e vugu.DOMEvent) {
	defer catch(&c.S.SaveErr, "saving the chart")
	c.S.SaveErr = ""
	svg, err := c.S.ExportSVG()
	if err == nil {
		err = saveBytes(c.S.exportName()+".svg", "image/svg+xml", []byte(svg))
	}
	if err != nil {
		c.S.SaveErr = err.Error()
	}
}

// OnSavePNG saves the chart as PNG, drawn from the SVG on a canvas (asynchronously).
func (c *Results) OnSavePNG(e vugu.DOMEvent) {
	defer catch(&c.S.SaveErr, "saving the chart")
	c.S.SaveErr = ""
	svg, err := c.S.ExportSVG()
	if err != nil {
		c.S.SaveErr = err.Error()
		return
	}
	name := c.S.exportName() + ".png"
	async(e.EventEnv(), "drawing the chart as PNG", func() error {
		return savePNG(name, svg, 2)
	}, func(err error) {
		if err != nil {
			c.S.SaveErr = err.Error()
		}
	})
}
