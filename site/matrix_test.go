package site

import (
	"strconv"
	"strings"
	"testing"
)

// TestInteractionMatrixRows checks the layout of a matrix in the page's modality order
// (not the matrix's), the signs and strength classes, the diagonal, the cells' sentences,
// and the refusals of a matrix that does not fit the layout.
func TestInteractionMatrixRows(t *testing.T) {
	mods := []ModInfo{{ID: "a", Label: "A"}, {ID: "b", Label: "B"}, {ID: "c", Label: "C"}}
	m := &InteractionMatrix{Modalities: []string{"c", "a", "b"}, Matrix: [][]float64{
		{0, -0.2, 0.0001},
		{-0.2, 0, 0.4},
		{0.0001, 0.4, 0},
	}}
	rows, err := interactionMatrixRows(m, mods)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].ID != "a" || rows[2].ID != "c" {
		t.Fatalf("rows %+v", rows)
	}
	ab, ac, ca, bb := rows[0].Cells[1], rows[0].Cells[2], rows[2].Cells[0], rows[1].Cells[1]
	if ab.Text != "+0.400" || ab.Class != "ix-pos-4" || ab.Col != "b" || ab.Value != "0.4" || !strings.Contains(ab.Label, "A with B: +0.400, reinforce") {
		t.Errorf("a|b cell %+v", ab)
	}
	if ac.Text != "-0.200" || ac.Class != "ix-neg-2" || !strings.Contains(ac.Label, "stand in") {
		t.Errorf("a|c cell %+v", ac)
	}
	if ca.Value != ac.Value || ca.Class != ac.Class || ca.Label != "C with A: -0.200, stand in for each other" {
		t.Errorf("c|a %+v does not mirror a|c %+v", ca, ac)
	}
	if bb.Class != "ix-self" || bb.Value != "" {
		t.Errorf("diagonal cell %+v", bb)
	}
	if bc := rows[1].Cells[2]; bc.Class != "ix-zero" || !strings.Contains(bc.Label, "on their own") {
		t.Errorf("b|c (near zero) cell %+v", bc)
	}

	for _, bad := range []*InteractionMatrix{
		nil,
		{Modalities: []string{"a", "b"}, Matrix: [][]float64{{0, 1}, {1, 0}}},
		{Modalities: []string{"a", "b", "c"}, Matrix: [][]float64{{0, 1}, {1, 0}}},
		{Modalities: []string{"a", "b", "c"}, Matrix: [][]float64{{0, 1, 2}, {1, 0}, {2, 0, 0}}},
	} {
		if _, err := interactionMatrixRows(bad, mods); err == nil {
			t.Errorf("matrix %+v accepted", bad)
		}
	}
}

// TestCohortPages checks the paged per-case table and the JSON download of a cohort
// with its interaction matrix: the worker's JSON as sent, interactions included.
func TestCohortPages(t *testing.T) {
	s := cohortState()
	var js strings.Builder
	js.WriteString(`{"method":"gradient","modalities":["a","b"],"cohort":{"n":60,"modality_importance":{"a":0.5,"b":0.5},
 "modality_interactions":{"value":"v","class":"y","modalities":["a","b"],"matrix":[[0,0.1],[0.1,0]],"exact":true,"cases":60,"background_cases":20}},"cases":[`)
	for i := range 60 {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString(`{"row":` + strconv.Itoa(i+1) + `,"line":2,"label":null,"prediction":"y","probabilities":{"y":1},"explained_class":"y","modality_importance":{"a":0.5,"b":0.5}}`)
	}
	js.WriteString("]}")
	if err := s.SetCohortJSON([]byte(js.String())); err != nil {
		t.Fatal(err)
	}
	if s.cohortPages() != 3 {
		t.Fatalf("%d pages for 60 cases", s.cohortPages())
	}
	c := &CohortPanel{S: s}
	if r := s.cohortPageRows(); len(r) != cohortPageSize || r[0].Row != 1 || !c.firstPage() {
		t.Fatalf("first page %d rows from %d", len(r), r[0].Row)
	}
	c.OnNext(nil)
	c.OnNext(nil)
	c.OnNext(nil)
	if r := s.cohortPageRows(); len(r) != 10 || r[0].Row != 51 || !c.lastPage() || !strings.HasPrefix(c.more(), "Cases 51–60 of 60") {
		t.Fatalf("last page %d rows from %d, %q", len(r), r[0].Row, c.more())
	}
	c.OnPrev(nil)
	if r := s.cohortPageRows(); r[0].Row != 26 {
		t.Fatalf("page after Previous starts at row %d", r[0].Row)
	}
	if m := s.cohortInteractions(); len(m) != 2 || m[0].Cells[1].Text != "+0.100" {
		t.Fatalf("matrix %+v", m)
	}
	if note := c.matrixNote(); !strings.Contains(note, "log-odds of y") || !strings.Contains(note, "60 cases") || !strings.Contains(note, "20 cases of the CSV") {
		t.Errorf("matrix note %q", note)
	}
	dl, err := s.CohortJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dl), `"modality_interactions"`) || !strings.Contains(string(dl), `"background_cases": 20`) {
		t.Errorf("the download lost the interactions: %.400s", dl)
	}
	// A matrix that does not fit the layout is refused with the result.
	bad := strings.Replace(js.String(), `"modalities":["a","b"],"matrix"`, `"modalities":["a","z"],"matrix"`, 1)
	if err := cohortState().SetCohortJSON([]byte(bad)); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("a matrix without modality b: error %v", err)
	}
}

// TestClassGeneric checks that texts written for class 1 name the class the page
// explains, from the model's class names, or say the predicted class.
func TestClassGeneric(t *testing.T) {
	s := &State{Classes: []string{"none", "mild", "severe"}, Class: 2}
	if got := s.classGeneric("Mean absolute derivative of p(class 1); the log-odds of class 1."); got != "Mean absolute derivative of p(severe); the log-odds of severe." {
		t.Errorf("chosen class: %q", got)
	}
	s.Class = -1
	if got := s.classGeneric("p(class 1)"); got != "p(the predicted class)" {
		t.Errorf("predicted class: %q", got)
	}
}
