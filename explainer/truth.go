package explainer

import (
	"fmt"
	"strconv"
	"time"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/site"
	"github.com/fusionlens/fusionlens/validation"
)

// truthCohort is the ground-truth check's cohort as the model sees it.
type truthCohort struct {
	z        importance.Cohort // fusion vectors and labels
	truth    []float64         // ground-truth modality importance over the cohort
	accuracy float64           // the network's accuracy on it
	source   string
	drawMS   float64 // time cohort.Build took
}

// TruthScenario names the decision function the model was trained for, or "".
func (e *Engine) TruthScenario() string {
	if e.scenario == nil {
		return ""
	}
	return e.scenario.Name
}

// CheckTruth compares method's global modality importance with the ground truth on a
// cohort of TruthN synthetic cases of the model's scenario, drawn with the autoencoder
// in aeFile (a latent model file) and encoded by the model. The cohort is made once per
// engine; each method's result is kept.
func (e *Engine) CheckTruth(aeFile []byte, method string, pace site.Pace) (res site.TruthCheck, err error) {
	if e.scenario == nil {
		return site.TruthCheck{}, errNoScenario
	}
	m, err := e.method(method)
	if err != nil {
		return site.TruthCheck{}, err
	}
	e.work.Lock()
	defer e.work.Unlock()
	defer stopped(&err)
	e.mu.Lock()
	res, done := e.checks[m.Name]
	tc := e.truth
	e.mu.Unlock()
	if done {
		return res, nil
	}
	drawMS := 0.0
	if tc == nil {
		if tc, err = e.truthCohort(aeFile, pace); err != nil {
			return site.TruthCheck{}, err
		}
		e.mu.Lock()
		e.truth = tc
		e.mu.Unlock()
		drawMS = tc.drawMS
	}
	what := m.Label + " over the " + strconv.Itoa(tc.z.N) + " check cases"
	if err := call(pace, site.Progress{What: what}); err != nil {
		return site.TruthCheck{}, err
	}
	imp, err := m.Global(e.paced(pace, what), e.mods, tc.z, e.opt.Global)
	if err != nil {
		return site.TruthCheck{}, fmt.Errorf("%s: %w", m.Label, err)
	}
	ag, err := validation.Compare(imp.Modalities, tc.truth)
	if err != nil {
		return site.TruthCheck{}, err
	}
	res = site.TruthCheck{
		Scenario: e.scenario.Name, Description: e.scenario.Description, Method: m.Name,
		Cases: tc.z.N, Source: tc.source,
		Truth: append([]float64(nil), tc.truth...), Estimate: imp.Modalities,
		RMSE: ag.RMSE, RBO: ag.RBO, Persistence: importance.DefaultPersistence, Accuracy: tc.accuracy, DrawMS: drawMS,
	}
	e.mu.Lock()
	e.checks[m.Name] = res
	e.mu.Unlock()
	return res, nil
}

// truthCohort draws the check cohort and encodes it.
func (e *Engine) truthCohort(aeFile []byte, pace site.Pace) (*truthCohort, error) {
	n, seed := e.opt.TruthN, e.opt.TruthSeed
	if err := call(pace, site.Progress{What: "Reading the ground-truth autoencoder"}); err != nil {
		return nil, err
	}
	ae, err := latent.LoadBytes(aeFile)
	if err != nil {
		return nil, fmt.Errorf("ground-truth autoencoder: %w", err)
	}
	if err := call(pace, site.Progress{What: "Drawing " + strconv.Itoa(n) + " synthetic cases of " + e.scenario.Name + " and their ground truth", Total: n}); err != nil {
		return nil, err
	}
	t0 := time.Now()
	c, err := cohort.Build(e.scenario, ae, cohort.Options{N: n, Seed: seed})
	if err != nil {
		return nil, err
	}
	tc := &truthCohort{truth: c.Truth.Modality[:], source: c.Source + ", seed " + strconv.FormatUint(seed, 10),
		drawMS: float64(time.Since(t0).Microseconds()) / 1000}
	tc.z = importance.Cohort{Labels: c.Labels}
	err = e.encode(c.Axial, c.Coronal, c.Clinical, 0, n, nil, pace, "Encoding the check cases", func(z []float32, k int) {
		tc.z.Z = append(tc.z.Z, z...)
		tc.z.N += k
	})
	if err != nil {
		return nil, err
	}
	p := make([]float32, n)
	e.dense.Prob(tc.z.Z, n, p)
	if m, err := fusion.Score(p, c.Labels); err == nil {
		tc.accuracy = m.Accuracy
	}
	return tc, nil
}
