package figure

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"github.com/fusionlens/fusionlens/validation"
)

// ModalityColours are the bar colours of the four modalities (Okabe-Ito, readable with
// colour-vision deficiencies): the images in blues, the clinical groups in oranges.
var ModalityColours = []color.RGBA{
	{0, 114, 178, 255},   // ct_axial: blue
	{86, 180, 233, 255},  // ct_coronal: sky blue
	{230, 159, 0, 255},   // clinical_a: orange
	{213, 94, 0, 255},    // clinical_b: vermillion
	{0, 158, 115, 255},   // further modalities: green
	{204, 121, 167, 255}, // reddish purple
}

func modalityColour(i int) color.RGBA { return ModalityColours[i%len(ModalityColours)] }

// Scenario draws one scenario: a group of bars per method, one bar per modality, with
// the ground truth as the first group and as a black tick over every estimate; each
// method's RMSE to the truth is written under its group.
func Scenario(r *validation.Report, sc *validation.ScenarioResult) *Figure {
	type group struct {
		label, note string
		vals        []float64
	}
	groups := []group{{label: "ground truth", vals: sc.Truth}}
	for _, m := range sc.Methods {
		if m.Error != "" {
			continue
		}
		groups = append(groups, group{label: label(r, m.Method), note: fmt.Sprintf("%.3f", m.RMSE), vals: m.Modalities})
	}
	nm := len(sc.Truth)
	const (
		barW     = 11.0
		groupGap = 18.0
		left     = 70.0
		right    = 24.0
		plotH    = 300.0
	)
	groupW := float64(nm)*barW + groupGap
	w := math.Max(left+right+float64(len(groups))*groupW, 760)
	top := 28.0
	desc := Wrap(sc.Description, 12, w-2*24, false)
	top += 20 + 16*float64(len(desc)) + 16 // title, description, facts line
	legendY := top + 8
	plotTop := legendY + 26

	// Rotated method labels hang below the RMSE row; leave room for the longest.
	maxLabel := 0.0
	for _, g := range groups {
		maxLabel = math.Max(maxLabel, TextWidth(g.label, 12, false))
	}
	rot := 35.0
	labelDrop := maxLabel*math.Sin(rot*math.Pi/180) + 14
	h := plotTop + plotH + 24 + labelDrop + 16
	f := New(w, h)

	f.Text(24, 28, fmt.Sprintf("%s: estimated vs ground-truth modality importance", sc.Name), 18, Start, 0, Ink, true)
	y := 28.0 + 20
	for _, l := range desc {
		f.Text(24, y, l, 12, Start, 0, Grey, false)
		y += 16
	}
	auc := "-"
	if sc.Test.AUC != nil {
		auc = fmt.Sprintf("%.3f", *sc.Test.AUC)
	}
	f.Text(24, y, fmt.Sprintf("Network test accuracy %.3f, AUC %s on %d held-out cases; importances from their fusion vectors.",
		sc.Test.Accuracy, auc, sc.Cases.Test), 12, Start, 0, Grey, false)

	// Legend.
	x := left
	for i, m := range sc.Modalities {
		f.Rect(x, legendY-10, 12, 12, modalityColour(i))
		f.Text(x+17, legendY, m, 12, Start, 0, Ink, false)
		x += 17 + TextWidth(m, 12, false) + 22
	}
	f.Line(x, legendY-4, x+16, legendY-4, 2.5, Black, false)
	f.Text(x+21, legendY, "ground truth", 12, Start, 0, Ink, false)

	// Axis scale: the largest value rounded up to a tenth.
	maxV := 0.0
	for _, g := range groups {
		for _, v := range g.vals {
			maxV = math.Max(maxV, v)
		}
	}
	ymax := math.Min(1, math.Ceil(maxV*10+1e-9)/10)
	if ymax <= 0 {
		ymax = 0.1
	}
	step := 0.1
	if ymax > 0.6 {
		step = 0.2
	}
	yOf := func(v float64) float64 { return plotTop + plotH*(1-v/ymax) }
	// A light band behind the first group sets the ground truth apart from the estimates.
	f.Rect(left+3, plotTop-6, groupW-6, plotH+6, Band)
	plotRight := left + float64(len(groups))*groupW
	for v := 0.0; v <= ymax+1e-9; v += step {
		yy := yOf(v)
		c := Light
		if v == 0 {
			c = Ink
		}
		f.Line(left, yy, plotRight, yy, 1, c, false)
		f.Text(left-6, yy+4, fmt.Sprintf("%.1f", v), 11, End, 0, Grey, false)
	}
	f.Text(22, plotTop+plotH/2, "share of importance", 12, Middle, -90, Ink, false)

	for gi, g := range groups {
		gx := left + float64(gi)*groupW + groupGap/2
		for i, v := range g.vals {
			bx := gx + float64(i)*barW
			f.Rect(bx+0.5, yOf(v), barW-1, yOf(0)-yOf(v), modalityColour(i))
			if gi > 0 {
				ty := yOf(sc.Truth[i])
				f.Line(bx-1, ty, bx+barW+1, ty, 2.5, Black, false)
			}
		}
		cx := gx + float64(nm)*barW/2
		if g.note != "" {
			f.Text(cx, yOf(0)+15, g.note, 10, Middle, 0, Grey, false)
		}
		lx := gx + float64(nm)*barW - 2
		f.Text(lx, yOf(0)+30, g.label, 12, End, -rot, Ink, gi == 0)
	}
	f.Text(left-6, yOf(0)+15, "RMSE", 10, End, 0, Grey, true)
	return f
}

