package nn

// Winograd F(2x2, 3x3) convolution: each 2x2 block of outputs of a 3x3 convolution from
// its 4x4 input tile with 16 multiplications per channel pair instead of 36,
//
//	Y = At [ (G g Gt) .* (Bt d B) ] A
//
// with g the 3x3 filter, d the input tile and
//
//	G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	At = [1 1 1 0; 0 1 -1 -1]
//
// The elementwise products summed over input channels are 16 independent matrix products
// (one per position e of the 4x4 transformed tile), outC x inC by inC x tiles, which run
// on the convolution micro-kernel (convPanels): the transformed filters are packed once
// into its A layout and kept (winoWeights) until the weights change, and the transformed
// input tiles form B, one row of tiles per input channel. Tiles are numbered image by
// image, row by row, so the transforms run along rows of tiles, four at a time
// (winoInputRow, winoOutputRow; the wasm SIMD build has Float32x4 versions), over each
// padded input plane split into its even and odd columns: the four columns of four
// neighbouring tiles are then four contiguous runs.

// useWinograd makes 3x3 convolutions with enough channels (see winograd) run as
// Winograd F(2x2, 3x3) (forward, and the input gradient, which is itself such a
// convolution). The wasm SIMD build turns it on, where it pays (BENCHMARKS.md); native
// builds keep the implicit GEMM. Tests run both.
var useWinograd = false

// winoMinC is the fewest input and output channels for which the Winograd path is taken:
// with fewer, the 16 products are too thin for the micro-kernel.
const winoMinC = 8

// winoMinProduct is the smallest inC*outC that takes the Winograd path. Under node with
// wasm SIMD, the encoder's 16->16 convolution ran slower as Winograd (its products are 16
// deep, and the transforms are a large share), 16->64 and 64->16 about even or faster,
// 64->64 faster (BENCHMARKS.md). Tests set it to 0 to run every shape both ways.
var winoMinProduct = 1024

// winograd reports whether a convolution of these sizes takes the Winograd path.
func winograd(cin, cout, k int) bool {
	return useWinograd && k == 3 && cin >= winoMinC && cout >= winoMinC && cin*cout >= winoMinProduct
}

// winoWeights caches a convolution's filters transformed (G g Gt) and packed into the
// micro-kernel's A layout: per transform position e (16), the outC x inC matrix of the
// transformed filters packed by packA. It is rebuilt when the weights differ from the copy
// it was made from (compared bit for bit: a pass over the weights, cheaper than the
// transform), or the kernel's mr changes, so it always matches the weights.
type winoWeights struct {
	src  []float32 // the weights u was made from
	flip bool
	mr   int
	u    []float32
}

// get returns the packed transformed filters of the convolution with weights w
// (outC x inC x 3 x 3), or, with flip, of its input-gradient convolution (outC channels in,
// inC out, each filter turned by 180 degrees).
func (c *winoWeights) get(w []float32, inC, outC int, flip bool, mr int) []float32 {
	if c.u != nil && c.flip == flip && c.mr == mr && len(c.src) == len(w) && sameBits(c.src, w) {
		return c.u
	}
	ci, co := inC, outC // the channels of the convolution the filters are for
	if flip {
		ci, co = outC, inC
	}
	per := roundUp(co, mr) * ci // one position's packed matrix
	if cap(c.u) < 16*per {
		c.u = make([]float32, 16*per)
	}
	c.u = c.u[:16*per]
	mat := make([]float32, 16*co*ci) // position e: co x ci
	var g [9]float64
	var t [16]float64
	for o := 0; o < co; o++ {
		for i := 0; i < ci; i++ {
			if flip {
				f := w[(i*inC+o)*9 : (i*inC+o+1)*9]
				for j := range g {
					g[j] = float64(f[8-j])
				}
			} else {
				f := w[(o*inC+i)*9 : (o*inC+i+1)*9]
				for j := range g {
					g[j] = float64(f[j])
				}
			}
			winoFilter(&t, &g)
			for e, v := range t {
				mat[(e*co+o)*ci+i] = float32(v)
			}
		}
	}
	for e := 0; e < 16; e++ {
		packA(c.u[e*per:], mat[e*co*ci:], ci, false, 0, 0, co, ci, mr, 1)
	}
	c.src = append(c.src[:0], w...)
	c.flip, c.mr = flip, mr
	return c.u
}

// winoFilter sets t = G g Gt for a 3x3 filter g (row-major).
func winoFilter(t *[16]float64, g *[9]float64) {
	var r [4][3]float64 // G g
	for j := 0; j < 3; j++ {
		a, b, c := g[j], g[3+j], g[6+j]
		r[0][j], r[1][j], r[2][j], r[3][j] = a, (a+b+c)/2, (a-b+c)/2, c
	}
	for i := 0; i < 4; i++ {
		a, b, c := r[i][0], r[i][1], r[i][2]
		t[4*i], t[4*i+1], t[4*i+2], t[4*i+3] = a, (a+b+c)/2, (a-b+c)/2, c
	}
}

