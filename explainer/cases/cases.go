// Package cases explains a CSV of a user's cases with their network: every case's
// modality importance and the cohort's, with, on request, bootstrap intervals and rank
// support (package importance) and the modality interactions of the cohort and of each
// case. It is the one place that does this: cmd/explain -cases prints its Result, and the
// page's cohort mode runs it in a Web Worker (wasm/check) over the files the user chose,
// so nothing leaves the machine.
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

// Options say how the cases are explained. The zero value of every field after Progress
// asks for no extra work: the page's cohort mode leaves them so.
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

	// Rows, if not nil, are the rows explained (0-based indices into the table's rows, in
	// order); nil explains every row. The background is sampled from every row either way.
	Rows []int
	// Resamples is the number of bootstrap resamples behind the cohort's interval and
	// rank support (Cohort.ModalityImportanceInterval, RankSupported, Uncertainty): of the
	// cases' scores for a per-case method, of more runs of the method on resampled cases
	// for a cohort-only one. 0 gives no intervals; otherwise at least 2.
	Resamples int
	// CaseIntervals gives every case an interval too, over its background and sampling
	// seed (importance.LocalInterval): Resamples more runs of the method per case. It
	// needs Resamples > 0.
	CaseIntervals bool
	// Interactions adds the cohort's modality interactions (Cohort.ModalityInteractions):
	// the log-odds of one class against the rest (Class; else class 1 of two; else the
	// class predicted most often), averaged over the cases, against the background sample
	// (or InteractionBackground of its cases), with the standard error that sample brings
	// (BackgroundSE).
	Interactions bool
	// InteractionBackground, when > 0, is the most background cases the cohort's
	// interactions use: a seeded sample of the background sample. Their cost is
	// proportional to it; the page's cohort mode uses fewer than the method's background
	// and states the standard error that costs.
	InteractionBackground int
	// CaseInteractions adds each case's modality interactions, for its explained class.
	CaseInteractions bool
	// Ready, if not nil, is called with the result as soon as the cohort's importance
	// and every case are explained, before the cohort's interactions (Interactions) are
	// computed: a caller can show them while the matrix is made (the page's cohort mode
	// does). The result it gets has no Cohort.ModalityInteractions yet; Explain then
	// completes the same *Result and returns it, so Ready must not keep it to read later
	// unless it waits for Explain. An error from Ready stops the work and is returned.
	Ready func(*Result) error
}

// Result is the explanation of a CSV of cases. Its JSON has the shape of cmd/explain
// -cases -json's "cohort" and "cases".
type Result struct {
	Method     string   `json:"method"`
	Modalities []string `json:"modalities"` // the fusion vector's modalities, in order
	Class      string   `json:"class,omitempty"`
	Cohort     Cohort   `json:"cohort"`
	Cases      []Case   `json:"cases"`
	// Background is the number of the CSV's cases in the method's background (0 for a
	// method that needs none).
	Background int `json:"background_cases,omitempty"`
}

// Cohort is the cohort's importance: each modality's share, summing to 1.
type Cohort struct {
	N                  int                `json:"n"`
	Class              string             `json:"class,omitempty"` // for methods that score only a cohort: the class they scored
	ModalityImportance map[string]float64 `json:"modality_importance"`
	// ModalityInteractions are the cohort's modality interactions (Options.Interactions).
	ModalityInteractions *Interactions `json:"modality_interactions,omitempty"`
	// ModalityImportanceInterval is each share's interval as [lo, hi], and RankSupported
	// whether the intervals support each modality's rank (see Uncertainty); absent
	// without Options.Resamples.
	ModalityImportanceInterval map[string]importance.Interval `json:"modality_importance_interval,omitempty"`
	RankSupported              map[string]bool                `json:"rank_supported,omitempty"`
	Uncertainty                *Uncertainty                   `json:"uncertainty,omitempty"`
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
	// ModalityInteractions are the case's modality interactions (Options.CaseInteractions).
	ModalityInteractions *Interactions `json:"modality_interactions,omitempty"`
	// ModalityImportanceInterval, RankSupported and Uncertainty are the case's intervals
	// over its background and sampling seed (Options.CaseIntervals).
	ModalityImportanceInterval map[string]importance.Interval `json:"modality_importance_interval,omitempty"`
	RankSupported              map[string]bool                `json:"rank_supported,omitempty"`
	Uncertainty                *Uncertainty                   `json:"uncertainty,omitempty"`
}

