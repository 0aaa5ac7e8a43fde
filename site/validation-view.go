package site

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

// rows returns the truth and the first method's estimate as stacked bars.
func (c *ValidationView) rows(sc ValidationCase) []stackRow {
	rows := []stackRow{stackBar("truth", 0, sc.Truth)}
	if len(c.S.Validation.Methods) > 0 {
		m := c.S.Validation.Methods[0]
		if est, ok := sc.Estimates[m.ID]; ok {
			rows = append(rows, stackBar(m.Label, 20, est))
		}
	}
	return rows
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
		m := Modality(i)
		r.Segs = append(r.Segs, stackSeg{ID: m.ID(), X: x, W: w, Title: m.Label() + " " + ftoa(100*v/total, 1) + " %"})
		x += w
	}
	return r
}

func (c *ValidationView) mods() []Modality {
	return []Modality{CTAxial, CTCoronal, ClinicalA, ClinicalB}
}
