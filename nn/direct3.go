package nn

// A 3x3 convolution with few input channels (the encoder's 1->16 and 16->16, and the
// 16->16 input gradient of the saliency) is a thin implicit GEMM: its depth is 9 or 144,
// so the micro-kernel's per-step overhead (a patch-row offset read and a bounds check per
// step) and the separate output pass over a scratch product are a large share of it.
// direct3 computes such a convolution directly from the zero-padded planes (the layout of
// convForward): for four output channels and eight neighbouring output pixels at a time,
// it walks the input channels, and for each of a filter's three rows reads one input row
// and applies the three taps at fixed offsets, then writes act(scale*sum + shift) straight
// into the output. The sums run over (c, u, v) in the implicit GEMM's order.

// useDirect3 makes the 3x3 convolutions that direct3 accepts run on it rather than on the
// implicit GEMM. The wasm SIMD build turns it on; the tests run both.
var useDirect3 = false

// direct3 reports whether a convolution of these sizes runs on the direct kernel: 3x3,
// output channels in groups of four, rows at least one tile (8 pixels) wide.
func direct3(cout, k, ow int) bool { return useDirect3 && k == 3 && cout%4 == 0 && ow >= 8 }

// packDirect3 lays out the weights w (cout x cin x 3 x 3) for direct3Row: group g of
// four output channels, then input channel c, tap t = 3u+v, then the four channels,
// at wa[((g*cin+c)*9+t)*4+j].
func packDirect3(wa, w []float32, cin, cout int) {
	for o := 0; o < cout; o++ {
		g, j := o/4, o%4
		for c := 0; c < cin; c++ {
			for t := 0; t < 9; t++ {
				wa[((g*cin+c)*9+t)*4+j] = w[(o*cin+c)*9+t]
			}
		}
	}
}

// direct3Image writes one image's convolution, out (cout x oh x ow) =
// act(scale*conv + b), from its zero-padded input planes pl (cin planes of hp x wp, see
// convForward) and the weights packed by packDirect3. scale and b may be nil (1 and 0).
func direct3Image(out, pl, wa, b, scale []float32, relu bool, cin, cout, hp, wp, oh, ow int) {
	var sc, sh [4]float32
	for g := 0; g < cout/4; g++ {
		for j := range 4 {
			sc[j], sh[j] = 1, 0
			if scale != nil {
				sc[j] = scale[4*g+j]
			}
			if b != nil {
				sh[j] = b[4*g+j]
			}
		}
		wg := wa[g*cin*36 : (g+1)*cin*36]
		o := out[4*g*oh*ow : (4*g+4)*oh*ow]
		if wp == ow {
			// Padding 2 (an input gradient of an unpadded convolution): the planes' rows
			// are as long as the output's, each row's left padding the one before's right
			// padding, so the output is one row of oh*ow over the planes, with no
			// overlapping last tile per row.
			direct3Row(o, oh*ow, pl, hp*wp, wp, wg, cin, oh*ow, &sc, &sh, relu)
			continue
		}
		for y := 0; y < oh; y++ {
			direct3Row(o[y*ow:], oh*ow, pl[y*wp:], hp*wp, wp, wg, cin, ow, &sc, &sh, relu)
		}
	}
}

// direct3RowGo computes one output row of four channels: o[j*os+x] for j < 4, x < ow,
// from the planes pl (plane stride ps, row stride wp, starting at the output row's first
// input row) and the group's packed weights wa. Tiles are eight pixels wide; the last
// one ends at ow and may overlap the one before (recomputing the same values).
func direct3RowGo(o []float32, os int, pl []float32, ps, wp int, wa []float32, cin, ow int, sc, sh *[4]float32, relu bool) {
	for x0 := 0; ; x0 += 8 {
		x0 = min(x0, ow-8)
		var acc [4][8]float32
		for c := 0; c < cin; c++ {
			for u := 0; u < 3; u++ {
				r := pl[c*ps+u*wp+x0 : c*ps+u*wp+x0+10]
				w := wa[(c*3+u)*12 : (c*3+u)*12+12]
				for v := 0; v < 3; v++ {
					for j := 0; j < 4; j++ {
						a := w[4*v+j]
						for i := 0; i < 8; i++ {
							acc[j][i] += a * r[v+i]
						}
					}
				}
			}
		}
		for j := 0; j < 4; j++ {
			dst := o[j*os+x0 : j*os+x0+8]
			for i, s := range acc[j] {
				s = s*sc[j] + sh[j]
				if relu {
					s = max(s, 0)
				}
				dst[i] = s
			}
		}
		if x0+8 >= ow {
			return
		}
	}
}
