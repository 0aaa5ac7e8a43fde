package site

import (
	"strconv"
	"unicode/utf8"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// Vugu's renderer sends every text node, attribute and property to the browser as one
// instruction in a 16 KiB buffer; a longer one fails the whole render. So no text the
// page shows may grow with what a user types or brings: each is bounded here, at the
// state, and the wasm entry bounds the state again before every render and recovers from
// a failed render (see Root.Recover).
const (
	// MaxFieldChars bounds a clinical field (the input's maxlength): the longest value
	// with its unit takes about twenty characters. A longer value set by a script is cut
	// to it in the browser, by loader.js, before Vugu copies it into the input event
	// (see State.SetClinicalCut); clipField cuts whatever still arrives longer.
	MaxFieldChars = 64
	// maxShown bounds, in bytes, any other text the page shows from a user's input or a
	// file: messages, file names, model metadata.
	maxShown = 1024
	// maxSafe is the tighter bound Recover applies after a failed render.
	maxSafe = 200
)

// shown returns s bounded for display: cut to maxShown bytes at a rune boundary, with an
// ellipsis when cut.
func shown(s string) string { return clipText(s, maxShown) }

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return quote.Clip(s, n-len("…")) + "…"
}

// clipField cuts a clinical field's text to MaxFieldChars characters and reports whether
// it was longer.
func clipField(text string) (string, bool) {
	if utf8.RuneCountInString(text) <= MaxFieldChars {
		return text, false
	}
	k := 0
	for i := range text {
		if k == MaxFieldChars {
			return text[:i], true
		}
		k++
	}
	return text, false
}

// fieldTooLong is the message of a clinical field given more than MaxFieldChars.
func fieldTooLong(n int) string {
	return "Too long (" + strconv.Itoa(n) + " characters): a value and its unit take at most " +
		strconv.Itoa(MaxFieldChars) + "; only the first " + strconv.Itoa(MaxFieldChars) + " are kept."
}

// Bound cuts every text of the state that the page shows to maxShown bytes (clinical
// fields to MaxFieldChars characters). Texts are bounded where they are set; Bound is the
// wasm entry's guard before each render, for any path that was missed.
func (s *State) Bound() { s.bound(maxShown) }

func (s *State) bound(n int) {
	for _, p := range []*string{&s.ClinicalErr, &s.ModelErr, &s.ModelNote, &s.ResultErr, &s.SaveErr,
		&s.RefNote, &s.RefErr, &s.TruthErr, &s.ExampleNote, &s.ExampleErr, &s.ValidationErr} {
		*p = clipText(*p, n)
	}
	for _, sl := range []*ImageSlot{&s.Axial, &s.Coronal} {
		sl.Err, sl.File, sl.Source = clipText(sl.Err, n), clipText(sl.File, n), clipText(sl.Source, n)
	}
	for i := range s.Clinical {
		f := &s.Clinical[i]
		if t, cut := clipField(f.Text); cut {
			f.Text, f.Err = t, fieldTooLong(utf8.RuneCountInString(f.Text))
		}
		f.Err = clipText(f.Err, n)
	}
	for i := range s.Models {
		s.Models[i].Label = clipText(s.Models[i].Label, n)
	}
	if s.Result != nil {
		s.Result.Pending = clipText(s.Result.Pending, n)
	}
}

// Recover makes the page drawable again after a render failed with err, keeping the
// user's inputs: it shows err (bounded) as a banner and bounds every text more tightly.
// The wasm entry calls it, renders again, and calls Reset if that fails too.
func (c *Root) Recover(err error) {
	c.Crash = clipText("The page could not be drawn and was recovered; your inputs are kept. ("+err.Error()+")", maxSafe)
	c.S.bound(maxSafe)
}

// Reset replaces the state with a fresh one after Recover was not enough, keeping what is
// safe: the model, the method, the shipped models and the clinical values (each bounded).
// Images, results and messages are dropped.
func (c *Root) Reset(err error) {
	old := c.S
	old.dropJobs()
	s := NewState(old.Opener)
	s.DecodeImage, s.Fetch, s.env, s.clock = old.DecodeImage, old.Fetch, old.env, old.clock
	s.Autoencoder, s.aeData = old.Autoencoder, old.aeData
	s.Models, s.ModelID, s.Engine, s.MethodID = old.Models, old.ModelID, old.Engine, old.MethodID
	s.refDeferred = old.refDeferred
	s.examples, s.examplesErr, s.exampleN = old.examples, old.examplesErr, old.exampleN
	s.Settled, s.RunCohort = old.Settled, old.RunCohort
	s.Clinical, s.ClinicalErr = append([]ClinicalField(nil), old.Clinical...), old.ClinicalErr
	for i := range s.Clinical {
		t, _ := clipField(s.Clinical[i].Text)
		s.Clinical[i].set(t)
	}
	s.bound(maxSafe)
	c.S = s
	c.Crash = clipText("The page could not be drawn and was reset; the model and clinical values are kept, please load the images again. ("+err.Error()+")", maxSafe)
}
