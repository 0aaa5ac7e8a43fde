package explainer

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// What the page adds to an explanation once it is on screen (engine.Detailer): intervals
// on its shares and the modalities' interactions. Both cost many head passes, so they run
// on a pacedHead, off the event handler.

// Resamples of the page's intervals (importance.BootstrapOptions.Resamples): the
// package default for the fast methods, fewer where one run of the method costs tens of
// milliseconds in the browser (the slow per-case methods) or seconds (a cohort-wide
// method over the reference cohort).
const (
	IntervalResamples       = importance.DefaultResamples
	SlowIntervalResamples   = 50
	GlobalIntervalResamples = 20
)

// Intervals resamples the method's explanation of c (engine.Detailer): for a per-case
// method, the reference cases standing for "absent" are drawn again with replacement and
// the method's random draws get a new seed on each resample (importance.LocalInterval);
// a method that reads no background and draws nothing is reported Exact after two runs.
// For a method with no per-case form, the reference cohort's cases are resampled and the
// method run again (importance.BootstrapGlobal); that result is kept for every case.
func (e *Engine) Intervals(c engine.Case, method string, pace engine.Pace) (u engine.Uncertainty, err error) {
	m, err := e.method(method)
	if err != nil {
		return engine.Uncertainty{}, err
	}
	e.work.Lock()
	defer e.work.Unlock()
	defer stopped(&err)
	if !noReference[m.Name] {
		if err := e.encodeReference(pace); err != nil {
			return engine.Uncertainty{}, err
		}
	}
	z, k, err := e.fused(c)
	if err != nil {
		return engine.Uncertainty{}, err
	}
	e.mu.Lock()
	ref := e.ref
	cached, ok := e.globalIntervals[m.Name]
	e.mu.Unlock()
	if m.Local == nil && ok {
		return cached, nil
	}
	what := "Intervals of " + m.Label
	head := e.paced(pace, what)
	if head.h, err = e.dense.ForClass(k); err != nil {
		return engine.Uncertainty{}, err
	}
	bo := importance.BootstrapOptions{Resamples: IntervalResamples, Seed: e.opt.Local.Seed}
	if slow[m.Name] {
		bo.Resamples = SlowIntervalResamples
	}
	bo.Progress = func(done, total int) { head.progress(what, done, total) }
	var iu importance.Uncertainty
	if m.Local == nil {
		bo.Resamples, bo.Seed = GlobalIntervalResamples, e.opt.Global.Seed
		_, iu, err = importance.BootstrapGlobal(m.Global, head, e.mods, ref, e.opt.Global, bo)
	} else {
		var bg importance.Cohort
		if !noReference[m.Name] {
			bg = ref
		}
		_, iu, err = importance.LocalInterval(m.Local, head, e.mods, z, bg, e.opt.Local, bo)
	}
	if err != nil {
		return engine.Uncertainty{}, fmt.Errorf("intervals of %s: %w", m.Label, err)
	}
	u = uncertaintyOf(iu, m.Name)
	n := strconv.Itoa(ref.N)
	switch {
	case iu.Exact:
		u.Over = "nothing: the method reads no background cases and draws nothing at random, so its shares have no sampling spread"
	case m.Local == nil:
		u.Over = "the " + n + " synthetic reference cases, drawn with replacement, the method run again on each resample"
	case noReference[m.Name]:
		u.Over = "the method's random draws (a new seed on each resample)"
	default:
		u.Over = "the " + n + " synthetic reference cases the method compares the case with, drawn with replacement, and its random draws"
	}
	if m.Local == nil {
		e.mu.Lock()
		e.globalIntervals[m.Name] = u
		e.mu.Unlock()
	}
	return u, nil
}

// uncertaintyOf is u in the engine's terms.
func uncertaintyOf(u importance.Uncertainty, method string) engine.Uncertainty {
	out := engine.Uncertainty{Method: method, Resamples: u.Resamples, Level: u.Level, Exact: u.Exact, MethodRuns: u.MethodRuns,
		RankSupported: u.RankSupported, RankSupportLevel: importance.RankSupportLevel}
	for _, iv := range u.Modalities {
		out.Modalities = append(out.Modalities, engine.Interval(iv))
	}
	for _, iv := range u.Features {
		out.Features = append(out.Features, engine.Interval(iv))
	}
	for _, r := range u.Ranks {
		out.Ranks = append(out.Ranks, engine.RankOrder{Higher: r.Higher, Lower: r.Lower, Support: r.Support, Supported: r.Supported})
	}
	return out
}

// errNoBackground refuses interactions on a layout with no reference cohort.
var errNoBackground = errors.New("modality interactions need background cases to stand for an absent modality; only the paper's layout has a reference cohort here")

// Interactions returns the pairwise Shapley interaction index of the modalities for c
// (engine.Detailer): the log-odds of the explained class, every coalition of the
// modalities evaluated with the absent ones taken from the whole reference cohort, as
// cmd/explain computes it for one case (importance.InteractionLocal).
func (e *Engine) Interactions(c engine.Case, pace engine.Pace) (x engine.Interactions, err error) {
	if !e.paper {
		return engine.Interactions{}, errNoBackground
	}
	e.work.Lock()
	defer e.work.Unlock()
	defer stopped(&err)
	if err := e.encodeReference(pace); err != nil {
		return engine.Interactions{}, err
	}
	z, k, err := e.fused(c)
	if err != nil {
		return engine.Interactions{}, err
	}
	e.mu.Lock()
	ref := e.ref
	e.mu.Unlock()
	const what = "Modality interactions"
	head := e.paced(pace, what)
	// One unit of work, not done until the end: the page re-renders its progress at most
	// every paceEvery, not at every slice (as it does for work of unknown size).
	head.progress(what, 0, 1)
	if head.h, err = e.dense.ForClass(k); err != nil {
		return engine.Interactions{}, err
	}
	o := e.opt.Local
	o.Background = ref.N
	r, err := importance.InteractionLocal(head, e.mods, z, ref, o)
	if err != nil {
		return engine.Interactions{}, fmt.Errorf("modality interactions: %w", err)
	}
	return engine.Interactions{Class: k, Index: r.Index, Shapley: r.Shapley, Exact: r.Exact, Background: r.Background,
		Value: "log-odds of class " + strconv.Itoa(k) + "; absent modalities from " + strconv.Itoa(r.Background) + " synthetic reference cases"}, nil
}

// fused assembles c's fusion vector and resolves its class (-1: the predicted one).
func (e *Engine) fused(c engine.Case) ([]float32, int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	z, err := e.net.Fuse(c.Features, c.Tabular)
	if err != nil {
		return nil, 0, err
	}
	if !finite(z) {
		return nil, 0, errors.New("the fusion vector is not finite")
	}
	probs, err := e.net.Probs(z)
	if err != nil {
		return nil, 0, err
	}
	k := c.Class
	switch {
	case k == -1:
		k = fusion.PredictedClass(probs)
	case k < 0 || k >= len(probs):
		return nil, 0, fmt.Errorf("class %d, the model has classes 0..%d (or -1, the predicted one)", k, len(probs)-1)
	}
	return z, k, nil
}

var _ engine.Detailer = (*Engine)(nil)
