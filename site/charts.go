package site

import (
	"errors"
	"math"
	"strconv"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

// Chart geometry for the inline SVG charts, computed here (not in templates) so it is
// unit-tested natively. Coordinates are in viewBox units; the SVG scales to its box.

// Modality chart layout (viewBox modalityChartW x modalityChartH).
const (
	modalityChartW  = 480
	modalityRowH    = 30
	modalityLabelW  = 100
	modalityValueW  = 92
	modalityBarMaxW = modalityChartW - modalityLabelW - modalityValueW
	modalityChartH  = modality.Count * modalityRowH
)

// modalityBar is one row of the modality importance chart.
type modalityBar struct {
	Modality modality.Modality // its index (a paper modality in the paper's layout)
	ID       string            // data-modality
	Class    string            // CSS class colouring it
	Label    string            // row label
	Share    float64           // |score| / sum of |scores|, in [0,1]; the number the bar shows
	Score    float64           // the method's raw score
	Sign     string            // "raises p", "lowers p" or "" when the method is unsigned
	Value    string            // data-value: Share with 4 decimals
	Percent  string            // "42.1 %"
	Y        int               // top of the row
	BarW     float64           // bar width
	TextX    float64           // x of the value text

	// Set by withIntervals: Whisker when the interval has a width to draw (LoX..HiX, the
	// interval Lo..Hi of Share); Unsupported when the resamples do not support the
	// modality's place in the ranking; Interval says the interval in words.
	Whisker          bool
	Lo, Hi, LoX, HiX float64
	Unsupported      bool
	Interval         string
}

// Whisker geometry of the modality chart, in the row's coordinates.
const (
	whiskerY    = 15 // the interval's line: the middle of the bar
	whiskerCap  = 6  // half the height of the end caps
	rankMarkGap = 4  // the rank mark's distance from the bar's start
)

// withIntervals adds u's intervals and rank support to the bars of the same
// explanation. A nil u (not computed yet) leaves the bars as they are; an exact u (a
// method with no sampling spread) marks no whiskers, since its intervals have no width.
func withIntervals(bars []modalityBar, u *engine.Uncertainty) []modalityBar {
	if u == nil || len(u.Modalities) != len(bars) || len(u.RankSupported) != len(bars) {
		return bars
	}
	pct := ftoa(100*u.Level, 0) + " % interval "
	for i := range bars {
		b := &bars[i]
		iv := u.Modalities[i]
		b.Lo, b.Hi = iv[0], iv[1]
		b.Interval = pct + ftoa(100*iv[0], 1) + "–" + ftoa(100*iv[1], 1) + " %"
		if u.Exact {
			b.Interval = "no sampling spread"
		}
		b.Unsupported = !u.RankSupported[i]
		if u.Exact || iv[1] <= iv[0] {
			continue
		}
		b.Whisker = true
		b.LoX = modalityLabelW + iv[0]*modalityBarMaxW
		b.HiX = modalityLabelW + iv[1]*modalityBarMaxW
		b.TextX = math.Max(b.TextX, b.HiX+6)
	}
	return bars
}

// modalityBars turns an explanation's modality scores into chart rows for the paper's
// four modalities.
func modalityBars(e *engine.Explanation) ([]modalityBar, error) {
	return modalityBarsFor(e, paperMods())
}

// modalityBarsFor turns an explanation's modality scores into chart rows, one per
// modality of mods.
func modalityBarsFor(e *engine.Explanation, mods []ModInfo) ([]modalityBar, error) {
	if len(e.Modalities) != len(mods) {
		return nil, errors.New("explanation has " + strconv.Itoa(len(e.Modalities)) +
			" modality scores, want " + strconv.Itoa(len(mods)))
	}
	total := 0.0
	for i, v := range e.Modalities {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("modality score " + mods[i].Label + " is " + ftoa(v, 3))
		}
		total += math.Abs(v)
	}
	bars := make([]modalityBar, len(mods))
	for i, v := range e.Modalities {
		m := mods[i]
		share := 0.0
		if total > 0 {
			share = math.Abs(v) / total
		}
		sign := ""
		if e.Signed {
			switch {
			case v > 0:
				sign = "raises p"
			case v < 0:
				sign = "lowers p"
			}
		}
		w := share * modalityBarMaxW
		bars[i] = modalityBar{
			Modality: modality.Modality(i), ID: m.ID, Label: m.Label, Class: m.Class,
			Share: share, Score: v, Sign: sign,
			Value:   strconv.FormatFloat(share, 'f', 4, 64),
			Percent: ftoa(100*share, 1) + " %",
			Y:       i * modalityRowH,
			BarW:    w,
			TextX:   modalityLabelW + w + 6,
		}
	}
	return bars, nil
}

// Feature chart layout: 40 bars in four groups of ten.
const (
	featureBarW    = 14
	featureBarGap  = 3
	featureGroupGp = 22
	featureChartH  = 120
	featureLabelH  = 18
	featureChartW  = modality.Count*(modality.Width*(featureBarW+featureBarGap)) + (modality.Count-1)*featureGroupGp
)

// featureBar is one bar of the fusion-feature chart.
type featureBar struct {
	Index    int // position in the fusion vector
	Modality modality.Modality
	Class    string // CSS class colouring the bar by modality
	Score    float64
	X, Y     float64
	W, H     float64
	Title    string // tooltip
}

// featureGroup labels one modality's ten bars.
type featureGroup struct {
	Label string
	X     float64 // centre of the group
}

