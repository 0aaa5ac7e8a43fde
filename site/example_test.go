package site

import (
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/phantom"
	"github.com/fusionlens/fusionlens/phantom/examples"
)

// exampleFile is an example-case file of phantom's first n example cases, as the site's
// build writes it.
func exampleFile(t testing.TB, n int) []byte {
	t.Helper()
	b, err := examples.Encode(phantom.ExampleCases(n))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withExamples gives s the example cases the page reads at start.
func withExamples(t testing.TB, s *State) *State {
	t.Helper()
	if err := s.SetExamples(exampleFile(t, 3)); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExampleCases checks that example case n shows phantom.Example(n)'s images and
// classes, that the sequence starts again after the file's last case, and that a click
// before the file arrived is answered when it does.
func TestExampleCases(t *testing.T) {
	s := NewState(nil)
	s.LoadExample()
	if s.Axial.Pixels != nil || s.ExampleErr != "" || !strings.Contains(s.ExampleNote, "Loading") {
		t.Fatalf("before the file: pixels %v, error %q, note %q; want none, none, a loading note", s.Axial.Pixels != nil, s.ExampleErr, s.ExampleNote)
	}
	withExamples(t, s)
	for _, n := range []uint64{1, 2, 3, 1} {
		if n > 1 || s.exampleN > 1 {
			s.LoadExample()
		}
		ax, co, ca, cc := phantom.Example(n)
		if !slices.Equal(s.Axial.Pixels, ax) || !slices.Equal(s.Coronal.Pixels, co) {
			t.Fatalf("example case %d: pixels differ from phantom.Example(%d)", n, n)
		}
		for _, want := range []string{"example case " + string(rune('0'+n)), phantom.ClassNames[ca], phantom.ClassNames[cc], phantom.Provenance} {
			if !strings.Contains(s.ExampleNote, want) {
				t.Errorf("example case %d: note %q does not say %q", n, s.ExampleNote, want)
			}
		}
	}
}

// TestExampleCasesUnreadable checks that a damaged file is refused with its reason, and
// that a click then says why no example is shown.
func TestExampleCasesUnreadable(t *testing.T) {
	s := NewState(nil)
	b := exampleFile(t, 1)
	err := s.SetExamples(b[:len(b)-1])
	if err == nil {
		t.Fatal("a truncated example-case file was accepted")
	}
	s.examplesErr = err.Error()
	s.LoadExample()
	if !strings.Contains(s.ExampleErr, "Could not read the example cases") || !strings.Contains(s.ExampleErr, "file ends") {
		t.Errorf("error %q; want one naming the unreadable file", s.ExampleErr)
	}
}
