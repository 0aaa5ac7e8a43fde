package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modelfile"
)

// CohortResult is what explain reports for a CSV of cases (-cases), and its JSON form.
type CohortResult struct {
	Model  ModelInfo  `json:"model"`
	Cases  string     `json:"cases_file"`
	Method MethodInfo `json:"method"`
	// Class is the class explained for every case (-class), or "" when each case is
	// explained for its predicted class.
	Class   string      `json:"class,omitempty"`
	Cohort  CohortItem  `json:"cohort"`
	PerCase []CaseEntry `json:"cases"`
}

// CohortItem is the cohort's importance: each modality's share (summing to 1).
type CohortItem struct {
	N                  int                `json:"n"`
	Class              string             `json:"class,omitempty"` // for methods that score only a cohort: the class they scored
	ModalityImportance map[string]float64 `json:"modality_importance"`
	// ModalityInteractions are the cohort's modality interactions (cases_interact.go).
	ModalityInteractions *Interactions `json:"modality_interactions,omitempty"`
	// ModalityImportanceInterval is each share's interval as [lo, hi], and RankSupported
	// whether the intervals support each modality's rank (see Uncertainty); absent with
	// -resamples 0.
	ModalityImportanceInterval map[string]importance.Interval `json:"modality_importance_interval,omitempty"`
	RankSupported              map[string]bool                `json:"rank_supported,omitempty"`
	Uncertainty                *Uncertainty                   `json:"uncertainty,omitempty"`
}

// CaseEntry is one case (one CSV row) explained.
type CaseEntry struct {
	Row           int                `json:"row"`  // 1-based data row of the CSV (the header is row 0)
	Line          int                `json:"line"` // its line in the file
	Label         *string            `json:"label"`
	Prediction    string             `json:"prediction"`
	Probabilities map[string]float64 `json:"probabilities"`
	Class         string             `json:"explained_class"`
	// ModalityImportance is the case's |attribution| per modality, normalised to sum 1;
	// absent for methods that score only a cohort.
	ModalityImportance map[string]float64 `json:"modality_importance,omitempty"`
	// ModalityInteractions are the case's modality interactions, with -row only.
	ModalityInteractions *Interactions `json:"modality_interactions,omitempty"`
	// ModalityImportanceInterval, RankSupported and Uncertainty are the case's intervals
	// over its background and sampling seed, with -case-intervals or -row.
	ModalityImportanceInterval map[string]importance.Interval `json:"modality_importance_interval,omitempty"`
	RankSupported              map[string]bool                `json:"rank_supported,omitempty"`
	Uncertainty                *Uncertainty                   `json:"uncertainty,omitempty"`
}

// progress reports on stderr at most once a second, then a final line.
type progress struct {
	w     io.Writer
	what  string
	start time.Time
	last  time.Time
}

