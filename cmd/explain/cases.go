package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/explainer/cases"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modelfile"
)

// CohortResult is what explain reports for a CSV of cases (-cases), and its JSON form:
// the model, the file and the method, then explainer/cases's cohort and cases.
type CohortResult struct {
	Model  ModelInfo  `json:"model"`
	Cases  string     `json:"cases_file"`
	Method MethodInfo `json:"method"`
	// Class is the class explained for every case (-class), or "" when each case is
	// explained for its predicted class.
	Class   string       `json:"class,omitempty"`
	Cohort  cases.Cohort `json:"cohort"`
	PerCase []cases.Case `json:"cases"`
}

// progress reports on stderr at most once a second per kind of work, then a final line.
type progress struct {
	w     io.Writer
	what  string
	start time.Time
	last  time.Time
}

func (p *progress) report(what string, done, total int) error {
	now := time.Now()
	if what != p.what {
		p.what, p.start, p.last = what, now, now
	}
	if done < total && now.Sub(p.last) < time.Second {
		return nil
	}
	p.last = now
	if done == total && now.Sub(p.start) < time.Second {
		return nil // quick: no need to say
	}
	fmt.Fprintf(p.w, "explain: %s %d of %d\n", p.what, done, total)
	return nil
}

// loadAnyModel reads -model, or the shipped model of -shipped, of any shape.
func loadAnyModel(o options) (*fusion.Net, modelfile.Meta, string, error) {
	if o.model != "" {
		net, meta, err := fusion.Load(o.model)
		if err != nil {
			return nil, meta, "", usagef("-model: %w", err)
		}
		return net, meta, o.model, nil
	}
	p := o
	p.model = ""
	return loadModel(p)
}

// explainCases explains every case of -cases (or the one of -row) and the cohort with
// explainer/cases, and prints the result.
func explainCases(o options, stdout, stderr io.Writer) error {
	m, err := importance.MethodByName(o.method)
	if err != nil {
		return usagef("-method: %w", err)
	}
	if m.Name == "reference_gradient" {
		return usagef("-method reference_gradient needs the synthetic world's reference features; it cannot explain a CSV of cases")
	}
	net, meta, path, err := loadAnyModel(o)
	if err != nil {
		return err
	}
	s := net.Schema()
	if o.class != "" && casefile.ClassIndex(s.Classes, o.class) < 0 {
		return usagef("-class %q: the model's classes are %s", o.class, strings.Join(s.Classes, ", "))
	}
	tab, err := casefile.Read(o.cases, casefile.Limits{})
	if err != nil {
		return usagef("-cases: %w", err)
	}
	var rows []int
	if o.row > 0 {
		if o.row > len(tab.Rows) {
			return usagef("-row %d: %s has %d rows of cases", o.row, o.cases, len(tab.Rows))
		}
		rows = []int{o.row - 1}
	}
	r, err := cases.Explain(net, tab, cases.Options{Method: m.Name, Class: o.class, Background: o.background, Seed: o.seed, Resize: o.resize,
		Progress: (&progress{w: stderr}).report, Rows: rows, Resamples: o.resamples, CaseIntervals: o.caseIntervals || o.row > 0,
		Interactions: true, CaseInteractions: o.row > 0})
	var ce *casefile.Error
	if errors.As(err, &ce) {
		return usagef("-cases: %w", err)
	}
	if err != nil {
		return err
	}
	res := &CohortResult{
		Model: ModelInfo{Path: path, DataSource: meta.DataSource, TestAccuracy: meta.TestAccuracy, Command: meta.Command},
		Cases: o.cases, Method: MethodInfo{Name: m.Name, Label: m.Label, Description: m.Description, Background: r.Background},
		Class: r.Class, Cohort: r.Cohort, PerCase: r.Cases,
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeCohortTable(stdout, res, r.Modalities)
}

// writeCohortTable prints a cohort result for a person: the cohort's shares, then one line
// per case.
func writeCohortTable(w io.Writer, r *CohortResult, names []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "model     %s\ncases     %s (%d)\nmethod    %s: %s\n", r.Model.Path, r.Cases, r.Cohort.N, r.Method.Label, r.Method.Description)
	if r.Method.Background > 0 {
		fmt.Fprintf(&b, "          background: %d cases of the CSV encoded by the model\n", r.Method.Background)
	}
	switch {
	case r.Class != "":
		fmt.Fprintf(&b, "class     %s (every case)\n", r.Class)
	case r.Cohort.Class != "":
		fmt.Fprintf(&b, "class     %s (the class predicted most often; this method scores the cohort only)\n", r.Cohort.Class)
	default:
		b.WriteString("class     each case's predicted class\n")
	}
	fmt.Fprintf(&b, "\ncohort modality importance\n")
	for _, n := range names {
		v := r.Cohort.ModalityImportance[n]
		fmt.Fprintf(&b, "  %-20s %6.1f%%", n, 100*v)
		if iv, ok := r.Cohort.ModalityImportanceInterval[n]; ok {
			sup := r.Cohort.RankSupported[n]
			fmt.Fprintf(&b, "  %-16s", intervalCell(iv, &sup))
		}
		fmt.Fprintf(&b, "  %s\n", strings.Repeat("#", int(math.Round(40*v))))
	}
	writeUncertaintyNote(&b, r.Cohort.Uncertainty, "  ")
	width := 10 // a share column: "%9.1f%%", or with the case's interval " 47.0% [40.1, 52.3]~"
	for _, c := range r.PerCase {
		if c.ModalityImportanceInterval != nil {
			width = 24
		}
	}
	if in := r.Cohort.ModalityInteractions; in != nil {
		fmt.Fprintf(&b, "\ncohort: %s", in.Value)
		writeInteractions(&b, in)
	}
	fmt.Fprintf(&b, "\n%5s  %-12s %-12s %7s", "row", "label", "prediction", "p")
	for _, n := range names {
		fmt.Fprintf(&b, " %*s", width, clip(n, width))
	}
	b.WriteString("\n")
	for _, c := range r.PerCase {
		label := "-"
		if c.Label != nil {
			label = *c.Label
		}
		fmt.Fprintf(&b, "%5d  %-12s %-12s %7.4f", c.Row, clip(label, 12), clip(c.Prediction, 12), c.Probabilities[c.Prediction])
		for _, n := range names {
			if c.ModalityImportance == nil {
				fmt.Fprintf(&b, " %*s", width, "-")
				continue
			}
			cell := fmt.Sprintf("%.1f%%", 100*c.ModalityImportance[n])
			if iv, ok := c.ModalityImportanceInterval[n]; ok {
				sup := c.RankSupported[n]
				cell += " " + intervalCell(iv, &sup)
			}
			fmt.Fprintf(&b, " %*s", width, cell)
		}
		b.WriteString("\n")
	}
	switch {
	case width > 10:
		for _, c := range r.PerCase {
			if c.Uncertainty != nil {
				writeUncertaintyNote(&b, c.Uncertainty, "")
				break
			}
		}
	case r.Cohort.Uncertainty != nil && len(r.PerCase) > 0 && r.PerCase[0].ModalityImportance != nil:
		b.WriteString("each case's shares without an interval: -case-intervals gives them, at -resamples more runs of the method per case\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
