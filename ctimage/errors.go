package ctimage

import (
	"errors"
	"fmt"
)

// Kinds of failure. Every error this package returns is an *Error whose Kind is one of these,
// so errors.Is(err, ctimage.ErrTruncated) tells a UI which kind of problem to show.
var (
	// ErrEmpty: the input has no bytes.
	ErrEmpty = errors.New("empty input")
	// ErrUnknownFormat: the bytes are not PNG, JPEG or DICOM.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrTooLarge: the input exceeds a Limits bound (bytes, pixels or frames).
	ErrTooLarge = errors.New("too large")
	// ErrTruncated: the input ends before the data it announces.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed: the input is not valid for its format.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupported: valid input that this package cannot decode (a compression, a
	// photometric interpretation, a bit depth).
	ErrUnsupported = errors.New("unsupported")
	// ErrOption: the caller's Options are invalid (for example a window of width 0).
	ErrOption = errors.New("invalid option")
)

// Error is the error type of this package: what kind of failure, in which format, and a
// sentence a person can read.
type Error struct {
	Kind   error  // one of ErrEmpty, ErrUnknownFormat, ErrTooLarge, ErrTruncated, ErrMalformed, ErrUnsupported, ErrOption
	Format Format // the format being decoded, FormatUnknown if not known yet
	Detail string // what was wrong, with the numbers involved
	Err    error  // the underlying cause from a decoder, or nil
}

// Error returns "ctimage: <format> <detail>[: <cause>]".
func (e *Error) Error() string {
	s := "ctimage: "
	if e.Format != FormatUnknown {
		s += e.Format.String() + ": "
	}
	s += e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause, so errors.Is matches either.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func newErr(kind error, f Format, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Format: f, Detail: fmt.Sprintf(format, args...), Err: cause}
}