// featureBars scales 40 feature scores to bars: heights relative to the largest |score|;
// signed scores grow up (raise p) or down (lower p) from a middle baseline, unsigned
// ones up from the bottom. It also returns the baseline y.
func featureBars(e *engine.Explanation) ([]featureBar, float64, error) {
	return featureBarsFor(e, paperMods())
}

// fusionSize is the length of the fusion vector of mods.
func fusionSize(mods []ModInfo) int {
	n := 0
	for _, m := range mods {
		n += m.Width
	}
	return n
}

// featureMod returns the index of the modality of fusion feature j and j's index in it.
func featureMod(mods []ModInfo, j int) (int, int) {
	for i, m := range mods {
		if j < m.Width {
			return i, j
		}
		j -= m.Width
	}
	return len(mods) - 1, j
}

// featureBarsFor is featureBars for the modalities mods.
func featureBarsFor(e *engine.Explanation, mods []ModInfo) ([]featureBar, float64, error) {
	if n := fusionSize(mods); len(e.Features) != n {
		return nil, 0, errors.New("explanation has " + strconv.Itoa(len(e.Features)) +
			" feature scores, want " + strconv.Itoa(n))
	}
	peak := 0.0
	for j, v := range e.Features {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, errors.New("feature score " + strconv.Itoa(j) + " is " + ftoa(v, 3))
		}
		peak = math.Max(peak, math.Abs(v))
	}
	base, room := float64(featureChartH), float64(featureChartH)
	if e.Signed {
		base, room = featureChartH/2, featureChartH/2
	}
	bars := make([]featureBar, len(e.Features))
	for j, v := range e.Features {
		mi, in := featureMod(mods, j)
		m := mods[mi]
		h := 0.0
		if peak > 0 {
			h = math.Abs(v) / peak * room
		}
		y := base - h
		if v < 0 && e.Signed {
			y = base
		}
		bars[j] = featureBar{
			Index: j, Modality: modality.Modality(mi), Class: "bar " + m.Class, Score: v,
			X: featureXFor(mods, j), Y: y, W: featureBarW, H: h,
			Title: m.Label + " feature " + strconv.Itoa(in+1) +
				" (z[" + strconv.Itoa(j) + "]): " + strconv.FormatFloat(v, 'g', 4, 64),
		}
	}
	return bars, base, nil
}

// featureGroups returns the label position of each modality's group of bars.
func featureGroups() []featureGroup {
	g := make([]featureGroup, modality.Count)
	for i := range g {
		first := featureX(i * modality.Width)
		last := featureX((i+1)*modality.Width-1) + featureBarW
		g[i] = featureGroup{Label: modality.Modality(i).Label(), X: (first + last) / 2}
	}
	return g
}

func featureX(j int) float64 {
	group := j / modality.Width
	return float64(j*(featureBarW+featureBarGap) + group*featureGroupGp)
}

// featureXFor is featureX for the modalities mods.
func featureXFor(mods []ModInfo, j int) float64 {
	group, _ := featureMod(mods, j)
	return float64(j*(featureBarW+featureBarGap) + group*featureGroupGp)
}

// featureGroupsFor is featureGroups for the modalities mods.
func featureGroupsFor(mods []ModInfo) []featureGroup {
	g := make([]featureGroup, len(mods))
	at := 0
	for i, m := range mods {
		first := featureXFor(mods, at)
		last := featureXFor(mods, at+m.Width-1) + featureBarW
		g[i] = featureGroup{Label: m.Label, X: (first + last) / 2}
		at += m.Width
	}
	return g
}

// featureChartWidth is the width of the feature chart of mods.
func featureChartWidth(mods []ModInfo) int {
	n := fusionSize(mods)
	return n*(featureBarW+featureBarGap) + (len(mods)-1)*featureGroupGp
}

// ftoa formats v with prec decimals.
func ftoa(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// Ground-truth check chart: per modality a pair of bars, the truth above the method's
// estimate, both on the same 0..100 % scale.
const (
	truthChartW  = 480
	truthRowH    = 40
	truthLabelW  = 100
	truthValueW  = 60
	truthBarMaxW = truthChartW - truthLabelW - truthValueW
	truthBarH    = 13
	truthChartH  = modality.Count * truthRowH
)

// truthRow is one modality of the ground-truth chart.
type truthRow struct {
	ID, Label            string
	Y                    int
	TruthW, EstW         float64
	TruthText, EstText   string // "42.1 %"
	TruthValue, EstValue string // data attributes, 4 decimals
}

// truthRows lays out a check's truth and estimate.
func truthRows(r *engine.TruthCheck) []truthRow {
	if checkTruth(r) != nil {
		return nil
	}
	rows := make([]truthRow, modality.Count)
	for i := range rows {
		m := modality.Modality(i)
		t, e := math.Min(r.Truth[i], 1), math.Min(r.Estimate[i], 1)
		rows[i] = truthRow{
			ID: m.ID(), Label: m.Label(), Y: i * truthRowH,
			TruthW: t * truthBarMaxW, EstW: e * truthBarMaxW,
			TruthText: ftoa(100*r.Truth[i], 1) + " %", EstText: ftoa(100*r.Estimate[i], 1) + " %",
			TruthValue: strconv.FormatFloat(r.Truth[i], 'f', 4, 64), EstValue: strconv.FormatFloat(r.Estimate[i], 'f', 4, 64),
		}
	}
	return rows
}
