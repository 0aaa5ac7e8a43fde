package site

import (
	"encoding/json"
	"strings"
	"testing"
)

// cohortState is a state with the layout of two modalities a and b.
func cohortState() *State {
	s := &State{Mods: []ModInfo{{ID: "a", Label: "A", Class: "mod-a"}, {ID: "b", Label: "B", Class: "mod-b"}}}
	return s
}

const cohortJSON = `{"method":"gradient","modalities":["a","b"],
 "cohort":{"n":2,"modality_importance":{"a":0.75,"b":0.25}},
 "cases":[{"row":1,"line":2,"label":"x","prediction":"y","probabilities":{"x":0.4,"y":0.6},"explained_class":"y","modality_importance":{"a":0.5,"b":0.5}},
          {"row":2,"line":3,"label":null,"prediction":"=x","probabilities":{"=x":0.9,"y":0.1},"explained_class":"=x","modality_importance":{"a":1,"b":0}}]}`

// TestCohortView checks the chart rows, the table rows and the two downloads of a cohort
// result, and that a result missing a modality of the layout is refused.
func TestCohortView(t *testing.T) {
	s := cohortState()
	if err := s.SetCohortJSON([]byte(cohortJSON)); err != nil {
		t.Fatal(err)
	}
	bars := s.cohortBars()
	if len(bars) != 2 || bars[0].ID != "a" || bars[0].Value != "0.7500" || bars[1].Percent != "25.0 %" {
		t.Fatalf("bars %+v", bars)
	}
	rows := s.cohortRows(1)
	if len(rows) != 1 || rows[0].Row != 1 || rows[0].P != "0.600" || rows[0].Cells[1].Text != "50.0 %" || rows[0].Cells[0].Value != "0.500000" {
		t.Fatalf("rows %+v", rows)
	}
	if r := s.cohortRows(0); len(r) != 2 || r[1].Label != "–" {
		t.Fatalf("all rows %+v", r)
	}
	csv, err := s.CohortCSV()
	if err != nil {
		t.Fatal(err)
	}
	// A leading "=" is defused for spreadsheets.
	want := "row,label,prediction,p_prediction,explained_class,a,b\n1,x,y,0.6,y,0.5,0.5\n2,,'=x,0.9,'=x,1,0\ncohort,,,,,0.75,0.25\n"
	if string(csv) != want {
		t.Errorf("CSV\n%s\nwant\n%s", csv, want)
	}
	js, err := s.CohortJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back CohortResult
	if err := json.Unmarshal(js, &back); err != nil || back.Cohort.ModalityImportance["a"] != 0.75 || len(back.Cases) != 2 || back.Cases[1].Label != nil {
		t.Errorf("JSON download %s: %v", js, err)
	}

	s2 := cohortState()
	s2.Mods = append(s2.Mods, ModInfo{ID: "c"})
	if err := s2.SetCohortJSON([]byte(cohortJSON)); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("a result without modality c: error %v", err)
	}
	if err := s2.SetCohortJSON([]byte(`{"cohort":{"n":3},"cases":[]}`)); err == nil {
		t.Error("n 3 with no cases accepted")
	}
	if _, err := s2.CohortCSV(); err == nil {
		t.Error("a CSV without a result")
	}
}

// TestCohortEarlyThenMatrix checks the two answers of one cohort: the early one (no
// matrix) is shown with its table and downloads, the page of the table the user turned
// to stays when the matrix completes the same cohort, and the matrix then shows.
func TestCohortEarlyThenMatrix(t *testing.T) {
	s := cohortState()
	if err := s.SetCohortJSON([]byte(cohortJSON)); err != nil {
		t.Fatal(err)
	}
	if s.cohortInteractions() != nil {
		t.Fatal("a matrix without one in the answer")
	}
	if b, err := s.CohortJSON(); err != nil || !strings.Contains(string(b), `"modality_importance"`) {
		t.Fatalf("the early download: %s, %v", b, err)
	}
	s.Cohort.Page = 1
	full := strings.Replace(cohortJSON, `"cohort":{"n":2,`, `"cohort":{"n":2,"modality_interactions":{"value":"v","class":"y","modalities":["a","b"],"index":{"a|b":0.2},"shares":{"a|b":1},"matrix":[[0,0.2],[0.2,0]],"strongest":"a|b","exact":true,"cases":2,"background_cases":2},`, 1)
	if err := s.SetCohortJSON([]byte(full)); err != nil {
		t.Fatal(err)
	}
	if s.Cohort.Page != 1 {
		t.Errorf("the matrix of the same cohort moved the table to page %d", s.Cohort.Page)
	}
	rows := s.cohortInteractions()
	if len(rows) != 2 || rows[0].Cells[1].Value != 0.2 {
		t.Fatalf("matrix rows %+v", rows)
	}
	if strings.Contains(rows[0].Cells[1].Label, "±") {
		t.Errorf("a matrix without background errors shows one: %q", rows[0].Cells[1].Label)
	}
	withSE := strings.Replace(full, `"exact":true,`, `"exact":true,"background_se":{"a|b":0.0312},`, 1)
	if err := s.SetCohortJSON([]byte(withSE)); err != nil {
		t.Fatal(err)
	}
	rows = s.cohortInteractions()
	if l := rows[1].Cells[0].Label; !strings.Contains(l, "± 0.031") {
		t.Errorf("cell b|a label %q, want its standard error", l)
	}
	if note := (&CohortPanel{S: s}).matrixNote(); !strings.Contains(note, "±0.031") {
		t.Errorf("matrix note %q, want the largest standard error", note)
	}
	if b, err := s.CohortJSON(); err != nil || !strings.Contains(string(b), `"modality_interactions"`) {
		t.Errorf("the download after the matrix: %s, %v", b, err)
	}
	other := strings.Replace(cohortJSON, `"n":2`, `"n":1`, 1)
	other = other[:strings.Index(other, `,
          {"row":2`)] + "]}"
	if err := s.SetCohortJSON([]byte(other)); err != nil {
		t.Fatal(err)
	}
	if s.Cohort.Page != 0 {
		t.Errorf("another cohort kept page %d", s.Cohort.Page)
	}
	c := &CohortPanel{S: s}
	s.Cohort.Work.Done, s.Cohort.Work.Total = 300, 1000
	if txt := c.pendingText(); !strings.Contains(txt, "300 of 1000 cases") {
		t.Errorf("pending text %q", txt)
	}
}
