package nn

import (
	"fmt"
	"math"
	"testing"
)

// Gradient checks. Each op's float32 backward is compared with central finite differences
// (step 1e-6) of the float64 reference forward in ref_test.go, for the scalar loss
// L = sum(r * out) with fixed random r (so dL/dout = r). The tolerance is relative to the
// largest gradient in each tensor: |analytic - numeric| <= gradTol * max(|numeric|) +
// 1e-5 * (the largest gradient of all tensors, for gradients that are exactly zero in
// exact arithmetic, like a bias feeding batch norm) (large tensors at 300 evenly spread elements), with gradTol = 2e-4, a few float32 epsilons times the fan-in (the float64
// differences themselves are accurate to about 1e-9). Forwards must match the reference
// to fwdTol relative to the largest output.
const (
	gradTol = 2e-4
	fwdTol  = 1e-5
	fdStep  = 1e-6
)

// checkGrad compares analytic gradients grads[t] of tensors xs[t] with finite differences
// of loss, which evaluates the float64 reference at float64 copies of the tensors.
func checkGrad(t *testing.T, what string, xs, grads [][]float32, names []string, loss func(x [][]float64) float64) {
	t.Helper()
	x64 := make([][]float64, len(xs))
	for i, x := range xs {
		x64[i] = to64(x)
	}
	nums := make([][]float64, len(xs))
	global := 0.0
	for ti := range xs {
		if grads[ti] == nil {
			continue
		}
		// Large tensors are checked at up to 300 evenly spread elements.
		stride := max(1, len(xs[ti])/300)
		num := make([]float64, len(xs[ti]))
		for j := 0; j < len(num); j += stride {
			orig := x64[ti][j]
			x64[ti][j] = orig + fdStep
			lp := loss(x64)
			x64[ti][j] = orig - fdStep
			lm := loss(x64)
			x64[ti][j] = orig
			num[j] = (lp - lm) / (2 * fdStep)
			global = math.Max(global, math.Abs(num[j]))
		}
		nums[ti] = num
	}
	for ti := range xs {
		if grads[ti] == nil {
			continue
		}
		num := nums[ti]
		stride := max(1, len(xs[ti])/300)
		scale := 0.0
		for j := 0; j < len(num); j += stride {
			scale = math.Max(scale, math.Abs(num[j]))
		}
		worst, at := 0.0, 0
		for j := 0; j < len(num); j += stride {
			g := grads[ti][j]
			if d := math.Abs(float64(g) - num[j]); d > worst {
				worst, at = d, j
			}
		}
		if worst > gradTol*scale+1e-5*global {
			t.Errorf("%s: d/d%s[%d] = %.7g, finite differences give %.7g (max |grad| %.3g)",
				what, names[ti], at, grads[ti][at], num[at], scale)
		}
	}
}

// checkForward compares a float32 output with the float64 reference.
func checkForward(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	scale := 1e-3
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > fwdTol*scale {
			t.Fatalf("%s: forward[%d] = %.7g, reference %.7g", what, i, got[i], w)
		}
	}
}

// awayFromZero returns random values with |x| >= 0.1, so ReLU kinks and max-pool ties are
// far from every finite-difference step.
func awayFromZero(n int, seed uint64) []float32 {
	x := randSlice(n, seed)
	for i, v := range x {
		if math.Abs(float64(v)) < 0.1 {
			x[i] = float32(math.Copysign(0.1+float64(v), float64(v)))
		}
	}
	return x
}

