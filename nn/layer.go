package nn

import "fmt"

// Layer is one step of a network that owns its parameters and activation buffers.
// Forward and Backward take n samples (n <= the layer's maximum batch) as flat buffers of
// n * the per-sample size. Forward returns the layer's own output buffer (valid until the
// next Forward) and remembers in for the backward, so in must not change in between.
// Backward takes dL/dout and returns dL/din (the layer's own buffer), accumulating
// parameter gradients into Params()[i].G.
type Layer interface {
	Forward(in []float32, n int) []float32
	Backward(dOut []float32, n int) []float32
	Params() []*Param
	// InShape and OutShape are the per-sample shapes: {C, H, W} for images, {F} for
	// features.
	InShape() []int
	OutShape() []int
	// Shared returns a layer of the same kind and shape with its own activation buffers
	// for batches up to maxN that shares this layer's parameters (the same *Param, so both
	// accumulate into one gradient) and running statistics: one encoder applied to two
	// images, as with a PyTorch module called twice.
	Shared(maxN int) Layer
}

// Trainer is implemented by layers that behave differently in training and inference
// (BatchNorm).
type Trainer interface {
	SetTraining(training bool)
}

func size(shape []int) int {
	s := 1
	for _, d := range shape {
		s *= d
	}
	return s
}

// shapeString prints a shape as CxHxW.
func shapeString(shape []int) string {
	s := ""
	for i, d := range shape {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(d)
	}
	return s
}

// checkBatch panics unless 0 < n <= maxN and buf holds n samples of shape.
func checkBatch(op string, buf []float32, n, maxN int, shape []int) {
	if n <= 0 || n > maxN {
		panic(fmt.Sprintf("nn: %s: batch %d outside 1..%d (the maximum the layer was built for)", op, n, maxN))
	}
	if len(buf) < n*size(shape) {
		panic(fmt.Sprintf("nn: %s: buffer has %d values, need n=%d x %s = %d", op, len(buf), n, shapeString(shape), n*size(shape)))
	}
}
