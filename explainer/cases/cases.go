// Package cases explains a CSV of a user's cases with their network: every case's
// modality importance and the cohort's, as cmd/explain -cases reports them. The page's
// cohort mode runs it in a Web Worker (wasm/check) over the files the user chose, so
// nothing leaves the machine.
package cases

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// Options say how the cases are explained.
type Options struct {
	Method string // an importance method's name; "" for the paper's gradient
	// Class is the class explained for every case; "" for each case's predicted class.
	Class string
	// Background is the most cases of the CSV itself encoded as the background of methods
	// that need one (a seeded sample); 0 means 200, cmd/explain's default.
	Background int
	Seed       uint64 // of the background sample and of random methods; cmd/explain's default is 1
	// Resize resamples images of another size than the model's input.
	Resize bool
	// Progress, if not nil, is called with what is being done, how many of how many; an
	// error from it stops the work and is returned.
	Progress func(what string, done, total int) error
}

// Result is the explanation of a CSV of cases. Its JSON has the shape of cmd/explain
// -cases -json's "cohort" and "cases".
type Result struct {
	Method     string   `json:"method"`
	Modalities []string `json:"modalities"` // the fusion vector's modalities, in order
	Class      string   `json:"class,omitempty"`
	Cohort     Cohort   `json:"cohort"`
	Cases      []Case   `json:"cases"`
}

// Cohort is the cohort's importance: each modality's share, summing to 1.
type Cohort struct {
	N                  int                `json:"n"`
	Class              string             `json:"class,omitempty"` // for methods that score only a cohort: the class they scored
	ModalityImportance map[string]float64 `json:"modality_importance"`
}

// Case is one CSV row explained.
type Case struct {
	Row           int                `json:"row"`  // 1-based data row (the header is row 0)
	Line          int                `json:"line"` // its line in the file
	Label         *string            `json:"label"`
	Prediction    string             `json:"prediction"`
	Probabilities map[string]float64 `json:"probabilities"`
	Class         string             `json:"explained_class"`
	// ModalityImportance is the case's |attribution| per modality normalised to sum 1;
	// nil for methods that score only a cohort.
	ModalityImportance map[string]float64 `json:"modality_importance,omitempty"`
}

// encodeBatch is how many cases are encoded at once.
const encodeBatch = 256

// errStopped wraps the error of a Progress that asked to stop.
var errStopped = errors.New("stopped")

// backgroundStream is the PCG stream of the background sample (cmd/explain's).
const backgroundStream = 0x62676361736573 // "bgcases"

