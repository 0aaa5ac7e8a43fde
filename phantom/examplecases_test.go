package phantom

import (
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/phantom/examples"
)

// TestExampleCases checks that the example-case file the site ships holds exactly
// Example(1..n)'s images and classes after encoding and decoding.
func TestExampleCases(t *testing.T) {
	const n = 5
	b, err := examples.Encode(ExampleCases(n))
	if err != nil {
		t.Fatal(err)
	}
	f, err := examples.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Side != Size || f.Provenance != Provenance || len(f.Cases) != n {
		t.Fatalf("file of side %d, provenance %q, %d cases; want %d, %q, %d", f.Side, f.Provenance, len(f.Cases), Size, Provenance, n)
	}
	for i, c := range f.Cases {
		ax, co, ca, cc := Example(uint64(i + 1))
		if c.AxialClass != ClassNames[ca] || c.CoronalClass != ClassNames[cc] {
			t.Errorf("case %d: classes %q, %q; want %q, %q", i+1, c.AxialClass, c.CoronalClass, ClassNames[ca], ClassNames[cc])
		}
		if !slices.Equal(c.Axial, ax) || !slices.Equal(c.Coronal, co) {
			t.Errorf("case %d: pixels differ from Example(%d)", i+1, i+1)
		}
	}
}
