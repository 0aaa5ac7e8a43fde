package site

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/engine"
)

// The modality interaction matrix as an HTML table: one row and one column per modality,
// each cell the signed interaction index of the pair as text, and shaded by its sign
// (blue: the two reinforce each other; orange: they stand in for each other) and by its
// size in five steps (style.css, .ia-pos-1 ... .ia-neg-4; a Content-Security-Policy
// without inline styles rules out computed colours). The helpers are named
// interactionMatrix... so that the cohort view can share them.

// interactionMatrixLevels are the upper bounds of shade levels 0-3 of |index| / scale;
// larger values take level 4.
var interactionMatrixLevels = [4]float64{0.02, 0.1, 0.25, 0.5}

// interactionMatrixCell is one cell of the table.
type interactionMatrixCell struct {
	Pair     string  // "A|B", the modalities' IDs in the model's order
	Col      string  // the column's modality ID
	Value    float64 // the signed index
	Text     string  // the value as shown, "+0.123"; an em dash on the diagonal
	Class    string  // CSS classes: "ia ia-pos-3", "ia ia-0", "ia ia-diag"
	Label    string  // the cell in words, for assistive technology and the tooltip
	Diagonal bool
}

// interactionMatrixRow is one modality's row.
type interactionMatrixRow struct {
	ID, Label, Short string
	Cells            []interactionMatrixCell
}

