package explainer

import (
	"errors"
	"fmt"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/phantom"
)

// CheckRequest is one ground-truth check of an engine's model: the model file as opened,
// the ground-truth autoencoder's file, the method and the engine's options (TruthN,
// TruthSeed, Global, Slice).
type CheckRequest struct {
	Name        string // the model file's name
	Model       []byte // the model file's bytes; not to be modified
	Autoencoder []byte // the ground-truth autoencoder's model file
	Method      string // a method ID of the engine's Methods
	Options     Options
}

// CheckFunc runs a ground-truth check (package explainer/truthcheck does the work). In
// the browser it is a client of the check worker, which runs the check in its own wasm
// program off the page's thread; natively it runs in the same process.
type CheckFunc func(req CheckRequest, pace engine.Pace) (engine.TruthCheck, error)

// TruthScenario names the decision function the model was trained for, or "".
func (e *Engine) TruthScenario() string {
	if e.scenario == nil {
		return ""
	}
	return e.scenario.Name
}

// CheckTruth compares method's global modality importance with the ground truth on a
// cohort of TruthN synthetic cases of the model's scenario, drawn with the autoencoder
// in aeFile (a latent model file) and encoded by the model, through Options.Check. Each
// method's result is kept.
func (e *Engine) CheckTruth(aeFile []byte, method string, pace engine.Pace) (engine.TruthCheck, error) {
	if e.scenario == nil {
		return engine.TruthCheck{}, errNoScenario
	}
	if e.opt.Check == nil {
		return engine.TruthCheck{}, errors.New("this build of the explainer has no ground-truth check")
	}
	m, err := e.method(method)
	if err != nil {
		return engine.TruthCheck{}, err
	}
	e.mu.Lock()
	res, done := e.checks[m.Name]
	e.mu.Unlock()
	if done {
		return res, nil
	}
	res, err = e.opt.Check(CheckRequest{Name: e.file, Model: e.data, Autoencoder: aeFile, Method: m.Name, Options: e.opt}, pace)
	if err != nil {
		return engine.TruthCheck{}, err
	}
	e.mu.Lock()
	e.checks[m.Name] = res
	e.mu.Unlock()
	return res, nil
}

// The rest serves package truthcheck, which runs the check on an engine of its own.

// Options returns the engine's options with the defaults filled in.
func (e *Engine) Options() Options { return e.opt }

// Method returns the importance method with the given ID.
func (e *Engine) Method(id string) (importance.Method, error) { return e.method(id) }

// EncodeCases runs n cases (two images and twenty standardised clinical values each, as
// in fusion.Dataset) through the network a case at a time, calling pace with what and
// the cases done between slices, and returns their n fusion vectors.
func (e *Engine) EncodeCases(ax, co, clin []float32, n int, pace engine.Pace, what string) ([]float32, error) {
	px, nc := phantom.Pixels, clinical.NumVars
	if n < 0 || len(ax) != n*px || len(co) != n*px || len(clin) != n*nc {
		return nil, fmt.Errorf("explainer: %d cases need %d pixels per view and %d clinical values; have %d axial, %d coronal pixels and %d values",
			n, n*px, n*nc, len(ax), len(co), len(clin))
	}
	z := make([]float32, 0, n*modality.FusionSize)
	err := e.encode(ax, co, clin, 0, n, nil, pace, what, func(zk []float32, k int) { z = append(z, zk...) })
	return z, err
}

// GlobalImportance runs method m's cohort-wide importance over c on the engine's head,
// calling pace with what between slices; a pace error stops it and is returned.
func (e *Engine) GlobalImportance(m importance.Method, c importance.Cohort, pace engine.Pace, what string) (imp importance.Importance, err error) {
	defer stopped(&err)
	imp, err = m.Global(e.paced(pace, what), e.mods, c, e.opt.Global)
	if err != nil {
		return importance.Importance{}, fmt.Errorf("%s: %w", m.Label, err)
	}
	return imp, nil
}

// Prob returns p(class 1) of n fusion vectors.
func (e *Engine) Prob(z []float32, n int) []float32 {
	p := make([]float32, n)
	e.dense.Prob(z, n, p)
	return p
}
