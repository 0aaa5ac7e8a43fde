package nn

import (
	"fmt"
	"math"
)

// ReLUForward writes out = max(in, 0) for size elements.
func ReLUForward(out, in []float32, size int) {
	const op = "ReLU forward"
	checkLen(op, "input", in, size)
	checkLen(op, "output", out, size)
	relu(out[:size], in[:size])
}

// ReLUBackward writes dIn = dOut where the forward output was positive, else 0.
func ReLUBackward(dIn, dOut, out []float32, size int) {
	const op = "ReLU backward"
	checkLen(op, "output", out, size)
	checkLen(op, "output gradient", dOut, size)
	checkLen(op, "input gradient", dIn, size)
	reluBack(dIn[:size], dOut[:size], out[:size])
}

// ReLU is max(x, 0) elementwise.
type ReLU struct {
	Shape []int
	MaxN  int

	out, dIn []float32
}

// NewReLU returns a ReLU layer on per-sample shape shape for batches up to maxN.
func NewReLU(maxN int, shape ...int) *ReLU {
	if size(shape) <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewReLU: shape %v with maximum batch %d", shape, maxN))
	}
	return &ReLU{Shape: append([]int(nil), shape...), MaxN: maxN,
		out: make([]float32, maxN*size(shape)), dIn: make([]float32, maxN*size(shape))}
}

// Forward implements Layer.
func (l *ReLU) Forward(in []float32, n int) []float32 {
	checkBatch("ReLU forward", in, n, l.MaxN, l.Shape)
	ReLUForward(l.out, in, n*size(l.Shape))
	return l.out[:n*size(l.Shape)]
}

// Backward implements Layer.
func (l *ReLU) Backward(dOut []float32, n int) []float32 {
	checkBatch("ReLU backward", dOut, n, l.MaxN, l.Shape)
	ReLUBackward(l.dIn, dOut, l.out, n*size(l.Shape))
	return l.dIn[:n*size(l.Shape)]
}

// Params implements Layer: none.
func (l *ReLU) Params() []*Param { return nil }

// Shared implements Layer.
func (l *ReLU) Shared(maxN int) Layer { return NewReLU(maxN, l.Shape...) }

// InShape implements Layer.
func (l *ReLU) InShape() []int { return l.Shape }

// OutShape implements Layer.
func (l *ReLU) OutShape() []int { return l.Shape }

// SigmoidForward writes out = 1/(1+exp(-in)) for size elements.
func SigmoidForward(out, in []float32, size int) {
	const op = "Sigmoid forward"
	checkLen(op, "input", in, size)
	checkLen(op, "output", out, size)
	in, out = in[:size], out[:size]
	for i, v := range in {
		out[i] = sigmoid(v)
	}
}

// SigmoidBackward writes dIn = dOut * out * (1 - out), out being the forward's output.
func SigmoidBackward(dIn, dOut, out []float32, size int) {
	const op = "Sigmoid backward"
	checkLen(op, "output", out, size)
	checkLen(op, "output gradient", dOut, size)
	checkLen(op, "input gradient", dIn, size)
	dIn, dOut, out = dIn[:size], dOut[:size], out[:size]
	for i, s := range out {
		dIn[i] = dOut[i] * s * (1 - s)
	}
}

// Sigmoid is 1/(1+exp(-x)) elementwise.
type Sigmoid struct {
	Shape []int
	MaxN  int

	out, dIn []float32
}

// NewSigmoid returns a sigmoid layer on per-sample shape shape for batches up to maxN.
func NewSigmoid(maxN int, shape ...int) *Sigmoid {
	if size(shape) <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewSigmoid: shape %v with maximum batch %d", shape, maxN))
	}
	return &Sigmoid{Shape: append([]int(nil), shape...), MaxN: maxN,
		out: make([]float32, maxN*size(shape)), dIn: make([]float32, maxN*size(shape))}
}

// Forward implements Layer.
func (l *Sigmoid) Forward(in []float32, n int) []float32 {
	checkBatch("Sigmoid forward", in, n, l.MaxN, l.Shape)
	SigmoidForward(l.out, in, n*size(l.Shape))
	return l.out[:n*size(l.Shape)]
}

// Backward implements Layer.
func (l *Sigmoid) Backward(dOut []float32, n int) []float32 {
	checkBatch("Sigmoid backward", dOut, n, l.MaxN, l.Shape)
	SigmoidBackward(l.dIn, dOut, l.out, n*size(l.Shape))
	return l.dIn[:n*size(l.Shape)]
}

// Params implements Layer: none.
func (l *Sigmoid) Params() []*Param { return nil }

// Shared implements Layer.
func (l *Sigmoid) Shared(maxN int) Layer { return NewSigmoid(maxN, l.Shape...) }

// InShape implements Layer.
func (l *Sigmoid) InShape() []int { return l.Shape }

// OutShape implements Layer.
func (l *Sigmoid) OutShape() []int { return l.Shape }

// Logistic returns 1/(1+exp(-x)), computed on the branch whose exponential cannot
// overflow, so it is exact in both tails. It is the one scalar sigmoid of the module:
// the Sigmoid layer, the logistic losses, the ground truth's sigmoid terms and the
// importance methods' p from log-odds all use it.
func Logistic(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// sigmoid is Logistic in float32 (computed in float64).
func sigmoid(v float32) float32 { return float32(Logistic(float64(v))) }