func TestConv2DGradients(t *testing.T) {
	shapes := []struct{ n, cin, h, w, cout, k, pad int }{
		{1, 1, 5, 5, 1, 3, 0},
		{2, 1, 28, 28, 16, 3, 0}, // the paper's first: its input gradient has one channel (convRow)
		{1, 3, 9, 40, 1, 3, 1},   // one output channel over blocks of 16 outputs and a tail
		{2, 3, 7, 6, 4, 3, 1},
		{3, 2, 6, 9, 5, 3, 0},
		{1, 4, 4, 4, 3, 1, 0},
		{2, 2, 5, 4, 3, 5, 2},
		{1, 17, 5, 3, 9, 3, 1},
		{2, 2, 4, 3, 3, 1, 1}, // padding wider than the kernel: the col2im input gradient
		{1, 33, 4, 3, 10, 3, 1},
		{2, 32, 4, 5, 9, 3, 1}, // k*cin a multiple of 32: the AVX-512 weight gradient reads patches in place
		{1, 8, 5, 4, 3, 3, 0},  // k*cin = 24: the same for AVX2
		// Winograd shapes (at least 8 channels each way): odd output sizes, padding 0..2.
		{2, 8, 7, 9, 12, 3, 2},
		{1, 16, 8, 8, 16, 3, 0},
		{2, 12, 5, 6, 8, 3, 1},
		// The direct 3x3 kernel's shapes: rows of one tile, rows whose last tile overlaps
		// the one before, and an input gradient on it (8 -> 4 channels, 13 wide).
		{1, 16, 11, 10, 16, 3, 0},
		{2, 3, 9, 13, 8, 3, 1},
		{1, 4, 6, 11, 8, 3, 2},
	}
	eachConvPath(t, func(t *testing.T) {
		for i, s := range shapes {
			if useWinograd && !winograd(s.cin, s.cout, s.k) && !winograd(s.cout, s.cin, s.k) && s.cin != 1 && s.cout != 1 {
				continue // the direct run covered it (one channel: convRow there, the micro-kernel here)
			}
			oh, ow := s.h+2*s.pad-s.k+1, s.w+2*s.pad-s.k+1
			in := randSlice(s.n*s.cin*s.h*s.w, uint64(10*i+1))
			w := randSlice(s.cout*s.cin*s.k*s.k, uint64(10*i+2))
			b := randSlice(s.cout, uint64(10*i+3))
			r := randSlice(s.n*s.cout*oh*ow, uint64(10*i+4))
			what := fmt.Sprintf("conv n=%d %d->%d %dx%d k=%d pad=%d", s.n, s.cin, s.cout, s.h, s.w, s.k, s.pad)

			out := make([]float32, len(r))
			Conv2DForward(out, in, w, b, s.n, s.cin, s.h, s.w, s.cout, s.k, s.pad)
			checkForward(t, what, out, conv64(to64(in), to64(w), to64(b), s.n, s.cin, s.h, s.w, s.cout, s.k, s.pad))

			dIn := randSlice(len(in), 99) // overwritten
			dW := make([]float32, len(w))
			dB := make([]float32, len(b))
			Conv2DBackward(dIn, dW, dB, r, in, w, s.n, s.cin, s.h, s.w, s.cout, s.k, s.pad)
			r64 := to64(r)
			checkGrad(t, what, [][]float32{in, w, b}, [][]float32{dIn, dW, dB}, []string{"in", "w", "b"},
				func(x [][]float64) float64 {
					return dot64(r64, conv64(x[0], x[1], x[2], s.n, s.cin, s.h, s.w, s.cout, s.k, s.pad))
				})

			// Parameter gradients accumulate; a nil dIn skips the input gradient.
			dW2 := append([]float32(nil), dW...)
			Conv2DBackward(nil, dW2, nil, r, in, w, s.n, s.cin, s.h, s.w, s.cout, s.k, s.pad)
			for j := range dW2 {
				if d := math.Abs(float64(dW2[j] - 2*dW[j])); d > 1e-4*(1+math.Abs(float64(dW[j]))) {
					t.Fatalf("%s: second backward gave dW[%d] = %g, want twice %g", what, j, dW2[j], dW[j])
				}
			}
		}
	})
}

func TestDenseGradients(t *testing.T) {
	// Batches 2 and 3: the input gradient two images per pass, and one left over.
	shapes := [][3]int{{1, 1, 1}, {1, 7, 3}, {2, 13, 9}, {3, 21, 10}, {5, 13, 9}, {33, 40, 17}, {130, 70, 33}}
	eachKernel(t, func(t *testing.T) {
		for i, s := range shapes {
			n, nin, nout := s[0], s[1], s[2]
			in := randSlice(n*nin, uint64(10*i+1))
			w := randSlice(nout*nin, uint64(10*i+2))
			b := randSlice(nout, uint64(10*i+3))
			r := randSlice(n*nout, uint64(10*i+4))
			what := fmt.Sprintf("dense n=%d %d->%d", n, nin, nout)
			out := make([]float32, n*nout)
			DenseForward(out, in, w, b, n, nin, nout)
			checkForward(t, what, out, dense64(to64(in), to64(w), to64(b), n, nin, nout))
			dIn := make([]float32, len(in))
			dW := make([]float32, len(w))
			dB := make([]float32, len(b))
			DenseBackward(dIn, dW, dB, r, in, w, n, nin, nout)
			r64 := to64(r)
			checkGrad(t, what, [][]float32{in, w, b}, [][]float32{dIn, dW, dB}, []string{"in", "w", "b"},
				func(x [][]float64) float64 { return dot64(r64, dense64(x[0], x[1], x[2], n, nin, nout)) })
		}
	})
}

