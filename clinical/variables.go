// Package clinical defines the twenty simulated clinical variables of the fusion network —
// two modalities of ten, clinical_a (fusion vector z[20:30]) and clinical_b (z[30:40]) — with
// names, units, plausible ranges and reference means and standard deviations; simulates
// cohorts of standardised values (standard normal, three pairs correlated at 0.5); and
// parses values a person types (name=value lists or JSON objects) with errors a UI can
// attach to the field they concern.
//
// The network sees standardised values z = (value - Mean) / SD. The variables are
// simulated, as in the paper: their names and units make the examples readable, but no
// real data set defines their distributions. The reference means and SDs are rough adult
// population figures, chosen so that Mean ± 4 SD stays within the plausible range for every
// variable except the skewed ones (crp), where a standardised value below about -1.25
// corresponds to no physical value; Variable.Value still returns the linear back-mapping.
package clinical

import (
	"fmt"
	"math"
	"strings"

	"github.com/fusionlens/fusionlens/modality"
)

// Sizes of the variable table.
const (
	NumVars   = 2 * GroupSize  // all clinical variables
	GroupSize = modality.Width // variables per group (modality)
	// FusionOffset is the index of the first clinical value in the 40-d fusion vector:
	// variable i is z[FusionOffset+i].
	FusionOffset = int(modality.ClinicalA) * modality.Width
)

// Group is one of the two clinical modalities.
type Group int

// The two groups, in fusion-vector order.
const (
	GroupA Group = iota // modality clinical_a, z[20:30]: demographics, vital signs, metabolism
	GroupB              // modality clinical_b, z[30:40]: blood tests
)

// Modality returns the modality name used across fusionlens: "clinical_a" or "clinical_b".
func (g Group) Modality() string {
	switch g {
	case GroupA:
		return modality.ClinicalA.ID()
	case GroupB:
		return modality.ClinicalB.ID()
	}
	return fmt.Sprintf("Group(%d)", int(g))
}

// Variable describes one clinical variable.
type Variable struct {
	Name     string  // machine name, e.g. "creatinine"; unique, lower case
	Label    string  // display label, e.g. "Creatinine"
	Unit     string  // display unit, e.g. "µmol/L" ("" for none)
	Min, Max float64 // plausible physical range: values outside are rejected by the parsers
	Mean, SD float64 // reference mean and standard deviation: z = (value - Mean) / SD
	Decimals int     // decimals worth showing and typing
	Group    Group
	Index    int // position among the twenty values (0..19); the fusion vector index is FusionOffset+Index

	aliases []string // other names accepted in input
	units   []string // other spellings of Unit accepted in input
}

// Standardise returns (x - Mean) / SD.
func (v Variable) Standardise(x float64) float64 { return (x - v.Mean) / v.SD }

// Value returns Mean + SD*z, the physical value of a standardised one. It may lie outside
// [Min, Max] for extreme z.
func (v Variable) Value(z float64) float64 { return v.Mean + v.SD*z }

// Aliases returns the other names the parsers accept for v.
func (v Variable) Aliases() []string { return append([]string(nil), v.aliases...) }

// UnitSpellings returns every spelling of v's unit the parsers accept after a value.
func (v Variable) UnitSpellings() []string {
	if v.Unit == "" {
		return nil
	}
	return append([]string{v.Unit}, v.units...)
}

// Check reports whether x is a usable value of v: finite and within [Min, Max]. The error,
// when not nil, is a *FieldError.
func (v Variable) Check(x float64) error {
	switch {
	case math.IsNaN(x):
		return &FieldError{Field: v.Name, Kind: ErrNotFinite, Offset: -1, Msg: "value is NaN"}
	case math.IsInf(x, 0):
		return &FieldError{Field: v.Name, Kind: ErrNotFinite, Offset: -1, Msg: fmt.Sprintf("value is %v", x)}
	case x < v.Min || x > v.Max:
		return &FieldError{Field: v.Name, Kind: ErrOutOfRange, Offset: -1,
			Msg: fmt.Sprintf("%s is outside the plausible range %s", v.format(x), v.rangeText())}
	}
	return nil
}

