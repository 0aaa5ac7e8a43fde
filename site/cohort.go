package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/vugu/vugu/js"

	"github.com/fusionlens/fusionlens/engine"
)

// CohortFunc explains a CSV of cases with its image files (cohort mode) off the page's
// thread: files is the browser's FileList (or array of File) as the user chose it, model
// the open model's file. It returns the JSON of the result (CohortResult's shape) and
// passes progress to pace. Before that it hands ready the JSON of the result without
// the interaction matrix, as soon as the cohort's importance and every case are
// explained, so the page shows them while the matrix is computed. An error from pace or
// ready stops the work.
type CohortFunc func(files js.Value, model []byte, method, class string, pace engine.Pace, ready func(result []byte) error) ([]byte, error)

// CohortResult is a cohort explained: the shape of cmd/explain -cases -json's "cohort"
// and "cases".
type CohortResult struct {
	Method     string       `json:"method"`
	Modalities []string     `json:"modalities"`
	Class      string       `json:"class,omitempty"`
	Cohort     CohortShares `json:"cohort"`
	Cases      []CohortCase `json:"cases"`
}

// CohortShares is the cohort's modality importance (shares summing to 1).
type CohortShares struct {
	N                  int                `json:"n"`
	Class              string             `json:"class,omitempty"`
	ModalityImportance map[string]float64 `json:"modality_importance"`
	// ModalityInteractions is the cohort's modality interaction matrix, when the worker
	// computed it.
	ModalityInteractions *InteractionMatrix `json:"modality_interactions,omitempty"`
}

// CohortCase is one case (CSV row) of a cohort.
type CohortCase struct {
	Row                int                `json:"row"`
	Line               int                `json:"line"`
	Label              *string            `json:"label"`
	Prediction         string             `json:"prediction"`
	Probabilities      map[string]float64 `json:"probabilities"`
	Class              string             `json:"explained_class"`
	ModalityImportance map[string]float64 `json:"modality_importance,omitempty"`
}

// CohortView is cohort mode's part of the page state.
type CohortView struct {
	Result *CohortResult
	Err    string
	Busy   bool
	// MatrixPending says the result shown is the early one: the cohort's importance and
	// table, with the interaction matrix still being computed (Work tells how far).
	MatrixPending bool
	Work          engine.Progress
	Files         int // files chosen for the run shown
	// Page is the page of the per-case table shown (0-based; cohortPageSize rows a page).
	Page int
	gen  int    // run generation: a stale run's answer is dropped
	raw  []byte // the result's JSON as the worker sent it, for the download
}

// SetCohortJSON takes a cohort result from its JSON, checking it covers the modalities
// of the open model's layout.
func (s *State) SetCohortJSON(data []byte) error {
	var r CohortResult
	if err := json.Unmarshal(data, &r); err != nil {
		return errors.New("the cohort worker's answer: " + err.Error())
	}
	if len(r.Cases) != r.Cohort.N {
		return errors.New("the cohort worker's answer has " + strconv.Itoa(len(r.Cases)) + " cases, n " + strconv.Itoa(r.Cohort.N))
	}
	for _, m := range s.Mods {
		if _, ok := r.Cohort.ModalityImportance[m.ID]; !ok {
			return errors.New("the cohort worker's answer has no share for modality " + strconv.Quote(m.ID))
		}
	}
	if in := r.Cohort.ModalityInteractions; in != nil {
		if _, err := cohortMatrixRows(in, s.Mods); err != nil {
			return errors.New("the cohort worker's answer: " + err.Error())
		}
	}
	if old := s.Cohort.Result; old == nil || len(old.Cases) != len(r.Cases) {
		s.Cohort.Page = 0 // the matrix completing the same cohort keeps the page shown
	}
	s.Cohort.Result = &r
	s.Cohort.Err = ""
	s.Cohort.raw = append([]byte(nil), data...)
	return nil
}

// cohortBars are the cohort's modality chart rows, in the layout's order.
func (s *State) cohortBars() []modalityBar {
	r := s.Cohort.Result
	if r == nil {
		return nil
	}
	e := &engine.Explanation{Modalities: make([]float64, len(s.Mods))}
	for i, m := range s.Mods {
		e.Modalities[i] = r.Cohort.ModalityImportance[m.ID]
	}
	b, err := modalityBarsFor(e, s.Mods)
	if err != nil {
		return nil
	}
	return b
}

// cohortCell is one share of the per-case table.
type cohortCell struct {
	ID, Text, Value string
}

// cohortRow is one case of the per-case table.
type cohortRow struct {
	Row               int
	Label, Prediction string
	P                 string // probability of the prediction
	Cells             []cohortCell
}

// cohortRows are the per-case table's rows (the first max of them; max <= 0 for all).
func (s *State) cohortRows(max int) []cohortRow {
	r := s.Cohort.Result
	if r == nil {
		return nil
	}
	n := len(r.Cases)
	if max > 0 {
		n = min(n, max)
	}
	return s.cohortRowsOf(0, n)
}

// cohortPageSize is how many cases a page of the per-case table lists: a short table
// renders at once however large the cohort (the downloads hold every case).
const cohortPageSize = 25

// cohortPages is the number of pages of the per-case table.
func (s *State) cohortPages() int {
	if s.Cohort.Result == nil {
		return 0
	}
	return max(1, (len(s.Cohort.Result.Cases)+cohortPageSize-1)/cohortPageSize)
}

// cohortPageRows are the rows of the table's page shown.
func (s *State) cohortPageRows() []cohortRow {
	r := s.Cohort.Result
	if r == nil {
		return nil
	}
	p := min(max(s.Cohort.Page, 0), s.cohortPages()-1)
	lo := p * cohortPageSize
	return s.cohortRowsOf(lo, min(len(r.Cases), lo+cohortPageSize))
}

