// Package schema describes what a fused model reads and what it decides: its image inputs
// (name, size, channels, CT window), its tabular inputs as named groups of variables
// (numeric with a reference mean, SD and plausible range, or categorical with levels), and
// its class names. A model file carries its Schema as JSON, so a model explains itself with
// no other file: a page lays out its inputs from it, a CSV reader maps columns onto it, and
// Encode turns typed values into the tabular part of the network's input.
//
// # Conventions
//
// Every image input and every group is one modality; in fusion order the images come
// first, then the groups (Modalities). Images are float32 in [0, 1], channel-major
// (Channels x Size x Size, each channel row-major). The tabular vector is the groups'
// variables in order: a numeric variable is one value (v - Mean) / SD, a categorical one
// is len(Levels) values, one-hot in the order of Levels. Image and variable names are
// CSV columns, so they are unique together and none is "label" (the class column).
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of a schema.
const (
	MinImages, MaxImages         = 1, 8
	MaxGroups                    = 16
	MinVariables, MaxVariables   = 1, 256
	MinClasses, MaxClasses       = 2, 10
	MinImageSize, MaxImageSize   = 16, 256
	MinLevels, MaxLevels         = 2, 64
	MaxNameLen                   = 64  // bytes of a name, a level or a class name
	MaxLabelLen                  = 200 // bytes of a label
	MaxUnitLen                   = 32  // bytes of a unit
	MaxTabularWidth              = 4096
	LabelColumn                  = "label" // the class column of a CSV of cases: no input may use the name
	maxQuote                     = 24      // bytes of a bad value quoted in an error
	KindNumeric, KindCategorical = "numeric", "categorical"
)

// Schema is what a fused model reads and what it decides.
type Schema struct {
	Images  []Image  `json:"images"`  // 1..8 image inputs, each its own modality, in fusion order
	Groups  []Group  `json:"groups"`  // 0..16 tabular modalities, after the images in fusion order
	Classes []string `json:"classes"` // 2..10 class names, unique, non-empty
}

// Image is one image input.
type Image struct {
	Name     string  `json:"name"`            // modality name and CSV column: [A-Za-z0-9_.-], 1..64 bytes
	Label    string  `json:"label,omitempty"` // for people
	Size     int     `json:"size"`            // square side, 16..256 pixels
	Channels int     `json:"channels"`        // 1 (grey) or 3 (RGB)
	Window   *Window `json:"window,omitempty"`
	// Window is the CT window (Hounsfield units) applied to DICOM files; nil means the
	// file's own window, or min-max scaling.
}

// Window is a CT display window: values Center ± Width/2 map to [0, 1].
type Window struct {
	Center float64 `json:"center"`
	Width  float64 `json:"width"`
}

// Group is one tabular modality: named variables read together.
type Group struct {
	Name      string     `json:"name"`
	Label     string     `json:"label,omitempty"`
	Variables []Variable `json:"variables"` // 1..256
}

// Variable is one tabular input.
type Variable struct {
	Name  string `json:"name"` // CSV column: [A-Za-z0-9_.-], 1..64 bytes
	Label string `json:"label,omitempty"`
	Unit  string `json:"unit,omitempty"`
	Kind  string `json:"kind"` // "numeric" or "categorical"
	// Mean and SD standardise a numeric value: the network reads (v - Mean) / SD.
	Mean float64 `json:"mean,omitempty"`
	SD   float64 `json:"sd,omitempty"`
	// Min and Max are a numeric variable's plausible range; values outside are refused.
	Min float64 `json:"min,omitempty"`
	Max float64 `json:"max,omitempty"`
	// Levels are a categorical variable's values (2..64), one-hot in this order.
	Levels []string `json:"levels,omitempty"`
}

// Pixels is the number of values of one image: Channels x Size x Size.
func (im Image) Pixels() int { return im.Channels * im.Size * im.Size }

// Width is the number of tabular values of v: 1 for a numeric variable, len(Levels) for a
// categorical one.
func (v Variable) Width() int {
	if v.Kind == KindCategorical {
		return len(v.Levels)
	}
	return 1
}

// Width is the number of tabular values of the group's variables.
func (g Group) Width() int {
	w := 0
	for _, v := range g.Variables {
		w += v.Width()
	}
	return w
}

// TabularWidth is the length of the tabular vector: the sum of the groups' widths.
func (s Schema) TabularWidth() int {
	w := 0
	for _, g := range s.Groups {
		w += g.Width()
	}
	return w
}

