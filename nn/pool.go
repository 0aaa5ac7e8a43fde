package nn

import (
	"fmt"
	"math"
)

func poolDims(op string, n, c, h, w int) (oh, ow int) {
	if n < 0 || c <= 0 || h < 2 || w < 2 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d channels %d input %dx%d (need at least 2x2)", op, n, c, h, w))
	}
	return h / 2, w / 2
}

// MaxPool2Forward takes the maximum over 2x2 windows with stride 2 (odd trailing rows or
// columns are dropped, as PyTorch does). in is n x c x h x w, out is n x c x h/2 x w/2, and
// idx (same size as out) records the flat index into in of each maximum, for the backward.
// Ties go to the first window element in row-major order.
func MaxPool2Forward(out []float32, idx []int32, in []float32, n, c, h, w int) {
	const op = "MaxPool2 forward"
	oh, ow := poolDims(op, n, c, h, w)
	checkLen(op, "input", in, n*c*h*w)
	checkLen(op, "output", out, n*c*oh*ow)
	if len(idx) < n*c*oh*ow {
		panic(fmt.Sprintf("nn: %s: index buffer has %d elements, need %d", op, len(idx), n*c*oh*ow))
	}
	parallelFor(n*c, func(_, lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			base := pl * h * w
			o := out[pl*oh*ow : (pl+1)*oh*ow]
			ix := idx[pl*oh*ow : (pl+1)*oh*ow]
			for y := 0; y < oh; y++ {
				r0 := in[base+2*y*w : base+2*y*w+2*ow]
				r1 := in[base+(2*y+1)*w : base+(2*y+1)*w+2*ow]
				o := o[y*ow : (y+1)*ow]
				ix := ix[y*ow : (y+1)*ow]
				i0 := int32(base + 2*y*w)
				for x := range o {
					// Branch-free (random maxima make branches mispredict): comparisons
					// become 0/1 and select by masks.
					a, b, c, d := r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1]
					fb, fd := b2u(b > a), b2u(d > c)
					ab := selectf(fb, b, a)
					cd := selectf(fd, d, c)
					f := b2u(cd > ab)
					o[x] = selectf(f, cd, ab)
					ia := i0 + int32(2*x) + int32(fb)
					ic := i0 + int32(w+2*x) + int32(fd)
					ix[x] = ia + int32(f)*(ic-ia)
				}
			}
		}
	})
}

// MaxPool2Backward routes each output gradient to the input element that was the maximum:
// dIn (n x c x h x w) is overwritten.
func MaxPool2Backward(dIn, dOut []float32, idx []int32, n, c, h, w int) {
	const op = "MaxPool2 backward"
	oh, ow := poolDims(op, n, c, h, w)
	checkLen(op, "input gradient", dIn, n*c*h*w)
	checkLen(op, "output gradient", dOut, n*c*oh*ow)
	if len(idx) < n*c*oh*ow {
		panic(fmt.Sprintf("nn: %s: index buffer has %d elements, need %d", op, len(idx), n*c*oh*ow))
	}
	parallelFor(n*c, func(_, lo, hi int) {
		clear(dIn[lo*h*w : hi*h*w])
		for j := lo * oh * ow; j < hi*oh*ow; j++ {
			dIn[idx[j]] += dOut[j]
		}
	})
}

// maxPool2Values is MaxPool2Forward without the indices: the values only, as an
// explanation's forward pass needs them. Each output row is the pairwise maximum of the
// columns of the elementwise maximum of its two input rows (maxPool2Row).
func maxPool2Values(out, in []float32, n, c, h, w int) {
	oh, ow := h/2, w/2
	var v [64]float32 // maxPool2Row's scratch: zeroed once here, not per row
	for pl := 0; pl < n*c; pl++ {
		src := in[pl*h*w : (pl+1)*h*w]
		dst := out[pl*oh*ow : (pl+1)*oh*ow]
		for y := 0; y < oh; y++ {
			maxPool2Row(dst[y*ow:(y+1)*ow], src[2*y*w:2*y*w+2*ow], src[(2*y+1)*w:(2*y+1)*w+2*ow], &v)
		}
	}
}

