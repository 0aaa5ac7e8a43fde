package site

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// longest returns the longest text node or attribute value of rendered HTML: each is
// one instruction of Vugu's 16 KiB render buffer in the browser.
func longest(html string) int {
	n := 0
	for _, m := range regexp.MustCompile(`>([^<]*)<|="([^"]*)"`).FindAllStringSubmatch(html, -1) {
		n = max(n, len(m[1]), len(m[2]))
	}
	return n
}

// TestLongTextIsBounded: a megabyte pasted into every clinical field, and megabyte-long
// error messages and file names, leave every text of the page far below the render
// buffer, and the example case still explains.
func TestLongTextIsBounded(t *testing.T) {
	s, _ := testState(t)
	mb := strings.Repeat("50 ", 1<<20/3)
	for _, f := range s.Clinical {
		s.SetClinical(f.Name, mb)
	}
	for _, f := range s.Clinical {
		if utf8.RuneCountInString(f.Text) > MaxFieldChars || !strings.Contains(f.Err, "Too long") {
			t.Fatalf("field %s holds %d characters, error %q", f.Name, len(f.Text), f.Err)
		}
	}
	s.ModelErr = strings.Repeat("é", 1<<20)
	s.Axial.File = strings.Repeat("name", 1<<18)
	s.Axial.Err = strings.Repeat("x", 1<<20)
	s.Bound()
	html := render(t, s)
	if n := longest(html); n > 2*maxShown {
		t.Errorf("longest text or attribute on the page: %d bytes", n)
	}
	if !utf8.ValidString(s.ModelErr) {
		t.Error("bounding cut a rune")
	}
	// Clearing the fields brings the case back.
	for _, f := range s.Clinical {
		s.SetClinical(f.Name, "")
	}
	if s.Result == nil || s.ResultErr != "" {
		t.Errorf("no result after clearing the fields: %q", s.ResultErr)
	}
}

// TestClinicalCut: a value the loader already cut (SetClinicalCut) marks the field as
// too long with the length it had, keeps at most MaxFieldChars characters and is not
// used; one that fitted is read as typed.
func TestClinicalCut(t *testing.T) {
	s, _ := testState(t)
	name := s.Clinical[0].Name
	s.SetClinicalCut(name, "50"+strings.Repeat(" ", 62), 1<<20)
	f := s.field(name)
	if !strings.Contains(f.Err, "Too long (1048576 characters)") || utf8.RuneCountInString(f.Text) > MaxFieldChars {
		t.Errorf("cut field: text %q, error %q", f.Text, f.Err)
	}
	if s.Result != nil || !strings.Contains(s.Waiting(), "valid clinical values") {
		t.Errorf("a cut field was used: waiting %q", s.Waiting())
	}
	s.SetClinicalCut(name, "é"+strings.Repeat("x", 200), 201)
	if n := utf8.RuneCountInString(f.Text); n != MaxFieldChars || !utf8.ValidString(f.Text) {
		t.Errorf("a longer cut text kept %d characters (valid UTF-8 %v)", n, utf8.ValidString(f.Text))
	}
	s.SetClinicalCut(name, "50", 2)
	if f.Err != "" || f.Text != "50" || s.Result == nil {
		t.Errorf("a text that fitted: %q, error %q, result %v", f.Text, f.Err, s.Result != nil)
	}
	s.SetClinicalCut("nope", "1", 100)
	if !strings.Contains(s.ResultErr, `"nope"`) {
		t.Errorf("unknown field: %q", s.ResultErr)
	}
}

// TestRecoverAndReset: after a failed render the page keeps the inputs (Recover) or, at
// worst, the model and the clinical values (Reset), and shows why.
func TestRecoverAndReset(t *testing.T) {
	s, _ := testState(t)
	s.SetClinical(s.Clinical[0].Name, "50")
	root := &Root{S: s}
	boom := errors.New("requested instruction does not fit in the buffer " + strings.Repeat("!", 1<<20))
	root.Recover(boom)
	if len(root.Crash) > maxSafe || !strings.Contains(root.Crash, "inputs are kept") {
		t.Errorf("banner %q", root.Crash)
	}
	if s.Clinical[0].Text != "50" || s.Axial.Pixels == nil {
		t.Error("Recover lost the inputs")
	}
	root.Reset(boom)
	if root.S == s || root.S.Engine != s.Engine || root.S.Clinical[0].Text != "50" || root.S.Axial.Pixels != nil {
		t.Errorf("Reset kept engine %v, clinical %q, images %v", root.S.Engine == s.Engine, root.S.Clinical[0].Text, root.S.Axial.Pixels != nil)
	}
	if n := longest(render(t, root.S)); n > 2*maxShown {
		t.Errorf("after Reset the longest text is %d bytes", n)
	}
}
