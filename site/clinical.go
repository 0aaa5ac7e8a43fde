package site

import (
	"strings"

	"github.com/fusionlens/fusionlens/modality"
	"unicode/utf8"
)

// ClinicalField is one of the twenty clinical variables as the page shows it.
type ClinicalField struct {
	Name  string // identifier, used in data-testid="clinical-<Name>"
	Label string
	Unit  string
	Range string            // plausible range as shown, e.g. "40–200"
	Hint  string            // placeholder: the population mean the empty field stands for
	Group modality.Modality // ClinicalA or ClinicalB

	Text string  // what the user typed
	Err  string  // why Text is not used
	Std  float32 // the standardised value the network sees (0, the mean, when empty)

	parse func(text string) (float32, error) // text -> standardised value, with range check
}

// set takes the typed text: empty means the population mean. Text beyond MaxFieldChars
// (a pasted note) is cut, not parsed, and marks the field.
func (f *ClinicalField) set(text string) {
	if t, cut := clipField(text); cut {
		f.Text, f.Err = t, fieldTooLong(utf8.RuneCountInString(text))
		return
	}
	f.Text = text
	f.Err = ""
	if strings.TrimSpace(text) == "" {
		f.Std = 0
		return
	}
	v, err := f.parse(text)
	if err != nil {
		f.Err = err.Error()
		return
	}
	f.Std = v
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
