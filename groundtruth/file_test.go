package groundtruth

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// docExample returns the example scenario file from the package doc, so the documented
// format is tested as written.
func docExample(t testing.TB) []byte {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		body, ok := strings.CutPrefix(line, "//\t")
		if ok && body == "{" {
			in = true
		}
		if in {
			b.WriteString(body + "\n")
			if body == "}" {
				return []byte(b.String())
			}
		}
	}
	t.Fatal("no example scenario file in doc.go")
	return nil
}

func TestDocExample(t *testing.T) {
	s, err := ParseScenario(docExample(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "my-scenario" || len(s.Terms) != 6 || s.Seed != 7 || s.LabelNoise != 0.02 || !s.Threshold.Median || s.CohortSize != 5000 ||
		s.LabelMode != LogisticLabels || s.LabelScale != 0.8 {
		t.Errorf("parsed %+v", s)
	}
	for k := range FeaturesPerModality {
		if s.Weights[k] != 0.5 {
			t.Errorf("ct_axial[%d] weight %g, want 0.5", k, s.Weights[k])
		}
	}
	if s.Weights[23] != -1.25 || s.Weights[35] != 0.2 {
		t.Errorf("weights %v", s.Weights)
	}
	want := []Term{
		{Kind: Square, Coef: 0.3, Feature: 10, Scale: 1},
		{Kind: Abs, Coef: 0.4, Feature: 31, Scale: 1, Center: 0.5},
		{Kind: Tanh, Coef: 1, Feature: 2, Scale: 2},
		{Kind: Sin, Coef: 0.5, Feature: 20, Scale: 1.2, Center: 0.1},
		{Kind: Step, Coef: 1.5, Feature: 24, Scale: 5, Center: 0.3},
		{Kind: Product, Coef: 0.7, Feature: 1, Feature2: 32},
	}
	if !reflect.DeepEqual(s.Terms, want) {
		t.Errorf("terms\n got %+v\nwant %+v", s.Terms, want)
	}
	r := rand.New(rand.NewPCG(8, 9))
	for range 20 {
		x := randomPoint(r)
		for math.Abs(0.5-x[31]) < 1e-3 {
			x = randomPoint(r)
		}
		checkGrad(t, s, x)
	}
}

func roundTrip(t *testing.T, s *Scenario) {
	t.Helper()
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatalf("%s: marshal: %v", s.Name, err)
	}
	back, err := ParseScenario(data)
	if err != nil {
		t.Fatalf("%s: parse back: %v\n%s", s.Name, err, data)
	}
	if !reflect.DeepEqual(s, back) {
		t.Fatalf("%s: round trip differs\n got %+v\nwant %+v\n%s", s.Name, back, s, data)
	}
	// Through encoding/json's Unmarshal too.
	var u Scenario
	if err := json.Unmarshal(data, &u); err != nil || !reflect.DeepEqual(s, &u) {
		t.Fatalf("%s: json.Unmarshal: %v", s.Name, err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, s := range Builtins() {
		roundTrip(t, &s)
	}
	r := rand.New(rand.NewPCG(10, 11))
	num := func() float64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return float64(r.IntN(7) - 3)
		}
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(9)-4))
	}
	for trial := range 300 {
		s := &Scenario{Name: "random", Description: "A random scenario.", Intercept: num(), CohortSize: 2 + r.IntN(100000), Seed: r.Uint64()}
		for j := range s.Weights {
			if r.IntN(3) == 0 {
				s.Weights[j] = num()
			}
		}
		if r.IntN(4) == 0 { // a whole modality with one weight
			m := r.IntN(NumModalities)
			for k := range FeaturesPerModality {
				s.Weights[m*FeaturesPerModality+k] = 1.5
			}
		}
		for range r.IntN(6) {
			term := Term{Kind: Kind(1 + r.IntN(int(Product))), Coef: r.NormFloat64(), Feature: r.IntN(NumFeatures)}
			if term.Kind == Product {
				term.Feature2 = (term.Feature + 1 + r.IntN(NumFeatures-1)) % NumFeatures
			} else {
				term.Scale, term.Center = 1, num()
				if r.IntN(2) == 0 || term.Kind == Step {
					term.Scale = 0.1 + math.Abs(r.NormFloat64())
				}
			}
			s.Terms = append(s.Terms, term)
		}
		if r.IntN(2) == 0 {
			s.Threshold = Threshold{Value: num()}
		} else {
			s.Threshold.Median = true
		}
		if r.IntN(2) == 0 {
			s.LabelNoise = 0.49 * r.Float64()
		}
		if r.IntN(2) == 0 {
			s.LabelMode, s.LabelScale = LogisticLabels, math.Abs(num())+0.01
		}
		if s.Validate() != nil {
			continue // constant F: nothing to write
		}
		roundTrip(t, s)
		_ = trial
	}
}

