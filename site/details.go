package site

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/fusionlens/fusionlens/engine"
)

// Details of an explanation that cost more than a frame (an engine.Detailer's intervals
// on the shares and the modalities' interactions) are asked for once the explanation is
// on screen, as background jobs (jobs.go): a keystroke re-explains at once and replaces
// them, and a job for an older case stops at its next pace.

// details queues the intervals of the explanation on screen and, when the case changed,
// its modalities' interactions.
func (s *State) details() {
	d, ok := s.Engine.(engine.Detailer)
	if !ok || s.Result == nil || s.Result.Pending != "" {
		return
	}
	seq, method := s.seq, s.Result.Method
	c := engine.Case{Features: s.features(), Tabular: s.tabular(), Class: s.Result.Class}
	stale := func(pace engine.Pace) engine.Pace {
		return func(p engine.Progress) error {
			if seq != s.seq {
				return errStale
			}
			return pace(p)
		}
	}
	var u engine.Uncertainty
	s.enqueue(job{key: "intervals", details: true,
		run: func(pace engine.Pace) error {
			var err error
			u, err = d.Intervals(c, method, stale(pace))
			return err
		},
		done: func(err error) {
			if seq != s.seq {
				return
			}
			if err == nil {
				err = checkUncertainty(&u, len(s.Mods))
			}
			if err != nil {
				s.UncertaintyErr = "Intervals: " + err.Error()
				return
			}
			s.Uncertainty = &u
		}})
	if !s.Offers.Reference || (s.Interactions != nil && sameCase(s.interCase, c)) {
		return
	}
	s.Interactions, s.InteractionsErr = nil, ""
	var x engine.Interactions
	s.enqueue(job{key: "interactions", details: true,
		run: func(pace engine.Pace) error {
			var err error
			x, err = d.Interactions(c, stale(pace))
			return err
		},
		done: func(err error) {
			if seq != s.seq {
				return
			}
			if err == nil {
				err = checkInteractions(&x, len(s.Mods))
			}
			if err != nil {
				s.InteractionsErr = "Interactions: " + err.Error()
				return
			}
			s.Interactions, s.interCase = &x, c
		}})
}

// clearDetails forgets the details of the explanation on screen; the interactions stay
// while the case is the same (a change of method keeps them).
func (s *State) clearDetails() {
	s.Uncertainty, s.UncertaintyErr = nil, ""
	s.InteractionsErr = ""
}

// sameCase reports whether a and b are the same case.
func sameCase(a, b engine.Case) bool {
	if a.Class != b.Class || len(a.Features) != len(b.Features) || !slices.Equal(a.Tabular, b.Tabular) {
		return false
	}
	for k := range a.Features {
		if !slices.Equal(a.Features[k], b.Features[k]) {
			return false
		}
	}
	return true
}

// checkUncertainty refuses intervals the chart cannot draw for m modalities.
func checkUncertainty(u *engine.Uncertainty, m int) error {
	if len(u.Modalities) != m || len(u.RankSupported) != m {
		return errors.New("the engine gave " + strconv.Itoa(len(u.Modalities)) + " intervals and " +
			strconv.Itoa(len(u.RankSupported)) + " rank supports, want " + strconv.Itoa(m))
	}
	for i, iv := range u.Modalities {
		if !(iv[0] >= 0 && iv[0] <= iv[1] && iv[1] <= 1+1e-9) {
			return errors.New("interval " + strconv.Itoa(i) + " is [" + ftoa(iv[0], 4) + ", " + ftoa(iv[1], 4) + "], want 0 <= lo <= hi <= 1")
		}
	}
	for _, r := range u.Ranks {
		if r.Higher < 0 || r.Higher >= m || r.Lower < 0 || r.Lower >= m {
			return errors.New("a rank order names modality " + strconv.Itoa(max(r.Higher, r.Lower)) + " of " + strconv.Itoa(m))
		}
	}
	return nil
}

// checkInteractions refuses a matrix the table cannot show for m modalities.
func checkInteractions(x *engine.Interactions, m int) error {
	if len(x.Index) != m {
		return errors.New("the engine gave " + strconv.Itoa(len(x.Index)) + " rows, want " + strconv.Itoa(m))
	}
	for i, row := range x.Index {
		if len(row) != m {
			return errors.New("row " + strconv.Itoa(i) + " has " + strconv.Itoa(len(row)) + " values, want " + strconv.Itoa(m))
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("index " + strconv.Itoa(i) + "," + strconv.Itoa(j) + " is " + ftoa(v, 3))
			}
		}
	}
	if x.Shapley != nil && len(x.Shapley) != m {
		return errors.New("the engine gave " + strconv.Itoa(len(x.Shapley)) + " Shapley values, want " + strconv.Itoa(m))
	}
	return nil
}

// uncertainty returns the intervals of the explanation on screen, nil when there are
// none (yet).
func (s *State) uncertainty() *engine.Uncertainty {
	if s.Result == nil || s.Uncertainty == nil || s.Uncertainty.Method != s.Result.Method {
		return nil
	}
	return s.Uncertainty
}

// interactions returns the modalities' interactions of the case on screen, nil when
// there are none (yet).
func (s *State) interactions() *engine.Interactions {
	if s.Result == nil || s.Interactions == nil {
		return nil
	}
	if !sameCase(s.interCase, engine.Case{Features: s.features(), Tabular: s.tabular(), Class: s.Result.Class}) {
		return nil
	}
	return s.Interactions
}
