package groundtruth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// MaxFileSize is the largest scenario file ParseScenario reads, in bytes.
const MaxFileSize = 1 << 20

// ParseScenario reads a scenario file (format in the package doc). Parsing is strict:
// unknown or repeated fields, wrong types, bad feature names, out-of-range indices or
// values, unknown term kinds and a constant F are errors, each a *ScenarioError naming
// the JSON path of the culprit. The result is valid (see Validate).
func ParseScenario(data []byte) (*Scenario, error) {
	if len(data) > MaxFileSize {
		return nil, errAt("", "file is %d bytes, more than %d", len(data), MaxFileSize)
	}
	if err := checkJSON(data); err != nil {
		return nil, err
	}
	top, err := object(data, "", topFields)
	if err != nil {
		return nil, err
	}
	s := &Scenario{Threshold: Threshold{Median: true}, CohortSize: DefaultCohortSize, Seed: DefaultSeed}
	raw, ok := top["name"]
	if !ok {
		return nil, errAt("name", "is missing")
	}
	if s.Name, err = str(raw, "name"); err != nil {
		return nil, err
	}
	if raw, ok := top["description"]; ok {
		if s.Description, err = str(raw, "description"); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["intercept"]; ok {
		if s.Intercept, err = number(raw, "intercept"); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["weights"]; ok {
		if err := parseWeights(raw, &s.Weights); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["terms"]; ok {
		if s.Terms, err = parseTerms(raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["threshold"]; ok {
		if raw[0] == '"' {
			if v, _ := str(raw, "threshold"); v != "median" {
				return nil, errAt("threshold", "is %s, want \"median\" or a number", quote.Short(v))
			}
		} else {
			s.Threshold.Median = false
			if s.Threshold.Value, err = number(raw, "threshold"); err != nil {
				return nil, errAt("threshold", "must be \"median\" or a number, got %s", clip(raw))
			}
		}
	}
	if raw, ok := top["label_noise"]; ok {
		if s.LabelNoise, err = number(raw, "label_noise"); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["labels"]; ok {
		name, err := str(raw, "labels")
		if err != nil {
			return nil, err
		}
		if s.LabelMode, err = ParseLabelMode(name); err != nil {
			return nil, errAt("labels", "is %s, want \"threshold\" or \"logistic\"", quote.Short(name))
		}
		if s.LabelMode == LogisticLabels {
			s.LabelScale = DefaultLabelScale
		}
	}
	if raw, ok := top["label_scale"]; ok {
		if s.LabelMode != LogisticLabels {
			return nil, errAt("label_scale", "needs \"labels\": \"logistic\" (threshold labels take no scale)")
		}
		if s.LabelScale, err = number(raw, "label_scale"); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["cohort_size"]; ok {
		n, err := integer(raw, "cohort_size")
		if err != nil {
			return nil, err
		}
		if n < 2 || n > MaxCohortSize {
			return nil, errAt("cohort_size", "is %d, want 2..%d", n, MaxCohortSize)
		}
		s.CohortSize = int(n)
	}
	if raw, ok := top["seed"]; ok {
		if describe(raw) != "a number" || bytes.ContainsAny(raw, ".eE-") {
			return nil, errAt("seed", "must be an integer in [0, 2^64), got %s", clip(raw))
		}
		if s.Seed, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
			return nil, errAt("seed", "integer %s is out of range [0, 2^64)", clip(raw))
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

var (
	topFields     = []string{"name", "description", "intercept", "weights", "terms", "threshold", "labels", "label_scale", "label_noise", "cohort_size", "seed"}
	weightFields  = []string{"feature", "modality", "weight"}
	unaryFields   = []string{"kind", "coef", "feature", "scale", "center"}
	stepFields    = []string{"kind", "coef", "feature", "threshold", "slope"}
	productFields = []string{"kind", "coef", "features"}
)

func parseWeights(raw json.RawMessage, w *[NumFeatures]float64) error {
	items, err := array(raw, "weights")
	if err != nil {
		return err
	}
	setBy := [NumFeatures]int{} // entry index + 1 that set each feature, 0 if none
	for i, item := range items {
		path := fmt.Sprintf("weights[%d]", i)
		fields, err := object(item, path, weightFields)
		if err != nil {
			return err
		}
		rawW, ok := fields["weight"]
		if !ok {
			return errAt(path+".weight", "is missing")
		}
		v, err := number(rawW, path+".weight")
		if err != nil {
			return err
		}
		if err := checkNumber(path+".weight", v); err != nil {
			return err
		}
		rawF, hasF := fields["feature"]
		rawM, hasM := fields["modality"]
		var idx []int
		switch {
		case hasF && hasM:
			return errAt(path, "has both feature and modality; give one")
		case hasF:
			j, err := feature(rawF, path+".feature")
			if err != nil {
				return err
			}
			idx = []int{j}
		case hasM:
			name, err := str(rawM, path+".modality")
			if err != nil {
				return err
			}
			m, err := ModalityIndex(name)
			if err != nil {
				return errAt(path+".modality", "unknown modality %s (want one of %s)", quote.Short(name), strings.Join(Modalities[:], ", "))
			}
			for k := range FeaturesPerModality {
				idx = append(idx, m*FeaturesPerModality+k)
			}
		default:
			return errAt(path, "needs a feature or a modality")
		}
		for _, j := range idx {
			if setBy[j] != 0 {
				return errAt(path, "sets %s, already set by weights[%d]", FeatureName(j), setBy[j]-1)
			}
			setBy[j] = i + 1
			w[j] = v
		}
	}
	return nil
}

func parseTerms(raw json.RawMessage) ([]Term, error) {
	items, err := array(raw, "terms")
	if err != nil {
		return nil, err
	}
	if len(items) > MaxTerms {
		return nil, errAt("terms", "has %d terms, more than %d", len(items), MaxTerms)
	}
	terms := make([]Term, 0, len(items))
	for i, item := range items {
		path := fmt.Sprintf("terms[%d]", i)
		fields, err := object(item, path, nil)
		if err != nil {
			return nil, err
		}
		rawK, ok := fields["kind"]
		if !ok {
			return nil, errAt(path+".kind", "is missing")
		}
		name, err := str(rawK, path+".kind")
		if err != nil {
			return nil, err
		}
		kind, err := ParseKind(name)
		if err != nil {
			return nil, errAt(path+".kind", "unknown term kind %s (want one of %s)", quote.Short(name), strings.Join(kindNames[1:], ", "))
		}
		allowed := unaryFields
		switch kind {
		case Step:
			allowed = stepFields
		case Product:
			allowed = productFields
		}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if !slices.Contains(allowed, k) {
				return nil, errAt(path+"."+k, "is not a field of a %s term (fields: %s)", kind, strings.Join(allowed, ", "))
			}
		}
		t := Term{Kind: kind}
		rawC, ok := fields["coef"]
		if !ok {
			return nil, errAt(path+".coef", "is missing")
		}
		if t.Coef, err = number(rawC, path+".coef"); err != nil {
			return nil, err
		}
		if kind == Product {
			rawFs, ok := fields["features"]
			if !ok {
				return nil, errAt(path+".features", "is missing")
			}
			fs, err := array(rawFs, path+".features")
			if err != nil {
				return nil, err
			}
			if len(fs) != 2 {
				return nil, errAt(path+".features", "has %d features, a product takes 2", len(fs))
			}
			if t.Feature, err = feature(fs[0], path+".features[0]"); err != nil {
				return nil, err
			}
			if t.Feature2, err = feature(fs[1], path+".features[1]"); err != nil {
				return nil, err
			}
		} else {
			rawF, ok := fields["feature"]
			if !ok {
				return nil, errAt(path+".feature", "is missing")
			}
			if t.Feature, err = feature(rawF, path+".feature"); err != nil {
				return nil, err
			}
			scaleKey, centerKey := "scale", "center"
			t.Scale = 1
			if kind == Step {
				scaleKey, centerKey = "slope", "threshold"
				t.Scale = DefaultStepSlope
			}
			if r, ok := fields[scaleKey]; ok {
				if t.Scale, err = number(r, path+"."+scaleKey); err != nil {
					return nil, err
				}
			}
			if r, ok := fields[centerKey]; ok {
				if t.Center, err = number(r, path+"."+centerKey); err != nil {
					return nil, err
				}
			}
		}
		if err := t.validate(path); err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return terms, nil
}

// checkJSON checks that data is one well-formed JSON value with no repeated object key
// (encoding/json would silently keep the last) and nothing after it.
func checkJSON(data []byte) error {
	type frame struct {
		path    string
		obj     bool
		wantKey bool
		keys    map[string]bool
		key     string
		n       int
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.obj {
			return join(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.n)
	}
	done := func() {
		if len(stack) > 0 {
			f := stack[len(stack)-1]
			if f.obj {
				f.wantKey = true
			} else {
				f.n++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(err, data)
		}
		if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey {
			f := stack[len(stack)-1]
			if k, ok := tok.(string); ok {
				if f.keys[k] {
					return errAt(join(f.path, k), "appears twice")
				}
				f.keys[k] = true
				f.key, f.wantKey = k, false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
			stack = append(stack, &frame{path: child(), obj: d == '{', wantKey: d == '{', keys: map[string]bool{}})
			continue
		} else if ok {
			stack = stack[:len(stack)-1]
		}
		done()
		if len(stack) == 0 {
			break
		}
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return errAt("", "unexpected data after the JSON value, which ends at byte offset %d", end)
	}
	return nil
}

func jsonError(err error, data []byte) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return errAt("", "invalid JSON at byte offset %d: %v", se.Offset, err)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return errAt("", "JSON ends early (%d bytes)", len(data))
	}
	return errAt("", "invalid JSON: %v", err)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// clip returns raw JSON for an error message, shortened when long.
func clip(raw json.RawMessage) string {
	if len(raw) > 40 {
		return string(raw[:37]) + "..."
	}
	return string(raw)
}

// describe names the JSON type of raw for error messages.
func describe(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// object decodes a JSON object; when allowed is non-nil, other keys are errors.
func object(raw json.RawMessage, path string, allowed []string) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errAt(path, "must be an object, got %s", describeOrEmpty(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errAt(path, "%v", err)
	}
	for k, v := range m {
		m[k] = bytes.TrimSpace(v)
	}
	if allowed != nil {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(allowed, k) {
				return nil, errAt(join(path, k), "unknown field (fields: %s)", strings.Join(allowed, ", "))
			}
		}
	}
	return m, nil
}

func describeOrEmpty(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	return describe(raw)
}

func array(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	if raw[0] != '[' {
		return nil, errAt(path, "must be an array, got %s", describe(raw))
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, errAt(path, "%v", err)
	}
	for i, v := range a {
		a[i] = bytes.TrimSpace(v)
	}
	return a, nil
}

func str(raw json.RawMessage, path string) (string, error) {
	if raw[0] != '"' {
		return "", errAt(path, "must be a string, got %s", describe(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errAt(path, "%v", err)
	}
	return s, nil
}

func number(raw json.RawMessage, path string) (float64, error) {
	if describe(raw) != "a number" {
		return 0, errAt(path, "must be a number, got %s", describe(raw))
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, errAt(path, "number %s is out of range", clip(raw))
	}
	return v, nil
}

func integer(raw json.RawMessage, path string) (int64, error) {
	if describe(raw) != "a number" {
		return 0, errAt(path, "must be an integer, got %s", describe(raw))
	}
	if bytes.ContainsAny(raw, ".eE") {
		return 0, errAt(path, "must be an integer, got %s", clip(raw))
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, errAt(path, "integer %s is out of range", clip(raw))
	}
	return v, nil
}

// feature decodes a feature address: "modality[i]" or a global index 0..39.
func feature(raw json.RawMessage, path string) (int, error) {
	if raw[0] == '"' {
		name, err := str(raw, path)
		if err != nil {
			return 0, err
		}
		j, err := ParseFeature(name)
		if err != nil {
			return 0, errAt(path, "%s", strings.TrimPrefix(err.Error(), "groundtruth: "))
		}
		return j, nil
	}
	if describe(raw) != "a number" {
		return 0, errAt(path, "must be a feature name like \"clinical_a[3]\" or an index 0..%d, got %s", NumFeatures-1, describe(raw))
	}
	j, err := integer(raw, path)
	if err != nil {
		return 0, err
	}
	if j < 0 || j >= NumFeatures {
		return 0, errAt(path, "index %d out of range [0,%d)", j, NumFeatures)
	}
	return int(j), nil
}

type fileWeight struct {
	Modality string  `json:"modality,omitempty"`
	Feature  string  `json:"feature,omitempty"`
	Weight   float64 `json:"weight"`
}

type fileTerm struct {
	Kind      string   `json:"kind"`
	Feature   string   `json:"feature,omitempty"`
	Features  []string `json:"features,omitempty"`
	Coef      float64  `json:"coef"`
	Scale     *float64 `json:"scale,omitempty"`
	Center    *float64 `json:"center,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Slope     *float64 `json:"slope,omitempty"`
}

type fileScenario struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Intercept   float64      `json:"intercept,omitempty"`
	Weights     []fileWeight `json:"weights,omitempty"`
	Terms       []fileTerm   `json:"terms,omitempty"`
	Threshold   any          `json:"threshold"`
	Labels      string       `json:"labels,omitempty"`
	LabelScale  float64      `json:"label_scale,omitempty"`
	LabelNoise  float64      `json:"label_noise"`
	CohortSize  int          `json:"cohort_size"`
	Seed        uint64       `json:"seed"`
}

// MarshalJSON writes s as a scenario file that ParseScenario reads back to an equal
// Scenario. Zero weights and the default threshold labels are left out, and a modality whose ten weights are equal is
// written as one {"modality": ...} entry. It fails when s is invalid.
func (s Scenario) MarshalJSON() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	f := fileScenario{
		Name: s.Name, Description: s.Description, Intercept: s.Intercept,
		Threshold: "median", LabelNoise: s.LabelNoise, CohortSize: s.CohortSize, Seed: s.Seed,
	}
	if !s.Threshold.Median {
		f.Threshold = s.Threshold.Value
	}
	if s.LabelMode != ThresholdLabels {
		// Threshold labels, the default, are left out so built-ins and older files
		// write the same bytes as before.
		f.Labels, f.LabelScale = s.LabelMode.String(), s.LabelScale
	}
	for m := range NumModalities {
		w := s.Weights[m*FeaturesPerModality : (m+1)*FeaturesPerModality]
		if w[0] != 0 && !slices.ContainsFunc(w, func(v float64) bool { return v != w[0] }) {
			f.Weights = append(f.Weights, fileWeight{Modality: Modalities[m], Weight: w[0]})
			continue
		}
		for k, v := range w {
			if v != 0 {
				f.Weights = append(f.Weights, fileWeight{Feature: FeatureName(m*FeaturesPerModality + k), Weight: v})
			}
		}
	}
	for _, t := range s.Terms {
		ft := fileTerm{Kind: t.Kind.String(), Coef: t.Coef}
		switch t.Kind {
		case Product:
			ft.Features = []string{FeatureName(t.Feature), FeatureName(t.Feature2)}
		case Step:
			ft.Feature = FeatureName(t.Feature)
			ft.Threshold, ft.Slope = ptr(t.Center), ptr(t.Scale)
		default:
			ft.Feature = FeatureName(t.Feature)
			if t.Scale != 1 {
				ft.Scale = ptr(t.Scale)
			}
			if t.Center != 0 {
				ft.Center = ptr(t.Center)
			}
		}
		f.Terms = append(f.Terms, ft)
	}
	return json.Marshal(f)
}

func ptr(v float64) *float64 { return &v }

// UnmarshalJSON parses a scenario file strictly, as ParseScenario does.
func (s *Scenario) UnmarshalJSON(data []byte) error {
	p, err := ParseScenario(data)
	if err != nil {
		return err
	}
	*s = *p
	return nil
}

// ModelScenario returns the scenario a model file says it was trained for: its
// Meta.Scenario holds a JSON string naming a built-in ("F3" or "F3-clinical") or a full
// scenario object.
func ModelScenario(raw json.RawMessage) (*Scenario, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("groundtruth: the model file names no scenario")
	}
	if raw[0] == '"' {
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return nil, fmt.Errorf("groundtruth: model scenario: %w", err)
		}
		return Builtin(name)
	}
	return ParseScenario(raw)
}