func TestParseDefaults(t *testing.T) {
	s, err := ParseScenario([]byte(`{"name":"min","weights":[{"feature":"ct_axial[0]","weight":1}],
		"terms":[{"kind":"step","feature":3,"coef":1},{"kind":"tanh","feature":4,"coef":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Threshold.Median || s.CohortSize != DefaultCohortSize || s.Seed != DefaultSeed || s.LabelNoise != 0 || s.Intercept != 0 {
		t.Errorf("defaults: %+v", s)
	}
	if s.Terms[0].Scale != DefaultStepSlope || s.Terms[0].Center != 0 || s.Terms[1].Scale != 1 {
		t.Errorf("term defaults: %+v", s.Terms)
	}
	s, err = ParseScenario([]byte(`{"name":"fixed","weights":[{"feature":0,"weight":1}],"threshold":-0.5,"seed":18446744073709551615}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Threshold.Median || s.Threshold.Value != -0.5 || s.Seed != math.MaxUint64 {
		t.Errorf("fixed threshold, max seed: %+v", s)
	}
	if s.LabelMode != ThresholdLabels || s.LabelScale != 0 {
		t.Errorf("default labels: %v, scale %g; want threshold, 0", s.LabelMode, s.LabelScale)
	}
	s, err = ParseScenario([]byte(`{"name":"logit","weights":[{"feature":0,"weight":1}],"labels":"logistic"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.LabelMode != LogisticLabels || s.LabelScale != DefaultLabelScale || !s.Threshold.Median {
		t.Errorf("logistic defaults: %v, scale %g, median %v", s.LabelMode, s.LabelScale, s.Threshold.Median)
	}
	s, err = ParseScenario([]byte(`{"name":"thr","weights":[{"feature":0,"weight":1}],"labels":"threshold"}`))
	if err != nil || s.LabelMode != ThresholdLabels || s.LabelScale != 0 {
		t.Errorf("explicit threshold labels: %+v, %v", s, err)
	}
}

func TestParseErrors(t *testing.T) {
	const w = `"weights":[{"feature":0,"weight":1}]`
	cases := []struct{ in, path, msg string }{
		{``, "", "JSON ends early"},
		{`{"name":"a",` + w, "", "JSON ends early"},
		{`{"name":"a",` + w + `}{}`, "", "unexpected data after the JSON value, which ends at byte offset 49"},
		{`{"name":"a",` + w + `,}`, "", "invalid JSON"},
		{`[1]`, "", "must be an object, got an array"},
		{`null`, "", "must be an object, got null"},
		{`{` + w + `}`, "name", "is missing"},
		{`{"name":"a","name":"b",` + w + `}`, "name", "appears twice"},
		{`{"name":"a",` + w + `,"colour":1}`, "colour", "unknown field"},
		{`{"name":3,` + w + `}`, "name", "must be a string, got a number"},
		{`{"name":"",` + w + `}`, "name", "is empty"},
		{`{"name":"a"}`, "", "F is constant"},
		{`{"name":"a","weights":[]}`, "", "F is constant"},
		{`{"name":"a","weights":[{"feature":0,"weight":0}]}`, "", "F is constant"},
		{`{"name":"a","weights":{}}`, "weights", "must be an array, got an object"},
		{`{"name":"a","weights":[{"feature":0}]}`, "weights[0].weight", "is missing"},
		{`{"name":"a","weights":[{"weight":1}]}`, "weights[0]", "needs a feature or a modality"},
		{`{"name":"a","weights":[{"feature":0,"modality":"ct_axial","weight":1}]}`, "weights[0]", "has both"},
		{`{"name":"a","weights":[{"feature":"clinical_c[1]","weight":1}]}`, "weights[0].feature", `unknown modality "clinical_c"`},
		{`{"name":"a","weights":[{"feature":"ct_axial[10]","weight":1}]}`, "weights[0].feature", "index 10 out of range [0,10)"},
		{`{"name":"a","weights":[{"feature":40,"weight":1}]}`, "weights[0].feature", "index 40 out of range [0,40)"},
		{`{"name":"a","weights":[{"feature":-1,"weight":1}]}`, "weights[0].feature", "index -1 out of range"},
		{`{"name":"a","weights":[{"feature":1.5,"weight":1}]}`, "weights[0].feature", "must be an integer, got 1.5"},
		{`{"name":"a","weights":[{"feature":true,"weight":1}]}`, "weights[0].feature", "got a boolean"},
		{`{"name":"a","weights":[{"feature":0,"weight":null}]}`, "weights[0].weight", "must be a number, got null"},
		{`{"name":"a","weights":[{"feature":0,"weight":"NaN"}]}`, "weights[0].weight", "must be a number, got a string"},
		{`{"name":"a","weights":[{"feature":0,"weight":1e400}]}`, "weights[0].weight", "out of range"},
		{`{"name":"a","weights":[{"feature":0,"weight":1e7}]}`, "weights[0].weight", "exceeds"},
		{`{"name":"a","weights":[{"feature":0,"weight":1,"w":2}]}`, "weights[0].w", "unknown field"},
		{`{"name":"a","weights":[{"modality":"ct_axial","weight":1},{"feature":"ct_axial[4]","weight":2}]}`, "weights[1]", "sets ct_axial[4], already set by weights[0]"},
		{`{"name":"a","weights":[{"modality":"pet","weight":1}]}`, "weights[0].modality", `unknown modality "pet"`},
		{`{"name":"a","terms":[{"kind":"cube","feature":0,"coef":1}]}`, "terms[0].kind", `unknown term kind "cube"`},
		{`{"name":"a","terms":[{"feature":0,"coef":1}]}`, "terms[0].kind", "is missing"},
		{`{"name":"a","terms":[{"kind":"tanh","feature":0}]}`, "terms[0].coef", "is missing"},
		{`{"name":"a","terms":[{"kind":"tanh","coef":1}]}`, "terms[0].feature", "is missing"},
		{`{"name":"a","terms":[{"kind":"tanh","feature":0,"coef":0}]}`, "terms[0].coef", "is 0"},
		{`{"name":"a","terms":[{"kind":"tanh","feature":0,"coef":1,"slope":3}]}`, "terms[0].slope", "is not a field of a tanh term"},
		{`{"name":"a","terms":[{"kind":"step","feature":0,"coef":1,"center":3}]}`, "terms[0].center", "is not a field of a step term"},
		{`{"name":"a","terms":[{"kind":"step","feature":0,"coef":1,"slope":0}]}`, "terms[0].slope", "is 0"},
		{`{"name":"a","terms":[{"kind":"step","feature":0,"coef":1,"slope":-2}]}`, "terms[0].slope", "must be positive"},
		{`{"name":"a","terms":[{"kind":"sin","feature":0,"coef":1,"scale":0}]}`, "terms[0].scale", "is 0"},
		{`{"name":"a","terms":[{"kind":"product","feature":0,"coef":1}]}`, "terms[0].feature", "is not a field of a product term"},
		{`{"name":"a","terms":[{"kind":"product","features":[0],"coef":1}]}`, "terms[0].features", "has 1 features, a product takes 2"},
		{`{"name":"a","terms":[{"kind":"product","features":"ct_axial[0]","coef":1}]}`, "terms[0].features", "must be an array"},
		{`{"name":"a","terms":[{"kind":"product","features":[0,"ct_coronal[10]"],"coef":1}]}`, "terms[0].features[1]", "index 10 out of range"},
		{`{"name":"a","terms":[{"kind":"product","features":[3,"ct_axial[3]"],"coef":1}]}`, "terms[0].features", "both factors are ct_axial[3]"},
		{`{"name":"a","terms":[{"kind":"tanh","feature":0,"coef":1},{"kind":"abs","feature":0,"coef":1,"center":1,"center":2}]}`, "terms[1].center", "appears twice"},
		{`{"name":"a",` + w + `,"threshold":"mean"}`, "threshold", `is "mean", want "median" or a number`},
		{`{"name":"a",` + w + `,"threshold":[1]}`, "threshold", "must be \"median\" or a number, got [1]"},
		{`{"name":"a",` + w + `,"label_noise":0.5}`, "label_noise", "want a flip probability in [0, 0.5)"},
		{`{"name":"a",` + w + `,"label_noise":-0.1}`, "label_noise", "is -0.1"},
		{`{"name":"a",` + w + `,"labels":"probit"}`, "labels", `is "probit", want "threshold" or "logistic"`},
		{`{"name":"a",` + w + `,"labels":1}`, "labels", "must be a string, got a number"},
		{`{"name":"a",` + w + `,"label_scale":2}`, "label_scale", `needs "labels": "logistic"`},
		{`{"name":"a",` + w + `,"labels":"threshold","label_scale":2}`, "label_scale", `needs "labels": "logistic"`},
		{`{"name":"a",` + w + `,"label_scale":2,"labels":"logistic"}`, "", ""},
		{`{"name":"a",` + w + `,"labels":"logistic","label_scale":0}`, "label_scale", "is 0, want > 0"},
		{`{"name":"a",` + w + `,"labels":"logistic","label_scale":-0.5}`, "label_scale", "is -0.5, want > 0"},
		{`{"name":"a",` + w + `,"labels":"logistic","label_scale":"1"}`, "label_scale", "must be a number, got a string"},
		{`{"name":"a",` + w + `,"labels":"logistic","label_scale":2e6}`, "label_scale", "exceeds"},
		{`{"name":"a",` + w + `,"cohort_size":1}`, "cohort_size", "is 1, want 2.."},
		{`{"name":"a",` + w + `,"cohort_size":100.5}`, "cohort_size", "must be an integer"},
		{`{"name":"a",` + w + `,"cohort_size":1e3}`, "cohort_size", "must be an integer"},
		{`{"name":"a",` + w + `,"cohort_size":99999999999999999999}`, "cohort_size", "out of range"},
		{`{"name":"a",` + w + `,"seed":-1}`, "seed", "must be an integer in [0, 2^64)"},
		{`{"name":"a",` + w + `,"seed":18446744073709551616}`, "seed", "out of range"},
		{`{"name":"a",` + w + `,"seed":"1"}`, "seed", "must be an integer"},
		{`{"name":"a",` + w + `,"description":"two\nlines"}`, "description", "control character"},
	}
	for _, c := range cases {
		s, err := ParseScenario([]byte(c.in))
		if c.path == "" && c.msg == "" {
			// Valid: the fields' order does not matter.
			if err != nil || s.LabelMode != LogisticLabels || s.LabelScale != 2 {
				t.Errorf("%s\n  got %+v, %v; want logistic labels, scale 2", c.in, s, err)
			}
			continue
		}
		var se *ScenarioError
		if !errors.As(err, &se) {
			t.Errorf("%s\n  got %v, %v; want a *ScenarioError", c.in, s, err)
			continue
		}
		if se.Path != c.path || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("%s\n  got  path %q: %s\n  want path %q: ...%s...", c.in, se.Path, se.Msg, c.path, c.msg)
		}
	}
	big := make([]byte, MaxFileSize+1)
	if _, err := ParseScenario(big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized file: %v", err)
	}
}

func TestMarshalInvalid(t *testing.T) {
	if _, err := json.Marshal(Scenario{Name: "x"}); err == nil {
		t.Error("marshalling an invalid scenario should fail")
	}
}

func FuzzParseScenario(f *testing.F) {
	for _, s := range Builtins() {
		data, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(docExample(f))
	f.Add([]byte(`{"name":"a","weights":[{"feature":0,"weight":1}],"threshold":0.5,"seed":3}`))
	f.Add([]byte(`{"name":"a","terms":[{"kind":"product","features":[0,"clinical_b[9]"],"coef":-2}]}`))
	f.Add([]byte(`{"name":"a","a":{"b":[1,{"c":2,"c":3}]}}`))
	f.Add([]byte(`{"name":"a","weights":[{"modality":"clinical_b","weight":1}],"labels":"logistic","label_scale":0.45,"threshold":2}`))
	f.Add([]byte(`{"name":"a","weights":[{"feature":1,"weight":1}],"label_scale":1,"labels":"threshold"}`))
	x := make([]float64, NumFeatures)
	for j := range x {
		x[j] = float64(j%7) - 3
	}
	cohort, err := NormalCohort(16, 5)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseScenario(data)
		if err != nil {
			var se *ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *ScenarioError: %v", err, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed scenario is invalid: %v", err)
		}
		if v := s.F(x); math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("F = %g on a bounded point", v)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParseScenario(out)
		if err != nil {
			t.Fatalf("parse back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(s, back) {
			t.Fatalf("round trip differs\n got %+v\nwant %+v", back, s)
		}
		// Any parsed scenario labels a cohort, whatever its label mode.
		l, err := s.Label(cohort)
		if err != nil {
			t.Fatalf("label: %v", err)
		}
		if l.Flipped < 0 || l.Flipped > len(l.Y) || !(l.ExpectedFlipped >= 0 && l.ExpectedFlipped <= float64(len(l.Y))) {
			t.Fatalf("label: %d flipped, %g expected, of %d", l.Flipped, l.ExpectedFlipped, len(l.Y))
		}
	})
}

// TestShippedScenarioFiles parses every scenario file kept in docs/validation (U1 and
// on), so that a change to the format cannot leave the recorded and sealed scenarios
// unreadable.
func TestShippedScenarioFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "docs", "validation", "*", "U*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("found %d scenario files U*.json under docs/validation, want the 12 kept there", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseScenario(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if want := strings.TrimSuffix(filepath.Base(f), ".json"); s.Name != want {
			t.Errorf("%s: scenario name %q, want the file's name %q", f, s.Name, want)
		}
	}
}

// TestScenarioErrorsQuoteAShortPrefix: a long name in a scenario file is not repeated
// whole in the error.
func TestScenarioErrorsQuoteAShortPrefix(t *testing.T) {
	long := strings.Repeat("z", 15000)
	for _, data := range []string{
		`{"name":"x","weights":[{"feature":0,"weight":1}],"threshold":"` + long + `"}`,
		`{"name":"x","weights":[{"feature":0,"weight":1}],"terms":[{"kind":"` + long + `","feature":3,"coef":1}]}`,
		`{"name":"x","weights":[{"feature":"` + long + `[0]","weight":1}]}`,
	} {
		_, err := ParseScenario([]byte(data))
		if err == nil {
			t.Fatal("a scenario with a 15,000-character name was accepted")
		}
		if msg := err.Error(); len(msg) > 400 || !strings.Contains(msg, "bytes)") {
			t.Errorf("error of %d bytes: %.300s", len(msg), msg)
		}
	}
}
