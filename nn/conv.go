package nn

import (
	"fmt"
	"math/rand/v2"
)

// convDims checks a stride-1, square-kernel convolution's sizes and returns its output
// height and width.
func convDims(op string, n, cin, h, w, cout, k, pad int) (oh, ow int) {
	if n < 0 || cin <= 0 || h <= 0 || w <= 0 || cout <= 0 || k <= 0 || pad < 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d channels %d->%d input %dx%d kernel %d pad %d", op, n, cin, cout, h, w, k, pad))
	}
	oh, ow = h+2*pad-k+1, w+2*pad-k+1
	if oh <= 0 || ow <= 0 {
		panic(fmt.Sprintf("nn: %s: kernel %dx%d with padding %d does not fit a %dx%d input", op, k, k, pad, h, w))
	}
	return oh, ow
}

// Conv2DForward computes a 2-d convolution (cross-correlation, as in PyTorch) with stride
// 1 and zero padding pad on every side:
//
//	out[i][o][y][x] = b[o] + sum over c, u, v of w[o][c][u][v] * in[i][c][y+u-pad][x+v-pad]
//
// in is n x cin x h x w, w is cout x cin x k x k, b has cout values (nil for none), and
// out is n x cout x oh x ow with oh = h+2*pad-k+1, ow = w+2*pad-k+1. Each image is a
// matrix product of the packed weights with its patch (im2col) matrix, which the GEMM
// micro-kernel reads in place from zero-padded planes (see convForward); images are split
// over goroutines, or one image's columns when there are fewer images than cores.
func Conv2DForward(out, in, w, b []float32, n, cin, h, wd, cout, k, pad int) {
	const op = "Conv2D forward"
	oh, ow := convDims(op, n, cin, h, wd, cout, k, pad)
	checkLen(op, "input", in, n*cin*h*wd)
	checkLen(op, "weights", w, cout*cin*k*k)
	checkLen(op, "output", out, n*cout*oh*ow)
	if b != nil {
		checkLen(op, "bias", b, cout)
	}
	convForward(out, in, w, b, nil, false, n, cin, h, wd, cout, k, pad, oh, ow, nil)
}

