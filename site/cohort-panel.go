package site

import (
	"strconv"
	"strings"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"

	"github.com/fusionlens/fusionlens/engine"
)

// CohortPanel is cohort mode: the user chooses a CSV of cases with its image files and
// gets the cohort's modality importance and a per-case table, computed in a Web Worker
// from files that never leave the machine, with JSON and CSV downloads made in the page.
type CohortPanel struct {
	S *State
}

// OnFiles starts explaining the chosen files.
func (c *CohortPanel) OnFiles(e vugu.DOMEvent) {
	s := c.S
	defer catch(&s.Cohort.Err, "cohort mode")
	files := e.JSEventTarget().Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	if s.RunCohort == nil || s.modelData == nil {
		s.Cohort.Err = "Open a model first: cohort mode explains the cases with the open model."
		return
	}
	// The FileList goes to the worker as it is (structured-cloneable); the input is
	// cleared so the same files can be chosen again.
	n := files.Length()
	files = js.Global().Get("Array").Call("from", files) // the input's FileList empties below
	s.Cohort = CohortView{gen: s.Cohort.gen + 1, Busy: true, Files: n, Work: engine.Progress{What: "Starting the cohort worker"}}
	gen := s.Cohort.gen
	ee := e.EventEnv()
	model, method, class := s.modelData, s.MethodID, s.cohortClass()
	var out []byte
	async(ee, "cohort mode", func() error {
		var err error
		out, err = s.RunCohort(files, model, method, class, func(p engine.Progress) error {
			ee.Lock()
			defer ee.UnlockRender()
			if s.Cohort.gen != gen {
				return errStale
			}
			s.Cohort.Work = p
			return nil
		}, func(early []byte) error {
			ee.Lock()
			defer ee.UnlockRender()
			if s.Cohort.gen != gen {
				return errStale
			}
			if err := s.SetCohortJSON(early); err != nil {
				return err
			}
			s.Cohort.MatrixPending = s.Cohort.Result.Cohort.ModalityInteractions == nil
			s.Cohort.Work = engine.Progress{What: "Computing which modalities act together"}
			return nil
		})
		return err
	}, func(err error) {
		if s.Cohort.gen != gen {
			return
		}
		s.Cohort.Busy = false
		s.Cohort.MatrixPending = false
		if err == nil {
			err = s.SetCohortJSON(out)
		}
		if err != nil {
			s.Cohort.Err = err.Error()
		}
	})
	e.JSEventTarget().Set("value", "")
}

// OnSaveJSON downloads the cohort as JSON.
func (c *CohortPanel) OnSaveJSON(e vugu.DOMEvent) {
	defer catch(&c.S.Cohort.Err, "saving the cohort")
	b, err := c.S.CohortJSON()
	if err == nil {
		err = saveBytes("fusionlens-cohort.json", "application/json", b)
	}
	if err != nil {
		c.S.Cohort.Err = err.Error()
	}
}

// OnSaveCSV downloads the per-case table as CSV.
func (c *CohortPanel) OnSaveCSV(e vugu.DOMEvent) {
	defer catch(&c.S.Cohort.Err, "saving the cohort")
	b, err := c.S.CohortCSV()
	if err == nil {
		err = saveBytes("fusionlens-cohort.csv", "text/csv", b)
	}
	if err != nil {
		c.S.Cohort.Err = err.Error()
	}
}

func (c *CohortPanel) bars() []modalityBar { return c.S.cohortBars() }

func (c *CohortPanel) rows() []cohortRow { return c.S.cohortPageRows() }

func (c *CohortPanel) matrix() []interactionMatrixRow { return c.S.cohortInteractions() }

// matrixNote says what the interaction matrix reads, for how many cases, and its
// strongest pair.
func (c *CohortPanel) matrixNote() string {
	in := c.S.Cohort.Result.Cohort.ModalityInteractions
	s := "Shapley interaction index of the log-odds of " + in.Class + " against the other classes, the mean over " +
		strconv.Itoa(in.Cases) + " cases; absent modalities take the values of " + strconv.Itoa(in.Background) +
		" cases of the CSV. Positive: the two modalities reinforce each other; negative: they stand in for each other."
	if se, ok := cohortMatrixSE(in); ok {
		s += " Those cases are a sample of the CSV's: each value carries a standard error from it (in the cell's description), at most ±" +
			strconv.FormatFloat(se, 'f', 3, 64) + " here; a value within about twice its error of 0 may have either sign."
	}
	if in.Strongest != "" {
		a, b, _ := strings.Cut(in.Strongest, "|")
		s += " Strongest pair: " + c.S.modLabel(a) + " with " + c.S.modLabel(b) + "."
	}
	if !in.Exact {
		s += " Sampled, not exact (more than 8 modalities)."
	}
	return s
}

// OnPrev shows the previous page of the per-case table.
func (c *CohortPanel) OnPrev(e vugu.DOMEvent) { c.S.Cohort.Page = max(c.S.Cohort.Page-1, 0) }

// OnNext shows the next page of the per-case table.
func (c *CohortPanel) OnNext(e vugu.DOMEvent) {
	c.S.Cohort.Page = min(c.S.Cohort.Page+1, c.S.cohortPages()-1)
}

func (c *CohortPanel) paged() bool { return c.S.cohortPages() > 1 }

func (c *CohortPanel) firstPage() bool { return c.S.Cohort.Page <= 0 }

func (c *CohortPanel) lastPage() bool { return c.S.Cohort.Page >= c.S.cohortPages()-1 }

func (c *CohortPanel) viewBox() string {
	return "0 0 " + strconv.Itoa(modalityChartW) + " " + strconv.Itoa(len(c.S.Mods)*modalityRowH)
}

func (c *CohortPanel) summary() string {
	r := c.S.Cohort.Result
	s := strconv.Itoa(r.Cohort.N) + " cases, method " + r.Method
	switch {
	case r.Class != "":
		s += ", class " + r.Class + " for every case"
	case r.Cohort.Class != "":
		s += ", class " + r.Cohort.Class + " (predicted most often; this method scores the cohort only)"
	default:
		s += ", each case's predicted class"
	}
	return s
}

func (c *CohortPanel) more() string {
	r := c.S.Cohort.Result
	if r == nil || len(r.Cases) <= cohortPageSize {
		return ""
	}
	lo := c.S.Cohort.Page * cohortPageSize
	return "Cases " + strconv.Itoa(lo+1) + "–" + strconv.Itoa(min(lo+cohortPageSize, len(r.Cases))) + " of " + strconv.Itoa(len(r.Cases)) + "; the downloads hold them all."
}

func (c *CohortPanel) workText() string {
	w := c.S.Cohort.Work
	if w.Total > 0 {
		return w.What + ": " + strconv.Itoa(w.Done) + " / " + strconv.Itoa(w.Total)
	}
	return w.What + "…"
}

func (c *CohortPanel) workMax() int { return max(c.S.Cohort.Work.Total, 1) }

// pendingText says the matrix is being computed, and how far it is.
func (c *CohortPanel) pendingText() string {
	s := "Computing the cohort's modality interactions"
	if w := c.S.Cohort.Work; w.Total > 0 {
		s += ": " + strconv.Itoa(w.Done) + " of " + strconv.Itoa(w.Total) + " cases"
	}
	return s + "… The importance and the table above are complete; the downloads hold them now, and the matrix once it is done."
}