// cohortRowsOf are the rows of cases lo..hi-1.
func (s *State) cohortRowsOf(lo, hi int) []cohortRow {
	r := s.Cohort.Result
	out := make([]cohortRow, hi-lo)
	for i, c := range r.Cases[lo:hi] {
		row := cohortRow{Row: c.Row, Label: "–", Prediction: c.Prediction, P: ftoa(c.Probabilities[c.Prediction], 3)}
		if c.Label != nil {
			row.Label = *c.Label
		}
		for _, m := range s.Mods {
			v, ok := c.ModalityImportance[m.ID]
			cell := cohortCell{ID: m.ID, Text: "–"}
			if ok {
				cell.Text, cell.Value = ftoa(100*v, 1)+" %", strconv.FormatFloat(v, 'f', 6, 64)
			}
			row.Cells = append(row.Cells, cell)
		}
		out[i] = row
	}
	return out
}

// CohortJSON is the cohort result as a download: the JSON of cmd/explain -cases -json's
// "cohort" (with its modality interactions) and "cases", with the method and modalities,
// as the worker computed it (indented).
func (s *State) CohortJSON() ([]byte, error) {
	if s.Cohort.Result == nil {
		return nil, errors.New("no cohort has been explained")
	}
	if s.Cohort.raw == nil {
		return json.MarshalIndent(s.Cohort.Result, "", "  ")
	}
	var b bytes.Buffer
	if err := json.Indent(&b, s.Cohort.raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// cohortInteractions are the rows of the cohort's interaction matrix, nil without one.
func (s *State) cohortInteractions() []interactionMatrixRow {
	r := s.Cohort.Result
	if r == nil || r.Cohort.ModalityInteractions == nil {
		return nil
	}
	rows, err := cohortMatrixRows(r.Cohort.ModalityInteractions, s.Mods)
	if err != nil {
		return nil
	}
	return rows
}

// cohortMatrixRows lays out a cohort's interaction matrix in the order of mods, each
// cell shaded against the largest |index| (a cohort matrix comes without Shapley values).
func cohortMatrixRows(m *InteractionMatrix, mods []ModInfo) ([]interactionMatrixRow, error) {
	index, err := interactionMatrixIndex(m, mods)
	if err != nil {
		return nil, err
	}
	rows, err := interactionMatrixRows(mods, index, interactionMatrixScale(index, nil))
	if err != nil || m.BackgroundSE == nil {
		return rows, err
	}
	// Each cell's standard error from the background sample, in its words.
	for i := range rows {
		for k, c := range rows[i].Cells {
			if c.Diagonal {
				continue
			}
			a, b, _ := strings.Cut(c.Pair, "|")
			se, ok := m.BackgroundSE[c.Pair]
			if !ok {
				se, ok = m.BackgroundSE[b+"|"+a]
			}
			if ok {
				rows[i].Cells[k].Label += " (± " + strconv.FormatFloat(se, 'f', 3, 64) + ", the standard error from the background sample)"
			}
		}
	}
	return rows, nil
}

// cohortMatrixSE is the largest standard error of a cohort's matrix from its background
// sample, and whether it has any.
func cohortMatrixSE(m *InteractionMatrix) (float64, bool) {
	worst := 0.0
	for _, se := range m.BackgroundSE {
		worst = math.Max(worst, se)
	}
	return worst, len(m.BackgroundSE) > 0
}

// cohortMatrixValue is a cell's value for its data-value attribute: "" on the diagonal.
func cohortMatrixValue(c interactionMatrixCell) string {
	if c.Diagonal {
		return ""
	}
	return full(c.Value)
}

// CohortCSV is the per-case table as CSV: row, label, prediction, its probability,
// the explained class, then one share per modality; a last line "cohort" holds the
// cohort's shares.
func (s *State) CohortCSV() ([]byte, error) {
	r := s.Cohort.Result
	if r == nil {
		return nil, errors.New("no cohort has been explained")
	}
	var b strings.Builder
	b.WriteString("row,label,prediction,p_prediction,explained_class")
	for _, m := range s.Mods {
		b.WriteString("," + csvCell(m.ID))
	}
	b.WriteString("\n")
	num := func(v float64, ok bool) string {
		if !ok || math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 8, 64)
	}
	for _, c := range r.Cases {
		label := ""
		if c.Label != nil {
			label = *c.Label
		}
		b.WriteString(strconv.Itoa(c.Row) + "," + csvCell(label) + "," + csvCell(c.Prediction) + "," +
			num(c.Probabilities[c.Prediction], true) + "," + csvCell(c.Class))
		for _, m := range s.Mods {
			v, ok := c.ModalityImportance[m.ID]
			b.WriteString("," + num(v, ok))
		}
		b.WriteString("\n")
	}
	b.WriteString("cohort,,,,")
	b.WriteString(csvCell(r.Cohort.Class))
	for _, m := range s.Mods {
		v, ok := r.Cohort.ModalityImportance[m.ID]
		b.WriteString("," + num(v, ok))
	}
	b.WriteString("\n")
	return []byte(b.String()), nil
}

// csvCell quotes a CSV cell when it holds a comma, a quote or a line break, and defuses
// a leading formula character for spreadsheets.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		s = "'" + s
	}
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// cohortClass is the class cohort mode explains: the one chosen, "" for each case's
// predicted class.
func (s *State) cohortClass() string {
	if s.Class >= 0 && s.Class < len(s.Classes) {
		return s.Classes[s.Class]
	}
	return ""
}
