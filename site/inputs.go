package site

import "errors"

// The input packages (ctimage, clinical, phantom) are wired here.

// errNotInBuild marks an input package this build does not include yet.
var errNotInBuild = errors.New("not in this build yet")

// decodeImage decodes a PNG, JPEG or DICOM file into the network's 28x28 image.
func decodeImage(data []byte, w WindowChoice) (decoded, error) {
	return decoded{}, errors.New("image decoding is " + errNotInBuild.Error())
}

// clinicalFields returns the twenty clinical variables, group A then group B.
func clinicalFields() ([]ClinicalField, error) {
	return nil, errors.New("the clinical variables are " + errNotInBuild.Error())
}

// exampleCase fills the page with a synthetic case.
func (s *State) LoadExample() {
	s.ExampleErr = "the synthetic example case is " + errNotInBuild.Error()
}
