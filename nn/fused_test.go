package nn

import (
	"fmt"
	"math"
	"testing"
)

// bnForTest returns an inference-mode batch norm over c channels of h x w with random
// scale, shift and running statistics (variances in [0.25, 2.25]).
func bnForTest(maxN, c, h, w int, seed uint64) *BatchNorm {
	bn := NewBatchNorm(maxN, c, h, w)
	copy(bn.Gamma.W, randSlice(c, seed))
	copy(bn.Beta.W, randSlice(c, seed+1))
	copy(bn.RunningMean, randSlice(c, seed+2))
	for i, v := range randSlice(c, seed+3) {
		bn.RunningVar[i] = 1.25 + v
	}
	bn.SetTraining(false)
	return bn
}

// TestConvBNReLUMatchesUnfused checks the fused layer against the three layers it
// replaces, run one after the other, and against the float64 reference, forward and
// input gradient, with and without the ReLU, with every kernel.
func TestConvBNReLUMatchesUnfused(t *testing.T) {
	shapes := []struct{ n, cin, h, cout, k, pad int }{
		{1, 1, 28, 16, 3, 0},  // the paper's first convolution
		{2, 16, 12, 16, 3, 0}, // two images, as the shared encoder explains a case
		{1, 16, 10, 64, 3, 1},
		{2, 3, 7, 5, 3, 1},
		{1, 4, 6, 9, 1, 0},
		{2, 8, 9, 12, 3, 0}, // Winograd's size (8 channels or more), odd output size
	}
	eachConvPath(t, func(t *testing.T) {
		for i, s := range shapes {
			if useWinograd && !winograd(s.cin, s.cout, s.k) && !winograd(s.cout, s.cin, s.k) {
				continue // the direct run covered it
			}
			for _, useReLU := range []bool{true, false} {
				what := fmt.Sprintf("n=%d %d->%d %dx%d k=%d pad=%d relu=%v", s.n, s.cin, s.cout, s.h, s.h, s.k, s.pad, useReLU)
				rng := NewRand(uint64(i + 1))
				conv := NewConv2D(s.cin, s.cout, s.h, s.h, s.k, s.pad, s.n, rng)
				copy(conv.Bias.W, randSlice(s.cout, uint64(10*i+1)))
				bn := bnForTest(s.n, s.cout, conv.OutH, conv.OutW, uint64(10*i+2))
				layers := []Layer{conv, bn}
				if useReLU {
					layers = append(layers, NewReLU(s.n, s.cout, conv.OutH, conv.OutW))
				}
				unfused := NewSequential(layers...)
				unfused.SetSkipParamGrad(true)
				fused := NewConvBNReLU(conv, bn, useReLU)

				in := randSlice(s.n*s.cin*s.h*s.h, uint64(10*i+3))
				want := append([]float32(nil), unfused.Forward(in, s.n)...)
				got := fused.Forward(in, s.n)
				if len(got) != len(want) {
					t.Fatalf("%s: fused output has %d values, unfused %d", what, len(got), len(want))
				}
				closeTo(t, what+" forward", got, want, 1e-5)
				ref := bn64(conv64(to64(in), to64(conv.Weight.W), to64(conv.Bias.W), s.n, s.cin, s.h, s.h, s.cout, s.k, s.pad),
					to64(bn.Gamma.W), to64(bn.Beta.W), s.n, s.cout, conv.OutH*conv.OutW, false, to64(bn.RunningMean), to64(bn.RunningVar), float64(bn.Eps))
				if useReLU {
					ref = relu64(ref)
				}
				checkForward(t, what, got, ref)

				r := randSlice(len(want), uint64(10*i+4))
				wantD := append([]float32(nil), unfused.Backward(r, s.n)...)
				gotD := fused.Backward(r, s.n)
				closeTo(t, what+" input gradient", gotD, wantD, 1e-5)

				// The fused path is one layer of its own: its gradient against finite
				// differences of the float64 reference.
				r64 := to64(r)
				checkGrad(t, what, [][]float32{in}, [][]float32{gotD}, []string{"in"}, func(x [][]float64) float64 {
					o := bn64(conv64(x[0], to64(conv.Weight.W), to64(conv.Bias.W), s.n, s.cin, s.h, s.h, s.cout, s.k, s.pad),
						to64(bn.Gamma.W), to64(bn.Beta.W), s.n, s.cout, conv.OutH*conv.OutW, false, to64(bn.RunningMean), to64(bn.RunningVar), float64(bn.Eps))
					if useReLU {
						o = relu64(o)
					}
					return dot64(r64, o)
				})

				// The fusion reads the layers' weights on every call.
				bn.RunningMean[0] += 0.5
				conv.Weight.W[0] -= 0.25
				closeTo(t, what+" forward after a weight change", fused.Forward(in, s.n), unfused.Forward(in, s.n), 1e-5)

				conv.SkipInputGrad = true
				if d := fused.Backward(r, s.n); d != nil {
					t.Fatalf("%s: Backward with SkipInputGrad returned %d values, want nil", what, len(d))
				}
			}
		}
	})
}