// maxPool2Route is MaxPool2Backward with the places of the maxima found from the input
// in (as MaxPool2Forward finds them, ties to the first) in the same pass: dIn is
// overwritten with each output gradient at its window's maximum, zero elsewhere.
func maxPool2Route(dIn, dOut, in []float32, n, c, h, w int) {
	oh, ow := h/2, w/2
	clear(dIn[:n*c*h*w])
	for pl := 0; pl < n*c; pl++ {
		for y := 0; y < oh; y++ {
			at := pl*h*w + 2*y*w
			r0, r1 := in[at:at+2*ow], in[at+w:at+w+2*ow]
			d0 := dIn[at : at+w+2*ow]
			g := dOut[(pl*oh+y)*ow : (pl*oh+y+1)*ow]
			for x, v := range g {
				// Branch-free, as in MaxPool2Forward (random maxima make branches
				// mispredict), with its choice of place on ties.
				a, b, c, d := r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1]
				fb, fd := b2u(b > a), b2u(d > c)
				f := b2u(selectf(fd, d, c) > selectf(fb, b, a))
				ia := 2*x + int(fb)
				ic := w + 2*x + int(fd)
				d0[ia+int(f)*(ic-ia)] = v
			}
		}
	}
}

// maxPool2RowGo writes o[x] = the maximum of r0 and r1 at columns 2x and 2x+1.
func maxPool2RowGo(o, r0, r1 []float32) {
	r0, r1 = r0[:2*len(o)], r1[:2*len(o)]
	for x := range o {
		o[x] = max32(max32(r0[2*x], r1[2*x]), max32(r0[2*x+1], r1[2*x+1]))
	}
}

// max32 returns the larger of a and b (a when they are equal or b is NaN): a comparison,
// where the builtin max calls the runtime in wasm for its NaN and signed-zero rules.
func max32(a, b float32) float32 {
	if b > a {
		return b
	}
	return a
}

// MaxPool2 takes 2x2 maxima with stride 2 over NCHW images. Its forward computes the
// maxima only; a backward after it finds where they were (maxPool2Route) from the input
// the forward read, which must not have changed since (as for Conv2D's weight gradient).
type MaxPool2 struct {
	C, H, W, MaxN int

	in       []float32
	out, dIn []float32
}

// NewMaxPool2 returns a 2x2 max-pooling layer on c x h x w inputs for batches up to maxN.
func NewMaxPool2(c, h, w, maxN int) *MaxPool2 {
	oh, ow := poolDims("NewMaxPool2", maxN, c, h, w)
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: NewMaxPool2: maximum batch %d", maxN))
	}
	return &MaxPool2{C: c, H: h, W: w, MaxN: maxN,
		out: make([]float32, maxN*c*oh*ow), dIn: make([]float32, maxN*c*h*w)}
}

// Forward implements Layer.
func (l *MaxPool2) Forward(in []float32, n int) []float32 {
	checkBatch("MaxPool2 forward", in, n, l.MaxN, l.InShape())
	l.in = in
	maxPool2Values(l.out, in, n, l.C, l.H, l.W)
	return l.out[:n*size(l.OutShape())]
}

// Backward implements Layer.
func (l *MaxPool2) Backward(dOut []float32, n int) []float32 {
	checkBatch("MaxPool2 backward", dOut, n, l.MaxN, l.OutShape())
	if len(l.in) != n*l.C*l.H*l.W {
		panic(fmt.Sprintf("nn: MaxPool2 backward: batch %d, the last forward was of %d values", n, len(l.in)))
	}
	maxPool2Route(l.dIn, dOut, l.in, n, l.C, l.H, l.W)
	return l.dIn[:n*l.C*l.H*l.W]
}

// Params implements Layer: none.
func (l *MaxPool2) Params() []*Param { return nil }

// Shared implements Layer.
func (l *MaxPool2) Shared(maxN int) Layer { return NewMaxPool2(l.C, l.H, l.W, maxN) }

// InShape implements Layer.
func (l *MaxPool2) InShape() []int { return []int{l.C, l.H, l.W} }

// OutShape implements Layer.
func (l *MaxPool2) OutShape() []int { return []int{l.C, l.H / 2, l.W / 2} }

// b2u is 1 for true and 0 for false (compiled to SETcc).
func b2u(c bool) uint32 {
	var u uint32
	if c {
		u = 1
	}
	return u
}

// selectf returns x when f is 1 and y when f is 0, without a branch.
func selectf(f uint32, x, y float32) float32 {
	bx, by := math.Float32bits(x), math.Float32bits(y)
	return math.Float32frombits(by ^ ((bx ^ by) & -f))
}
