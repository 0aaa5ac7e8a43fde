package groundtruth

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fusionlens/fusionlens/internal/quote"
	"github.com/fusionlens/fusionlens/nn"
)

// Limits a valid scenario keeps to. They bound every term so F stays finite for any
// standardised input, and keep a scenario file small.
const (
	MaxMagnitude  = 1e6      // largest |weight|, |coef|, |scale|, |center|, |intercept|
	MaxTerms      = 1000     // most nonlinear terms in one scenario
	MaxCohortSize = 10000000 // largest cohort a scenario may ask for
	MaxNameLen    = 100      // bytes in a name
	MaxDescLen    = 1000     // bytes in a description
)

// Defaults a scenario file gets for fields it leaves out.
const (
	DefaultCohortSize = 5000
	DefaultSeed       = 1
	DefaultStepSlope  = 10 // per standard deviation of the feature
)

// Kind is the kind of a nonlinear term.
type Kind uint8

// Term kinds. A unary term is Coef*g(u) with u = Scale*(x[Feature]-Center); Product is
// Coef*x[Feature]*x[Feature2].
const (
	Square  Kind = iota + 1 // g(u) = u²
	Abs                     // g(u) = |u|; dg/du = sign(u), taken as 0 at u = 0
	Tanh                    // g(u) = tanh(u)
	Step                    // g(u) = 1/(1+exp(-u)): a smooth step at Center with slope Scale
	Sin                     // g(u) = sin(u)
	Product                 // Coef*x[Feature]*x[Feature2], Feature != Feature2
)

var kindNames = [...]string{Square: "square", Abs: "abs", Tanh: "tanh", Step: "step", Sin: "sin", Product: "product"}