func TestMaxPool2Gradients(t *testing.T) {
	for i, s := range [][4]int{{1, 1, 2, 2}, {2, 3, 5, 7}, {3, 2, 6, 4}, {1, 1, 9, 3}} {
		n, c, h, w := s[0], s[1], s[2], s[3]
		in := randSlice(n*c*h*w, uint64(i+1))
		oh, ow := h/2, w/2
		r := randSlice(n*c*oh*ow, uint64(i+50))
		what := fmt.Sprintf("maxpool n=%d c=%d %dx%d", n, c, h, w)
		out := make([]float32, len(r))
		idx := make([]int32, len(r))
		MaxPool2Forward(out, idx, in, n, c, h, w)
		checkForward(t, what, out, maxpool64(to64(in), n, c, h, w))
		dIn := randSlice(len(in), 7)
		MaxPool2Backward(dIn, r, idx, n, c, h, w)
		r64 := to64(r)
		checkGrad(t, what, [][]float32{in}, [][]float32{dIn}, []string{"in"},
			func(x [][]float64) float64 { return dot64(r64, maxpool64(x[0], n, c, h, w)) })
	}
}

// TestMaxPool2Layer checks the layer, whose forward computes only the maxima
// (maxPool2Values) and whose backward finds their places from its input, against the
// float64 reference and finite differences, with every kernel (the wasm SIMD build's
// rows in Float32x4 and the plain-Go ones), on rows of whole vectors, a tail and odd
// sizes.
func TestMaxPool2Layer(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for i, s := range [][4]int{{2, 16, 24, 24}, {1, 64, 10, 10}, {2, 3, 7, 21}, {1, 2, 5, 40}, {1, 1, 4, 130}} {
			n, c, h, w := s[0], s[1], s[2], s[3]
			what := fmt.Sprintf("maxpool layer n=%d c=%d %dx%d", n, c, h, w)
			l := NewMaxPool2(c, h, w, n+1)
			in := randSlice(n*c*h*w, uint64(i+1))
			checkForward(t, what, l.Forward(in, n), maxpool64(to64(in), n, c, h, w))
			r := randSlice(n*size(l.OutShape()), uint64(i+50))
			dIn := l.Backward(r, n)
			r64 := to64(r)
			checkGrad(t, what, [][]float32{in}, [][]float32{dIn}, []string{"in"},
				func(x [][]float64) float64 { return dot64(r64, maxpool64(x[0], n, c, h, w)) })

			// With ties (inputs on a coarse grid), the gradient goes where MaxPool2Forward
			// puts each maximum: the first in row-major order.
			for j := range in {
				in[j] = float32(math.Round(float64(2 * in[j])))
			}
			l.Forward(in, n)
			got := l.Backward(r, n)
			out, idx := make([]float32, len(r)), make([]int32, len(r))
			want := randSlice(len(in), 7)
			MaxPool2Forward(out, idx, in, n, c, h, w)
			MaxPool2Backward(want, r, idx, n, c, h, w)
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("%s with ties: gradient[%d] = %v, want %v", what, j, got[j], want[j])
				}
			}
		}
	})
}

