package nn

import (
	"slices"
	"testing"
)

// TestInitHeUniformNilRand checks that a nil generator leaves the weights as they are
// (fusion.FromFile builds layers whose weights the file then sets) and that a generator
// fills them within the He-uniform bound.
func TestInitHeUniformNilRand(t *testing.T) {
	w := []float32{0, 1.5, -2, 0}
	InitHeUniform(w, 6, nil)
	if !slices.Equal(w, []float32{0, 1.5, -2, 0}) {
		t.Errorf("nil rng changed the weights to %v", w)
	}
	w = make([]float32, 1000)
	InitHeUniform(w, 6, NewRand(1))
	nonzero := 0
	for _, v := range w {
		if v < -1 || v > 1 { // a = sqrt(6/6) = 1
			t.Fatalf("weight %v outside [-1, 1]", v)
		}
		if v != 0 {
			nonzero++
		}
	}
	if nonzero < 990 {
		t.Errorf("only %d of 1000 weights drawn", nonzero)
	}
}
