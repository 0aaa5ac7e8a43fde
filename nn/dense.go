package nn

import (
	"fmt"
	"math/rand/v2"
)

func denseDims(op string, n, in, out int) {
	if n < 0 || in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d features %d->%d", op, n, in, out))
	}
}

// DenseForward computes a fully connected layer, out = in * w^T + b, with in n x nin, w
// nout x nin (PyTorch's Linear layout), b nout values (nil for none) and out n x nout.
func DenseForward(out, in, w, b []float32, n, nin, nout int) {
	const op = "Dense forward"
	denseDims(op, n, nin, nout)
	checkLen(op, "input", in, n*nin)
	checkLen(op, "weights", w, nout*nin)
	checkLen(op, "output", out, n*nout)
	if b != nil {
		checkLen(op, "bias", b, nout)
	}
	if n <= smallBatch {
		// Matrix-vector products: packing the weights would cost more than using them.
		// Four weight rows per pass, so x is loaded once for them; two images and two
		// rows per pass, so the rows are read once for both.
		var s [4]float32
		for i := 0; i < n; i++ {
			x, o := in[i*nin:(i+1)*nin], out[i*nout:(i+1)*nout]
			j := 0
			if i+1 < n {
				y, p := in[(i+1)*nin:(i+2)*nin], out[(i+1)*nout:(i+2)*nout]
				for ; j+2 <= nout; j += 2 {
					dot2x2(&s, x, y, w[j*nin:], nin)
					o[j], o[j+1], p[j], p[j+1] = s[0], s[1], s[2], s[3]
				}
				for ; j < nout; j++ {
					o[j], p[j] = dot(x, w[j*nin:(j+1)*nin]), dot(y, w[j*nin:(j+1)*nin])
				}
				addBias(p, b)
				i++
			}
			for ; j+4 <= nout; j += 4 {
				dot4(&s, x, w[j*nin:], nin)
				copy(o[j:j+4], s[:])
			}
			for ; j < nout; j++ {
				o[j] = dot(x, w[j*nin:(j+1)*nin])
			}
			addBias(o, b)
		}
		return
	}
	rowsParallel(n, nin*nout, func(lo, hi int) {
		beta := float32(0)
		if b != nil {
			for i := lo; i < hi; i++ {
				copy(out[i*nout:(i+1)*nout], b[:nout])
			}
			beta = 1
		}
		Sgemm(false, true, hi-lo, nout, nin, 1, in[lo*nin:], nin, w, nin, beta, out[lo*nout:], nout)
	})
}

// addBias adds b to o (nothing for a nil b).
func addBias(o, b []float32) {
	if b != nil {
		for j := range o {
			o[j] += b[j]
		}
	}
}

// denseInputGrad adds g * w (w nout x nin) to di, four rows of w per pass.
func denseInputGrad(di, g, w []float32, nin, nout int) {
	j := 0
	for ; j+4 <= nout; j += 4 {
		axpy4(di, (*[4]float32)(g[j:j+4]), w[j*nin:], nin)
	}
	for ; j < nout; j++ {
		axpyScaled(g[j], w[j*nin:(j+1)*nin], di)
	}
}

// DenseBackward computes the gradients of DenseForward: dIn = dOut * w (overwritten),
// dW += dOut^T * in, dB += column sums of dOut. A nil gradient buffer is skipped.
func DenseBackward(dIn, dW, dB, dOut, in, w []float32, n, nin, nout int) {
	const op = "Dense backward"
	denseDims(op, n, nin, nout)
	checkLen(op, "input", in, n*nin)
	checkLen(op, "weights", w, nout*nin)
	checkLen(op, "output gradient", dOut, n*nout)
	if dW != nil {
		checkLen(op, "weight gradient", dW, nout*nin)
	}
	if dB != nil {
		checkLen(op, "bias gradient", dB, nout)
	}
	if dIn != nil {
		checkLen(op, "input gradient", dIn, n*nin)
	}
	if n <= smallBatch {
		if dIn != nil {
			// Four weight rows per pass, so each di is loaded and stored once for them,
			// and two images per pass, so the rows are read once for both.
			clear(dIn[:n*nin])
			for i := 0; i < n; i += 2 {
				di, g := dIn[i*nin:(i+1)*nin], dOut[i*nout:(i+1)*nout]
				if i+1 == n {
					denseInputGrad(di, g, w, nin, nout)
					break
				}
				dz, h := dIn[(i+1)*nin:(i+2)*nin], dOut[(i+1)*nout:(i+2)*nout]
				j := 0
				for ; j+4 <= nout; j += 4 {
					axpy4x2(di, dz, (*[4]float32)(g[j:j+4]), (*[4]float32)(h[j:j+4]), w[j*nin:], nin)
				}
				denseInputGrad(di, g[j:], w[j*nin:], nin, nout-j)
				denseInputGrad(dz, h[j:], w[j*nin:], nin, nout-j)
			}
		}
		for i := 0; i < n; i++ {
			x, g := in[i*nin:(i+1)*nin], dOut[i*nout:(i+1)*nout]
			for j, gj := range g {
				if dW != nil {
					axpyScaled(gj, x, dW[j*nin:(j+1)*nin])
				}
				if dB != nil {
					dB[j] += gj
				}
			}
		}
		return
	}
	if dIn != nil {
		rowsParallel(n, nin*nout, func(lo, hi int) {
			Sgemm(false, false, hi-lo, nin, nout, 1, dOut[lo*nout:], nout, w, nin, 0, dIn[lo*nin:], nin)
		})
	}
	// Split dW by output rows, so workers write disjoint rows.
	rowsParallel(nout, n*nin, func(lo, hi int) {
		if dW != nil {
			Sgemm(true, false, hi-lo, nin, n, 1, dOut[lo:], nout, in, nin, 1, dW[lo*nin:], nin)
		}
		if dB != nil {
			for i := 0; i < n; i++ {
				axpy(dB[lo:hi], dOut[i*nout+lo:i*nout+hi])
			}
		}
	})
}