func (v Variable) format(x float64) string {
	s := fmt.Sprintf("%g", x)
	if v.Unit != "" {
		s += " " + v.Unit
	}
	return s
}

func (v Variable) rangeText() string {
	s := fmt.Sprintf("%g to %g", v.Min, v.Max)
	if v.Unit != "" {
		s += " " + v.Unit
	}
	return s
}

// table is the variable table in fusion order: group A then group B.
var table = [NumVars]Variable{
	// Group A: clinical_a.
	{Name: "age", Label: "Age", Unit: "years", Min: 18, Max: 105, Mean: 60, SD: 10, Decimals: 0,
		units: []string{"year", "yrs", "yr", "y"}},
	{Name: "bmi", Label: "Body mass index", Unit: "kg/m²", Min: 10, Max: 70, Mean: 27, SD: 4, Decimals: 1,
		aliases: []string{"body_mass_index"}, units: []string{"kg/m2", "kg/m^2"}},
	{Name: "waist", Label: "Waist circumference", Unit: "cm", Min: 50, Max: 200, Mean: 97, SD: 11, Decimals: 0,
		aliases: []string{"waist_circumference"}},
	{Name: "sbp", Label: "Systolic blood pressure", Unit: "mmHg", Min: 60, Max: 260, Mean: 132, SD: 17, Decimals: 0,
		aliases: []string{"systolic", "systolic_bp"}},
	{Name: "dbp", Label: "Diastolic blood pressure", Unit: "mmHg", Min: 30, Max: 160, Mean: 80, SD: 10, Decimals: 0,
		aliases: []string{"diastolic", "diastolic_bp"}},
	{Name: "heart_rate", Label: "Heart rate", Unit: "beats/min", Min: 25, Max: 220, Mean: 75, SD: 12, Decimals: 0,
		aliases: []string{"hr", "pulse"}, units: []string{"bpm", "/min", "1/min"}},
	{Name: "resp_rate", Label: "Respiratory rate", Unit: "breaths/min", Min: 4, Max: 60, Mean: 16, SD: 3, Decimals: 0,
		aliases: []string{"rr", "respiratory_rate"}, units: []string{"/min", "1/min"}},
	{Name: "temperature", Label: "Body temperature", Unit: "°C", Min: 30, Max: 43, Mean: 36.9, SD: 0.5, Decimals: 1,
		aliases: []string{"temp"}, units: []string{"C", "degC", "celsius"}},
	{Name: "glucose", Label: "Blood glucose", Unit: "mmol/L", Min: 1, Max: 50, Mean: 5.6, SD: 1, Decimals: 1,
		aliases: []string{"glu"}},
	{Name: "cholesterol", Label: "Total cholesterol", Unit: "mmol/L", Min: 1, Max: 20, Mean: 5, SD: 1, Decimals: 1,
		aliases: []string{"chol"}},
	// Group B: clinical_b.
	{Name: "hemoglobin", Label: "Haemoglobin", Unit: "g/dL", Min: 3, Max: 25, Mean: 13.6, SD: 1.5, Decimals: 1,
		aliases: []string{"haemoglobin", "hb", "hgb"}},
	{Name: "wbc", Label: "White blood cell count", Unit: "10⁹/L", Min: 0.1, Max: 200, Mean: 7, SD: 1.5, Decimals: 1,
		aliases: []string{"leukocytes", "wcc"}, units: []string{"10^9/L", "x10^9/L", "10e9/L", "G/L"}},
	{Name: "platelets", Label: "Platelet count", Unit: "10⁹/L", Min: 5, Max: 2000, Mean: 250, SD: 55, Decimals: 0,
		aliases: []string{"plt"}, units: []string{"10^9/L", "x10^9/L", "10e9/L", "G/L"}},
	{Name: "sodium", Label: "Sodium", Unit: "mmol/L", Min: 100, Max: 180, Mean: 140, SD: 2.5, Decimals: 0,
		aliases: []string{"na"}, units: []string{"mEq/L"}},
	{Name: "potassium", Label: "Potassium", Unit: "mmol/L", Min: 1.5, Max: 9, Mean: 4.2, SD: 0.4, Decimals: 1,
		aliases: []string{"k"}, units: []string{"mEq/L"}},
	{Name: "creatinine", Label: "Creatinine", Unit: "µmol/L", Min: 15, Max: 2000, Mean: 80, SD: 15, Decimals: 0,
		aliases: []string{"creat", "cr"}, units: []string{"umol/L", "μmol/L"}},
	{Name: "urea", Label: "Urea", Unit: "mmol/L", Min: 0.5, Max: 80, Mean: 5.5, SD: 1.2, Decimals: 1},
	{Name: "albumin", Label: "Albumin", Unit: "g/L", Min: 10, Max: 60, Mean: 41, SD: 3.5, Decimals: 0,
		aliases: []string{"alb"}},
	{Name: "alt", Label: "Alanine aminotransferase", Unit: "U/L", Min: 1, Max: 5000, Mean: 25, SD: 6, Decimals: 0,
		aliases: []string{"alat", "sgpt"}, units: []string{"IU/L"}},
	{Name: "crp", Label: "C-reactive protein", Unit: "mg/L", Min: 0, Max: 500, Mean: 5, SD: 4, Decimals: 1,
		aliases: []string{"c_reactive_protein"}},
}

