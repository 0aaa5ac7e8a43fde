package figure

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/validation"
)

// Basis draws a basis report: one row per scenario (its first run), one line per
// modality on a shared 0..1 share axis, with the ground truth as a filled dot, the
// basis-free truth as a ring and a bar from the truth to the farthest twin found in a
// rotated image basis, ending in a tick. The title states the bound no method blind to
// the basis can be sure to beat; two columns on the right give the run's RMSE from the
// truth to its basis-free value and to that twin.
func Basis(b *validation.BasisReport) *Figure {
	const (
		pad    = 24.0
		subH   = 17.0 // one modality's line
		rowPad = 9.0  // above and below a scenario's lines
		plotW  = 500.0
		colW   = 78.0
	)
	type row struct {
		name string
		run  *validation.BasisRun
		runs int
	}
	var rows []row
	minRuns, maxRuns := 0, 0
	nameW, modW := 0.0, 0.0
	for i := range b.Scenarios {
		sc := &b.Scenarios[i]
		r := row{name: sc.Name, runs: len(sc.Runs)}
		if len(sc.Runs) > 0 {
			r.run = &sc.Runs[0]
			for m := range r.run.Truth {
				modW = math.Max(modW, TextWidth(modalityName(m), 10, false))
			}
		}
		if i == 0 || r.runs < minRuns {
			minRuns = r.runs
		}
		maxRuns = max(maxRuns, r.runs)
		nameW = math.Max(nameW, TextWidth(sc.Name, 12, true))
		rows = append(rows, r)
	}
	nameW = math.Max(nameW, TextWidth("cohort seed 00, run 1 of 0", 10, false))
	left := pad + nameW + 16 + modW + 10
	plotRight := left + plotW
	w := math.Max(plotRight+16+2*colW+pad, 760)

	these := fmt.Sprintf("these %d scenarios", len(b.Scenarios))
	if len(b.Scenarios) == 1 {
		these = "this scenario"
	}
	headline := fmt.Sprintf("No method blind to the image basis can be sure of a mean RMSE below %.3f on %s.", b.Bound, these)
	which := "Each row is a scenario's only run (its cohort seed under its name); the bound is the mean over the scenarios of half the RMSE from the truth to its farthest twin."
	if maxRuns > 1 {
		runs := fmt.Sprintf("%d", minRuns)
		if maxRuns != minRuns {
			runs = fmt.Sprintf("%d-%d", minRuns, maxRuns)
		}
		which = fmt.Sprintf("Each row is the first of a scenario's %s runs (its cohort seed under its name); the bound is the mean over "+
			"the scenarios (of the mean over all their runs) of half the RMSE from the truth to its farthest twin.", runs)
	}
	caption := fmt.Sprintf("%s A twin rotates the image features' basis (%s random orthonormal bases per image, then a climb to the "+
		"farthest): the same images, values, labels and network, another truth. The truth is %.3f from its basis-free value (its "+
		"expectation over a random basis) on average.", which, thousands(b.Draws), b.Convention)
	capLines := Wrap(caption, 12, w-2*pad, false)

	y := 28.0
	titleY := y
	y += 22
	headY := y
	y += 18
	capY := y
	y += 16 * float64(len(capLines))
	legendY := y + 8
	axisY := legendY + 30 // tick labels above the plot
	plotTop := axisY + 8
	height := 0.0
	for _, r := range rows {
		height += rowHeight(r.run, subH, rowPad)
	}
	if len(rows) == 0 {
		height = subH + 2*rowPad
	}
	plotBottom := plotTop + height
	h := plotBottom + 56
	f := New(w, h)

	f.Text(pad, titleY, "How much of the truth is the image basis", 18, Start, 0, Ink, true)
	f.Text(pad, headY, headline, 14, Start, 0, Ink, true)
	for i, l := range capLines {
		f.Text(pad, capY+16*float64(i), l, 12, Start, 0, Grey, false)
	}

	// Legend: the three marks, drawn as in the plot.
	lx := left
	f.Circle(lx+6, legendY-4, 4.5, modalityColour(0), Ink, 1)
	f.Text(lx+17, legendY, "ground truth", 12, Start, 0, Ink, false)
	lx += 17 + TextWidth("ground truth", 12, false) + 24
	f.Circle(lx+7, legendY-4, 6.5, color.RGBA{}, Ink, 1.5)
	f.Text(lx+19, legendY, "basis-free truth", 12, Start, 0, Ink, false)
	lx += 19 + TextWidth("basis-free truth", 12, false) + 24
	f.Line(lx, legendY-4, lx+26, legendY-4, 6, Ink, false)
	f.Line(lx, legendY-4, lx+26, legendY-4, 4, modalityColour(0), false)
	f.Line(lx+26, legendY-10, lx+26, legendY+2, 2, Ink, false)
	f.Text(lx+33, legendY, "farthest twin in a rotated image basis (bar from the truth)", 12, Start, 0, Ink, false)

	// Alternate bands set the scenarios apart; the grid goes over them.
	ry := plotTop
	for i, r := range rows {
		rh := rowHeight(r.run, subH, rowPad)
		if i%2 == 0 {
			f.Rect(pad/2, ry, w-pad, rh, Band)
		}
		ry += rh
	}
	xOf := func(v float64) float64 { return left + plotW*math.Max(0, math.Min(1, v)) }
	for v := 0.0; v <= 1+1e-9; v += 0.2 {
		x := xOf(v)
		c := Light
		if v == 0 {
			c = Grey
		}
		f.Line(x, plotTop, x, plotBottom, 1, c, false)
		f.Text(x, axisY, fmt.Sprintf("%.1f", v), 11, Middle, 0, Grey, false)
		f.Text(x, plotBottom+16, fmt.Sprintf("%.1f", v), 11, Middle, 0, Grey, false)
	}
	f.Text(left+plotW/2, plotBottom+36, "share of importance", 12, Middle, 0, Ink, false)
	c1 := plotRight + 16 + colW
	c2 := c1 + colW
	f.Text(c1, axisY-13, "RMSE to", 11, End, 0, Ink, true)
	f.Text(c1, axisY, "basis-free", 11, End, 0, Ink, true)
	f.Text(c2, axisY-13, "RMSE to", 11, End, 0, Ink, true)
	f.Text(c2, axisY, "farthest twin", 11, End, 0, Ink, true)

	if len(rows) == 0 {
		f.Text(left+plotW/2, plotTop+rowPad+subH/2+4, "no scenarios", 12, Middle, 0, Grey, false)
	}
	ry = plotTop
	for _, r := range rows {
		rh := rowHeight(r.run, subH, rowPad)
		mid := ry + rh/2
		f.Text(pad, mid-2, r.name, 12, Start, 0, Ink, true)
		if r.run == nil {
			f.Text(pad, mid+12, "no runs", 10, Start, 0, Grey, false)
			ry += rh
			continue
		}
		seed := fmt.Sprintf("cohort seed %d", r.run.Seed)
		if r.runs > 1 {
			seed += fmt.Sprintf(", run 1 of %d", r.runs)
		}
		f.Text(pad, mid+12, seed, 10, Start, 0, Grey, false)
		for m, t := range r.run.Truth {
			yy := ry + rowPad + (float64(m)+0.5)*subH
			f.Text(left-10, yy+3.5, modalityName(m), 10, End, 0, Grey, false)
			if m < len(r.run.Twin) && finite(t) && finite(r.run.Twin[m]) {
				tw := xOf(r.run.Twin[m])
				// An ink edge keeps the lighter colours' bars visible on white.
				f.Line(xOf(t), yy, tw, yy, 6, Ink, false)
				f.Line(xOf(t), yy, tw, yy, 4, modalityColour(m), false)
				f.Line(tw, yy-6, tw, yy+6, 2, Ink, false)
			}
			if finite(t) {
				f.Circle(xOf(t), yy, 4.5, modalityColour(m), Ink, 1)
			}
			if m < len(r.run.BasisFree) && finite(r.run.BasisFree[m]) {
				f.Circle(xOf(r.run.BasisFree[m]), yy, 6.5, color.RGBA{}, Ink, 1.5)
			}
		}
		f.Text(c1, mid+4, fmt.Sprintf("%.3f", r.run.Convention), 12, End, 0, Ink, false)
		f.Text(c2, mid+4, fmt.Sprintf("%.3f", r.run.TwinRMSE), 12, End, 0, Ink, false)
		ry += rh
	}
	return f
}

// rowHeight is the height of a scenario's row: one line per modality of its run, room
// for its name and seed without one.
func rowHeight(run *validation.BasisRun, subH, rowPad float64) float64 {
	n := 2
	if run != nil {
		n = max(n, len(run.Truth))
	}
	return float64(n)*subH + 2*rowPad
}

// modalityName is the ID of modality m, or "modality m+1" beyond the four.
func modalityName(m int) string {
	if m < modality.Count {
		return modality.Modality(m).ID()
	}
	return fmt.Sprintf("modality %d", m+1)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// thousands writes n with commas between groups of three digits: 1,000.
func thousands(n int) string {
	s := fmt.Sprintf("%d", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