// Dense is a fully connected layer, out = in * W^T + b.
type Dense struct {
	In, Out, MaxN int
	Weight, Bias  *Param // Out x In (PyTorch's Linear layout), and Out
	// SkipInputGrad makes Backward compute only parameter gradients and return nil.
	SkipInputGrad bool
	// SkipParamGrad makes Backward compute only the input gradient.
	SkipParamGrad bool

	in       []float32
	out, dIn []float32
}

// NewDense returns a fully connected layer from in to out features for batches of up to
// maxN, with He-uniform weights drawn from rng (nil: zero, for weights about to be
// overwritten) and zero bias.
func NewDense(in, out, maxN int, rng *rand.Rand) *Dense {
	denseDims("NewDense", maxN, in, out)
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: NewDense: maximum batch %d", maxN))
	}
	l := &Dense{In: in, Out: out, MaxN: maxN, Weight: NewParam("weight", out, in), Bias: NewParam("bias", out),
		out: make([]float32, maxN*out), dIn: make([]float32, maxN*in)}
	InitHeUniform(l.Weight.W, in, rng)
	return l
}

// Forward implements Layer.
func (l *Dense) Forward(in []float32, n int) []float32 {
	checkBatch("Dense forward", in, n, l.MaxN, l.InShape())
	l.in = in
	DenseForward(l.out, in, l.Weight.W, l.Bias.W, n, l.In, l.Out)
	return l.out[:n*l.Out]
}

// Backward implements Layer.
func (l *Dense) Backward(dOut []float32, n int) []float32 {
	checkBatch("Dense backward", dOut, n, l.MaxN, l.OutShape())
	var dIn []float32
	if !l.SkipInputGrad {
		dIn = l.dIn[:n*l.In]
	}
	dW, dB := l.Weight.G, l.Bias.G
	if l.SkipParamGrad {
		dW, dB = nil, nil
	}
	DenseBackward(dIn, dW, dB, dOut, l.in, l.Weight.W, n, l.In, l.Out)
	return dIn
}

// Params implements Layer.
func (l *Dense) Params() []*Param { return []*Param{l.Weight, l.Bias} }

// Shared implements Layer.
func (l *Dense) Shared(maxN int) Layer {
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: Dense Shared: maximum batch %d", maxN))
	}
	c := *l
	c.MaxN, c.in = maxN, nil
	c.out, c.dIn = make([]float32, maxN*l.Out), make([]float32, maxN*l.In)
	return &c
}

// InShape implements Layer.
func (l *Dense) InShape() []int { return []int{l.In} }

// OutShape implements Layer.
func (l *Dense) OutShape() []int { return []int{l.Out} }

// smallBatch is the batch size up to which dense layers use matrix-vector products.
const smallBatch = 4

// rowsParallel splits rows over workers when each row costs enough work (flopsPerRow) to
// be worth a goroutine.
func rowsParallel(rows, flopsPerRow int, fn func(lo, hi int)) {
	if rows*flopsPerRow < 1<<17 {
		if rows > 0 {
			fn(0, rows)
		}
		return
	}
	parallelFor(rows, func(_, lo, hi int) { fn(lo, hi) })
}
