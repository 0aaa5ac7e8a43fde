package nn

import (
	"fmt"
	"testing"
)

// TestDirect3MatchesGEMM runs 3x3 convolutions on the direct kernel and as the implicit
// GEMM, with every micro-kernel (the direct kernel's plain-Go version with the portable
// one): the forward with a folded batch norm and ReLU, without, and the input gradient,
// which runs on the flipped filters.
func TestDirect3MatchesGEMM(t *testing.T) {
	shapes := []struct{ n, cin, h, w, cout, pad int }{
		{2, 1, 28, 28, 16, 0},  // the paper's first convolution, both images
		{2, 16, 26, 26, 16, 0}, // the second; its input gradient is 16 -> 16 with padding 2
		{1, 5, 10, 17, 12, 1},  // a row of two tiles and an overlapping third
		{3, 2, 12, 8, 4, 2},    // padding 2: rows of 10
	}
	eachKernel(t, func(t *testing.T) {
		defer func(prev, prevWino bool) { useDirect3, useWinograd = prev, prevWino }(useDirect3, useWinograd)
		useWinograd = false
		for i, s := range shapes {
			oh, ow := s.h+2*s.pad-2, s.w+2*s.pad-2
			what := fmt.Sprintf("n=%d %d->%d %dx%d pad=%d", s.n, s.cin, s.cout, s.h, s.w, s.pad)
			in := randSlice(s.n*s.cin*s.h*s.w, uint64(10*i+1))
			w := randSlice(s.cout*s.cin*9, uint64(10*i+2))
			b := randSlice(s.cout, uint64(10*i+3))
			scale := randSlice(s.cout, uint64(10*i+4))
			dOut := randSlice(s.n*s.cout*oh*ow, uint64(10*i+5))
			for _, fused := range []bool{true, false} {
				run := func(direct bool) (out, dIn []float32) {
					useDirect3 = direct
					out = randSlice(s.n*s.cout*oh*ow, 98) // overwritten
					if fused {
						convForward(out, in, w, b, scale, true, s.n, s.cin, s.h, s.w, s.cout, 3, s.pad, oh, ow, nil)
					} else {
						convForward(out, in, w, nil, nil, false, s.n, s.cin, s.h, s.w, s.cout, 3, s.pad, oh, ow, nil)
					}
					dIn = randSlice(len(in), 99)
					conv2DBackward(dIn, nil, nil, dOut, in, w, s.n, s.cin, s.h, s.w, s.cout, 3, s.pad, nil)
					return out, dIn
				}
				wantOut, wantDIn := run(false)
				gotOut, gotDIn := run(true)
				closeTo(t, fmt.Sprintf("%s fused=%v forward", what, fused), gotOut, wantOut, 1e-5)
				closeTo(t, what+" input gradient", gotDIn, wantDIn, 1e-5)
			}
		}
	})
}