// Modalities returns the modality names in fusion order: the image names, then the group
// names.
func (s Schema) Modalities() []string {
	m := make([]string, 0, len(s.Images)+len(s.Groups))
	for _, im := range s.Images {
		m = append(m, im.Name)
	}
	for _, g := range s.Groups {
		m = append(m, g.Name)
	}
	return m
}

// Lookup finds the variable called name: its group, its index in the group and the
// offset of its first value in the tabular vector.
func (s Schema) Lookup(name string) (v Variable, group, index, offset int, ok bool) {
	at := 0
	for gi, g := range s.Groups {
		for vi, x := range g.Variables {
			if x.Name == name {
				return x, gi, vi, at, true
			}
			at += x.Width()
		}
	}
	return Variable{}, -1, -1, -1, false
}

// Clone returns a deep copy of s.
func (s Schema) Clone() Schema {
	c := Schema{Images: make([]Image, len(s.Images)), Groups: make([]Group, len(s.Groups)),
		Classes: append([]string(nil), s.Classes...)}
	for i, im := range s.Images {
		if im.Window != nil {
			w := *im.Window
			im.Window = &w
		}
		c.Images[i] = im
	}
	for i, g := range s.Groups {
		vs := make([]Variable, len(g.Variables))
		for j, v := range g.Variables {
			v.Levels = append([]string(nil), v.Levels...)
			if len(v.Levels) == 0 {
				v.Levels = nil
			}
			vs[j] = v
		}
		g.Variables = vs
		c.Groups[i] = g
	}
	if s.Images == nil {
		c.Images = nil
	}
	if s.Groups == nil {
		c.Groups = nil
	}
	return c
}

// Parse reads a schema from JSON strictly (unknown fields and trailing data are errors)
// and validates it.
func Parse(data []byte) (Schema, error) {
	var s Schema
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return Schema{}, fmt.Errorf("schema: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return Schema{}, fmt.Errorf("schema: trailing data after the JSON object")
	}
	if err := s.Validate(); err != nil {
		return Schema{}, err
	}
	return s, nil
}

// checkName reports what is wrong with a name: 1..MaxNameLen bytes of [A-Za-z0-9_.-].
func checkName(path, name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("schema: %s is %s, want 1..%d characters", path, quote(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("schema: %s %s has %q at byte %d, want only letters, digits, '_', '.' and '-'", path, quote(name), rune(c), i)
		}
	}
	return nil
}

