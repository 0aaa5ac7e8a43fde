package site

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/fusionlens/fusionlens/modality"
)

// ValidationReport is the validation platform's summary as the page shows it
// (validation.json next to the models, written from cmd/validate's results): how close
// each importance method comes to the ground-truth modality importance of synthetic
// scenarios whose answer is known.
type ValidationReport struct {
	Source         string             `json:"source"`          // how the numbers were made (command, seed, data)
	RBOPersistence float64            `json:"rbo_persistence"` // p of rank-biased overlap
	Methods        []ValidationMethod `json:"methods"`
	Scenarios      []ValidationCase   `json:"scenarios"`
}

// ValidationMethod is one method's agreement with ground truth over all scenarios.
type ValidationMethod struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	RMSE  float64 `json:"rmse"` // mean over scenarios of the RMSE over four modalities
	RBO   float64 `json:"rbo"`  // mean rank-biased overlap of the modality rankings
}

// ValidationCase is one scenario: its ground truth and each method's estimate.
type ValidationCase struct {
	Name      string               `json:"name"`
	Accuracy  float64              `json:"accuracy"`  // test accuracy of the trained network
	Truth     []float64            `json:"truth"`     // ground-truth modality importance (4, sums to 1)
	Estimates map[string][]float64 `json:"estimates"` // method ID -> modality importance (4)
}

// paperResult is a number published in the paper this project implements (a method's
// mean RMSE to the ground-truth modality shares), shown as the reference to beat; the
// README's Results table sets ours beside the same numbers.
type paperResult struct {
	Label string
	RMSE  string
}

var paperResults = []paperResult{
	{"Gradient (the paper's method)", "0.122"},
	{"Permutation", "0.088"},
	{"LIME", "0.135"},
	{"KernelSHAP", "0.100"},
	{"Mean of the four", "0.084"},
}

const paperRBO = "0.93 (persistence not stated)"

// SetValidation reads validation.json.
func (s *State) SetValidation(data []byte) error {
	var r ValidationReport
	if err := json.Unmarshal(data, &r); err != nil {
		return errors.New("validation.json: " + err.Error())
	}
	for _, c := range r.Scenarios {
		if len(c.Truth) != modality.Count {
			return errors.New("validation.json: scenario " + strconv.Quote(c.Name) + " has " +
				strconv.Itoa(len(c.Truth)) + " ground-truth values, want " + strconv.Itoa(modality.Count))
		}
		for id, est := range c.Estimates {
			if len(est) != modality.Count {
				return errors.New("validation.json: scenario " + strconv.Quote(c.Name) + " method " +
					strconv.Quote(id) + " has " + strconv.Itoa(len(est)) + " values, want " + strconv.Itoa(modality.Count))
			}
		}
	}
	s.Validation = &r
	return nil
}