func (p *progress) report(done, total int) {
	now := time.Now()
	if p.start.IsZero() {
		p.start, p.last = now, now
	}
	if done < total && now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	if done == total && now.Sub(p.start) < time.Second {
		return // quick: no need to say
	}
	fmt.Fprintf(p.w, "explain: %s %d of %d\n", p.what, done, total)
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

// explainCases explains every case of -cases (or the one of -row) and the cohort.
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
	classIdx := -1
	if o.class != "" {
		if classIdx = casefile.ClassIndex(s.Classes, o.class); classIdx < 0 {
			return usagef("-class %q: the model's classes are %s", o.class, strings.Join(s.Classes, ", "))
		}
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
	lp := &progress{w: stderr, what: "read the images of case"}
	cases, err := casefile.Load(tab, s, casefile.LoadOptions{Rows: rows, Resize: o.resize, Unlabelled: true, Progress: lp.report})
	if err != nil {
		return usagef("-cases: %w", err)
	}
	cfg := net.Config()
	dim, k := cfg.Dim(), cfg.Classes()
	d := fusion.Dataset{N: cases.N, Inputs: cases.Images, Clinical: cases.Tabular, Labels: make([]int, cases.N)}
	z, probs, err := net.Clone(min(cases.N, 256)).EmbedProbs(d)
	if err != nil {
		return err
	}
	mods := modalitiesOf(cfg)
	names := make([]string, len(mods))
	for i, md := range mods {
		names[i] = md.Name
	}
	base, err := fusion.HeadOf(net)
	if err != nil {
		return err
	}
	heads := make([]importance.Head, k)
	for c := range heads {
		if heads[c], err = base.ForClass(c); err != nil {
			return err
		}
	}
	// The background: a seeded sample of at most -background of the CSV's own cases
	// (all of them for a single row: the whole file is read for it).
	var bg importance.Cohort
	if explainer.NeedsReference(m.Name) {
		if bg, err = casesBackground(o, tab, cases, net, s.Classes); err != nil {
			return err
		}
	}

	ibg := bg // the modality interactions always need a background
	if ibg.N == 0 {
		if ibg, err = casesBackground(o, tab, cases, net, s.Classes); err != nil {
			return err
		}
	}

	res := &CohortResult{
		Model: ModelInfo{Path: path, DataSource: meta.DataSource, TestAccuracy: meta.TestAccuracy, Command: meta.Command},
		Cases: o.cases, Method: MethodInfo{Name: m.Name, Label: m.Label, Description: m.Description, Background: bg.N},
	}
	if classIdx >= 0 {
		res.Class = s.Classes[classIdx]
	}
	sum := make([]float64, len(mods))
	var scores []float64 // each case's |attribution| per modality, for the cohort's interval
	caseIntervals := o.resamples > 0 && (o.caseIntervals || o.row > 0)
	ep := &progress{w: stderr, what: "explained case"}
	for i := range cases.N {
		p := probs[i*k : (i+1)*k]
		pred := argmax(p)
		e := CaseEntry{Row: cases.Rows[i] + 1, Line: tab.Lines[cases.Rows[i]], Prediction: s.Classes[pred], Probabilities: map[string]float64{}}
		for c, v := range p {
			e.Probabilities[s.Classes[c]] = float64(v)
		}
		if l := cases.Labels[i]; l >= 0 {
			e.Label = &s.Classes[l]
		}
		class := pred
		if classIdx >= 0 {
			class = classIdx
		}
		e.Class = s.Classes[class]
		if m.Local != nil {
			a, u, err := explainLocal(m.Local, heads[class], mods, z[i*dim:(i+1)*dim], bg, o, caseIntervals)
			if err != nil {
				return fmt.Errorf("row %d: %w", e.Row, err)
			}
			share := a.Importance().Modalities
			e.ModalityImportance = named(names, share)
			if u != nil {
				e.ModalityImportanceInterval, e.RankSupported = namedIntervals(names, u)
				e.Uncertainty = newUncertainty(*u, names)
			}
			for j, v := range a.Modalities {
				sum[j] += math.Abs(v)
				scores = append(scores, math.Abs(v))
			}
		}
		if o.row > 0 {
			if e.ModalityInteractions, err = casesInteractions(heads[class], mods, z[i*dim:(i+1)*dim], 1, ibg, e.Class, o); err != nil {
				return fmt.Errorf("row %d: %w", e.Row, err)
			}
		}
		res.PerCase = append(res.PerCase, e)
		ep.report(i+1, cases.N)
	}
	res.Cohort.N = cases.N
	if m.Local != nil {
		res.Cohort.ModalityImportance = named(names, importance.Normalize(sum))
		if err := cohortIntervals(&res.Cohort, names, scores, cases.N, o); err != nil {
			return err
		}
	} else {
		// A method that scores only a cohort scores one class: -class, else the class
		// predicted most often.
		class := classIdx
		if class < 0 {
			count := make([]int, k)
			for i := range cases.N {
				count[argmax(probs[i*k:(i+1)*k])]++
			}
			class = argmaxInt(count)
		}
		c := importance.Cohort{Z: z, N: cases.N}
		if all(cases.Labels, func(l int) bool { return l >= 0 }) {
			c.Labels = make([]int, cases.N)
			for i, l := range cases.Labels {
				if l == class {
					c.Labels[i] = 1
				}
			}
		}
		imp, u, err := explainGlobal(m.Global, heads[class], mods, c, o, stderr)
		if err != nil {
			return err
		}
		res.Cohort.Class = s.Classes[class]
		res.Cohort.ModalityImportance = named(names, importance.Normalize(imp.Modalities))
		setCohortIntervals(&res.Cohort, names, u)
	}
	ic := cohortInteractionClass(classIdx, k, probs, cases.N)
	if res.Cohort.ModalityInteractions, err = casesInteractions(heads[ic], mods, z, cases.N, ibg, s.Classes[ic], o); err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return writeCohortTable(stdout, res, names)
}

// backgroundStream is the PCG stream of the background sample of a CSV's cases.
const backgroundStream = 0x62676361736573 // "bgcases"

// casesBackground encodes a seeded sample of at most -background cases of the table.
func casesBackground(o options, tab *casefile.Table, cases *casefile.Cases, net *fusion.Net, classes []string) (importance.Cohort, error) {
	perm := rand.New(rand.NewPCG(o.seed, backgroundStream)).Perm(len(tab.Rows))
	rows := perm[:min(len(perm), o.background)]
	var bgCases *casefile.Cases
	if len(cases.Rows) == len(tab.Rows) {
		bgCases = cases.Subset(rows) // every row is loaded already, in table order
	} else {
		var err error
		if bgCases, err = casefile.Load(tab, net.Schema(), casefile.LoadOptions{Rows: rows, Resize: o.resize, Unlabelled: true}); err != nil {
			return importance.Cohort{}, usagef("-cases (background): %w", err)
		}
	}
	d := fusion.Dataset{N: bgCases.N, Inputs: bgCases.Images, Clinical: bgCases.Tabular, Labels: make([]int, bgCases.N)}
	z, _, err := net.Clone(min(bgCases.N, 256)).EmbedProbs(d)
	if err != nil {
		return importance.Cohort{}, err
	}
	return importance.Cohort{Z: z, N: bgCases.N}, nil
}

// modalitiesOf returns the fusion vector's modalities for the importance methods.
func modalitiesOf(cfg fusion.Config) []importance.Modality {
	var out []importance.Modality
	blocks := cfg.Blocks()
	for i, md := range cfg.Modalities() {
		out = append(out, importance.Modality{Name: md.Name, Start: blocks[i][0], End: blocks[i][1]})
	}
	return out
}

func named(names []string, v []float64) map[string]float64 {
	out := make(map[string]float64, len(names))
	for i, n := range names {
		out[n] = v[i]
	}
	return out
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func argmaxInt(v []int) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func all(v []int, ok func(int) bool) bool {
	for _, x := range v {
		if !ok(x) {
			return false
		}
	}
	return true
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