// byName maps every accepted name (canonical and alias, normalised) to a table index.
var byName = func() map[string]int {
	m := make(map[string]int)
	for i := range table {
		table[i].Index = i
		table[i].Group = Group(i / GroupSize)
		for _, n := range append([]string{table[i].Name}, table[i].aliases...) {
			if _, dup := m[normName(n)]; dup {
				panic("clinical: duplicate variable name " + n)
			}
			m[normName(n)] = i
		}
	}
	return m
}()

// normName folds case and treats '-', '.' and ' ' as '_', so "Heart-Rate" finds heart_rate.
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '.' {
			return '_'
		}
		return r
	}, s)
}

// Variables returns the twenty variables in fusion order (group A, then group B). The
// slice is a copy.
func Variables() []Variable {
	out := make([]Variable, NumVars)
	copy(out, table[:])
	return out
}

// GroupVariables returns the ten variables of g in order.
func GroupVariables(g Group) []Variable {
	if g != GroupA && g != GroupB {
		return nil
	}
	out := make([]Variable, GroupSize)
	copy(out, table[int(g)*GroupSize:])
	return out
}

// Lookup finds a variable by its name or an alias, ignoring case and treating '-', '.' and
// ' ' as '_'.
func Lookup(name string) (Variable, bool) {
	i, ok := byName[normName(name)]
	if !ok {
		return Variable{}, false
	}
	return table[i], true
}

// Defaults returns each variable's reference mean, in order: the values a UI starts from,
// whose standardised values are all 0.
func Defaults() [NumVars]float64 {
	var d [NumVars]float64
	for i, v := range table {
		d[i] = v.Mean
	}
	return d
}

// Standardise maps twenty physical values to standardised ones.
func Standardise(x [NumVars]float64) [NumVars]float64 {
	var z [NumVars]float64
	for i, v := range table {
		z[i] = v.Standardise(x[i])
	}
	return z
}

// FromStandardised maps twenty standardised values back to physical ones.
func FromStandardised(z [NumVars]float64) [NumVars]float64 {
	var x [NumVars]float64
	for i, v := range table {
		x[i] = v.Value(z[i])
	}
	return x
}

// Validate checks twenty physical values (finite, within each plausible range) and returns
// nil or an Errors listing every offending field.
func Validate(x [NumVars]float64) error {
	var errs Errors
	for i, v := range table {
		if err := v.Check(x[i]); err != nil {
			errs = append(errs, err.(*FieldError))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
