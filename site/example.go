package site

import (
	"math"
	"strconv"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/phantom/examples"
)

// ExamplesURL is the example-case file the site's build writes (phantom.ExampleCases) and
// the page reads at start, beside the model list.
const ExamplesURL = "examples.bin"

// SetExamples installs an example-case file (package examples): the synthetic cases
// "Load example case" shows, phantom's example cases 1..n drawn when the site was built,
// so that the page links no phantom generator. A click that came before the file
// arrived is answered now.
func (s *State) SetExamples(data []byte) error {
	f, err := examples.Decode(data)
	if err != nil {
		return err
	}
	s.examples = &f
	s.examplesErr = ""
	if s.exampleWanted {
		s.exampleWanted = false
		s.LoadExample()
	}
	return nil
}

// LoadExample fills the page with a synthetic case: an axial and a coronal phantom slice
// of random organ classes (from the example-case file, SetExamples) and simulated
// clinical values. Each call shows the next case of a fixed sequence (case 1, 2, ...,
// after the file's last case its first again), so a case can be named and shown again;
// case n's images are phantom.Example(n)'s, as cmd/explain -example n shows them.
func (s *State) LoadExample() {
	if s.examples == nil {
		if s.examplesErr != "" {
			s.ExampleErr = "Could not read the example cases: " + s.examplesErr
			return
		}
		// The file is on its way (Root.Init): the case is shown when it arrives.
		s.exampleWanted = true
		s.ExampleNote = "Loading the example case…"
		return
	}
	cases := s.examples.Cases
	n := s.exampleN%len(cases) + 1
	s.exampleN = n
	c := cases[n-1]
	mark("example case")

	var z [clinical.NumVars]float64
	clinical.NewSimulator(uint64(n)).Next(&z)

	name := "example case " + strconv.Itoa(n)
	if err := s.SetImagePixels(modality.CTAxial, name, "synthetic axial phantom: "+c.AxialClass, c.Axial); err != nil {
		s.ExampleErr = err.Error()
		return
	}
	if err := s.SetImagePixels(modality.CTCoronal, name, "synthetic coronal phantom: "+c.CoronalClass, c.Coronal); err != nil {
		s.ExampleErr = err.Error()
		return
	}
	for i, v := range clinical.Variables() {
		f := s.field(v.Name)
		if f == nil {
			continue
		}
		// Simulated values are standard normal; the rare one beyond the plausible range
		// (skewed variables) is clamped to it so the example is always valid input.
		x := math.Min(v.Max, math.Max(v.Min, v.Value(z[i])))
		f.set(strconv.FormatFloat(x, 'f', v.Decimals, 64))
	}
	s.ExampleErr = ""
	s.ExampleNote = "Loaded " + name + ": " + s.examples.Provenance + " (" + c.AxialClass + ", " +
		c.CoronalClass + ") and simulated clinical values."
	s.recompute()
}