// convForward is Conv2DForward after the checks. Each image is first copied into zero-
// padded planes with row stride wp = w+pad, each row's left padding doubling as the
// previous row's right padding (w+2*pad when pad > k-1, where that does not work).
// Computed over that stride (dropping the extra columns at the end of each row), every
// row of the patch matrix is a contiguous window of a plane, so the micro-kernel reads it
// in place: an implicit GEMM, with no im2col and no packing.
//
// The output pass applies out = scale[o]*sum + b[o] (scale nil: 1; b nil: 0), and
// max(.., 0) when relu is set: a batch norm folded into the convolution and the ReLU after
// it cost no pass of their own (see ConvBNReLU).
//
// A 3x3 convolution that winograd accepts runs as Winograd F(2x2, 3x3) instead, with its
// transformed filters from wc (nil: transformed for this call only); one that direct3
// accepts runs on the direct kernel over the same padded planes, which applies the output
// pass itself.
func convForward(out, in, w, b, scale []float32, relu bool, n, cin, h, wd, cout, k, pad, oh, ow int, wc *winoWeights) {
	if winograd(cin, cout, k) {
		if wc == nil {
			wc = new(winoWeights)
		}
		winoForward(out, in, wc.get(w, cin, cout, false, kernel.mr), b, scale, relu, n, cin, h, wd, cout, pad, oh, ow)
		return
	}
	kern := kernel
	kk := cin * k * k
	hp, wp := h+2*pad, wd+pad
	if pad > k-1 {
		wp = wd + 2*pad
	}
	pw := oh * wp // output positions over the padded width
	dir := direct3(cout, k, ow)
	ap := getScratch(roundUp(cout, kern.mr) * kk)
	defer putScratch(ap)
	if dir {
		packDirect3(ap.buf, w, cin, cout)
	} else {
		packA(ap.buf, w, kk, false, 0, 0, cout, kk, kern.mr, 1)
	}
	offs := getInts(kk) // where patch row (c, u, v) starts in the padded planes
	defer putInts(offs)
	for c := 0; c < cin; c++ {
		for u := 0; u < k; u++ {
			for v := 0; v < k; v++ {
				offs.buf[(c*k+u)*k+v] = c*hp*wp + u*wp + v
			}
		}
	}
	// The last column sliver reads up to nr positions past the last plane's end.
	padded := offs.buf[kk-1] + roundUp(pw, kern.nr)
	// Whole images per worker when there are enough; otherwise (one case, as when
	// explaining) the workers share each image's column slivers.
	split := n < numWorkers(2*n)
	parallelFor(n, func(_, lo, hi int) {
		pl := getScratch(padded)
		defer putScratch(pl)
		var cw *scratch
		if !dir {
			cw = getScratch(cout * pw)
			defer putScratch(cw)
		}
		clear(pl.buf) // borders stay zero; interiors are overwritten per image
		for i := lo; i < hi; i++ {
			img := in[i*cin*h*wd : (i+1)*cin*h*wd]
			for c := 0; c < cin; c++ {
				for y := 0; y < h; y++ {
					copy(pl.buf[c*hp*wp+(y+pad)*wp+pad:], img[(c*h+y)*wd:(c*h+y+1)*wd])
				}
			}
			o := out[i*cout*oh*ow : (i+1)*cout*oh*ow]
			if dir {
				direct3Image(o, pl.buf, ap.buf, b, scale, relu, cin, cout, hp, wp, oh, ow)
				continue
			}
			if cout == 1 && useConvRow {
				convRow(cw.buf[:pw], w[:kk], pl.buf, offs.buf)
			} else if split {
				nr := kern.nr
				parallelFor((pw+nr-1)/nr, func(_, s0, s1 int) {
					j0, j1 := s0*nr, min(s1*nr, pw)
					convPanels(kern, cout, j1-j0, kk, ap.buf, pl.buf[j0:], offs.buf, nil, cw.buf[j0:], pw, false)
				})
			} else {
				convPanels(kern, cout, pw, kk, ap.buf, pl.buf, offs.buf, nil, cw.buf, pw, false)
			}
			for c := 0; c < cout; c++ {
				sc, bias := float32(1), float32(0)
				if scale != nil {
					sc = scale[c]
				}
				if b != nil {
					bias = b[c]
				}
				for y := 0; y < oh; y++ {
					dst, src := o[(c*oh+y)*ow:(c*oh+y+1)*ow], cw.buf[c*pw+y*wp:c*pw+y*wp+ow]
					if relu {
						affineReLU(dst, src, sc, bias)
					} else {
						affine(dst, src, sc, bias)
					}
				}
			}
		}
	})
}

// Conv2DBackward computes the gradients of Conv2DForward (same sizes): dIn = dL/din
// (overwritten), and dW, dB accumulate dL/dw and dL/db. A nil gradient buffer is
// skipped.
// The input gradient is itself a convolution, of dOut with the flipped, transposed
// weights and padding k-1-pad, so it runs on the forward's fast path.
func Conv2DBackward(dIn, dW, dB, dOut, in, w []float32, n, cin, h, wd, cout, k, pad int) {
	conv2DBackward(dIn, dW, dB, dOut, in, w, n, cin, h, wd, cout, k, pad, nil)
}

// conv2DBackward is Conv2DBackward with the Winograd input gradient's transformed filters
// cached in wc (nil: transformed for this call only).
func conv2DBackward(dIn, dW, dB, dOut, in, w []float32, n, cin, h, wd, cout, k, pad int, wc *winoWeights) {
	const op = "Conv2D backward"
	oh, ow := convDims(op, n, cin, h, wd, cout, k, pad)
	kk, p := cin*k*k, oh*ow
	checkLen(op, "input", in, n*cin*h*wd)
	checkLen(op, "weights", w, cout*kk)
	checkLen(op, "output gradient", dOut, n*cout*p)
	if dW != nil {
		checkLen(op, "weight gradient", dW, cout*kk)
	}
	if dB != nil {
		checkLen(op, "bias gradient", dB, cout)
	}
	if dIn != nil {
		checkLen(op, "input gradient", dIn, n*cin*h*wd)
		switch {
		case pad <= k-1 && winograd(cout, cin, k):
			if wc == nil {
				wc = new(winoWeights)
			}
			winoForward(dIn, dOut, wc.get(w, cin, cout, true, kernel.mr), nil, nil, false, n, cout, oh, ow, cin, k-1-pad, h, wd)
		case pad <= k-1:
			wf := getScratch(cin * cout * k * k)
			for o := 0; o < cout; o++ {
				for c := 0; c < cin; c++ {
					src := w[(o*cin+c)*k*k : (o*cin+c+1)*k*k]
					dst := wf.buf[(c*cout+o)*k*k : (c*cout+o+1)*k*k]
					for j := range dst {
						dst[j] = src[k*k-1-j] // (u, v) -> (k-1-u, k-1-v)
					}
				}
			}
			convForward(dIn, dOut, wf.buf, nil, nil, false, n, cout, oh, ow, cin, k, k-1-pad, h, wd, nil)
			putScratch(wf)
		default:
			convInputGradCol2im(dIn, dOut, w, n, cin, h, wd, cout, k, pad, oh, ow)
		}
	}

	switch {
	case dW != nil:
		convWeightGrad(dW, dB, dOut, in, n, cin, h, wd, cout, k, pad, oh, ow)
	case dB != nil:
		for i := 0; i < n; i++ {
			for o := 0; o < cout; o++ {
				dB[o] += sum32(dOut[(i*cout+o)*p : (i*cout+o+1)*p])
			}
		}
	}
}