// winoForward is convForward for a 3x3 kernel by Winograd F(2x2, 3x3): out (n x cout x oh
// x ow) = scale*conv(in, w) + b, with ReLU when relu is set (scale, b nil: 1, 0). u is
// the packed transformed filters (winoWeights.get). The tiles of every image form one
// product.
func winoForward(out, in, u, b, scale []float32, relu bool, n, cin, h, wd, cout, pad, oh, ow int) {
	kern := kernel
	th, tw := (oh+1)/2, (ow+1)/2
	tiles := n * th * tw
	// A row of B (one input channel's tiles) is tp values: room for the micro-kernel's
	// last column sliver and for the transforms' last group of four.
	tp := roundUp(tiles, kern.nr) + 4
	es := cin * tp // between transform positions
	// The padded planes split into even and odd columns: rows of hp, each half ln long.
	hp, ln := 2*th+2, roundUp(tw, 4)+1

	vb := getScratch(16 * es)
	defer putScratch(vb)
	v := vb.buf
	for e := 0; e < 16; e++ {
		for c := 0; c < cin; c++ {
			clear(v[e*es+c*tp+tiles : e*es+(c+1)*tp]) // the slack the kernel reads
		}
	}
	pl := getScratch(2 * hp * ln)
	defer putScratch(pl)
	even, odd := pl.buf[:hp*ln], pl.buf[hp*ln:]
	clear(pl.buf) // the borders stay zero; every image's channels overwrite the interior
	for i := 0; i < n; i++ {
		for c := 0; c < cin; c++ {
			src := in[(i*cin+c)*h*wd : (i*cin+c+1)*h*wd]
			// Column x of the image is column x+pad of the padded plane: the even ones
			// start at x = pad&1, the odd ones at the other parity.
			x0 := pad & 1
			for y := 0; y < h; y++ {
				ev, od := even[(y+pad)*ln:(y+pad+1)*ln], odd[(y+pad)*ln:(y+pad+1)*ln]
				row := src[y*wd : (y+1)*wd]
				for x := x0; x < wd; x += 2 {
					ev[(x+pad)>>1] = row[x]
				}
				for x := 1 - x0; x < wd; x += 2 {
					od[(x+pad)>>1] = row[x]
				}
			}
			for ty := 0; ty < th; ty++ {
				r := 2 * ty * ln
				winoInputRow(v[c*tp+(i*th+ty)*tw:], es, even[r:r+4*ln], odd[r:r+4*ln], ln, tw)
			}
		}
	}

	mb := getScratch(16 * cout * tp)
	defer putScratch(mb)
	m := mb.buf
	offs := getInts(cin)
	defer putInts(offs)
	for c := range offs.buf {
		offs.buf[c] = c * tp
	}
	per := roundUp(cout, kern.mr) * cin
	parallelFor(16, func(_, lo, hi int) {
		for e := lo; e < hi; e++ {
			convPanels(kern, cout, tiles, cin, u[e*per:(e+1)*per], v[e*es:(e+1)*es], offs.buf, nil, m[e*cout*tp:(e+1)*cout*tp], tp, false)
		}
	})

	ms := cout * tp // between transform positions
	for i := 0; i < n; i++ {
		for o := 0; o < cout; o++ {
			sc, sh := float32(1), float32(0)
			if scale != nil {
				sc = scale[o]
			}
			if b != nil {
				sh = b[o]
			}
			plane := out[(i*cout+o)*oh*ow : (i*cout+o+1)*oh*ow]
			for ty := 0; ty < th; ty++ {
				y := 2 * ty
				r0 := plane[y*ow : (y+1)*ow]
				r1 := r0 // an odd last row is computed and dropped: written twice, kept once
				if y+1 < oh {
					r1 = plane[(y+1)*ow : (y+2)*ow]
				}
				winoOutputRow(r1, r0, m[o*tp+(i*th+ty)*tw:], ms, tw, sc, sh, relu)
			}
		}
	}
}

// winoInputRowGo writes Bt d B for tw tiles along a row: tile x's d is the 4x4 block at
// column 2x of the four plane rows held as even and odd columns (row r at r*ln), and its 16
// values go to v[e*es+x] for e = 0..15. It may write up to three tiles past tw.
func winoInputRowGo(v []float32, es int, even, odd []float32, ln, tw int) {
	for x := 0; x < tw; x++ {
		var e [4][4]float32 // d B
		for r := 0; r < 4; r++ {
			d0, d1, d2, d3 := even[r*ln+x], odd[r*ln+x], even[r*ln+x+1], odd[r*ln+x+1]
			e[r][0], e[r][1], e[r][2], e[r][3] = d0-d2, d1+d2, d2-d1, d1-d3
		}
		for j := 0; j < 4; j++ {
			v[j*es+x] = e[0][j] - e[2][j]
			v[(4+j)*es+x] = e[1][j] + e[2][j]
			v[(8+j)*es+x] = e[2][j] - e[1][j]
			v[(12+j)*es+x] = e[1][j] - e[3][j]
		}
	}
}

// winoOutputRowGo writes a row of tw output tiles: for tile x, Y = At M A with M's 16
// values at m[e*ms+x], then act(sc*Y + sh), to columns 2x, 2x+1 of rows r0 (Y's first row)
// and r1 (its second; r1 may be r0 itself, written first, for an odd last row). Columns
// past the rows' end are dropped.
func winoOutputRowGo(r1, r0, m []float32, ms, tw int, sc, sh float32, relu bool) {
	ow := len(r0)
	for x := 0; x < tw; x++ {
		var q0, q1 [4]float32 // At M
		for j := 0; j < 4; j++ {
			a, b, c, d := m[j*ms+x], m[(4+j)*ms+x], m[(8+j)*ms+x], m[(12+j)*ms+x]
			q0[j], q1[j] = a+b+c, b-c-d
		}
		y00, y01 := sc*(q0[0]+q0[1]+q0[2])+sh, sc*(q0[1]-q0[2]-q0[3])+sh
		y10, y11 := sc*(q1[0]+q1[1]+q1[2])+sh, sc*(q1[1]-q1[2]-q1[3])+sh
		if relu {
			y00, y01, y10, y11 = max(y00, 0), max(y01, 0), max(y10, 0), max(y11, 0)
		}
		r1[2*x] = y10
		r0[2*x] = y00
		if 2*x+1 < ow {
			r1[2*x+1] = y11
			r0[2*x+1] = y01
		}
	}
}
