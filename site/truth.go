package site

import (
	"errors"
	"math"
	"strconv"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

// TruthScenario returns the decision function the loaded model was trained for when the
// page can check it against the ground truth (the engine can, and the build ships the
// ground-truth autoencoder), else "".
func (s *State) TruthScenario() string {
	tc, ok := s.Engine.(engine.TruthChecker)
	if !ok || s.Autoencoder == "" {
		return ""
	}
	return tc.TruthScenario()
}

// RunTruth starts the ground-truth check of the current model and method in the
// background; from then on the check follows method changes until another model is
// chosen.
func (s *State) RunTruth() {
	tc, ok := s.Engine.(engine.TruthChecker)
	if !ok || s.TruthScenario() == "" {
		s.TruthErr = "This model cannot be checked against a ground truth: its file names no synthetic decision function, or this build ships no ground-truth autoencoder."
		return
	}
	s.truthWanted = true
	s.Truth, s.TruthErr = nil, ""
	method, file, ae, fetch := s.MethodID, s.Autoencoder, s.aeData, s.Fetch
	var res engine.TruthCheck
	s.enqueue(job{key: "truth",
		run: func(pace engine.Pace) error {
			if ae == nil {
				if fetch == nil {
					return errors.New("this page cannot read " + file)
				}
				if err := pace(engine.Progress{What: "Reading the ground-truth autoencoder"}); err != nil {
					return err
				}
				var err error
				if ae, err = fetch(file); err != nil {
					return err
				}
			}
			var err error
			res, err = tc.CheckTruth(ae, method, pace)
			return err
		},
		ms: func(ms float64) { s.Timings.TruthMS = ms },
		done: func(err error) {
			if ae != nil {
				s.aeData = ae // read once per page
			}
			if method != s.MethodID {
				return // a check of the newer method follows
			}
			if err == nil {
				err = checkTruth(&res)
			}
			if err != nil {
				s.TruthErr = "Ground-truth check: " + err.Error()
				return
			}
			s.Truth = &res
		}})
}

// checkTruth refuses results the chart cannot show.
func checkTruth(r *engine.TruthCheck) error {
	if len(r.Truth) != modality.Count || len(r.Estimate) != modality.Count {
		return errors.New("the check gave " + strconv.Itoa(len(r.Truth)) + " truth and " + strconv.Itoa(len(r.Estimate)) +
			" estimated modality scores, want " + strconv.Itoa(modality.Count) + " each")
	}
	for i := range r.Truth {
		for _, v := range []float64{r.Truth[i], r.Estimate[i]} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return errors.New("the check gave modality score " + ftoa(v, 3) + " for " + modality.Modality(i).Label())
			}
		}
	}
	return nil
}
