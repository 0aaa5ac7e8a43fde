package nn

import (
	"fmt"
	"math"
)

// LogSoftmaxForward writes out[i] = in[i] - log(sum(exp(in[i]))) for each of n rows of c
// values, computed stably (shifted by the row maximum, summed in float64).
func LogSoftmaxForward(out, in []float32, n, c int) {
	const op = "LogSoftmax forward"
	if n < 0 || c <= 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d classes %d", op, n, c))
	}
	checkLen(op, "input", in, n*c)
	checkLen(op, "output", out, n*c)
	for i := 0; i < n; i++ {
		x, o := in[i*c:(i+1)*c], out[i*c:(i+1)*c]
		m := x[0]
		for _, v := range x {
			m = max(m, v)
		}
		var s float64
		for _, v := range x {
			s += math.Exp(float64(v - m))
		}
		lse := m + float32(math.Log(s))
		for j, v := range x {
			o[j] = v - lse
		}
	}
}

// LogSoftmaxBackward writes dIn = dOut - exp(out) * sum(dOut) per row, out being the
// forward's output.
func LogSoftmaxBackward(dIn, dOut, out []float32, n, c int) {
	const op = "LogSoftmax backward"
	if n < 0 || c <= 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d classes %d", op, n, c))
	}
	checkLen(op, "output", out, n*c)
	checkLen(op, "output gradient", dOut, n*c)
	checkLen(op, "input gradient", dIn, n*c)
	for i := 0; i < n; i++ {
		g, o, d := dOut[i*c:(i+1)*c], out[i*c:(i+1)*c], dIn[i*c:(i+1)*c]
		var s float32
		for _, v := range g {
			s += v
		}
		for j := range d {
			d[j] = g[j] - float32(math.Exp(float64(o[j])))*s
		}
	}
}

// LogSoftmax turns each row of C scores into log-probabilities; pair it with
// NLLLossForward/NLLLossBackward.
type LogSoftmax struct {
	C, MaxN int

	out, dIn []float32
}

// NewLogSoftmax returns a log-softmax layer over c classes for batches up to maxN.
func NewLogSoftmax(c, maxN int) *LogSoftmax {
	if c <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewLogSoftmax: %d classes with maximum batch %d", c, maxN))
	}
	return &LogSoftmax{C: c, MaxN: maxN, out: make([]float32, maxN*c), dIn: make([]float32, maxN*c)}
}

// Forward implements Layer.
func (l *LogSoftmax) Forward(in []float32, n int) []float32 {
	checkBatch("LogSoftmax forward", in, n, l.MaxN, l.InShape())
	LogSoftmaxForward(l.out, in, n, l.C)
	return l.out[:n*l.C]
}

// Backward implements Layer.
func (l *LogSoftmax) Backward(dOut []float32, n int) []float32 {
	checkBatch("LogSoftmax backward", dOut, n, l.MaxN, l.OutShape())
	LogSoftmaxBackward(l.dIn, dOut, l.out, n, l.C)
	return l.dIn[:n*l.C]
}

// Params implements Layer: none.
func (l *LogSoftmax) Params() []*Param { return nil }

// Shared implements Layer.
func (l *LogSoftmax) Shared(maxN int) Layer { return NewLogSoftmax(l.C, maxN) }

// InShape implements Layer.
func (l *LogSoftmax) InShape() []int { return []int{l.C} }

// OutShape implements Layer.
func (l *LogSoftmax) OutShape() []int { return []int{l.C} }
