package nn

import "slices"

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
// (one per position of the 4x4 transformed tile), tiles x inC by inC x outC, which run on
// the GEMM micro-kernel: the transformed input tiles are written straight into the
// kernel's packed A layout, and the transformed filters are packed once into its B layout
// and kept (winoWeights) until the weights change.

// useWinograd makes 3x3 convolutions with at least winoMinC channels in and out run as
// Winograd F(2x2, 3x3) (forward, and the input gradient, which is itself such a
// convolution). The wasm SIMD build turns it on, where it pays (BENCHMARKS.md); native
// builds keep the implicit GEMM. Tests run both.
var useWinograd = false

// winoMinC is the fewest input and output channels for which the Winograd path is taken:
// with fewer, the 16 products are too thin for the micro-kernel.
const winoMinC = 8

// winograd reports whether a convolution of these sizes takes the Winograd path.
func winograd(cin, cout, k int) bool {
	return useWinograd && k == 3 && cin >= winoMinC && cout >= winoMinC
}

// winoWeights caches a convolution's filters transformed (G g Gt) and packed into the
// micro-kernel's B layout: per transform position e (16), per sliver j of nr output
// channels, per input channel, nr values. It is rebuilt when the weights differ from the
// copy it was made from, or the kernel's nr changes, so it always matches the weights.
type winoWeights struct {
	src  []float32 // the weights u was made from
	flip bool
	nr   int
	u    []float32
}

// get returns the packed transformed filters of the convolution with weights w
// (outC x inC x 3 x 3), or, with flip, of its input-gradient convolution (outC channels in,
// inC out, each filter turned by 180 degrees).
func (c *winoWeights) get(w []float32, inC, outC int, flip bool, nr int) []float32 {
	if c.u != nil && c.flip == flip && c.nr == nr && slices.Equal(c.src, w) {
		return c.u
	}
	ci, co := inC, outC // the channels of the convolution the filters are for
	if flip {
		ci, co = outC, inC
	}
	slivers := (co + nr - 1) / nr
	size := 16 * slivers * ci * nr
	if cap(c.u) < size {
		c.u = make([]float32, size)
	}
	c.u = c.u[:size]
	clear(c.u)
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
			at := ((o/nr)*ci+i)*nr + o%nr
			for e, v := range t {
				c.u[e*slivers*ci*nr+at] = float32(v)
			}
		}
	}
	c.src = append(c.src[:0], w...)
	c.flip, c.nr = flip, nr
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
// the packed transformed filters (winoWeights.get). Tiles of every image form one product.
func winoForward(out, in, u, b, scale []float32, relu bool, n, cin, h, wd, cout, pad, oh, ow int) {
	kern := kernel
	mr, nr := kern.mr, kern.nr
	th, tw := (oh+1)/2, (ow+1)/2
	tiles := n * th * tw
	slivers := (tiles + mr - 1) / mr
	jn := (cout + nr - 1) / nr
	ldc := jn * nr
	hp, wp := 2*th+2, 2*tw+2 // the padded planes cover every tile

	vp := getScratch(16 * slivers * cin * mr)
	defer putScratch(vp)
	pl := getScratch(cin * hp * wp)
	defer putScratch(pl)
	v := vp.buf
	clear(v[(tiles/mr)*cin*mr : slivers*cin*mr]) // the last sliver's missing tiles
	for e := 1; e < 16; e++ {
		copy(v[(e*slivers+tiles/mr)*cin*mr:(e*slivers+slivers)*cin*mr], v[(tiles/mr)*cin*mr:slivers*cin*mr])
	}
	es := slivers * cin * mr // stride between transform positions
	for i := 0; i < n; i++ {
		clear(pl.buf)
		img := in[i*cin*h*wd : (i+1)*cin*h*wd]
		for c := 0; c < cin; c++ {
			for y := 0; y < h; y++ {
				copy(pl.buf[(c*hp+y+pad)*wp+pad:], img[(c*h+y)*wd:(c*h+y+1)*wd])
			}
		}
		for c := 0; c < cin; c++ {
			plane := pl.buf[c*hp*wp : (c+1)*hp*wp]
			for ty := 0; ty < th; ty++ {
				t := (i*th + ty) * tw
				for tx := 0; tx < tw; tx++ {
					at := ((t+tx)/mr*cin+c)*mr + (t+tx)%mr
					winoInput(v[at:], es, plane[2*ty*wp+2*tx:], wp)
				}
			}
		}
	}

	mb := getScratch(16 * slivers * mr * ldc)
	defer putScratch(mb)
	offs := getInts(cin)
	defer putInts(offs)
	for p := range offs.buf {
		offs.buf[p] = p * nr
	}
	parallelFor(16, func(_, lo, hi int) {
		for e := lo; e < hi; e++ {
			for j := 0; j < jn; j++ {
				bs := u[(e*jn+j)*cin*nr : (e*jn+j+1)*cin*nr]
				for s := 0; s < slivers; s++ {
					kern.conv(cin, v[(e*slivers+s)*cin*mr:], bs, offs.buf, mb.buf[(e*slivers*mr+s*mr)*ldc+j*nr:], ldc, false)
				}
			}
		}
	})

	ms := slivers * mr * ldc // stride between transform positions
	m := mb.buf
	for i := 0; i < n; i++ {
		for ty := 0; ty < th; ty++ {
			y := 2 * ty
			for tx := 0; tx < tw; tx++ {
				x := 2 * tx
				t := (i*th+ty)*tw + tx
				row := m[t*ldc : t*ldc+cout]
				for o := range row {
					y00, y01, y10, y11 := winoOutput(m[t*ldc+o:], ms)
					sc, sh := float32(1), float32(0)
					if scale != nil {
						sc = scale[o]
					}
					if b != nil {
						sh = b[o]
					}
					y00, y01, y10, y11 = sc*y00+sh, sc*y01+sh, sc*y10+sh, sc*y11+sh
					if relu {
						y00, y01, y10, y11 = max(y00, 0), max(y01, 0), max(y10, 0), max(y11, 0)
					}
					p := out[((i*cout+o)*oh+y)*ow+x:]
					p[0] = y00
					if x+1 < ow {
						p[1] = y01
					}
					if y+1 < oh {
						p[ow] = y10
						if x+1 < ow {
							p[ow+1] = y11
						}
					}
				}
			}
		}
	}
}

