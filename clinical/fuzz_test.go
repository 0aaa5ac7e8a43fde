package clinical

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// maxMsg bounds a FieldError's message: the longest is an unknown name with the list of
// known ones.
const maxMsg = 600

// checkParsed is what every parse must satisfy: on success, finite values within range for
// every given variable and the reference mean elsewhere; on failure, an Errors of known kinds.
func checkParsed(t *testing.T, v Values, err error, opt ParseOptions) {
	if err != nil {
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 || len(es) > maxErrors {
			t.Fatalf("error %v (%T) is not a non-empty Errors", err, err)
		}
		for _, e := range es {
			known := false
			for _, k := range []error{ErrSyntax, ErrUnknown, ErrMissing, ErrDuplicate, ErrNotNumber, ErrNotFinite, ErrOutOfRange, ErrUnit, ErrTooLong} {
				known = known || e.Kind == k
			}
			if !known || e.Msg == "" {
				t.Fatalf("error %q has kind %v", e.Error(), e.Kind)
			}
			// Messages quote a short prefix of the input, never all of it.
			if len(e.Msg) > maxMsg || len(e.Input) > maxInputKept {
				t.Fatalf("error of %d bytes with input of %d bytes: %.100q", len(e.Msg), len(e.Input), e.Msg)
			}
			if e.Field != "" {
				if _, ok := Lookup(e.Field); !ok {
					t.Fatalf("error attached to unknown field %q", e.Field)
				}
			}
		}
		return
	}
	for i, vr := range table {
		x := v.X[i]
		if math.IsNaN(x) || x < vr.Min || x > vr.Max {
			t.Fatalf("%s = %v accepted", vr.Name, x)
		}
		if !v.Given[i] && (!opt.AllowPartial || x != vr.Mean) {
			t.Fatalf("%s not given but %v (partial %v)", vr.Name, x, opt.AllowPartial)
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		fullText(",", nil), "age=63, bmi=27.5; crp = 12 mg/L", "hr=80 bpm temp=37 C", "age=NaN", "hemoglobn=12",
		"age=63, age=64", "glucose=5,6", "x", "=", "age=", "creatinine=90 umol/L wbc=7 10^9/L", "\ufeffcrp=.5e1",
		"age=" + strings.Repeat("9", 300), "crp=5 " + strings.Repeat("mg", 200), strings.Repeat("x", 100) + "=1",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, partial bool) {
		opt := ParseOptions{AllowPartial: partial}
		v, err := ParseText(s, opt)
		checkParsed(t, v, err, opt)
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"age": 63, "crp": "12 mg/L", "hb": 13.1, "bmi": null}`, `{"age": true}`, `{"age": 1e400}`, `[1]`, `{}`,
		`{"age": 63, "age": 64}`, `{"zzz": {"a": [1, 2]}}`, `{"age": "63 years"} x`, "\ufeff{}",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, partial bool) {
		opt := ParseOptions{AllowPartial: partial}
		v, err := ParseJSON(data, opt)
		checkParsed(t, v, err, opt)
	})
}
