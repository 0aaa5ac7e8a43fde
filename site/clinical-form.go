package site

import (
	"github.com/vugu/vugu"

	"github.com/fusionlens/fusionlens/modality"
)

// ClinicalForm shows the twenty clinical fields in their two groups, each with its unit,
// plausible range and, when refused, the reason next to it.
type ClinicalForm struct {
	S *State
}

func (c *ClinicalForm) groups() []modality.Modality {
	return []modality.Modality{modality.ClinicalA, modality.ClinicalB}
}

// OnInput takes the text of one field as it is typed.
func (c *ClinicalForm) OnInput(e vugu.DOMEvent, f *ClinicalField) {
	defer catch(&f.Err, "reading "+f.Label)
	c.S.SetClinical(f.Name, e.PropString("target", "value"))
}