func TestBatchNormGradients(t *testing.T) {
	for i, s := range [][3]int{{2, 3, 5}, {1, 2, 9}, {7, 4, 1}, {2, 1, 1}, {5, 3, 6}} {
		n, c, sp := s[0], s[1], s[2]
		in := randSlice(n*c*sp, uint64(i+1))
		for j := range in {
			in[j] = 3*in[j] + 0.5 // a mean and scale that normalisation must remove
		}
		gamma := randSlice(c, uint64(i+2))
		beta := randSlice(c, uint64(i+3))
		r := randSlice(n*c*sp, uint64(i+4))
		r64 := to64(r)
		const eps = 1e-5
		names := []string{"in", "gamma", "beta"}

		// Training mode: batch statistics.
		what := fmt.Sprintf("batchnorm train n=%d c=%d s=%d", n, c, sp)
		out := make([]float32, len(in))
		mean, rstd := make([]float32, c), make([]float32, c)
		runMean, runVar := make([]float32, c), make([]float32, c)
		fill(runVar, 1)
		BatchNormForward(out, mean, rstd, in, gamma, beta, runMean, runVar, n, c, sp, 0.1, eps)
		checkForward(t, what, out, bn64(to64(in), to64(gamma), to64(beta), n, c, sp, true, nil, nil, eps))
		dIn, dG, dB := make([]float32, len(in)), make([]float32, c), make([]float32, c)
		BatchNormBackward(dIn, dG, dB, r, in, mean, rstd, gamma, n, c, sp)
		checkGrad(t, what, [][]float32{in, gamma, beta}, [][]float32{dIn, dG, dB}, names,
			func(x [][]float64) float64 {
				return dot64(r64, bn64(x[0], x[1], x[2], n, c, sp, true, nil, nil, eps))
			})
		// Running averages: momentum 0.1 toward the batch mean and unbiased variance.
		for ch := 0; ch < c; ch++ {
			var mu, ss float64
			for k := 0; k < n; k++ {
				for j := 0; j < sp; j++ {
					mu += float64(in[(k*c+ch)*sp+j])
				}
			}
			mu /= float64(n * sp)
			for k := 0; k < n; k++ {
				for j := 0; j < sp; j++ {
					d := float64(in[(k*c+ch)*sp+j]) - mu
					ss += d * d
				}
			}
			wantM, wantV := 0.1*mu, 0.9+0.1*ss/float64(n*sp-1)
			if math.Abs(float64(runMean[ch])-wantM) > 1e-5 || math.Abs(float64(runVar[ch])-wantV) > 1e-4 {
				t.Errorf("%s: running mean/var of channel %d = %g/%g, want %g/%g", what, ch, runMean[ch], runVar[ch], wantM, wantV)
			}
		}

		// Inference mode: running statistics are constants.
		what = fmt.Sprintf("batchnorm infer n=%d c=%d s=%d", n, c, sp)
		rm, rv := randSlice(c, 77), randSlice(c, 78)
		for j := range rv {
			rv[j] = 0.5 + rv[j]*rv[j]
		}
		BatchNormInferForward(out, in, gamma, beta, rm, rv, n, c, sp, eps)
		checkForward(t, what, out, bn64(to64(in), to64(gamma), to64(beta), n, c, sp, false, to64(rm), to64(rv), eps))
		clear(dG)
		clear(dB)
		BatchNormInferBackward(dIn, dG, dB, r, in, gamma, rm, rv, n, c, sp, eps)
		checkGrad(t, what, [][]float32{in, gamma, beta}, [][]float32{dIn, dG, dB}, names,
			func(x [][]float64) float64 {
				return dot64(r64, bn64(x[0], x[1], x[2], n, c, sp, false, to64(rm), to64(rv), eps))
			})
	}
}

func TestActivationGradients(t *testing.T) {
	for i, size := range []int{1, 7, 130} {
		in := awayFromZero(size, uint64(i+1))
		r := randSlice(size, uint64(i+9))
		r64 := to64(r)
		out, dIn := make([]float32, size), make([]float32, size)

		ReLUForward(out, in, size)
		checkForward(t, "relu", out, relu64(to64(in)))
		ReLUBackward(dIn, r, out, size)
		checkGrad(t, fmt.Sprintf("relu size %d", size), [][]float32{in}, [][]float32{dIn}, []string{"in"},
			func(x [][]float64) float64 { return dot64(r64, relu64(x[0])) })

		for j := range in {
			in[j] *= 4 // reach the saturated tails too
		}
		SigmoidForward(out, in, size)
		checkForward(t, "sigmoid", out, sigmoid64(to64(in)))
		SigmoidBackward(dIn, r, out, size)
		checkGrad(t, fmt.Sprintf("sigmoid size %d", size), [][]float32{in}, [][]float32{dIn}, []string{"in"},
			func(x [][]float64) float64 { return dot64(r64, sigmoid64(x[0])) })
	}
}

