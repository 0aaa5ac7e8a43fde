package site

import "errors"

// The input packages (ctimage, clinical, phantom) are wired here.

// errNotInBuild marks an input package this build does not include yet.
var errNotInBuild = errors.New("not in this build yet")

// exampleCase fills the page with a synthetic case.
func (s *State) LoadExample() {
	s.ExampleErr = "the synthetic example case is " + errNotInBuild.Error()
}
