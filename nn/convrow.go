package nn

// A convolution with one output channel (the input gradient of a network's first
// convolution, from its channels back to a grey image) wastes most of a micro-kernel
// tile: the tile's mr rows hold one row of weights and mr-1 of padding. convRow computes
// that single row of the implicit GEMM directly instead, as a sum of the patch matrix's
// rows weighted by the filter.

// useConvRow makes convolutions with one output channel run on convRow rather than the
// micro-kernel. The wasm SIMD build turns it on; the tests run both.
var useConvRow = false

// convRowGo sets c[j] = sum over p of w[p]*b[offs[p]+j] for j < len(c): one output row of
// an implicit-GEMM convolution (see convForward), summed over p in order.
func convRowGo(c, w, b []float32, offs []int) {
	clear(c)
	for p, o := range offs {
		axpyScaledGo(w[p], b[o:o+len(c)], c)
	}
}
