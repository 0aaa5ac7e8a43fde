package site

import (
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/modality"
)

func TestClinicalFieldsFromPackage(t *testing.T) {
	s := NewState(nil)
	if s.ClinicalErr != "" || len(s.Clinical) != 20 {
		t.Fatalf("%d fields, error %q", len(s.Clinical), s.ClinicalErr)
	}
	if a, b := len(s.ClinicalGroup(modality.ClinicalA)), len(s.ClinicalGroup(modality.ClinicalB)); a != 10 || b != 10 {
		t.Errorf("groups of %d and %d", a, b)
	}
	for i, v := range clinical.Variables() {
		f := s.Clinical[i]
		if f.Name != v.Name || f.Unit != v.Unit {
			t.Errorf("field %d is %s [%s], want %s [%s]", i, f.Name, f.Unit, v.Name, v.Unit)
		}
	}
}

func TestClinicalFieldParsing(t *testing.T) {
	s := NewState(nil)
	sbp, ok := clinical.Lookup("sbp")
	if !ok {
		t.Skip("no sbp in the clinical table")
	}
	f := s.field(sbp.Name)
	for _, c := range []struct {
		text    string
		wantErr string
		want    float64
	}{
		{"140", "", sbp.Standardise(140)},
		{" 140 mmHg", "", sbp.Standardise(140)},
		{"400", "plausible range", 0},
		{"abc", "", 0},
		{"140, age=50", "one value", 0},
		{"", "", 0},
	} {
		s.SetClinical(sbp.Name, c.text)
		switch {
		case c.text == "abc":
			if f.Err == "" {
				t.Errorf("%q accepted", c.text)
			}
		case c.wantErr != "":
			if !strings.Contains(f.Err, c.wantErr) {
				t.Errorf("%q: error %q, want %q", c.text, f.Err, c.wantErr)
			}
		default:
			if f.Err != "" || math.Abs(float64(f.Std)-c.want) > 1e-6 {
				t.Errorf("%q: std %v err %q, want %v", c.text, f.Std, f.Err, c.want)
			}
		}
	}
}