// closeTo fails unless got and want agree within tol relative to want's largest value.
func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 1e-3
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > tol*scale {
			t.Fatalf("%s: [%d] = %.7g, want %.7g", what, i, got[i], want[i])
		}
	}
}

// TestFoldBatchNorm checks which layers FoldBatchNorm fuses (each Conv2D with the batch
// norm after it, and the ReLU after that if there is one; nothing else) and that the
// folded sequence computes what the original does, forward and back to the input.
func TestFoldBatchNorm(t *testing.T) {
	const n = 2
	rng := NewRand(3)
	c1 := NewConv2D(1, 8, 12, 12, 3, 0, n, rng) // -> 8x10x10
	c2 := NewConv2D(8, 9, 5, 5, 3, 1, n, rng)   // -> 9x5x5, batch norm without a ReLU (Winograd's size)
	c3 := NewConv2D(9, 3, 5, 5, 1, 0, n, rng)   // no batch norm after it
	d := NewDense(3*5*5, 7, n, rng)             // a 1-d batch norm after it stays
	s := NewSequential(
		c1, bnForTest(n, 8, 10, 10, 1), NewReLU(n, 8, 10, 10), NewMaxPool2(8, 10, 10, n),
		c2, bnForTest(n, 9, 5, 5, 2),
		c3, NewReLU(n, 3, 5, 5),
		d, NewBatchNorm(n, 7))
	s.SetTraining(false)
	s.SetSkipParamGrad(true)
	c1.SkipInputGrad = false
	f := FoldBatchNorm(s)

	kinds := ""
	for _, l := range f.Layers {
		kinds += fmt.Sprintf("%T ", l)
	}
	const want = "*nn.ConvBNReLU *nn.MaxPool2 *nn.ConvBNReLU *nn.Conv2D *nn.ReLU *nn.Dense *nn.BatchNorm "
	if kinds != want {
		t.Fatalf("folded layers: %s\nwant %s", kinds, want)
	}
	if !f.Layers[0].(*ConvBNReLU).ReLU || f.Layers[2].(*ConvBNReLU).ReLU {
		t.Fatalf("ReLU flags %v, %v; want true, false", f.Layers[0].(*ConvBNReLU).ReLU, f.Layers[2].(*ConvBNReLU).ReLU)
	}
	eachConvPath(t, func(t *testing.T) {
		in := randSlice(n*12*12, 4)
		want := append([]float32(nil), s.Forward(in, n)...)
		closeTo(t, "folded forward", f.Forward(in, n), want, 1e-5)
		r := randSlice(len(want), 5)
		wantD := append([]float32(nil), s.Backward(r, n)...)
		closeTo(t, "folded input gradient", f.Backward(r, n), wantD, 1e-5)
	})

	defer func() {
		if recover() == nil {
			t.Fatal("a fused layer ran with its batch norm in training mode")
		}
	}()
	s.SetTraining(true)
	f.Forward(randSlice(n*12*12, 6), n)
}