// encodeBatch is how many cases are encoded at once.
const encodeBatch = 256

// errStopped wraps the error of a Progress that asked to stop.
var errStopped = errors.New("stopped")

// backgroundStream is the PCG stream of the background sample.
const backgroundStream = 0x62676361736573 // "bgcases"

// Explain explains the rows of tab (every row, or Options.Rows) with net. Errors about
// the data are *casefile.Error values naming the row and column.
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
	if o.Resamples < 0 || o.Resamples == 1 {
		return nil, fmt.Errorf("resamples %d: want 0 (no intervals) or at least 2", o.Resamples)
	}
	for _, r := range o.Rows {
		if r < 0 || r >= len(tab.Rows) {
			return nil, fmt.Errorf("row %d: the CSV has %d rows of cases", r+1, len(tab.Rows))
		}
	}
	s := net.Schema()
	classIdx := -1
	if o.Class != "" {
		if classIdx = casefile.ClassIndex(s.Classes, o.Class); classIdx < 0 {
			return nil, fmt.Errorf("class %q: the model's classes are %s", o.Class, strings.Join(s.Classes, ", "))
		}
	}
	var perr error
	cs, err := casefile.Load(tab, s, casefile.LoadOptions{Rows: o.Rows, Resize: o.Resize, Unlabelled: true, Progress: func(done, total int) {
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
	z, probs, err := encode(net, cs)
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
	// The background: a seeded sample of at most o.Background of the CSV's own cases,
	// for the method if it needs one and for the interactions (which always do).
	var bg, ibg importance.Cohort
	if explainer.NeedsReference(m.Name) || o.Interactions || o.CaseInteractions {
		if ibg, err = background(net, tab, cs, z, o); err != nil {
			return nil, err
		}
		if explainer.NeedsReference(m.Name) {
			bg = ibg
		}
	}
	bo := importance.BootstrapOptions{Resamples: o.Resamples, Seed: o.Seed}

	res := &Result{Method: m.Name, Modalities: names, Background: bg.N}
	if classIdx >= 0 {
		res.Class = s.Classes[classIdx]
	}
	sum := make([]float64, len(mods))
	var scores []float64 // each case's |attribution| per modality, for the cohort's interval
	// The paper's gradient of every case at once, one Head call per class explained
	// (a call per case costs more in setting up than in the gradient).
	var grads []importance.Attribution
	if m.Name == "gradient" && !(o.CaseIntervals && o.Resamples > 0) {
		if grads, err = gradients(heads, mods, z, probs, cs.N, dim, k, classIdx); err != nil {
			return nil, err
		}
	}
	for i := range cs.N {
		p := probs[i*k : (i+1)*k]
		x := z[i*dim : (i+1)*dim]
		pred := fusion.PredictedClass(p)
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
			var a importance.Attribution
			if o.CaseIntervals && o.Resamples > 0 {
				var u importance.Uncertainty
				a, u, err = importance.LocalInterval(m.Local, heads[class], mods, x, bg, importance.Options{Seed: o.Seed}, bo)
				e.ModalityImportanceInterval, e.RankSupported = namedIntervals(names, u)
				e.Uncertainty = UncertaintyOf(u, names)
			} else if grads != nil {
				a = grads[i]
			} else {
				a, err = m.Local(heads[class], mods, x, bg, importance.Options{Seed: o.Seed})
			}
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", e.Row, err)
			}
			e.ModalityImportance = named(names, a.Importance().Modalities)
			for j, v := range a.Modalities {
				sum[j] += math.Abs(v)
				scores = append(scores, math.Abs(v))
			}
		}
		if o.CaseInteractions {
			if e.ModalityInteractions, err = interactions(heads[class], mods, x, 1, ibg, e.Class, o); err != nil {
				return nil, fmt.Errorf("row %d: %w", e.Row, err)
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
		if o.Resamples > 0 {
			_, u, err := importance.BootstrapCases(importance.CaseScores{N: cs.N, Modalities: scores}, len(names), bo)
			if err != nil {
				return nil, err
			}
			res.Cohort.setIntervals(names, u)
		}
	} else {
		// A method that scores only a cohort scores one class: Class, else the class
		// predicted most often.
		class := classIdx
		if class < 0 {
			class = mostPredicted(probs, cs.N, k)
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
		var imp importance.Importance
		if o.Resamples > 0 {
			var u importance.Uncertainty
			bo.Progress = func(done, total int) {
				if perr == nil {
					perr = progress("ran the method again on bootstrap resample", done, total)
				}
			}
			imp, u, err = importance.BootstrapGlobal(m.Global, heads[class], mods, c, importance.Options{Seed: o.Seed}, bo)
			if err == nil {
				res.Cohort.setIntervals(names, u)
			}
		} else {
			imp, err = m.Global(heads[class], mods, c, importance.Options{Seed: o.Seed})
		}
		if err != nil {
			return nil, err
		}
		if perr != nil {
			return nil, perr
		}
		res.Cohort.Class = s.Classes[class]
		res.Cohort.ModalityImportance = named(names, importance.Normalize(imp.Modalities))
	}
	if o.Ready != nil {
		if err := o.Ready(res); err != nil {
			return nil, fmt.Errorf("%w: %w", errStopped, err)
		}
	}
	if o.Interactions {
		const what = "modality interactions of the cohort"
		if err := progress(what, 0, cs.N); err != nil {
			return nil, err
		}
		ic := interactionClass(classIdx, k, probs, cs.N)
		perr = nil
		ip := func(done, total int) {
			if perr == nil {
				perr = progress(what, done, total)
			}
		}
		io := o
		if o.InteractionBackground > 0 {
			io.Background = min(o.InteractionBackground, o.Background)
		}
		res.Cohort.ModalityInteractions, err = interactionsWith(heads[ic], mods, z, cs.N, ibg, s.Classes[ic], io, len(tab.Rows), ip)
		if err != nil {
			return nil, err
		}
		if perr != nil {
			return nil, perr
		}
	}
	return res, nil
}

// gradients returns the paper's gradient attribution of each of the n cases (fusion
// vectors z, n x dim; class probabilities probs, n x k) for its explained class (classIdx,
// or its predicted class when classIdx < 0), with one importance.GradientLocals call per
// class.
func gradients(heads []importance.Head, mods []importance.Modality, z, probs []float32, n, dim, k, classIdx int) ([]importance.Attribution, error) {
	rows := make([][]int, k) // the cases explained for each class
	for i := range n {
		c := classIdx
		if c < 0 {
			c = fusion.PredictedClass(probs[i*k : (i+1)*k])
		}
		rows[c] = append(rows[c], i)
	}
	out := make([]importance.Attribution, n)
	for c, rs := range rows {
		if len(rs) == 0 {
			continue
		}
		zc := make([]float32, 0, len(rs)*dim)
		for _, i := range rs {
			zc = append(zc, z[i*dim:(i+1)*dim]...)
		}
		as, err := importance.GradientLocals(heads[c], mods, zc, len(rs))
		if err != nil {
			return nil, err
		}
		for j, i := range rs {
			out[i] = as[j]
		}
	}
	return out, nil
}

// encode returns the fusion vectors and class probabilities of the cases, in batches of
// encodeBatch with the batch norms folded into the convolutions (fusion.EmbedFolded).
func encode(net *fusion.Net, cs *casefile.Cases) (z, probs []float32, err error) {
	return net.EmbedFolded(fusion.Dataset{N: cs.N, Inputs: cs.Images, Clinical: cs.Tabular, Labels: make([]int, cs.N)}, encodeBatch)
}

// background returns the fusion vectors of a seeded sample of at most o.Background rows
// of the table, in the order drawn. cs are the cases loaded already and z their fusion
// vectors: when they are every row in table order the sample is taken from z, otherwise
// its rows are loaded and encoded.
func background(net *fusion.Net, tab *casefile.Table, cs *casefile.Cases, z []float32, o Options) (importance.Cohort, error) {
	perm := rand.New(rand.NewPCG(o.Seed, backgroundStream)).Perm(len(tab.Rows))
	rows := perm[:min(len(perm), o.Background)]
	inOrder := len(cs.Rows) == len(tab.Rows)
	for i, r := range cs.Rows {
		inOrder = inOrder && r == i
	}
	if inOrder {
		dim := len(z) / cs.N
		bz := make([]float32, 0, len(rows)*dim)
		for _, r := range rows {
			bz = append(bz, z[r*dim:(r+1)*dim]...)
		}
		return importance.Cohort{Z: bz, N: len(rows)}, nil
	}
	b, err := casefile.Load(tab, net.Schema(), casefile.LoadOptions{Rows: rows, Resize: o.Resize, Unlabelled: true})
	if err != nil {
		return importance.Cohort{}, fmt.Errorf("background: %w", err)
	}
	bz, _, err := encode(net, b)
	if err != nil {
		return importance.Cohort{}, err
	}
	return importance.Cohort{Z: bz, N: b.N}, nil
}

// interactionClass returns the class whose log-odds the cohort's interactions read:
// Class (classIdx >= 0); else, for two classes, class 1 (the positive class, as for one
// case of the paper's network); else the class predicted most often over the n cases of
// probs (n x k).
func interactionClass(classIdx, k int, probs []float32, n int) int {
	switch {
	case classIdx >= 0:
		return classIdx
	case k == 2:
		return 1
	}
	return mostPredicted(probs, n, k)
}

// interactions returns the modality interactions of head (reporting class) averaged
// over the n fusion vectors of z, with absent modalities from bg.
func interactions(head importance.Head, mods []importance.Modality, z []float32, n int, bg importance.Cohort, class string, o Options) (*Interactions, error) {
	return interactionsWith(head, mods, z, n, bg, class, o, 0, nil)
}

// interactionsWith is interactions telling progress (when not nil) after each case, with
// bg a sample of pop cases (0: not a sample) for the background's standard error.
func interactionsWith(head importance.Head, mods []importance.Modality, z []float32, n int, bg importance.Cohort, class string, o Options, pop int, progress func(done, total int)) (*Interactions, error) {
	r, err := importance.InteractionAgainst(head, mods, importance.Cohort{Z: z, N: n}, bg, importance.Options{Seed: o.Seed, Background: o.Background, BackgroundOf: pop, Progress: progress})
	if err != nil {
		return nil, fmt.Errorf("modality interactions: %w", err)
	}
	v := fmt.Sprintf("log-odds of class %s against the rest; absent modalities from %d background cases of the CSV", class, r.Background)
	if n > 1 {
		v += fmt.Sprintf("; over %d cases: index and matrix the mean signed index (opposite signs cancel), shares and strength from the mean |index|", n)
		if r.BackgroundSE != nil {
			v += fmt.Sprintf("; background_se: each pair's standard error from drawing the %d background cases", r.Background)
		}
	}
	out := InteractionsOf(r, v)
	out.Class, out.Cases = class, r.Cases
	return out, nil
}

// setIntervals puts the cohort's intervals u into c.
func (c *Cohort) setIntervals(names []string, u importance.Uncertainty) {
	c.ModalityImportanceInterval, c.RankSupported = namedIntervals(names, u)
	c.Uncertainty = UncertaintyOf(u, names)
}

func named(names []string, v []float64) map[string]float64 {
	out := make(map[string]float64, len(names))
	for i, n := range names {
		out[n] = v[i]
	}
	return out
}

// mostPredicted returns the class predicted most often over the n cases of probs
// (n x k), the first on a tie.
func mostPredicted(probs []float32, n, k int) int {
	count := make([]int, k)
	for i := range n {
		count[fusion.PredictedClass(probs[i*k:(i+1)*k])]++
	}
	best := 0
	for c, m := range count {
		if m > count[best] {
			best = c
		}
	}
	return best
}