// interactionMatrixScale is what a cell's shade is measured against: the largest
// |Shapley value| of a modality when known (so an interaction is shaded by its size next
// to the modalities' own effects), else the largest |index|. It is 0 when everything is.
func interactionMatrixScale(index [][]float64, shapley []float64) float64 {
	scale := 0.0
	for _, v := range shapley {
		scale = math.Max(scale, math.Abs(v))
	}
	if scale > 0 {
		return scale
	}
	for _, row := range index {
		for _, v := range row {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	return scale
}

// interactionMatrixLevel is the shade level 0-4 of v against scale.
func interactionMatrixLevel(v, scale float64) int {
	if scale <= 0 {
		return 0
	}
	r := math.Abs(v) / scale
	for k, hi := range interactionMatrixLevels {
		if r < hi {
			return k
		}
	}
	return len(interactionMatrixLevels)
}

// interactionMatrixText formats an index with its sign.
func interactionMatrixText(v float64) string {
	prec := 3
	if math.Abs(v) >= 10 {
		prec = 1
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	switch {
	case s == strconv.FormatFloat(0, 'f', prec, 64):
		return s
	case v < 0:
		return "−" + s
	}
	return "+" + s
}

// interactionMatrixShort shortens a modality label for a column head at phone width:
// "CT axial" -> "CT axi", "Clinical A" -> "Clin A".
func interactionMatrixShort(label string) string {
	words := strings.Fields(label)
	if len(words) == 0 {
		return label
	}
	cut := func(w string, n int) string {
		r := []rune(w)
		if len(r) > n {
			return string(r[:n])
		}
		return w
	}
	if len(words) == 1 {
		return cut(words[0], 6)
	}
	return cut(words[0], 4) + " " + cut(words[len(words)-1], 3)
}

// interactionMatrixRows lays out the symmetric matrix index of the modalities mods,
// shades measured against scale (interactionMatrixScale).
func interactionMatrixRows(mods []ModInfo, index [][]float64, scale float64) ([]interactionMatrixRow, error) {
	if len(index) != len(mods) {
		return nil, errors.New("interaction matrix has " + strconv.Itoa(len(index)) + " rows, want " + strconv.Itoa(len(mods)))
	}
	rows := make([]interactionMatrixRow, len(mods))
	for i, m := range mods {
		if len(index[i]) != len(mods) {
			return nil, errors.New("interaction matrix row " + m.Label + " has " + strconv.Itoa(len(index[i])) + " values, want " + strconv.Itoa(len(mods)))
		}
		r := interactionMatrixRow{ID: m.ID, Label: m.Label, Short: interactionMatrixShort(m.Label)}
		for j, o := range mods {
			a, b := i, j
			if a > b {
				a, b = b, a
			}
			c := interactionMatrixCell{Pair: mods[a].ID + "|" + mods[b].ID, Col: o.ID, Value: index[i][j]}
			if i == j {
				c.Text, c.Class, c.Diagonal = "—", "ia ia-diag", true
				c.Label = m.Label + " with itself: no interaction"
				r.Cells = append(r.Cells, c)
				continue
			}
			v := index[i][j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("interaction of " + m.Label + " and " + o.Label + " is " + ftoa(v, 3))
			}
			c.Text = interactionMatrixText(v)
			level := interactionMatrixLevel(v, scale)
			sign, how := "pos", "reinforce each other"
			if v < 0 {
				sign, how = "neg", "stand in for each other"
			}
			c.Class = "ia ia-" + sign + "-" + strconv.Itoa(level)
			if level == 0 {
				c.Class, how = "ia ia-0", "act about independently"
			}
			c.Label = m.Label + " and " + o.Label + ": " + c.Text + ", " + how
			r.Cells = append(r.Cells, c)
		}
		rows[i] = r
	}
	return rows, nil
}

// interactionMatrixStrength is the total |index| over the pairs relative to the total
// |Shapley value| of the modalities (NaN when the Shapley values are unknown or zero),
// and the strongest pair's two positions (-1, -1 when no pair interacts).
func interactionMatrixStrength(index [][]float64, shapley []float64) (float64, int, int) {
	inter, main := 0.0, 0.0
	bi, bj, best := -1, -1, 0.0
	for i := range index {
		for j := i + 1; j < len(index); j++ {
			a := math.Abs(index[i][j])
			inter += a
			if a > best {
				bi, bj, best = i, j, a
			}
		}
	}
	for _, v := range shapley {
		main += math.Abs(v)
	}
	if main == 0 {
		return math.NaN(), bi, bj
	}
	return inter / main, bi, bj
}

// InteractionMatrix is a matrix of modality interactions as the cohort worker sends it
// (the JSON of cmd/explain's and explainer/cases's "modality_interactions"): the
// engine's type, the one the worker writes.
type InteractionMatrix = engine.InteractionMatrix

// interactionMatrixIndex reorders m's matrix into the order of mods (the page's layout),
// finding each modality in m.Modalities by its ID, with a zero diagonal.
func interactionMatrixIndex(m *InteractionMatrix, mods []ModInfo) ([][]float64, error) {
	if m == nil {
		return nil, errors.New("no interaction matrix")
	}
	if len(m.Matrix) != len(m.Modalities) {
		return nil, errors.New("the interaction matrix has " + strconv.Itoa(len(m.Matrix)) + " rows for " + strconv.Itoa(len(m.Modalities)) + " modalities")
	}
	at := map[string]int{}
	for i, id := range m.Modalities {
		if len(m.Matrix[i]) != len(m.Modalities) {
			return nil, errors.New("row " + strconv.Itoa(i+1) + " of the interaction matrix has " + strconv.Itoa(len(m.Matrix[i])) + " values for " + strconv.Itoa(len(m.Modalities)) + " modalities")
		}
		at[id] = i
	}
	idx := make([]int, len(mods))
	for k, md := range mods {
		i, ok := at[md.ID]
		if !ok {
			return nil, errors.New("the interaction matrix has no modality " + strconv.Quote(md.ID))
		}
		idx[k] = i
	}
	out := make([][]float64, len(mods))
	for a := range mods {
		out[a] = make([]float64, len(mods))
		for b := range mods {
			if a != b {
				out[a][b] = m.Matrix[idx[a]][idx[b]]
			}
		}
	}
	return out, nil
}

// modLabel returns the label of the layout's modality id, or id itself.
func (s *State) modLabel(id string) string {
	for _, m := range s.Mods {
		if m.ID == id {
			return m.Label
		}
	}
	return id
}
