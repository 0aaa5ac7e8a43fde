package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Param is one trainable tensor: its weights W and their gradient G, both flat, row-major
// in the order Shape gives.
type Param struct {
	Name  string
	Shape []int
	W, G  []float32
}

// NewParam returns a zero-valued parameter of the given shape.
func NewParam(name string, shape ...int) *Param {
	size := 1
	for _, d := range shape {
		if d <= 0 {
			panic(fmt.Sprintf("nn: NewParam %s: dimension %d in shape %v", name, d, shape))
		}
		size *= d
	}
	return &Param{Name: name, Shape: append([]int(nil), shape...), W: make([]float32, size), G: make([]float32, size)}
}

// ZeroGrad sets the gradients of all params to zero.
func ZeroGrad(params []*Param) {
	for _, p := range params {
		clear(p.G)
	}
}

// NewRand returns the package's seeded generator: PCG from math/rand/v2, so that the
// same seed gives the same stream on every platform.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// InitHeUniform fills w from U(-a, a) with a = sqrt(6/fanIn), the He (Kaiming) uniform
// initialisation for layers followed by ReLU: variance 2/fanIn. Uniform rather than normal
// draws keep weights bit-identical across platforms (no transcendental functions). A nil
// rng leaves w as it is: for a layer whose weights are read from a file next.
func InitHeUniform(w []float32, fanIn int, rng *rand.Rand) {
	if rng == nil {
		return
	}
	initUniform(w, math.Sqrt(6/float64(fanIn)), rng)
}

// InitXavierUniform fills w from U(-a, a) with a = sqrt(6/(fanIn+fanOut)), the Glorot
// (Xavier) uniform initialisation: variance 2/(fanIn+fanOut).
func InitXavierUniform(w []float32, fanIn, fanOut int, rng *rand.Rand) {
	initUniform(w, math.Sqrt(6/float64(fanIn+fanOut)), rng)
}

// InitUniform fills w from U(-a, a). Like InitHeUniform and InitXavierUniform, it leaves
// w as it is when rng is nil.
func InitUniform(w []float32, a float64, rng *rand.Rand) { initUniform(w, a, rng) }

// initUniform fills w from U(-a, a); a nil rng leaves w as it is, for weights that are
// about to be overwritten (a model file's, or shared with another network).
func initUniform(w []float32, a float64, rng *rand.Rand) {
	if rng == nil {
		return
	}
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * a)
	}
}

// NumParams returns the total number of weights in params.
func NumParams(params []*Param) int {
	n := 0
	for _, p := range params {
		n += len(p.W)
	}
	return n
}

// checkLen panics naming op and what when len(buf) < need.
func checkLen(op, what string, buf []float32, need int) {
	if len(buf) < need {
		panic(fmt.Sprintf("nn: %s: %s has %d elements, need %d", op, what, len(buf), need))
	}
}
