package site

import (
	"strings"
	"unicode/utf8"

	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/schema"
)

// ClinicalField is one tabular variable as the page shows it: one of the paper's twenty
// clinical variables, or a variable of the model's schema (numeric, or categorical with
// its levels).
type ClinicalField struct {
	Name  string // identifier, used in data-testid="field-<Name>" (and "clinical-<Name>" for the paper's)
	Label string
	Unit  string
	Range string            // plausible range as shown, e.g. "40–200"
	Hint  string            // placeholder: the population mean the empty field stands for
	Group modality.Modality // ClinicalA or ClinicalB (the paper's variables)
	// GroupID names the schema group of a schema's variable ("" for the paper's).
	GroupID string
	Kind    string   // schema.KindNumeric (also the paper's) or schema.KindCategorical
	Levels  []string // a categorical variable's levels

	Text string  // what the user typed
	Err  string  // why Text is not used
	Std  float32 // the standardised value the network sees (0, the mean, when empty)

	parse   func(text string) (float32, error)   // text -> standardised value, with range check
	encode  func(text string) ([]float32, error) // a schema variable's text -> its network values
	width   int                                  // network values of a schema variable
	vec     []float32                            // a schema variable's network values; nil when empty
	missing bool                                 // a categorical variable with no level chosen
}

// Categorical reports whether the field chooses one of Levels.
func (f *ClinicalField) Categorical() bool { return f.Kind == schema.KindCategorical }

// groupID names the field's modality.
func (f *ClinicalField) groupID() string {
	if f.GroupID != "" {
		return f.GroupID
	}
	return f.Group.ID()
}

// set takes the typed text: empty means the population mean (no level, for a
// categorical variable). Text beyond MaxFieldChars (a pasted note) is cut, not parsed,
// and marks the field.
func (f *ClinicalField) set(text string) {
	if t, cut := clipField(text); cut {
		f.Text, f.Err = t, fieldTooLong(utf8.RuneCountInString(text))
		return
	}
	f.Text = text
	f.Err = ""
	if strings.TrimSpace(text) == "" {
		f.Std, f.vec = 0, nil
		f.missing = f.Categorical()
		return
	}
	if f.encode != nil {
		v, err := f.encode(text)
		if err != nil {
			f.Err = strings.TrimPrefix(err.Error(), "schema: ")
			return
		}
		f.vec, f.missing = v, false
		return
	}
	v, err := f.parse(text)
	if err != nil {
		f.Err = err.Error()
		return
	}
	f.Std = v
}

// values are the field's network values: its standardised value (the mean, 0, when
// empty) or a categorical level's one-hot.
func (f *ClinicalField) values() []float32 {
	if f.encode == nil {
		return []float32{f.Std}
	}
	if f.vec == nil {
		return make([]float32, f.width)
	}
	return f.vec
}

// cut takes the first characters of a text that was length characters long, cut before
// it reached the page (see SetClinicalCut): like set given the whole text, the field
// keeps at most MaxFieldChars characters and says it was too long.
func (f *ClinicalField) cut(text string, length int) {
	if length <= MaxFieldChars {
		f.set(text)
		return
	}
	f.Text, _ = clipField(text)
	f.Err = fieldTooLong(length)
}