// Conv2D is a stride-1 convolution layer with a square kernel and zero padding, over NCHW
// images of a fixed size.
type Conv2D struct {
	InC, OutC, H, W, K, Pad int
	OutH, OutW, MaxN        int
	Weight, Bias            *Param // OutC x InC x K x K, and OutC
	// SkipInputGrad makes Backward compute only parameter gradients and return nil (the
	// first layer of a network in training).
	SkipInputGrad bool
	// SkipParamGrad makes Backward compute only the input gradient (explaining a trained
	// network).
	SkipParamGrad bool

	in       []float32
	out, dIn []float32
	// wino and winoBack keep the Winograd transforms of the filters, forward and for the
	// input gradient, between calls.
	wino, winoBack winoWeights
}

// NewConv2D returns a convolution from inC to outC channels on h x w inputs, kernel k x k,
// padding pad, for batches of up to maxN, with He-uniform weights drawn from rng (nil:
// zero, for weights about to be overwritten) and zero bias.
func NewConv2D(inC, outC, h, w, k, pad, maxN int, rng *rand.Rand) *Conv2D {
	oh, ow := convDims("NewConv2D", maxN, inC, h, w, outC, k, pad)
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: NewConv2D: maximum batch %d", maxN))
	}
	l := &Conv2D{InC: inC, OutC: outC, H: h, W: w, K: k, Pad: pad, OutH: oh, OutW: ow, MaxN: maxN,
		Weight: NewParam("weight", outC, inC, k, k), Bias: NewParam("bias", outC),
		out: make([]float32, maxN*outC*oh*ow), dIn: make([]float32, maxN*inC*h*w)}
	InitHeUniform(l.Weight.W, inC*k*k, rng)
	return l
}

// Forward implements Layer.
func (l *Conv2D) Forward(in []float32, n int) []float32 {
	checkBatch("Conv2D forward", in, n, l.MaxN, l.InShape())
	l.in = in
	convForward(l.out, in, l.Weight.W, l.Bias.W, nil, false, n, l.InC, l.H, l.W, l.OutC, l.K, l.Pad, l.OutH, l.OutW, &l.wino)
	return l.out[:n*l.OutC*l.OutH*l.OutW]
}

// Backward implements Layer.
func (l *Conv2D) Backward(dOut []float32, n int) []float32 {
	checkBatch("Conv2D backward", dOut, n, l.MaxN, l.OutShape())
	var dIn []float32
	if !l.SkipInputGrad {
		dIn = l.dIn[:n*l.InC*l.H*l.W]
	}
	dW, dB := l.Weight.G, l.Bias.G
	if l.SkipParamGrad {
		dW, dB = nil, nil
	}
	conv2DBackward(dIn, dW, dB, dOut, l.in, l.Weight.W, n, l.InC, l.H, l.W, l.OutC, l.K, l.Pad, &l.winoBack)
	return dIn
}

// Params implements Layer.
func (l *Conv2D) Params() []*Param { return []*Param{l.Weight, l.Bias} }

// Shared implements Layer.
func (l *Conv2D) Shared(maxN int) Layer {
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: Conv2D Shared: maximum batch %d", maxN))
	}
	c := *l
	c.MaxN, c.in = maxN, nil
	c.wino, c.winoBack = winoWeights{}, winoWeights{}
	c.out, c.dIn = make([]float32, maxN*l.OutC*l.OutH*l.OutW), make([]float32, maxN*l.InC*l.H*l.W)
	return &c
}