// Explain explains every row of tab with net. Errors about the data are
// *casefile.Error values naming the row and column.
func Explain(net *fusion.Net, tab *casefile.Table, o Options) (*Result, error) {
	if o.Method == "" {
		o.Method = "gradient"
	}
	if o.Background <= 0 {
		o.Background = 200
	}
	progress := func(what string, done, total int) error {
		if o.Progress == nil {
			return nil
		}
		if err := o.Progress(what, done, total); err != nil {
			return fmt.Errorf("%w: %w", errStopped, err)
		}
		return nil
	}
	m, err := importance.MethodByName(o.Method)
	if err != nil {
		return nil, err
	}
	if m.Name == "reference_gradient" {
		return nil, errors.New("the reference gradient needs the synthetic world's reference features; it cannot explain a CSV of cases")
	}
	s := net.Schema()
	classIdx := -1
	if o.Class != "" {
		if classIdx = casefile.ClassIndex(s.Classes, o.Class); classIdx < 0 {
			return nil, fmt.Errorf("class %q: the model's classes are %s", o.Class, strings.Join(s.Classes, ", "))
		}
	}
	var perr error
	cs, err := casefile.Load(tab, s, casefile.LoadOptions{Resize: o.Resize, Unlabelled: true, Progress: func(done, total int) {
		if perr == nil {
			perr = progress("read the images of case", done, total)
		}
	}})
	if err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, perr
	}
	if cs.N == 0 {
		return nil, errors.New("the CSV has no cases")
	}
	if err := progress("encode the cases", 0, 1); err != nil {
		return nil, err
	}
	cfg := net.Config()
	dim, k := cfg.Dim(), cfg.Classes()
	z, probs, err := net.EmbedFolded(fusion.Dataset{N: cs.N, Inputs: cs.Images, Clinical: cs.Tabular, Labels: make([]int, cs.N)}, encodeBatch)
	if err != nil {
		return nil, err
	}
	var mods []importance.Modality
	var names []string
	blocks := cfg.Blocks()
	for i, md := range cfg.Modalities() {
		mods = append(mods, importance.Modality{Name: md.Name, Start: blocks[i][0], End: blocks[i][1]})
		names = append(names, md.Name)
	}
	base, err := fusion.HeadOf(net)
	if err != nil {
		return nil, err
	}
	heads := make([]importance.Head, k)
	for c := range heads {
		if heads[c], err = base.ForClass(c); err != nil {
			return nil, err
		}
	}
	var bg importance.Cohort
	if explainer.NeedsReference(m.Name) {
		bg = background(z, dim, cs.N, o)
	}

	res := &Result{Method: m.Name, Modalities: names}
	if classIdx >= 0 {
		res.Class = s.Classes[classIdx]
	}
	sum := make([]float64, len(mods))
	for i := range cs.N {
		p := probs[i*k : (i+1)*k]
		pred := argmax(p)
		e := Case{Row: cs.Rows[i] + 1, Line: tab.Lines[cs.Rows[i]], Prediction: s.Classes[pred], Probabilities: map[string]float64{}}
		for c, v := range p {
			e.Probabilities[s.Classes[c]] = float64(v)
		}
		if l := cs.Labels[i]; l >= 0 {
			e.Label = &s.Classes[l]
		}
		class := pred
		if classIdx >= 0 {
			class = classIdx
		}
		e.Class = s.Classes[class]
		if m.Local != nil {
			a, err := m.Local(heads[class], mods, z[i*dim:(i+1)*dim], bg, importance.Options{Seed: o.Seed})
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", e.Row, err)
			}
			e.ModalityImportance = named(names, a.Importance().Modalities)
			for j, v := range a.Modalities {
				sum[j] += math.Abs(v)
			}
		}
		res.Cases = append(res.Cases, e)
		if err := progress("explain case", i+1, cs.N); err != nil {
			return nil, err
		}
	}
	res.Cohort.N = cs.N
	if m.Local != nil {
		res.Cohort.ModalityImportance = named(names, importance.Normalize(sum))
		return res, nil
	}
	// A method that scores only a cohort scores one class: Class, else the class
	// predicted most often.
	class := classIdx
	if class < 0 {
		count := make([]int, k)
		for i := range cs.N {
			count[argmax(probs[i*k:(i+1)*k])]++
		}
		class = 0
		for c, n := range count {
			if n > count[class] {
				class = c
			}
		}
	}
	c := importance.Cohort{Z: z, N: cs.N}
	labelled := true
	for _, l := range cs.Labels {
		labelled = labelled && l >= 0
	}
	if labelled {
		c.Labels = make([]int, cs.N)
		for i, l := range cs.Labels {
			if l == class {
				c.Labels[i] = 1
			}
		}
	}
	imp, err := m.Global(heads[class], mods, c, importance.Options{Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	res.Cohort.Class = s.Classes[class]
	res.Cohort.ModalityImportance = named(names, importance.Normalize(imp.Modalities))
	return res, nil
}

// background is the background cohort of the methods that need one: a seeded sample of
// at most o.Background of the n cases, in the order drawn, their fusion vectors taken
// from z (every row of the table is encoded already, in table order), as cmd/explain
// -cases draws it.
func background(z []float32, dim, n int, o Options) importance.Cohort {
	perm := rand.New(rand.NewPCG(o.Seed, backgroundStream)).Perm(n)
	rows := perm[:min(n, o.Background)]
	bz := make([]float32, 0, len(rows)*dim)
	for _, r := range rows {
		bz = append(bz, z[r*dim:(r+1)*dim]...)
	}
	return importance.Cohort{Z: bz, N: len(rows)}
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
