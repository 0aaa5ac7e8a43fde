package nn

import "math"

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

// sigmoid is computed in float64 on the branch that cannot overflow.
func sigmoid(v float32) float32 {
	x := float64(v)
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-x)))
	}
	e := math.Exp(x)
	return float32(e / (1 + e))
}