// InShape implements Layer.
func (l *Conv2D) InShape() []int { return []int{l.InC, l.H, l.W} }

// OutShape implements Layer.
func (l *Conv2D) OutShape() []int { return []int{l.OutC, l.OutH, l.OutW} }

// convWeightGrad accumulates dW += sum over images of dOut * patches^T, and dB. The depth
// of this product runs over output positions, so B's rows are whole patches. Copying each
// image to zero-padded channels-last (HWC) order makes a patch k contiguous runs ("segs")
// of k*cin values, ordered (u, v, c), which the kernel reads in place: as one product when
// a run is a whole number of column slivers, else as one product per run when rounding a
// run up to slivers wastes at most a third. Otherwise (few channels) each image's patch
// rows are first copied into a matrix. The product is formed in (u, v, c) order and
// permuted to (c, u, v) at the end.
func convWeightGrad(dW, dB, dOut, in []float32, n, cin, h, wd, cout, k, pad, oh, ow int) {
	kern := kernel
	nr := kern.nr
	kk, p := cin*k*k, oh*ow
	hp, wp := h+2*pad, wd+2*pad
	seg := k * cin // one patch run: k pixels x cin channels
	const (
		whole = iota
		perSeg
		rows
	)
	mode := rows
	switch {
	case seg%nr == 0:
		mode = whole
	case 3*roundUp(seg, nr) <= 4*seg:
		mode = perSeg
	}
	// Column offsets of each sliver: one list for the whole product, or k lists (one per
	// run) of segSlivers each.
	segSlivers := (seg + nr - 1) / nr
	nOffs := (kk + nr - 1) / nr
	if mode == perSeg {
		nOffs = k * segSlivers
	}
	posOffs, colOffs := getInts(p), getInts(nOffs)
	defer putInts(posOffs)
	defer putInts(colOffs)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			if mode == rows {
				posOffs.buf[y*ow+x] = (y*ow + x) * kk
			} else {
				posOffs.buf[y*ow+x] = (y*wp + x) * cin
			}
		}
	}
	for t := range colOffs.buf {
		switch mode {
		case whole:
			u := t * nr / seg
			colOffs.buf[t] = u*wp*cin + t*nr - u*seg
		case perSeg:
			u, j := t/segSlivers, t%segSlivers
			colOffs.buf[t] = u*wp*cin + j*nr
		default:
			colOffs.buf[t] = t * nr
		}
	}
	// Images go in a fixed number of chunks, each summed into its own partial gradient,
	// and the partials are added in chunk order: the result does not depend on how many
	// cores share the chunks (up to gradChunks).
	chunks := min(n, gradChunks)
	parts := getScratch(chunks * (cout*kk + cout))
	defer putScratch(parts)
	clear(parts.buf)
	parallelFor(chunks, func(_, clo, chi int) {
		ap := getScratch(roundUp(cout, kern.mr) * p)
		hwc := getScratch(hp*wp*cin + nr) // a run's partial last sliver reads past the end
		defer putScratch(ap)
		defer putScratch(hwc)
		clear(hwc.buf) // borders stay zero
		b := hwc
		if mode == rows {
			b = getScratch(p*kk + nr) // the last row's partial sliver reads past its end
			defer putScratch(b)
			clear(b.buf[p*kk:])
		}
		for chunk := clo; chunk < chi; chunk++ {
			off := chunk * (cout*kk + cout)
			gw := parts.buf[off : off+cout*kk]
			gb := parts.buf[off+cout*kk : off+cout*kk+cout]
			for i := chunk * n / chunks; i < (chunk+1)*n/chunks; i++ {
				img := in[i*cin*h*wd : (i+1)*cin*h*wd]
				for c := 0; c < cin; c++ {
					for y := 0; y < h; y++ {
						src := img[(c*h+y)*wd : (c*h+y+1)*wd]
						dst := hwc.buf[((y+pad)*wp+pad)*cin+c:]
						for x, v := range src {
							dst[x*cin] = v
						}
					}
				}
				if mode == rows {
					for y := 0; y < oh; y++ {
						for x := 0; x < ow; x++ {
							row := b.buf[(y*ow+x)*kk : (y*ow+x+1)*kk]
							for u := 0; u < k; u++ {
								copy(row[u*seg:(u+1)*seg], hwc.buf[((y+u)*wp+x)*cin:])
							}
						}
					}
				}
				g := dOut[i*cout*p : (i+1)*cout*p]
				packA(ap.buf, g, p, false, 0, 0, cout, p, kern.mr, 1)
				if mode == perSeg {
					for u := 0; u < k; u++ {
						convPanels(kern, cout, seg, p, ap.buf, b.buf, posOffs.buf, colOffs.buf[u*segSlivers:(u+1)*segSlivers], gw[u*seg:], kk, true)
					}
				} else {
					convPanels(kern, cout, kk, p, ap.buf, b.buf, posOffs.buf, colOffs.buf, gw, kk, true)
				}
				for o := 0; o < cout; o++ {
					gb[o] += sum32(g[o*p : (o+1)*p])
				}
			}
		}
	})
	for ch := 0; ch < chunks; ch++ {
		off := ch * (cout*kk + cout)
		gw := parts.buf[off : off+cout*kk]
		for o := 0; o < cout; o++ {
			for c := 0; c < cin; c++ {
				for uv := 0; uv < k*k; uv++ {
					dW[(o*cin+c)*k*k+uv] += gw[o*kk+uv*cin+c]
				}
			}
		}
		if dB != nil {
			axpy(dB[:cout], parts.buf[off+cout*kk:off+cout*kk+cout])
		}
	}
}

