package clinical

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fullText writes all twenty reference means as name=value, with the given overrides.
func fullText(sep string, over map[string]string) string {
	var parts []string
	for _, v := range Variables() {
		val := fmt.Sprintf("%g", v.Mean)
		if o, ok := over[v.Name]; ok {
			val = o
		}
		parts = append(parts, v.Name+"="+val)
	}
	return strings.Join(parts, sep)
}

func TestParseTextComplete(t *testing.T) {
	for _, sep := range []string{",", ";", "\n", " ", ", ", " ;\r\n"} {
		v, err := ParseText(fullText(sep, map[string]string{"age": "63", "crp": "12.5"}), ParseOptions{})
		if err != nil {
			t.Fatalf("sep %q: %v", sep, err)
		}
		if v.X[0] != 63 || v.X[19] != 12.5 || v.X[5] != 75 {
			t.Errorf("sep %q: values %v", sep, v.X)
		}
		for i, g := range v.Given {
			if !g {
				t.Errorf("sep %q: variable %d not marked given", sep, i)
			}
		}
		z := v.Standardised()
		if z[0] != 0.3 || z[19] != 1.875 || z[5] != 0 {
			t.Errorf("sep %q: z %v %v %v", sep, z[0], z[19], z[5])
		}
	}
}

func TestParseTextForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		name string
		want float64
	}{
		{"age = 63", "age", 63},
		{"AGE: 63", "age", 63},
		{"age=63years", "age", 63},
		{"age=63 years", "age", 63},
		{"age=6.3e1 y", "age", 63},
		{"Heart-Rate=80 bpm", "heart_rate", 80},
		{"hr=80 /min", "heart_rate", 80},
		{"temp=37.5 °C", "temperature", 37.5},
		{"temp=37.5 degc", "temperature", 37.5},
		{"bmi=27.5 kg/m2", "bmi", 27.5},
		{"creatinine=90 umol/L", "creatinine", 90},
		{"creatinine=90 μmol/L", "creatinine", 90}, // Greek mu for the micro sign
		{"wbc=12.1 10^9/L", "wbc", 12.1},
		{"hb=+12", "hemoglobin", 12},
		{"\ufeffcrp=.5", "crp", 0.5},
	} {
		v, err := ParseText(c.in, ParseOptions{AllowPartial: true})
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		vr, _ := Lookup(c.name)
		if v.X[vr.Index] != c.want || !v.Given[vr.Index] {
			t.Errorf("%q: %s = %v (given %v), want %v", c.in, c.name, v.X[vr.Index], v.Given[vr.Index], c.want)
		}
	}
}

func TestParsePartial(t *testing.T) {
	v, err := ParseText("age=70 crp=20", ParseOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	d := Defaults()
	for i := range d {
		switch i {
		case 0:
			if v.X[i] != 70 || !v.Given[i] {
				t.Error("age")
			}
		case 19:
			if v.X[i] != 20 || !v.Given[i] {
				t.Error("crp")
			}
		default:
			if v.X[i] != d[i] || v.Given[i] {
				t.Errorf("variable %d: %v given %v, want default %v", i, v.X[i], v.Given[i], d[i])
			}
		}
	}
	v, err = ParseText("", ParseOptions{AllowPartial: true})
	if err != nil || v.X != d {
		t.Fatalf("empty partial: %v", err)
	}
}

// wantErrs checks that err is an Errors holding exactly the listed (field, kind) problems.
func wantErrs(t *testing.T, in string, err error, want ...any) Errors {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("%q: error %v (%T) is not Errors", in, err, err)
	}
	if len(es) != len(want)/2 {
		t.Fatalf("%q: %d errors, want %d: %v", in, len(es), len(want)/2, err)
	}
	for i := 0; i < len(want); i += 2 {
		e := es[i/2]
		if e.Field != want[i].(string) || !errors.Is(e, want[i+1].(error)) {
			t.Errorf("%q: error %d is %q (field %q kind %v), want field %q kind %v", in, i/2, e.Error(), e.Field, e.Kind, want[i], want[i+1])
		}
		if !errors.Is(err, want[i+1].(error)) {
			t.Errorf("%q: errors.Is on Errors misses %v", in, want[i+1])
		}
	}
	return es
}

