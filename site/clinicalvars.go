package site

import (
	"errors"
	"strconv"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/modality"
)

// clinicalFields returns the twenty clinical variables of the clinical package, in
// fusion order (group A, then group B), each parsed and range-checked by that package.
func clinicalFields() ([]ClinicalField, error) {
	vars := clinical.Variables()
	if len(vars) != 2*modality.Width {
		return nil, errors.New("the clinical table has " + strconv.Itoa(len(vars)) + " variables, want 20")
	}
	fields := make([]ClinicalField, len(vars))
	for i, v := range vars {
		g := modality.ClinicalA
		if v.Group == clinical.GroupB {
			g = modality.ClinicalB
		}
		fields[i] = ClinicalField{
			Name:  v.Name,
			Label: v.Label,
			Unit:  v.Unit,
			Range: strconv.FormatFloat(v.Min, 'f', -1, 64) + "–" + strconv.FormatFloat(v.Max, 'f', -1, 64),
			Hint:  strconv.FormatFloat(v.Mean, 'f', v.Decimals, 64),
			Group: g,
			parse: clinicalParser(v),
		}
	}
	return fields, nil
}

// clinicalParser reads one field's text with the clinical package's parser (so units
// and its range check apply) and returns the standardised value.
func clinicalParser(v clinical.Variable) func(string) (float32, error) {
	return func(text string) (float32, error) {
		vals, err := clinical.ParseText(v.Name+"="+text, clinical.ParseOptions{AllowPartial: true})
		var errs clinical.Errors
		if errors.As(err, &errs) && len(errs) > 0 {
			return 0, errors.New(errs[0].Msg)
		}
		if err != nil {
			return 0, err
		}
		for i, given := range vals.Given {
			if given && i != v.Index {
				return 0, errors.New("type one value for " + v.Label)
			}
		}
		if !vals.Given[v.Index] {
			return 0, errors.New("no value for " + v.Label)
		}
		return float32(v.Standardise(vals.X[v.Index])), nil
	}
}