// gradChunks is how many partial weight gradients a convolution's backward sums: the most
// cores that can share the work without changing its rounding.
const gradChunks = 8

// convInputGradCol2im is the input gradient for padding wider than the kernel (rare):
// patch gradients W^T * dOut scattered back with col2im.
func convInputGradCol2im(dIn, dOut, w []float32, n, cin, h, wd, cout, k, pad, oh, ow int) {
	kk, p := cin*k*k, oh*ow
	parallelFor(n, func(_, lo, hi int) {
		dcol := getScratch(kk * p)
		defer putScratch(dcol)
		for i := lo; i < hi; i++ {
			Sgemm(true, false, kk, p, cout, 1, w, kk, dOut[i*cout*p:(i+1)*cout*p], p, 0, dcol.buf, p)
			col2im(dIn[i*cin*h*wd:(i+1)*cin*h*wd], dcol.buf, cin, h, wd, k, pad, oh, ow)
		}
	})
}

// im2col writes the (cin*k*k) x (oh*ow) patch matrix of one image: row (c*k+u)*k+v holds
// img[c][y+u-pad][x+v-pad] for every output position (y, x), zero outside the image.
func im2col(col, img []float32, cin, h, w, k, pad, oh, ow int) {
	p := oh * ow
	for c := 0; c < cin; c++ {
		plane := img[c*h*w : (c+1)*h*w]
		for u := 0; u < k; u++ {
			for v := 0; v < k; v++ {
				row := col[((c*k+u)*k+v)*p : ((c*k+u)*k+v+1)*p]
				x0, x1 := max(0, pad-v), min(ow, w+pad-v) // output columns inside the image
				for y := 0; y < oh; y++ {
					r := row[y*ow : (y+1)*ow]
					iy := y + u - pad
					if iy < 0 || iy >= h || x0 >= x1 {
						clear(r)
						continue
					}
					clear(r[:x0])
					copy(r[x0:x1], plane[iy*w+x0+v-pad:iy*w+x1+v-pad])
					clear(r[x1:])
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it overwrites img with the sum, over every patch
// position, of the column values that came from each pixel.
func col2im(img, col []float32, cin, h, w, k, pad, oh, ow int) {
	p := oh * ow
	clear(img[:cin*h*w])
	for c := 0; c < cin; c++ {
		plane := img[c*h*w : (c+1)*h*w]
		for u := 0; u < k; u++ {
			for v := 0; v < k; v++ {
				row := col[((c*k+u)*k+v)*p : ((c*k+u)*k+v+1)*p]
				x0, x1 := max(0, pad-v), min(ow, w+pad-v)
				if x0 >= x1 {
					continue
				}
				for y := 0; y < oh; y++ {
					iy := y + u - pad
					if iy < 0 || iy >= h {
						continue
					}
					axpy(plane[iy*w+x0+v-pad:iy*w+x1+v-pad], row[y*ow+x0:y*ow+x1])
				}
			}
		}
	}
}

// axpy adds x to y elementwise (len(y) elements).
func axpy(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += x[i]
	}
}

func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}