// winoInput writes Bt d B for the 4x4 tile d at the start of plane (row stride wp) to
// v[0], v[es], ..., v[15*es].
func winoInput(v []float32, es int, plane []float32, wp int) {
	var e [4][4]float32 // d B
	for r := 0; r < 4; r++ {
		d := plane[r*wp : r*wp+4 : r*wp+4]
		e[r][0], e[r][1], e[r][2], e[r][3] = d[0]-d[2], d[1]+d[2], d[2]-d[1], d[1]-d[3]
	}
	_ = v[15*es]
	for j := 0; j < 4; j++ {
		v[j*es] = e[0][j] - e[2][j]
		v[(4+j)*es] = e[1][j] + e[2][j]
		v[(8+j)*es] = e[2][j] - e[1][j]
		v[(12+j)*es] = e[1][j] - e[3][j]
	}
}

// winoOutput returns At M A for the 4x4 products M at m[0], m[ms], ..., m[15*ms].
func winoOutput(m []float32, ms int) (y00, y01, y10, y11 float32) {
	_ = m[15*ms]
	var r0, r1 [4]float32 // At M
	for j := 0; j < 4; j++ {
		a, b, c, d := m[j*ms], m[(4+j)*ms], m[(8+j)*ms], m[(12+j)*ms]
		r0[j], r1[j] = a+b+c, b-c-d
	}
	return r0[0] + r0[1] + r0[2], r0[1] - r0[2] - r0[3], r1[0] + r1[1] + r1[2], r1[1] - r1[2] - r1[3]
}