func TestParseErrors(t *testing.T) {
	partial := ParseOptions{AllowPartial: true}

	in := "hemoglobn=12"
	_, err := ParseText(in, partial)
	es := wantErrs(t, in, err, "", ErrUnknown)
	if es[0].Suggestion != "hemoglobin" || es[0].Input != "hemoglobn" || es[0].Offset != 0 ||
		es[0].Error() != `clinical: unknown variable "hemoglobn"; did you mean "hemoglobin"?` {
		t.Errorf("unknown: %+v", es[0])
	}
	_, err = ParseText("creatinin=80, plat=300", partial)
	es = wantErrs(t, "creatinin/plat", err, "", ErrUnknown, "", ErrUnknown)
	if es[0].Suggestion != "creatinine" || es[1].Suggestion != "platelets" {
		t.Errorf("suggestions %q %q", es[0].Suggestion, es[1].Suggestion)
	}
	_, err = ParseText("zzzzzzzz=1", partial)
	if es = wantErrs(t, "zzz", err, "", ErrUnknown); es[0].Suggestion != "" || !strings.Contains(es[0].Msg, "known: age, bmi") {
		t.Errorf("no suggestion expected: %+v", es[0])
	}

	in = "age=63, bmi=27, age=64"
	v, err := ParseText(in, partial)
	es = wantErrs(t, in, err, "age", ErrDuplicate)
	if es[0].Offset != 16 || v.X[0] != 63 {
		t.Errorf("duplicate: offset %d, kept %v", es[0].Offset, v.X[0])
	}

	in = "age=NaN; bmi=-Inf; waist=abc; sbp=1e999; dbp=; glucose=5,6"
	_, err = ParseText(in, partial)
	es = wantErrs(t, in, err, "age", ErrNotFinite, "bmi", ErrNotFinite, "waist", ErrNotNumber,
		"sbp", ErrNotFinite, "dbp", ErrMissing, "", ErrSyntax)
	if !strings.Contains(es[5].Msg, "decimals use a point") {
		t.Errorf("decimal comma hint missing: %q", es[5].Msg)
	}
	if es[2].Offset != strings.Index(in, "abc") {
		t.Errorf("value offset %d", es[2].Offset)
	}

	in = "crp=600, age=17"
	_, err = ParseText(in, partial)
	es = wantErrs(t, in, err, "crp", ErrOutOfRange, "age", ErrOutOfRange)
	if want := "clinical: crp: 600 mg/L is outside the plausible range 0 to 500 mg/L"; es[0].Error() != want {
		t.Errorf("got %q, want %q", es[0].Error(), want)
	}

	in = "creatinine=1.1 mg/dL, glucose=5.5mg/dl"
	_, err = ParseText(in, partial)
	es = wantErrs(t, in, err, "creatinine", ErrUnit, "glucose", ErrUnit)
	if !strings.Contains(es[0].Msg, "µmol/L") {
		t.Errorf("unit message %q", es[0].Msg)
	}

	in = "age 63, bmi=27 kg/m2 cm"
	_, err = ParseText(in, partial)
	wantErrs(t, in, err, "age", ErrSyntax, "", ErrSyntax) // a second unit "cm" reads as a name without "="

	// Without AllowPartial every variable not mentioned is reported, by name.
	in = fullText(",", nil)
	in = in[strings.Index(in, ",")+1:] // drop age
	_, err = ParseText(in, ParseOptions{})
	es = wantErrs(t, in, err, "age", ErrMissing)
	if want := "clinical: age: no value given for Age (years)"; es[0].Error() != want {
		t.Errorf("got %q, want %q", es[0].Error(), want)
	}
	// A variable mentioned with a bad value is reported once, not also as missing.
	_, err = ParseText(strings.Replace(fullText(",", nil), "age=60", "age=x", 1), ParseOptions{})
	wantErrs(t, "age=x", err, "age", ErrNotNumber)

	_, err = ParseText("", ParseOptions{})
	if es = wantErrs(t, "", err, missingAll()...); len(es) != NumVars {
		t.Errorf("%d missing errors", len(es))
	}
	if !strings.HasPrefix(err.Error(), "clinical: 20 problems: age: no value given") || !strings.Contains(err.Error(), "and 16 more") {
		t.Errorf("summary %q", err.Error())
	}
	if len(es.Field("crp")) != 1 {
		t.Error("Errors.Field")
	}
}

func missingAll() []any {
	var w []any
	for _, v := range Variables() {
		w = append(w, v.Name, ErrMissing)
	}
	return w
}