// checkText reports what is wrong with free text for people: valid UTF-8 without control
// characters, at most max bytes (empty allowed unless need).
func checkText(path, s string, max int, need bool) error {
	if need && s == "" {
		return fmt.Errorf("schema: %s is empty", path)
	}
	if len(s) > max {
		return fmt.Errorf("schema: %s has %d bytes, at most %d allowed", path, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("schema: %s %s is not valid UTF-8", path, quote(s))
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) }) {
		return fmt.Errorf("schema: %s %s holds a control character", path, quote(s))
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("schema: %s %s starts or ends with white space", path, quote(s))
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate reports the first thing wrong with s, naming the field by its path, e.g.
// "groups[1].variables[3].sd is 0".
func (s Schema) Validate() error {
	if len(s.Images) < MinImages || len(s.Images) > MaxImages {
		return fmt.Errorf("schema: %d images, want %d..%d", len(s.Images), MinImages, MaxImages)
	}
	if len(s.Groups) > MaxGroups {
		return fmt.Errorf("schema: %d groups, want 0..%d", len(s.Groups), MaxGroups)
	}
	columns := map[string]string{} // CSV column -> path of its owner
	modalities := map[string]string{}
	claim := func(m map[string]string, path, name, what string) error {
		if name == LabelColumn && what == "column" {
			return fmt.Errorf("schema: %s is %q, the name of the class column", path, name)
		}
		if other, ok := m[name]; ok {
			return fmt.Errorf("schema: %s %q is also %s (each %s name is used once)", path, name, other, what)
		}
		m[name] = path
		return nil
	}
	for i, im := range s.Images {
		p := fmt.Sprintf("images[%d]", i)
		if err := checkName(p+".name", im.Name); err != nil {
			return err
		}
		if err := claim(columns, p+".name", im.Name, "column"); err != nil {
			return err
		}
		if err := claim(modalities, p+".name", im.Name, "modality"); err != nil {
			return err
		}
		if err := checkText(p+".label", im.Label, MaxLabelLen, false); err != nil {
			return err
		}
		if im.Size < MinImageSize || im.Size > MaxImageSize {
			return fmt.Errorf("schema: %s.size is %d, want %d..%d pixels", p, im.Size, MinImageSize, MaxImageSize)
		}
		if im.Channels != 1 && im.Channels != 3 {
			return fmt.Errorf("schema: %s.channels is %d, want 1 (grey) or 3 (RGB)", p, im.Channels)
		}
		if w := im.Window; w != nil {
			if !finite(w.Center) || math.Abs(w.Center) > 1e6 {
				return fmt.Errorf("schema: %s.window.center is %v, want a finite value within ±1e6", p, w.Center)
			}
			if !finite(w.Width) || !(w.Width > 0) || w.Width > 1e6 {
				return fmt.Errorf("schema: %s.window.width is %v, want 0 < width <= 1e6", p, w.Width)
			}
		}
	}
	for gi, g := range s.Groups {
		p := fmt.Sprintf("groups[%d]", gi)
		if err := checkName(p+".name", g.Name); err != nil {
			return err
		}
		if err := claim(modalities, p+".name", g.Name, "modality"); err != nil {
			return err
		}
		if err := checkText(p+".label", g.Label, MaxLabelLen, false); err != nil {
			return err
		}
		if len(g.Variables) < MinVariables || len(g.Variables) > MaxVariables {
			return fmt.Errorf("schema: %s has %d variables, want %d..%d", p, len(g.Variables), MinVariables, MaxVariables)
		}
		for vi, v := range g.Variables {
			vp := fmt.Sprintf("%s.variables[%d]", p, vi)
			if err := checkName(vp+".name", v.Name); err != nil {
				return err
			}
			if err := claim(columns, vp+".name", v.Name, "column"); err != nil {
				return err
			}
			if err := v.validate(vp); err != nil {
				return err
			}
		}
	}
	if w := s.TabularWidth(); w > MaxTabularWidth {
		return fmt.Errorf("schema: the tabular vector has %d values, at most %d allowed", w, MaxTabularWidth)
	}
	if len(s.Classes) < MinClasses || len(s.Classes) > MaxClasses {
		return fmt.Errorf("schema: %d classes, want %d..%d", len(s.Classes), MinClasses, MaxClasses)
	}
	seen := map[string]int{}
	for i, c := range s.Classes {
		p := fmt.Sprintf("classes[%d]", i)
		if err := checkText(p, c, MaxNameLen, true); err != nil {
			return err
		}
		if j, ok := seen[c]; ok {
			return fmt.Errorf("schema: %s %q is also classes[%d]", p, c, j)
		}
		seen[c] = i
	}
	return nil
}

// validate reports what is wrong with v (its name already checked); p is its path.
func (v Variable) validate(p string) error {
	if err := checkText(p+".label", v.Label, MaxLabelLen, false); err != nil {
		return err
	}
	if err := checkText(p+".unit", v.Unit, MaxUnitLen, false); err != nil {
		return err
	}
	switch v.Kind {
	case KindNumeric:
		if len(v.Levels) > 0 {
			return fmt.Errorf("schema: %s.levels: a numeric variable has no levels", p)
		}
		for _, f := range []struct {
			name string
			x    float64
		}{{"mean", v.Mean}, {"sd", v.SD}, {"min", v.Min}, {"max", v.Max}} {
			if !finite(f.x) || math.Abs(f.x) > 1e15 {
				return fmt.Errorf("schema: %s.%s is %v, want a finite value within ±1e15", p, f.name, f.x)
			}
		}
		if !(v.SD > 0) {
			return fmt.Errorf("schema: %s.sd is %v, want > 0", p, v.SD)
		}
		if !(v.Min < v.Max) {
			return fmt.Errorf("schema: %s: min %v is not below max %v", p, v.Min, v.Max)
		}
		// The standardised range must be representable as float32 values the network can
		// use.
		if math.Max(math.Abs(v.Min-v.Mean), math.Abs(v.Max-v.Mean))/v.SD > 1e6 {
			return fmt.Errorf("schema: %s: the range %v..%v is over a million SDs (%v) from the mean %v", p, v.Min, v.Max, v.SD, v.Mean)
		}
	case KindCategorical:
		if v.Mean != 0 || v.SD != 0 || v.Min != 0 || v.Max != 0 || v.Unit != "" {
			return fmt.Errorf("schema: %s: a categorical variable has no mean, sd, min, max or unit", p)
		}
		if len(v.Levels) < MinLevels || len(v.Levels) > MaxLevels {
			return fmt.Errorf("schema: %s has %d levels, want %d..%d", p, len(v.Levels), MinLevels, MaxLevels)
		}
		seen := map[string]int{}
		for i, l := range v.Levels {
			lp := fmt.Sprintf("%s.levels[%d]", p, i)
			if err := checkText(lp, l, MaxNameLen, true); err != nil {
				return err
			}
			if j, ok := seen[l]; ok {
				return fmt.Errorf("schema: %s %q is also levels[%d]", lp, l, j)
			}
			seen[l] = i
		}
	default:
		return fmt.Errorf("schema: %s.kind is %s, want %q or %q", p, quote(v.Kind), KindNumeric, KindCategorical)
	}
	return nil
}

// quote returns s quoted, cut to its first maxQuote bytes (on a rune boundary) with "…"
// after it when longer, so that an error never repeats a long input.
func quote(s string) string {
	if len(s) <= maxQuote {
		return strconv.Quote(s)
	}
	cut := maxQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// Standardise returns (x - Mean) / SD for a numeric variable.
func (v Variable) Standardise(x float64) float64 { return (x - v.Mean) / v.SD }

// Value returns Mean + SD*z, the physical value of a standardised numeric one.
func (v Variable) Value(z float64) float64 { return v.Mean + v.SD*z }

// Level returns the index of level s of a categorical variable, or -1.
func (v Variable) Level(s string) int {
	for i, l := range v.Levels {
		if l == s {
			return i
		}
	}
	return -1
}

// Encode writes the network's input for text s (surrounding white space ignored) to dst
// (Width values): a numeric value standardised after checking that it is a plain finite
// number within [Min, Max], a categorical level one-hot. The error names the variable and
// quotes at most a short prefix of s.
func (v Variable) Encode(dst []float32, s string) error {
	if len(dst) != v.Width() {
		return fmt.Errorf("schema: variable %q: %d values to fill, want %d", v.Name, len(dst), v.Width())
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return fmt.Errorf("schema: variable %q has no value", v.Name)
	}
	if v.Kind == KindCategorical {
		k := v.Level(t)
		if k < 0 {
			return fmt.Errorf("schema: variable %q: %s is not one of its %d levels", v.Name, quote(t), len(v.Levels))
		}
		clear(dst)
		dst[k] = 1
		return nil
	}
	x, err := ParseNumber(t)
	if err != nil {
		return fmt.Errorf("schema: variable %q: %w", v.Name, err)
	}
	if x < v.Min || x > v.Max {
		return fmt.Errorf("schema: variable %q: %v%s is outside the plausible range %v..%v", v.Name, x, unitSuffix(v.Unit), v.Min, v.Max)
	}
	dst[0] = float32(v.Standardise(x))
	return nil
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// ParseNumber reads a plain decimal number: an optional sign, digits with at most one
// decimal point, and an optional exponent (e.g. "-1.5", "3e2", ".5"). Hexadecimal, digit
// separators, "NaN" and "Inf", which strconv.ParseFloat accepts, are refused, and so is a
// value too large for float64.
func ParseNumber(s string) (float64, error) {
	i, digits := 0, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits > 0 && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			digits = 0
		}
	}
	if digits == 0 || i != len(s) {
		return 0, fmt.Errorf("%s is not a number", quote(s))
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(x) {
		return 0, fmt.Errorf("%s is out of range", quote(s))
	}
	return x, nil
}

// Encode returns the tabular vector (TabularWidth values) for values, which maps every
// variable's name to its text. A missing variable, a name that is no variable, and a value
// Variable.Encode refuses are errors naming the variable; the first by schema order is
// reported (unknown names after every variable).
func (s Schema) Encode(values map[string]string) ([]float32, error) {
	out := make([]float32, s.TabularWidth())
	at, used := 0, 0
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			w := v.Width()
			t, ok := values[v.Name]
			if !ok {
				return nil, fmt.Errorf("schema: variable %q (group %q) has no value", v.Name, g.Name)
			}
			used++
			if err := v.Encode(out[at:at+w], t); err != nil {
				return nil, err
			}
			at += w
		}
	}
	if used != len(values) {
		var unknown []string
		for name := range values {
			if _, _, _, _, ok := s.Lookup(name); !ok {
				unknown = append(unknown, name)
			}
		}
		slices.Sort(unknown)
		return nil, fmt.Errorf("schema: %s is not a variable of the model", quote(unknown[0]))
	}
	return out, nil
}
