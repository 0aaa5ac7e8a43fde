package site

import (
	"math"
	"strconv"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/phantom"
)

// LoadExample fills the page with a synthetic case drawn in the browser: an axial and a
// coronal phantom slice of random organ classes and simulated clinical values. Each call
// draws the next case of a fixed sequence (case 1, 2, ...), so a case can be named and
// drawn again; its images are phantom.Example's, as cmd/explain -example shows them.
func (s *State) LoadExample() {
	s.exampleN++
	n := uint64(s.exampleN)
	mark("example case")
	ax, co, ca, cc := phantom.Example(n)
	mark("example drawn")

	var z [clinical.NumVars]float64
	clinical.NewSimulator(n).Next(&z)

	name := "example case " + strconv.FormatUint(n, 10)
	if err := s.SetImagePixels(modality.CTAxial, name, "synthetic axial phantom: "+phantom.ClassNames[ca], ax); err != nil {
		s.ExampleErr = err.Error()
		return
	}
	if err := s.SetImagePixels(modality.CTCoronal, name, "synthetic coronal phantom: "+phantom.ClassNames[cc], co); err != nil {
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
	s.ExampleNote = "Loaded " + name + ": " + phantom.Provenance + " (" + phantom.ClassNames[ca] + ", " +
		phantom.ClassNames[cc] + ") and simulated clinical values."
	s.recompute()
}
