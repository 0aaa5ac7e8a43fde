package site

import "github.com/vugu/vugu"

// ClinicalForm shows the tabular fields by modality (the paper's twenty clinical values
// in their two groups, or a schema's groups), each with its unit and plausible range, a
// select for a categorical variable, and, when refused, the reason next to it.
type ClinicalForm struct {
	S *State
}

func (c *ClinicalForm) title() string {
	if c.S.General {
		return "Tabular values"
	}
	return "Clinical values"
}

func (c *ClinicalForm) help() string {
	if c.S.General {
		return "Leave a number empty to use the training mean; choose a level for each categorical variable. Values outside the plausible range are refused."
	}
	return "Leave a field empty to use the population mean. Values outside the plausible range are refused."
}

// id is the control's element id: "clinical-<name>" for the paper's variables,
// "field-<name>-value" for a schema's.
func (c *ClinicalForm) id(f *ClinicalField) string {
	if f.GroupID == "" {
		return "clinical-" + f.Name
	}
	return "field-" + f.Name + "-value"
}

// testID keeps the paper's fields' data-testid="clinical-<name>"; a schema's field is
// found by its wrapper's data-testid="field-<name>".
func (c *ClinicalForm) testID(f *ClinicalField) interface{} {
	if f.GroupID == "" {
		return "clinical-" + f.Name
	}
	return nil
}

func (c *ClinicalForm) rangeText(f *ClinicalField) string {
	if f.Categorical() {
		return ""
	}
	return f.Range
}

// OnInput takes the text of one field as it is typed, or the level chosen. A value beyond
// the field's maxlength (set by a script: the browser cuts what is typed or pasted)
// arrives already cut by loader.js, which says in the field's fusionlensCutFrom how long
// it was.
func (c *ClinicalForm) OnInput(e vugu.DOMEvent, f *ClinicalField) {
	defer catch(&f.Err, "reading "+f.Label)
	text := e.PropString("target", "value")
	if n := e.PropFloat64("target", "fusionlensCutFrom"); n > 0 {
		c.S.SetClinicalCut(f.Name, text, int(min(n, 1<<40)))
		return
	}
	c.S.SetClinical(f.Name, text)
}
