package clinical

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	vs := Variables()
	if len(vs) != NumVars {
		t.Fatalf("%d variables", len(vs))
	}
	names := map[string]bool{}
	for i, v := range vs {
		if v.Index != i || v.Group != Group(i/GroupSize) {
			t.Errorf("%s: index %d group %v at position %d", v.Name, v.Index, v.Group, i)
		}
		if v.Name == "" || v.Label == "" || v.Name != strings.ToLower(v.Name) || names[v.Name] {
			t.Errorf("bad or duplicate name %q / label %q", v.Name, v.Label)
		}
		names[v.Name] = true
		if !(v.SD > 0) || !(v.Min < v.Max) || v.Mean < v.Min || v.Mean > v.Max {
			t.Errorf("%s: mean %v sd %v range %v..%v", v.Name, v.Mean, v.SD, v.Min, v.Max)
		}
		// The package doc promises Mean ± 4 SD within the plausible range except for crp.
		if v.Name != "crp" && (v.Value(-4) < v.Min || v.Value(4) > v.Max) {
			t.Errorf("%s: mean ± 4 sd = %v..%v leaves %v..%v", v.Name, v.Value(-4), v.Value(4), v.Min, v.Max)
		}
		if got := v.Value(v.Standardise(v.Min + 0.3*(v.Max-v.Min))); math.Abs(got-(v.Min+0.3*(v.Max-v.Min))) > 1e-9*v.Max {
			t.Errorf("%s: round trip gave %v", v.Name, got)
		}
		if got, ok := Lookup(strings.ToUpper(v.Name)); !ok || got.Name != v.Name {
			t.Errorf("Lookup(%q) failed", strings.ToUpper(v.Name))
		}
		for _, a := range v.Aliases() {
			if got, ok := Lookup(a); !ok || got.Name != v.Name {
				t.Errorf("alias %q does not find %s", a, v.Name)
			}
		}
	}
	if GroupVariables(GroupA)[0].Name != vs[0].Name || GroupVariables(GroupB)[0].Name != vs[GroupSize].Name {
		t.Error("GroupVariables order")
	}
	if GroupA.Modality() != "clinical_a" || GroupB.Modality() != "clinical_b" {
		t.Error("modality names")
	}
	if v, ok := Lookup("Heart-Rate"); !ok || v.Name != "heart_rate" || v.Index+FusionOffset != 25 {
		t.Errorf("Lookup(Heart-Rate) = %+v, %v", v, ok)
	}
	// Variables returns a copy: changing it must not change the table.
	vs[0].Mean = -1
	if Variables()[0].Mean == -1 {
		t.Error("Variables exposes the table")
	}
}

func TestDefaultsStandardise(t *testing.T) {
	d := Defaults()
	z := Standardise(d)
	for i, v := range z {
		if v != 0 {
			t.Errorf("default %d standardises to %v", i, v)
		}
	}
	if err := Validate(d); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	zz := [NumVars]float64{0: 1.5, 19: -0.5}
	x := FromStandardised(zz)
	if x[0] != 60+1.5*10 || Standardise(x) != zz {
		t.Errorf("FromStandardised: %v", x[:2])
	}
	d[3], d[7] = math.NaN(), 50
	err := Validate(d)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Field != "sbp" || !errors.Is(es[0], ErrNotFinite) ||
		es[1].Field != "temperature" || !errors.Is(es[1], ErrOutOfRange) {
		t.Fatalf("Validate: %v", err)
	}
	if want := "clinical: temperature: 50 °C is outside the plausible range 30 to 43 °C"; es[1].Error() != want {
		t.Errorf("got %q, want %q", es[1].Error(), want)
	}
}