func TestLossGradients(t *testing.T) {
	for i, s := range [][2]int{{1, 2}, {5, 3}, {17, 10}} {
		n, c := s[0], s[1]
		in := randSlice(n*c, uint64(i+1))
		for j := range in {
			in[j] *= 5
		}
		targets := make([]int, n)
		for j := range targets {
			targets[j] = (j*7 + i) % c
		}
		what := fmt.Sprintf("logsoftmax+nll n=%d c=%d", n, c)
		logp := make([]float32, n*c)
		LogSoftmaxForward(logp, in, n, c)
		checkForward(t, what, logp, logsoftmax64(to64(in), n, c))
		loss := NLLLossForward(logp, targets, n, c)
		want := nll64(logsoftmax64(to64(in), n, c), targets, n, c)
		if math.Abs(float64(loss)-want) > 1e-5*math.Max(1, want) {
			t.Errorf("%s: loss %g, reference %g", what, loss, want)
		}
		dLogp, dIn := make([]float32, n*c), make([]float32, n*c)
		NLLLossBackward(dLogp, targets, n, c)
		LogSoftmaxBackward(dIn, dLogp, logp, n, c)
		checkGrad(t, what, [][]float32{in}, [][]float32{dIn}, []string{"in"},
			func(x [][]float64) float64 { return nll64(logsoftmax64(x[0], n, c), targets, n, c) })

		// LogSoftmax alone, against a general upstream gradient.
		r := randSlice(n*c, uint64(i+30))
		r64 := to64(r)
		LogSoftmaxBackward(dIn, r, logp, n, c)
		checkGrad(t, "logsoftmax "+what, [][]float32{in}, [][]float32{dIn}, []string{"in"},
			func(x [][]float64) float64 { return dot64(r64, logsoftmax64(x[0], n, c)) })

		// Binary cross-entropy with logits, soft and hard targets.
		logits := in[:n]
		y := randSlice(n, uint64(i+40))
		for j := range y {
			y[j] = (y[j] + 1) / 2
			if j%2 == 0 {
				y[j] = float32(j % 4 / 2)
			}
		}
		bl := BCEWithLogitsForward(logits, y, n)
		if want := bce64(to64(logits), to64(y)); math.Abs(float64(bl)-want) > 1e-5*math.Max(1, want) {
			t.Errorf("bce n=%d: loss %g, reference %g", n, bl, want)
		}
		dl := make([]float32, n)
		BCEWithLogitsBackward(dl, logits, y, n)
		y64 := to64(y)
		checkGrad(t, fmt.Sprintf("bce n=%d", n), [][]float32{logits}, [][]float32{dl}, []string{"logits"},
			func(x [][]float64) float64 { return bce64(x[0], y64) })
	}
	// Large logits must not overflow.
	if l := BCEWithLogitsForward([]float32{100, -100}, []float32{1, 0}, 2); !(l >= 0 && l < 1e-30) {
		t.Errorf("bce of confident right answers = %g, want 0", l)
	}
	logp := make([]float32, 3)
	LogSoftmaxForward(logp, []float32{1000, 0, -1000}, 1, 3)
	if logp[0] != 0 || math.IsInf(float64(logp[2]), 0) || math.IsNaN(float64(logp[1])) {
		t.Errorf("logsoftmax of large scores = %v", logp)
	}
}

func TestConcatGradients(t *testing.T) {
	for _, n := range []int{1, 3} {
		widths := []int{2, 5, 1}
		parts := [][]float32{randSlice(n*2, 1), randSlice(n*5, 2), randSlice(n*1, 3)}
		r := randSlice(n*8, 4)
		r64 := to64(r)
		cat := NewConcat(4, widths...)
		out := cat.Forward(parts, n)
		if len(out) != n*8 || cat.Width() != 8 {
			t.Fatalf("concat n=%d: output %d values, width %d", n, len(out), cat.Width())
		}
		ref := func(x [][]float64) []float64 {
			var o []float64
			for i := 0; i < n; i++ {
				for j, w := range widths {
					o = append(o, x[j][i*w:(i+1)*w]...)
				}
			}
			return o
		}
		checkForward(t, "concat", out, ref([][]float64{to64(parts[0]), to64(parts[1]), to64(parts[2])}))
		d := cat.Backward(r, n)
		checkGrad(t, fmt.Sprintf("concat n=%d", n), parts, d, []string{"a", "b", "c"},
			func(x [][]float64) float64 { return dot64(r64, ref(x)) })
	}
}
