package nn

import (
	"math"
	"testing"
)

// TestVectorHelpers checks each vector helper (AVX-512 with Go tails on amd64, plain Go
// elsewhere, both via eachKernel) against float64 loops, at lengths around the 16-element
// blocks.
func TestVectorHelpers(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for n := 0; n <= 80; n++ {
			x, y := randSlice(n, uint64(n)+1), randSlice(n, uint64(n)+1000)
			if n > 3 {
				x[3] = 0 // an exact zero for the ReLU helpers
			}
			const mu, scale, shift, g, k1, k2 = 0.3, -1.7, 0.25, 1.3, 0.1, -0.6
			var sx, sxy, sq, sdyx float64
			for i := range x {
				sx += float64(x[i])
				sxy += float64(x[i]) * float64(y[i])
				d := float64(x[i]) - mu
				sq += d * d
				sdyx += float64(y[i]) * d
			}
			near := func(what string, got float32, want float64) {
				t.Helper()
				if math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("n=%d %s = %g, want %g", n, what, got, want)
				}
			}
			near("dot", dot(x, y), sxy)
			near("Dot", Dot(x, append(y, 7)), sxy) // b may be longer than a
			near("sum", sum32(x), sx)
			s1, s2 := sumSq(x, mu)
			near("sumSq d", s1, sx-float64(n)*mu)
			near("sumSq d^2", s2, sq)
			a, b := dotCentered(y, x, mu)
			near("dotCentered sum", a, sumOf(y))
			near("dotCentered dot", b, sdyx)

			out := make([]float32, n)
			affine(out, x, scale, shift)
			for i := range out {
				near("affine", out[i], float64(x[i])*scale+shift)
			}
			bnBack(out, y, x, g, k1, mu, k2)
			for i := range out {
				near("bnBack", out[i], g*(float64(y[i])-k1-(float64(x[i])-mu)*k2))
			}
			z := append([]float32(nil), y...)
			axpyScaled(scale, x, z)
			for i := range z {
				near("axpy", z[i], float64(y[i])+scale*float64(x[i]))
			}
			relu(out, x)
			for i := range out {
				if want := math.Max(float64(x[i]), 0); float64(out[i]) != want || math.Signbit(float64(out[i])) {
					t.Fatalf("n=%d relu(%g) = %g", n, x[i], out[i])
				}
			}
			affineReLU(out, x, scale, shift)
			for i := range out {
				want := math.Max(float64(x[i])*scale+shift, 0)
				near("affineReLU", out[i], want)
				if math.Signbit(float64(out[i])) {
					t.Fatalf("n=%d affineReLU(%g) = %g", n, x[i], out[i])
				}
			}
			relu(out, x)
			reluOut := append([]float32(nil), out...)
			reluBackScaled(out, y, reluOut, scale)
			for i := range out {
				want := 0.0
				if x[i] > 0 {
					want = float64(y[i]) * scale
				}
				near("reluBackScaled", out[i], want)
			}
			reluBack(out, y, reluOut)
			for i := range out {
				want := float32(0)
				if x[i] > 0 {
					want = y[i]
				}
				if out[i] != want {
					t.Fatalf("n=%d reluBack at x=%g gave %g, want %g", n, x[i], out[i], want)
				}
			}
		}
	})
}

func sumOf(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// TestSameBits checks sameBits (Float32x4 in the wasm SIMD build) at every length around
// its blocks: equal copies match; a change at any single position, 0 against -0, or
// different NaNs do not; a NaN matches its own bits.
func TestSameBits(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for n := 0; n <= 40; n++ {
			a := randSlice(n, uint64(n)+7)
			b := append([]float32(nil), a...)
			if !sameBits(a, b) {
				t.Fatalf("n=%d: equal copies differ", n)
			}
			for i := range n {
				c := append([]float32(nil), a...)
				c[i] += 1
				if sameBits(a, c) || sameBits(c, a) {
					t.Fatalf("n=%d: a change at %d not seen", n, i)
				}
				c[i] = float32(math.NaN())
				d := append([]float32(nil), c...)
				if !sameBits(c, d) {
					t.Fatalf("n=%d: a NaN at %d does not match its own bits", n, i)
				}
				d[i] = math.Float32frombits(math.Float32bits(c[i]) ^ 1) // another NaN
				if sameBits(c, d) {
					t.Fatalf("n=%d: different NaNs at %d match", n, i)
				}
				c[i], d[i] = 0, float32(math.Copysign(0, -1))
				if sameBits(c, d) {
					t.Fatalf("n=%d: 0 and -0 at %d match", n, i)
				}
			}
		}
	})
}

// TestDot4Axpy4 checks the four-row helpers the dense layers use at small batches
// (Float32x4 in the wasm SIMD build) against dot and axpyScaled row by row, dot2x2
// against dot and axpy4x2 against axpy4, bit for bit, at lengths around their blocks and
// with rows further apart than their length.
func TestDot4Axpy4(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for n := 0; n <= 40; n++ {
			ld := n + 3
			x, w := randSlice(n, uint64(n)+11), randSlice(4*ld, uint64(n)+12)
			var s [4]float32
			dot4(&s, x, w, ld)
			for r := range 4 {
				if want := dot(x, w[r*ld:r*ld+n]); s[r] != want {
					t.Fatalf("n=%d: dot4 row %d = %v, dot %v", n, r, s[r], want)
				}
			}
			y2 := randSlice(n, uint64(n)+15)
			dot2x2(&s, x, y2, w, ld)
			for r := range 4 {
				v, row := x, w[(r%2)*ld:(r%2)*ld+n]
				if r >= 2 {
					v = y2
				}
				if want := dot(v, row); s[r] != want {
					t.Fatalf("n=%d: dot2x2 [%d] = %v, dot %v", n, r, s[r], want)
				}
			}
			g := [4]float32{0.5, -1.25, 2, 0.75}
			y, want := randSlice(n, uint64(n)+13), make([]float32, n)
			copy(want, y)
			for r, a := range g {
				axpyScaled(a, w[r*ld:r*ld+n], want)
			}
			y0 := append([]float32(nil), y...)
			axpy4(y, &g, w, ld)
			for i := range y {
				if y[i] != want[i] {
					t.Fatalf("n=%d: axpy4 [%d] = %v, row by row %v", n, i, y[i], want[i])
				}
			}
			// Two vectors at once: each as axpy4 gives it.
			h := [4]float32{-0.25, 1.5, 0.125, -2}
			z, wantZ := randSlice(n, uint64(n)+14), randSlice(n, uint64(n)+14)
			axpy4(wantZ, &h, w, ld)
			axpy4x2(y0, z, &g, &h, w, ld)
			for i := range y {
				if y0[i] != y[i] || z[i] != wantZ[i] {
					t.Fatalf("n=%d: axpy4x2 [%d] = %v, %v; axpy4 %v, %v", n, i, y0[i], z[i], y[i], wantZ[i])
				}
			}
		}
	})
}
