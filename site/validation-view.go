package site

import (
	"github.com/vugu/vugu"

	"github.com/fusionlens/fusionlens/modality"
)

// ValidationView shows how close each importance method comes to the known ground truth
// of synthetic scenarios: this build's results when shipped, and the paper's reference.
type ValidationView struct {
	S *State
}

// stackRow is one stacked bar (truth or a method's estimate) of a scenario chart.
type stackRow struct {
	Label string
	Y     int
	Segs  []stackSeg
}

// stackSeg is one modality's share within a stacked bar.
type stackSeg struct {
	ID    string
	X, W  float64
	Title string
}

const (
	stackLabelW = 70
	stackW      = 300 - stackLabelW
)

// method returns the method whose estimates the scenario charts show: the one chosen in
// this tab, else the explainer's current method when the report has it, else the first.
func (c *ValidationView) method() (ValidationMethod, bool) {
	ms := c.S.Validation.Methods
	for _, id := range []string{c.S.ValidationMethod, c.S.MethodID} {
		for _, m := range ms {
			if m.ID == id && id != "" {
				return m, true
			}
		}
	}
	if len(ms) > 0 {
		return ms[0], true
	}
	return ValidationMethod{}, false
}

func (c *ValidationView) methodID() string {
	m, _ := c.method()
	return m.ID
}

// rows returns the truth and the shown method's estimate as stacked bars.
func (c *ValidationView) rows(sc ValidationCase) []stackRow {
	rows := []stackRow{stackBar("truth", 0, sc.Truth)}
	if m, ok := c.method(); ok {
		if est, ok := sc.Estimates[m.ID]; ok {
			rows = append(rows, stackBar(shortLabel(m.Label), 20, est))
		}
	}
	return rows
}

// shortLabel fits a method's label into the chart's label column.
func shortLabel(s string) string {
	if r := []rune(s); len(r) > 11 {
		return string(r[:10]) + "…"
	}
	return s
}

func (c *ValidationView) rowClass(m ValidationMethod) string {
	if m.ID == c.methodID() {
		return "chosen"
	}
	return ""
}

// paperRMSE is the paper's mean RMSE for a method, "" when it reports none.
func (c *ValidationView) paperRMSE(id string) string {
	if v, ok := paperRMSEByID[id]; ok {
		return v
	}
	return "–"
}

var paperRMSEByID = map[string]string{"gradient": "0.122", "permutation": "0.088", "lime": "0.135", "kernelshap": "0.100", "mean4": "0.084"}

// OnMethod chooses the method whose estimates the scenario charts show.
func (c *ValidationView) OnMethod(e vugu.DOMEvent) {
	defer catch(&c.S.ValidationErr, "choosing a method")
	c.S.ValidationMethod = e.PropString("target", "value")
}

func stackBar(label string, y int, shares []float64) stackRow {
	r := stackRow{Label: label, Y: y}
	total := 0.0
	for _, v := range shares {
		if v > 0 {
			total += v
		}
	}
	x := float64(stackLabelW)
	for i, v := range shares {
		if v <= 0 || total == 0 {
			continue
		}
		w := v / total * stackW
		m := modality.Modality(i)
		r.Segs = append(r.Segs, stackSeg{ID: m.ID(), X: x, W: w, Title: m.Label() + " " + ftoa(100*v/total, 1) + " %"})
		x += w
	}
	return r
}

func (c *ValidationView) mods() []modality.Modality {
	return []modality.Modality{modality.CTAxial, modality.CTCoronal, modality.ClinicalA, modality.ClinicalB}
}