// String returns the kind's name as written in scenario files ("square", "step", ...).
func (k Kind) String() string {
	if k >= Square && k <= Product {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind returns the Kind named s ("square", "abs", "tanh", "step", "sin", "product").
func ParseKind(s string) (Kind, error) {
	for k := Square; k <= Product; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("groundtruth: unknown term kind %s (want one of %s)", quote.Short(s), strings.Join(kindNames[1:], ", "))
}

// Term is one nonlinear term of F.
//
// For the unary kinds (Square, Abs, Tanh, Step, Sin) the term is Coef*g(Scale*(x[Feature]-Center));
// Feature2 is unused and must be 0. For Step, Center is the threshold and Scale the slope
// of the logistic step (Scale > 0). For Product the term is Coef*x[Feature]*x[Feature2];
// Scale and Center are unused and must be 0.
type Term struct {
	Kind     Kind
	Coef     float64
	Feature  int
	Feature2 int
	Scale    float64
	Center   float64
}

// Threshold says where F is cut into two classes: at the cohort median of F (Median,
// so classes balance) or at the fixed Value. Class 1 is F > threshold.
type Threshold struct {
	Median bool
	Value  float64 // used when !Median; must be 0 when Median
}

// LabelMode says how labels are drawn from F.
type LabelMode uint8

// Label modes. ThresholdLabels (the zero value, the paper's) labels class 1 exactly when
// F > t; LogisticLabels draws class 1 with probability σ(LabelScale*(F - t)), σ the
// logistic function, so that LabelScale*(F - t) is the true log-odds of class 1.
const (
	ThresholdLabels LabelMode = iota
	LogisticLabels
)

var labelModeNames = [...]string{ThresholdLabels: "threshold", LogisticLabels: "logistic"}

// String returns the mode's name as written in scenario files ("threshold", "logistic").
func (m LabelMode) String() string {
	if int(m) < len(labelModeNames) {
		return labelModeNames[m]
	}
	return "LabelMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseLabelMode returns the LabelMode named s ("threshold" or "logistic").
func ParseLabelMode(s string) (LabelMode, error) {
	for m, name := range labelModeNames {
		if name == s {
			return LabelMode(m), nil
		}
	}
	return 0, fmt.Errorf("groundtruth: unknown label mode %s (want threshold or logistic)", quote.Short(s))
}

// DefaultLabelScale is the LabelScale of logistic labels when a scenario file gives none.
const DefaultLabelScale = 1

// Scenario is a synthetic decision function over the 40 fusion features with everything
// needed to label a cohort:
//
//	F(x) = Intercept + Σ_j Weights[j]*x[j] + Σ_t Terms[t](x)
//
// labels are F > threshold (LabelMode ThresholdLabels) or drawn with probability
// σ(LabelScale*(F - threshold)) (LogisticLabels), then each flipped with probability
// LabelNoise. CohortSize and
// Seed say how large a cohort to draw and from which seed; the functions here take the
// cohort as given. No method modifies the Scenario, so one may serve several goroutines.
type Scenario struct {
	Name        string
	Description string
	Intercept   float64
	Weights     [NumFeatures]float64
	Terms       []Term
	Threshold   Threshold
	LabelNoise  float64 // flip probability, in [0, 0.5)
	LabelMode   LabelMode
	LabelScale  float64 // > 0 with LogisticLabels (log-odds per unit of F), 0 otherwise
	CohortSize  int
	Seed        uint64
}

// ScenarioError says what is wrong with a scenario and where. Path is a JSON-style path
// into the scenario ("terms[2].feature", "weights[0].weight"), or "" for the whole thing.
type ScenarioError struct {
	Path string
	Msg  string
}

// Error returns the message with its path, e.g.
// "groundtruth: scenario terms[2].coef: is 0; drop the term instead".
func (e *ScenarioError) Error() string {
	if e.Path == "" {
		return "groundtruth: scenario: " + e.Msg
	}
	return "groundtruth: scenario " + e.Path + ": " + e.Msg
}

func errAt(path, format string, args ...any) *ScenarioError {
	return &ScenarioError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// checkNumber rejects NaN, ±Inf and magnitudes above MaxMagnitude.
func checkNumber(path string, v float64) error {
	switch {
	case math.IsNaN(v):
		return errAt(path, "is NaN")
	case math.IsInf(v, 0):
		return errAt(path, "is %v", v)
	case math.Abs(v) > MaxMagnitude:
		return errAt(path, "|%g| exceeds %g", v, float64(MaxMagnitude))
	}
	return nil
}

func checkText(path, s string, maxLen int) error {
	if len(s) > maxLen {
		return errAt(path, "is %d bytes, more than %d", len(s), maxLen)
	}
	if !utf8.ValidString(s) {
		return errAt(path, "is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errAt(path, "contains control character %U", r)
		}
	}
	return nil
}

// Validate reports the first thing wrong with s as a *ScenarioError, or nil. A scenario
// whose F is constant (no non-zero weight and no term) is invalid: importance is
// undefined for it.
func (s *Scenario) Validate() error {
	if s.Name == "" {
		return errAt("name", "is empty")
	}
	if err := checkText("name", s.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("description", s.Description, MaxDescLen); err != nil {
		return err
	}
	if err := checkNumber("intercept", s.Intercept); err != nil {
		return err
	}
	nonzero := false
	for j, w := range s.Weights {
		if err := checkNumber("weights["+FeatureName(j)+"]", w); err != nil {
			return err
		}
		nonzero = nonzero || w != 0
	}
	if len(s.Terms) > MaxTerms {
		return errAt("terms", "has %d terms, more than %d", len(s.Terms), MaxTerms)
	}
	for i, t := range s.Terms {
		if err := t.validate(fmt.Sprintf("terms[%d]", i)); err != nil {
			return err
		}
	}
	if !nonzero && len(s.Terms) == 0 {
		return errAt("", "F is constant (no non-zero weight and no term), so its importance is undefined")
	}
	if s.Threshold.Median {
		if s.Threshold.Value != 0 {
			return errAt("threshold", "is the median but also has value %g", s.Threshold.Value)
		}
	} else if math.IsNaN(s.Threshold.Value) || math.IsInf(s.Threshold.Value, 0) {
		return errAt("threshold", "is %v", s.Threshold.Value)
	}
	if !(s.LabelNoise >= 0 && s.LabelNoise < 0.5) {
		return errAt("label_noise", "is %g, want a flip probability in [0, 0.5)", s.LabelNoise)
	}
	switch s.LabelMode {
	case ThresholdLabels:
		if s.LabelScale != 0 {
			return errAt("label_scale", "is %g, but only logistic labels take a scale", s.LabelScale)
		}
	case LogisticLabels:
		if err := checkNumber("label_scale", s.LabelScale); err != nil {
			return err
		}
		if !(s.LabelScale > 0) {
			return errAt("label_scale", "is %g, want > 0 (the log-odds of class 1 per unit of F)", s.LabelScale)
		}
	default:
		return errAt("labels", "unknown label mode %d", s.LabelMode)
	}
	if s.CohortSize < 2 || s.CohortSize > MaxCohortSize {
		return errAt("cohort_size", "is %d, want 2..%d", s.CohortSize, MaxCohortSize)
	}
	return nil
}

func (t *Term) validate(path string) error {
	if t.Kind < Square || t.Kind > Product {
		return errAt(path+".kind", "unknown term kind %d", t.Kind)
	}
	if err := checkNumber(path+".coef", t.Coef); err != nil {
		return err
	}
	if t.Coef == 0 {
		return errAt(path+".coef", "is 0; drop the term instead")
	}
	if t.Feature < 0 || t.Feature >= NumFeatures {
		return errAt(path+".feature", "index %d out of range [0,%d)", t.Feature, NumFeatures)
	}
	if t.Kind == Product {
		if t.Feature2 < 0 || t.Feature2 >= NumFeatures {
			return errAt(path+".features[1]", "index %d out of range [0,%d)", t.Feature2, NumFeatures)
		}
		if t.Feature2 == t.Feature {
			return errAt(path+".features", "both factors are %s; use a square term", FeatureName(t.Feature))
		}
		if t.Scale != 0 || t.Center != 0 {
			return errAt(path, "product takes no scale or center")
		}
		return nil
	}
	if t.Feature2 != 0 {
		return errAt(path, "%s takes one feature, but Feature2 is %d", t.Kind, t.Feature2)
	}
	scale, center := ".scale", ".center"
	if t.Kind == Step {
		scale, center = ".slope", ".threshold"
	}
	if err := checkNumber(path+scale, t.Scale); err != nil {
		return err
	}
	if err := checkNumber(path+center, t.Center); err != nil {
		return err
	}
	if t.Scale == 0 {
		return errAt(path+scale, "is 0, which makes the term constant")
	}
	if t.Kind == Step && t.Scale < 0 {
		return errAt(path+scale, "is %g; a step's slope must be positive (negate coef to reverse it)", t.Scale)
	}
	return nil
}

// sigmoidPrime returns σ'(u) = e/(1+e)² with e = exp(-|u|), exact in both tails.
func sigmoidPrime(u float64) float64 {
	e := math.Exp(-math.Abs(u))
	return e / ((1 + e) * (1 + e))
}

// value returns the term at x.
func (t *Term) value(x []float64) float64 {
	if t.Kind == Product {
		return t.Coef * x[t.Feature] * x[t.Feature2]
	}
	u := t.Scale * (x[t.Feature] - t.Center)
	switch t.Kind {
	case Square:
		return t.Coef * u * u
	case Abs:
		return t.Coef * math.Abs(u)
	case Tanh:
		return t.Coef * math.Tanh(u)
	case Step:
		return t.Coef * nn.Logistic(u)
	case Sin:
		return t.Coef * math.Sin(u)
	}
	return 0
}

// addGrad adds the term's dF/dx to g.
func (t *Term) addGrad(x, g []float64) {
	if t.Kind == Product {
		g[t.Feature] += t.Coef * x[t.Feature2]
		g[t.Feature2] += t.Coef * x[t.Feature]
		return
	}
	u := t.Scale * (x[t.Feature] - t.Center)
	var dg float64 // dg/du
	switch t.Kind {
	case Square:
		dg = 2 * u
	case Abs:
		switch {
		case u > 0:
			dg = 1
		case u < 0:
			dg = -1
		}
	case Tanh:
		th := math.Tanh(u)
		dg = 1 - th*th
	case Step:
		dg = sigmoidPrime(u)
	case Sin:
		dg = math.Cos(u)
	}
	g[t.Feature] += t.Coef * t.Scale * dg
}

// F returns the decision function at one case x (len(x) must be NumFeatures). s must be
// valid (see Validate).
func (s *Scenario) F(x []float64) float64 {
	x = x[:NumFeatures]
	f := s.Intercept
	for j, w := range s.Weights {
		f += w * x[j]
	}
	for i := range s.Terms {
		f += s.Terms[i].value(x)
	}
	return f
}

// Grad writes the exact gradient dF/dx at x into g and returns it (both of length
// NumFeatures; g is allocated when nil). s must be valid (see Validate).
func (s *Scenario) Grad(x, g []float64) []float64 {
	x = x[:NumFeatures]
	if g == nil {
		g = make([]float64, NumFeatures)
	}
	g = g[:NumFeatures]
	copy(g, s.Weights[:])
	for i := range s.Terms {
		s.Terms[i].addGrad(x, g)
	}
	return g
}

// Formula returns F as readable text, e.g.
// "F = 1*ct_axial[0] + 0.5*clinical_a[3]^2 + 1.2*sigmoid(10*(clinical_b[1] - 0.3))".
func (s *Scenario) Formula() string {
	var b strings.Builder
	b.WriteString("F =")
	n := 0
	add := func(coef float64, body string) {
		switch {
		case n == 0 && coef < 0:
			b.WriteString(" -")
		case n > 0 && coef < 0:
			b.WriteString(" - ")
		case n > 0:
			b.WriteString(" + ")
		default:
			b.WriteString(" ")
		}
		b.WriteString(strconv.FormatFloat(math.Abs(coef), 'g', -1, 64))
		if body != "" {
			b.WriteString("*" + body)
		}
		n++
	}
	if s.Intercept != 0 {
		add(s.Intercept, "")
	}
	for j, w := range s.Weights {
		if w != 0 {
			add(w, FeatureName(j))
		}
	}
	for _, t := range s.Terms {
		if t.Kind == Product {
			add(t.Coef, FeatureName(t.Feature)+"*"+FeatureName(t.Feature2))
			continue
		}
		u := FeatureName(t.Feature)
		if t.Center != 0 {
			u = "(" + u + " - " + strconv.FormatFloat(t.Center, 'g', -1, 64) + ")"
		}
		if t.Scale != 1 {
			u = strconv.FormatFloat(t.Scale, 'g', -1, 64) + "*" + u
		}
		switch t.Kind {
		case Square:
			if t.Scale != 1 {
				u = "(" + u + ")"
			}
			add(t.Coef, u+"^2")
		case Abs:
			add(t.Coef, "|"+u+"|")
		case Tanh, Sin:
			add(t.Coef, t.Kind.String()+"("+u+")")
		case Step:
			add(t.Coef, "sigmoid("+u+")")
		}
	}
	if n == 0 {
		b.WriteString(" 0")
	}
	return b.String()
}