func TestParseJSON(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i, v := range Variables() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %g", v.Name, v.Mean)
	}
	b.WriteString("}")
	v, err := Parse("  "+b.String(), ParseOptions{})
	if err != nil || v.X != Defaults() {
		t.Fatalf("complete JSON: %v", err)
	}

	v, err = ParseJSON([]byte(`{"Age": 63, "crp": "12 mg/L", "hb": "13.1", "bmi": null, "temp": 3.71e1}`), ParseOptions{AllowPartial: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.X[0] != 63 || v.X[19] != 12 || v.X[10] != 13.1 || v.X[7] != 37.1 || v.Given[1] || v.X[1] != 27 {
		t.Errorf("values %v", v.X)
	}

	in := `{"age": 63, "hb": true, "wbc": [1], "plt": {"a": 1}, "age": 64, "crp": "NaN", "sodium": 1e400, "ldl": 3, "alt": "12 mg/L"}`
	_, err = ParseJSON([]byte(in), ParseOptions{AllowPartial: true})
	es := wantErrs(t, in, err, "hemoglobin", ErrNotNumber, "wbc", ErrNotNumber, "platelets", ErrNotNumber,
		"age", ErrDuplicate, "crp", ErrNotFinite, "sodium", ErrNotFinite, "", ErrUnknown, "alt", ErrUnit)
	if es[3].Offset != strings.Index(in, `"age": 64`) {
		t.Errorf("duplicate offset %d, want %d", es[3].Offset, strings.Index(in, `"age": 64`))
	}
	if es[0].Offset != strings.Index(in, "true") {
		t.Errorf("value offset %d, want %d", es[0].Offset, strings.Index(in, "true"))
	}

	for _, bad := range []string{`{"age": 63`, `{"age" 63}`, `[1, 2]`, `"age"`, `{"age": 63} x`, `{"age": 63}{}`, ``, `{"age": NaN}`} {
		_, err := ParseJSON([]byte(bad), ParseOptions{AllowPartial: true})
		wantErrs(t, bad, err, "", ErrSyntax)
	}
	_, err = Parse(`[1, 2]`, ParseOptions{AllowPartial: true})
	if es = wantErrs(t, "[1,2]", err, "", ErrSyntax); !strings.Contains(es[0].Msg, "expected a JSON object") {
		t.Errorf("array: %q", es[0].Msg)
	}
	// A bare number instead of an object is named, and quoted short however long it is.
	long := "1" + strings.Repeat("6", 2000)
	_, err = ParseJSON([]byte(long), ParseOptions{AllowPartial: true})
	if es = wantErrs(t, "long number", err, "", ErrSyntax); !strings.Contains(es[0].Msg, "found number") || len(es[0].Msg) > 200 {
		t.Errorf("long number: %d-byte message %.120q", len(es[0].Msg), es[0].Msg)
	}
	_, err = ParseJSON([]byte("\ufeff{\"age\": 63}"), ParseOptions{AllowPartial: true})
	if err != nil {
		t.Errorf("BOM: %v", err)
	}
}

func TestParseErrorCap(t *testing.T) {
	in := strings.Repeat("x=1 ", 1000)
	_, err := ParseText(in, ParseOptions{})
	var es Errors
	if !errors.As(err, &es) || len(es) != maxErrors {
		t.Fatalf("got %d errors, want the cap %d", len(es), maxErrors)
	}
}

// TestErrorsQuoteAShortPrefix: an error about a long value repeats only its beginning
// and says how long it was.
func TestErrorsQuoteAShortPrefix(t *testing.T) {
	long := strings.Repeat("7x", 7500) // 15,000 characters
	for _, in := range []string{"age=" + long, long + "=63", `{"age": "` + long + `"}`, "crp=5 " + long} {
		_, err := Parse(in, ParseOptions{AllowPartial: true})
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("%.20q...: %v, want Errors", in, err)
		}
		msg := err.Error()
		if len(msg) > 400 || !strings.Contains(msg, "… (") || !strings.Contains(msg, "bytes)") {
			t.Errorf("%.20q...: error of %d bytes: %.200q", in, len(msg), msg)
		}
		if len(es[0].Input) > maxInputKept {
			t.Errorf("%.20q...: Input keeps %d bytes", in, len(es[0].Input))
		}
	}
	// Short inputs are still quoted whole.
	_, err := Parse("age=abc", ParseOptions{AllowPartial: true})
	if err == nil || !strings.Contains(err.Error(), `"abc" is not a number`) {
		t.Errorf("short value: %v", err)
	}
}

// TestOverLongInputRefusedEarly: an input longer than MaxInputBytes (a pasted note, or a
// value followed by 20,000 spaces, which would otherwise parse) is refused with one short
// error.
func TestOverLongInputRefusedEarly(t *testing.T) {
	for _, in := range []string{"age=50" + strings.Repeat(" ", 20000), strings.Repeat("a", MaxInputBytes+1)} {
		for _, parse := range []func(string) error{
			func(s string) error { _, err := ParseText(s, ParseOptions{AllowPartial: true}); return err },
			func(s string) error { _, err := ParseJSON([]byte(s), ParseOptions{AllowPartial: true}); return err },
		} {
			err := parse(in)
			if !errors.Is(err, ErrTooLong) || len(err.Error()) > 120 {
				t.Errorf("%d-byte input: %v, want a short ErrTooLong", len(in), err)
			}
		}
	}
	if _, err := ParseText("age=50"+strings.Repeat(" ", 1000), ParseOptions{AllowPartial: true}); err != nil {
		t.Errorf("trailing blanks within the limit: %v", err)
	}
}
