// Package truthcheck is the browser explainer's ground-truth check: for a model file
// whose Meta.Scenario names the decision function it was trained for, it draws a small
// cohort of that synthetic world (cohort.Build with the ground-truth autoencoder),
// encodes it with the model, runs a method's global modality importance over it and
// compares it with the exact ground truth by RMSE and rank-biased overlap
// (validation.Compare), as the validation platform does on a larger scale.
//
// It is a package of its own so that the page's main.wasm, which links package
// explainer, does not link cohort, latent and what they need: in the browser the check
// runs in a Web Worker with its own wasm program (wasm/check), loaded when the user
// first asks for it, and the page's engine reaches it through explainer.Options.Check.
package truthcheck

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/validation"
)

// Checker runs ground-truth checks of one model. It draws and encodes the check cohort
// once and keeps each method's result. Its methods may be called from several
// goroutines; checks run one at a time.
type Checker struct {
	e     *explainer.Engine
	sc    *groundtruth.Scenario
	model []byte

	mu     sync.Mutex
	z      *encoded
	checks map[string]engine.TruthCheck
}

// encoded is the check cohort as the model sees it.
type encoded struct {
	z        importance.Cohort // fusion vectors and labels
	truth    []float64         // ground-truth modality importance over the cohort
	accuracy float64           // the network's accuracy on it
	source   string
	drawMS   float64 // time cohort.Build took
}

// New opens the model file (explainer.Open with o) for checking.
func New(name string, model []byte, o explainer.Options) (*Checker, error) {
	e, err := explainer.Open(name, model, o)
	if err != nil {
		return nil, err
	}
	if e.TruthScenario() == "" {
		return nil, errors.New("the model file names no decision function this build knows, so there is no ground truth to check against")
	}
	// The engine read only the scenario's name and description (package groundtruth is
	// not linked into the page); the check reads all of it, with groundtruth's checks.
	sc, err := groundtruth.ModelScenario(e.Meta().Scenario)
	if err != nil {
		return nil, fmt.Errorf("the model file's decision function %s: %w", e.TruthScenario(), err)
	}
	return &Checker{e: e, sc: sc, model: model, checks: map[string]engine.TruthCheck{}}, nil
}

// Check compares method's global modality importance with the ground truth on a cohort
// of Options.TruthN synthetic cases of the model's scenario drawn with Options.TruthSeed,
// using the autoencoder in aeFile (a latent model file; read only when the cohort is
// drawn, on the first call). pace is called between slices of work; when it returns an
// error the check stops and returns it, keeping the cohort if it was drawn.
func (c *Checker) Check(aeFile []byte, method string, pace engine.Pace) (engine.TruthCheck, error) {
	m, err := c.e.Method(method)
	if err != nil {
		return engine.TruthCheck{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if res, ok := c.checks[m.Name]; ok {
		return res, nil
	}
	drawMS := 0.0
	if c.z == nil {
		z, err := c.cohort(aeFile, pace)
		if err != nil {
			return engine.TruthCheck{}, err
		}
		c.z, drawMS = z, z.drawMS
	}
	z := c.z
	what := m.Label + " over the " + strconv.Itoa(z.z.N) + " check cases"
	if err := call(pace, engine.Progress{What: what}); err != nil {
		return engine.TruthCheck{}, err
	}
	imp, err := c.e.GlobalImportance(m, z.z, pace, what)
	if err != nil {
		return engine.TruthCheck{}, err
	}
	ag, err := validation.Compare(imp.Modalities, z.truth)
	if err != nil {
		return engine.TruthCheck{}, err
	}
	sc := c.sc
	res := engine.TruthCheck{
		Scenario: sc.Name, Description: sc.Description, Method: m.Name,
		Cases: z.z.N, Source: z.source,
		Truth: append([]float64(nil), z.truth...), Estimate: imp.Modalities,
		RMSE: ag.RMSE, RBO: ag.RBO, Persistence: importance.DefaultPersistence, Accuracy: z.accuracy, DrawMS: drawMS,
	}
	c.checks[m.Name] = res
	return res, nil
}

// cohort draws the check cohort and encodes it.
func (c *Checker) cohort(aeFile []byte, pace engine.Pace) (*encoded, error) {
	o, sc := c.e.Options(), c.sc
	n, seed := o.TruthN, o.TruthSeed
	if err := call(pace, engine.Progress{What: "Reading the ground-truth autoencoder"}); err != nil {
		return nil, err
	}
	ae, err := latent.LoadBytes(aeFile)
	if err != nil {
		return nil, fmt.Errorf("ground-truth autoencoder: %w", err)
	}
	if err := call(pace, engine.Progress{What: "Drawing " + strconv.Itoa(n) + " synthetic cases of " + sc.Name + " and their ground truth", Total: n}); err != nil {
		return nil, err
	}
	t0 := time.Now()
	co, err := cohort.Build(sc, ae, cohort.Options{N: n, Seed: seed})
	if err != nil {
		return nil, err
	}
	z := &encoded{truth: co.Truth.Modality[:], source: co.Source + ", seed " + strconv.FormatUint(seed, 10),
		drawMS: float64(time.Since(t0).Microseconds()) / 1000}
	fz, err := c.e.EncodeCases(co.Axial, co.Coronal, co.Clinical, n, pace, "Encoding the check cases")
	if err != nil {
		return nil, err
	}
	z.z = importance.Cohort{Z: fz, N: n, Labels: co.Labels}
	if m, err := fusion.Score(c.e.Prob(fz, n), co.Labels); err == nil {
		z.accuracy = m.Accuracy
	}
	return z, nil
}

func call(pace engine.Pace, p engine.Progress) error {
	if pace == nil {
		return nil
	}
	return pace(p)
}

// Func returns an explainer.CheckFunc that runs checks in this process, keeping the
// Checker of the last model file it was given (so a second method reuses its cohort).
func Func() explainer.CheckFunc {
	var mu sync.Mutex
	var last *Checker
	var lastOpt explainer.Options
	return func(req explainer.CheckRequest, pace engine.Pace) (engine.TruthCheck, error) {
		mu.Lock()
		c := last
		if c == nil || !bytes.Equal(c.model, req.Model) || !sameCheck(lastOpt, req.Options) {
			c = nil
			var err error
			if c, err = New(req.Name, req.Model, req.Options); err != nil {
				mu.Unlock()
				return engine.TruthCheck{}, err
			}
			last, lastOpt = c, req.Options
		}
		mu.Unlock()
		return c.Check(req.Autoencoder, req.Method, pace)
	}
}

// sameCheck reports whether two engines' options draw the same check and score it alike.
func sameCheck(a, b explainer.Options) bool {
	return a.TruthN == b.TruthN && a.TruthSeed == b.TruthSeed && reflect.DeepEqual(a.Global, b.Global)
}
