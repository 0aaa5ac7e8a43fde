package nn

import (
	"fmt"
	"testing"
)

// TestWinogradMatchesDirect runs the encoder's 3x3 convolutions (and odd sizes) as
// Winograd F(2x2, 3x3) and as the implicit GEMM, with every kernel: the forward with a
// folded batch norm and ReLU, and the input gradient, which runs on the flipped filters.
func TestWinogradMatchesDirect(t *testing.T) {
	shapes := []struct{ n, cin, h, cout, pad int }{
		{1, 16, 26, 16, 0}, // the paper's second convolution
		{2, 16, 12, 64, 0}, // the third, both images
		{1, 64, 10, 64, 1}, // the fourth
		{2, 9, 7, 8, 2},    // odd output size, partial slivers of tiles and channels
		{3, 8, 5, 13, 1},
	}
	eachKernel(t, func(t *testing.T) {
		defer func(prev bool, prevMin int) { useWinograd, winoMinProduct = prev, prevMin }(useWinograd, winoMinProduct)
		winoMinProduct = 0
		for i, s := range shapes {
			what := fmt.Sprintf("n=%d %d->%d %dx%d pad=%d", s.n, s.cin, s.cout, s.h, s.h, s.pad)
			oh := s.h + 2*s.pad - 2
			in := randSlice(s.n*s.cin*s.h*s.h, uint64(10*i+1))
			w := randSlice(s.cout*s.cin*9, uint64(10*i+2))
			b := randSlice(s.cout, uint64(10*i+3))
			scale := randSlice(s.cout, uint64(10*i+4))
			dOut := randSlice(s.n*s.cout*oh*oh, uint64(10*i+5))
			run := func(wino bool, wc, wb *winoWeights) (out, dIn []float32) {
				useWinograd = wino
				out = randSlice(s.n*s.cout*oh*oh, 98) // overwritten
				convForward(out, in, w, b, scale, true, s.n, s.cin, s.h, s.h, s.cout, 3, s.pad, oh, oh, wc)
				dIn = randSlice(len(in), 99)
				conv2DBackward(dIn, nil, nil, dOut, in, w, s.n, s.cin, s.h, s.h, s.cout, 3, s.pad, wb)
				return out, dIn
			}
			wantOut, wantDIn := run(false, nil, nil)
			var wc, wb winoWeights
			gotOut, gotDIn := run(true, &wc, &wb)
			closeTo(t, what+" forward", gotOut, wantOut, 1e-5)
			closeTo(t, what+" input gradient", gotDIn, wantDIn, 1e-5)
			if wc.u == nil || wb.u == nil || !wb.flip || wc.flip {
				t.Fatalf("%s: the layer's caches were not filled (forward %v, flipped %v)", what, wc.u != nil, wb.u != nil && wb.flip)
			}

			// New weights in place: the cached transforms must follow them.
			copy(w, randSlice(len(w), uint64(10*i+6)))
			wantOut, wantDIn = run(false, nil, nil)
			gotOut, gotDIn = run(true, &wc, &wb)
			closeTo(t, what+" forward after new weights", gotOut, wantOut, 1e-5)
			closeTo(t, what+" input gradient after new weights", gotDIn, wantDIn, 1e-5)
		}
	})
}

// TestWinogradFilter checks the filter transform on a filter whose transform is known:
// the identity filter (1 at the centre) transforms to the outer product of (0, 1/2, -1/2,
// 0) with itself.
func TestWinogradFilter(t *testing.T) {
	var g [9]float64
	g[4] = 1
	var u [16]float64
	winoFilter(&u, &g)
	col := [4]float64{0, 0.5, -0.5, 0}
	for i := range 4 {
		for j := range 4 {
			if want := col[i] * col[j]; u[4*i+j] != want {
				t.Fatalf("transform[%d][%d] = %g, want %g", i, j, u[4*i+j], want)
			}
		}
	}
}
