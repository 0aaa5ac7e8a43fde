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

// OnInput takes the text of one field as it is typed. A value beyond the field's
// maxlength (set by a script: the browser cuts what is typed or pasted) arrives already
// cut by loader.js, which says in the field's fusionlensCutFrom how long it was.
func (c *ClinicalForm) OnInput(e vugu.DOMEvent, f *ClinicalField) {
	defer catch(&f.Err, "reading "+f.Label)
	text := e.PropString("target", "value")
	if n := e.PropFloat64("target", "fusionlensCutFrom"); n > 0 {
		c.S.SetClinicalCut(f.Name, text, int(min(n, 1<<40)))
		return
	}
	c.S.SetClinical(f.Name, text)
}
