package site

import (
	"errors"
	"math"
	"strconv"
)

// InteractionMatrix is a matrix of modality interactions as the page receives it: the
// pairwise Shapley interaction index of a log-odds, symmetric, in the model's modality
// order (the JSON of cmd/explain's and explainer/cases's "modality_interactions").
type InteractionMatrix struct {
	Value      string             `json:"value"`
	Class      string             `json:"class,omitempty"`
	Modalities []string           `json:"modalities"`
	Index      map[string]float64 `json:"index"`
	Shares     map[string]float64 `json:"shares"`
	Matrix     [][]float64        `json:"matrix"`
	Strongest  string             `json:"strongest,omitempty"`
	Strength   *float64           `json:"strength,omitempty"`
	Exact      bool               `json:"exact"`
	SE         map[string]float64 `json:"se,omitempty"`
	Cases      int                `json:"cases,omitempty"`
	Background int                `json:"background_cases"`
}

// interactionMatrixLevels is how many steps of strength the cells' colours show.
const interactionMatrixLevels = 4

// interactionMatrixCell is one cell of an interaction matrix table: its text (the signed
// index), a sentence for screen readers, and its CSS class (sign and strength: "ix-pos-3",
// "ix-neg-1", "ix-zero", "ix-self" on the diagonal). Colours come only from classes, so
// the page's Content-Security-Policy (no inline styles) holds.
type interactionMatrixCell struct {
	Text, Label, Class, Value string
	Col                       string // the column's modality
}

// interactionMatrixRow is one row of an interaction matrix table.
type interactionMatrixRow struct {
	ID, Label string
	Cells     []interactionMatrixCell
}

// interactionMatrixRows lays out m as table rows in the order of mods (the page's
// layout), finding each modality in m.Modalities by its ID. Strength levels are relative
// to the largest |index| off the diagonal.
func interactionMatrixRows(m *InteractionMatrix, mods []ModInfo) ([]interactionMatrixRow, error) {
	if m == nil {
		return nil, errors.New("no interaction matrix")
	}
	at := map[string]int{}
	for i, id := range m.Modalities {
		at[id] = i
	}
	if len(m.Matrix) != len(m.Modalities) {
		return nil, errors.New("the interaction matrix has " + strconv.Itoa(len(m.Matrix)) + " rows for " + strconv.Itoa(len(m.Modalities)) + " modalities")
	}
	for i, r := range m.Matrix {
		if len(r) != len(m.Modalities) {
			return nil, errors.New("row " + strconv.Itoa(i+1) + " of the interaction matrix has " + strconv.Itoa(len(r)) + " values for " + strconv.Itoa(len(m.Modalities)) + " modalities")
		}
	}
	idx := make([]int, len(mods))
	for k, md := range mods {
		i, ok := at[md.ID]
		if !ok {
			return nil, errors.New("the interaction matrix has no modality " + strconv.Quote(md.ID))
		}
		idx[k] = i
	}
	var top float64
	for a := range idx {
		for b := range idx {
			if v := m.Matrix[idx[a]][idx[b]]; a != b && !math.IsNaN(v) {
				top = math.Max(top, math.Abs(v))
			}
		}
	}
	rows := make([]interactionMatrixRow, len(mods))
	for a, ma := range mods {
		row := interactionMatrixRow{ID: ma.ID, Label: ma.Label}
		for b, mb := range mods {
			c := interactionMatrixCell{Col: mb.ID}
			v := m.Matrix[idx[a]][idx[b]]
			switch {
			case a == b:
				c.Text, c.Class, c.Label = "–", "ix-self", ma.Label+" with itself: no interaction"
			case math.IsNaN(v) || math.IsInf(v, 0):
				c.Text, c.Class, c.Label = "n/a", "ix-zero", ma.Label+" with "+mb.Label+": not available"
			default:
				c.Value = strconv.FormatFloat(v, 'g', 6, 64)
				c.Text = interactionMatrixSigned(v, 3)
				level := 0
				if top > 0 {
					level = int(math.Ceil(interactionMatrixLevels * math.Abs(v) / top))
				}
				how := "reinforce each other"
				switch {
				case level == 0 || c.Text == "+0.000" || c.Text == "-0.000":
					c.Class, how = "ix-zero", "act on their own"
				case v > 0:
					c.Class = "ix-pos-" + strconv.Itoa(level)
				default:
					c.Class, how = "ix-neg-"+strconv.Itoa(level), "stand in for each other"
				}
				c.Label = ma.Label + " with " + mb.Label + ": " + c.Text + ", " + how
			}
			row.Cells = append(row.Cells, c)
		}
		rows[a] = row
	}
	return rows, nil
}

// interactionMatrixSigned formats v with its sign and d decimals.
func interactionMatrixSigned(v float64, d int) string {
	s := strconv.FormatFloat(v, 'f', d, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s
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