// Summary draws each method's mean RMSE to the ground truth over the scenarios as a
// horizontal bar, best first, with the paper's figure as a grey bar under the methods
// the paper reports and its best (mean of four, 0.084) as a dashed line; each row also
// states the mean RBO.
func Summary(r *validation.Report) *Figure {
	rows := make([]validation.Summary, 0, len(r.Summary))
	for _, s := range r.Summary {
		if s.Scenarios > 0 {
			rows = append(rows, s)
		}
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].MeanRMSE < rows[b].MeanRMSE })
	extra := map[string]bool{}
	for _, m := range r.Methods {
		extra[m.Name] = m.Extra
	}
	labelW := 0.0
	for _, s := range rows {
		labelW = math.Max(labelW, TextWidth(s.Label, 13, false))
	}
	const (
		rowH   = 22.0
		paperH = 12.0
		barH   = 14.0
		plotW  = 520.0
	)
	left := 24 + labelW + 12
	top := 28.0 + 20 + 16 + 16 + 52
	height := 0.0
	for _, s := range rows {
		height += rowH
		if s.PaperRMSE != nil {
			height += paperH
		}
	}
	w := left + plotW + 110
	h := top + height + 60
	f := New(w, h)
	f.Text(24, 28, fmt.Sprintf("Mean RMSE to the ground truth over %d scenarios (lower is better)", len(r.Scenarios)), 18, Start, 0, Ink, true)
	f.Text(24, 48, "RMSE over the four modality importances, averaged over the scenarios; grey: the paper's reported figure for that method.", 12, Start, 0, Grey, false)
	src := "trained here"
	if r.Quick {
		src = "QUICK run (small cohorts, few epochs): not the real figures"
	}
	f.Text(24, 64, fmt.Sprintf("RBO: RBO_ext, p = %.1f, truth ties in the estimate's order. Seed %d, %s.", r.Persistence, r.Seed, src), 12, Start, 0, Grey, false)

	maxV := 0.0
	for _, s := range rows {
		maxV = math.Max(maxV, s.MeanRMSE)
		if s.PaperRMSE != nil {
			maxV = math.Max(maxV, *s.PaperRMSE)
		}
	}
	xmax := math.Ceil(maxV*20+1e-9) / 20
	step := 0.05
	if xmax > 0.3 {
		step = 0.1
	}
	xOf := func(v float64) float64 { return left + plotW*v/xmax }
	// Legend in two rows: this project's bars, then the paper's.
	legend := func(x, y float64, c color.RGBA, text string) float64 {
		f.Rect(x, y-10, 12, 12, c)
		f.Text(x+17, y, text, 12, Start, 0, Ink, false)
		return x + 17 + TextWidth(text, 12, false) + 20
	}
	ly := top - 40
	lx := legend(left, ly, ours, "paper's methods, run here")
	lx = legend(lx, ly, baseline, "other baselines")
	legend(lx, ly, oursExtra, "added here")
	ly += 18
	lx = legend(left, ly, paperGrey, "the paper's reported RMSE")
	f.Line(lx, ly-4, lx+18, ly-4, 1.5, Ink, true)
	if best, ok := r.Paper.RMSE["mean4"]; ok {
		f.Text(lx+23, ly, fmt.Sprintf("the paper's best (mean of four, %.3f)", best), 12, Start, 0, Ink, false)
	}

	bottom := top + height
	for v := 0.0; v <= xmax+1e-9; v += step {
		x := xOf(v)
		f.Line(x, top-4, x, bottom, 1, Light, false)
		f.Text(x, bottom+16, fmt.Sprintf("%.2f", v), 11, Middle, 0, Grey, false)
	}
	f.Text(left+plotW/2, bottom+36, "mean RMSE (share of importance)", 12, Middle, 0, Ink, false)
	f.Text(w-12, top-8, "mean RBO", 12, End, 0, Ink, true)
	if best, ok := r.Paper.RMSE["mean4"]; ok {
		// Behind the bars and their labels.
		x := xOf(best)
		f.Line(x, top-4, x, bottom, 1.5, Ink, true)
	}
	y := top
	for _, s := range rows {
		c := ours
		if extra[s.Method] {
			c = oursExtra
		} else if s.PaperRMSE == nil {
			c = baseline
		}
		f.Rect(left, y+(rowH-barH)/2, xOf(s.MeanRMSE)-left, barH, c)
		f.Text(left-8, y+rowH/2+4.5, s.Label, 13, End, 0, Ink, false)
		v := fmt.Sprintf("%.3f", s.MeanRMSE)
		f.Rect(xOf(s.MeanRMSE)+3, y+rowH/2-6, TextWidth(v, 11, false)+4, 13, White)
		f.Text(xOf(s.MeanRMSE)+5, y+rowH/2+4, v, 11, Start, 0, Ink, false)
		f.Text(w-12, y+rowH/2+4, fmt.Sprintf("%.3f", s.MeanRBO), 12, End, 0, Ink, false)
		y += rowH
		if s.PaperRMSE != nil {
			f.Rect(left, y-3, xOf(*s.PaperRMSE)-left, paperH-4, paperGrey)
			v := fmt.Sprintf("paper %.3f", *s.PaperRMSE)
			f.Rect(xOf(*s.PaperRMSE)+3, y-3, TextWidth(v, 10, false)+4, paperH-2, White)
			f.Text(xOf(*s.PaperRMSE)+5, y+paperH-6, v, 10, Start, 0, Grey, false)
			y += paperH
		}
	}
	f.Line(left, top-4, left, bottom, 1, Ink, false)
	return f
}

var (
	ours      = color.RGBA{0, 114, 178, 255}
	oursExtra = color.RGBA{0, 158, 115, 255}
	baseline  = color.RGBA{120, 150, 180, 255}
	paperGrey = color.RGBA{190, 190, 190, 255}
)

func label(r *validation.Report, method string) string {
	for _, m := range r.Methods {
		if m.Name == method {
			return m.Label
		}
	}
	return method
}
