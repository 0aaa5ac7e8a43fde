package clinical

import (
	"errors"
	"fmt"
	"strings"

	quoting "github.com/fusionlens/fusionlens/internal/quote"
)

// Kinds of problem with clinical input. Every FieldError has one as its Kind, so
// errors.Is(err, clinical.ErrOutOfRange) works on a single FieldError and on Errors.
var (
	ErrSyntax     = errors.New("syntax error")
	ErrUnknown    = errors.New("unknown variable")
	ErrMissing    = errors.New("missing value")
	ErrDuplicate  = errors.New("duplicate variable")
	ErrNotNumber  = errors.New("not a number")
	ErrNotFinite  = errors.New("not finite")
	ErrOutOfRange = errors.New("out of range")
	ErrUnit       = errors.New("wrong unit")
	ErrTooLong    = errors.New("input too long")
)

// maxInputKept bounds FieldError.Input, in bytes.
const (
	maxInputKept = 256
)

// FieldError is one problem with clinical input, attached to the variable it concerns.
type FieldError struct {
	Field      string // canonical variable name, "" when the problem is not about a known variable
	Input      string // the offending text as typed (a name, a value), when there is one; at most 256 bytes
	Kind       error  // ErrSyntax, ErrUnknown, ErrMissing, ErrDuplicate, ErrNotNumber, ErrNotFinite, ErrOutOfRange, ErrUnit or ErrTooLong
	Msg        string // what is wrong, for a person
	Offset     int    // byte offset in the input, -1 when not applicable
	Suggestion string // for ErrUnknown: the nearest known variable name, or ""
}

// Error returns "clinical: <field>: <message>".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return "clinical: " + e.Msg
	}
	return "clinical: " + e.Field + ": " + e.Msg
}

// Unwrap returns the kind, for errors.Is.
func (e *FieldError) Unwrap() error { return e.Kind }

// Errors is every problem found in one input, in input order (missing variables last).
type Errors []*FieldError

// Error lists the first few problems.
func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "clinical: no error"
	case 1:
		return es[0].Error()
	}
	const show = 4
	var b strings.Builder
	fmt.Fprintf(&b, "clinical: %d problems: ", len(es))
	for i, e := range es {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(es)-show)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.TrimPrefix(e.Error(), "clinical: "))
	}
	return b.String()
}

// Unwrap returns the individual errors, so errors.Is and errors.As see each of them.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Field returns the problems attached to the named variable (canonical name).
func (es Errors) Field(name string) []*FieldError {
	var out []*FieldError
	for _, e := range es {
		if e.Field == name {
			out = append(out, e)
		}
	}
	return out
}

// quote quotes at most a short prefix of an input for a message.
func quote(s string) string { return quoting.Short(s) }

// clip cuts FieldError.Input to n bytes.
func clip(s string, n int) string { return quoting.Clip(s, n) }
