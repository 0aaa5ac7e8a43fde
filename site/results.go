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
	return b
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
