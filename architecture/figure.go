package architecture

import (
	"fmt"
	"image/color"

	"github.com/fusionlens/fusionlens/validation/figure"
)

// warnColour marks warnings in the figures.
var warnColour = color.RGBA{180, 30, 30, 255}

// Figure draws one comparison: a row per variant (and one for the ground truth, when
// known) with a stacked bar of its modality shares, its test accuracy and AUC beside it,
// and its warnings under it.
func Figure(r *Report, c *Comparison) *figure.Figure {
	const (
		w      = 900.0
		left   = 110.0
		barLen = 420.0
		barH   = 20.0
		line   = 15.0
	)
	desc := figure.Wrap(c.Description, 12, w-48, false)
	type row struct {
		label, note string
		vals        map[string]float64
		warnings    []string
		bold        bool
	}
	var rows []row
	if c.Truth != nil {
		rows = append(rows, row{label: "ground truth", vals: c.Truth, bold: true})
	}
	for _, a := range c.Architectures {
		note := fmt.Sprintf("accuracy %.3f ± %.3f   AUC %.3f", a.Accuracy, a.AccuracySD, a.AUC)
		if a.RMSEToTruth != nil {
			note += fmt.Sprintf("   RMSE %.3f", *a.RMSEToTruth)
		}
		var ws []string
		for _, s := range a.Warnings {
			ws = append(ws, figure.Wrap("! "+s, 11, w-left-24, false)...)
		}
		rows = append(rows, row{label: a.Name, note: note, vals: a.ModalityImportance, warnings: ws, bold: a.Name == c.Best})
	}
	top := 28.0 + 20 + line*float64(len(desc)) + 10
	legendY := top + 8
	y0 := legendY + 28
	h := y0
	for _, rw := range rows {
		h += barH + 14 + line*float64(len(rw.warnings))
	}
	f := figure.New(w, h+30)
	f.Text(24, 28, fmt.Sprintf("%s: fusion architectures compared", c.Name), 18, figure.Start, 0, figure.Ink, true)
	y := 48.0
	for _, l := range desc {
		f.Text(24, y, l, 12, figure.Start, 0, figure.Grey, false)
		y += line
	}
	x := left
	for i, m := range c.Modalities {
		f.Rect(x, legendY-10, 12, 12, figure.ModalityColours[i%len(figure.ModalityColours)])
		f.Text(x+17, legendY, m, 12, figure.Start, 0, figure.Ink, false)
		x += 17 + figure.TextWidth(m, 12, false) + 22
	}
	f.Text(x, legendY, fmt.Sprintf("shares by %s; %d seed(s), %d epochs, %d test cases", r.Method, len(r.Seeds), r.Epochs, c.Cases.Test),
		11, figure.Start, 0, figure.Grey, false)
	y = y0
	for _, rw := range rows {
		f.Text(left-8, y+barH-5, rw.label, 13, figure.End, 0, figure.Ink, rw.bold)
		bx := left
		for i, m := range c.Modalities {
			v := rw.vals[m]
			f.Rect(bx, y, v*barLen, barH, figure.ModalityColours[i%len(figure.ModalityColours)])
			bx += v * barLen
		}
		f.Line(left+barLen, y-2, left+barLen, y+barH+2, 1, figure.Light, false)
		f.Text(left+barLen+12, y+barH-5, rw.note, 12, figure.Start, 0, figure.Ink, false)
		y += barH + 14
		for _, l := range rw.warnings {
			f.Text(left, y-2, l, 11, figure.Start, 0, warnColour, false)
			y += line
		}
	}
	return f
}
