//go:build amd64

package nn

import "golang.org/x/sys/cpu"

// AVX-512 vector helpers (vec_amd64.s) take lengths that are multiples of 16; the
// wrappers below finish the tails with the plain-Go versions in vec.go.

//go:noescape
func dotAVX512(a, b *float32, n int) float32

//go:noescape
func axpyAVX512(alpha float32, x, y *float32, n int)

//go:noescape
func sumAVX512(x *float32, n int) float32

//go:noescape
func sumSqAVX512(x *float32, n int, shift float32) (s1, s2 float32)

//go:noescape
func affineAVX512(out, x *float32, n int, scale, shift float32)

//go:noescape
func dotCenteredAVX512(dy, x *float32, n int, mu float32) (sdy, sdyx float32)

//go:noescape
func bnBackAVX512(di, dy, x *float32, n int, gs, k1, mu, k2 float32)

//go:noescape
func reluAVX512(out, x *float32, n int)

//go:noescape
func reluBackAVX512(di, dy, out *float32, n int)

var hasAVX512 = cpu.X86.HasAVX512F

// useAsm reports whether the vector helpers may use AVX-512: the CPU has it and the
// portable GEMM kernel has not been selected (tests select it to check the Go paths).
func useAsm() bool { return hasAVX512 && kernel.name != goKernel.name }

// vecLen returns the prefix of n elements the AVX-512 helpers handle (0 to use Go only).
func vecLen(n int) int {
	if n < 16 || !useAsm() {
		return 0
	}
	return n &^ 15
}

// dot returns sum a[i]*b[i] over len(a) elements.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	m := vecLen(len(a))
	if m == 0 {
		return dotGo(a, b)
	}
	return dotAVX512(&a[0], &b[0], m) + dotGo(a[m:], b[m:])
}

// axpyScaled adds alpha*x to y over len(y) elements.
func axpyScaled(alpha float32, x, y []float32) {
	x = x[:len(y)]
	m := vecLen(len(y))
	if m > 0 {
		axpyAVX512(alpha, &x[0], &y[0], m)
	}
	axpyScaledGo(alpha, x[m:], y[m:])
}

// sum32 returns the sum of x.
func sum32(x []float32) float32 {
	m := vecLen(len(x))
	if m == 0 {
		return sum32Go(x)
	}
	return sumAVX512(&x[0], m) + sum32Go(x[m:])
}

// sumSq returns the sums of d and d*d for d = x - shift.
func sumSq(x []float32, shift float32) (s1, s2 float32) {
	m := vecLen(len(x))
	if m > 0 {
		s1, s2 = sumSqAVX512(&x[0], m, shift)
	}
	a, b := sumSqGo(x[m:], shift)
	return s1 + a, s2 + b
}

// affine writes out[j] = x[j]*scale + shift.
func affine(out, x []float32, scale, shift float32) {
	x = x[:len(out)]
	if len(out) > 0 && useAsm() {
		affineAVX512(&out[0], &x[0], len(out), scale, shift) // handles the tail itself
		return
	}
	affineGo(out, x, scale, shift)
}

// dotCentered returns sum(dy) and sum(dy * (x - mu)).
func dotCentered(dy, x []float32, mu float32) (sdy, sdyx float32) {
	x = x[:len(dy)]
	m := vecLen(len(dy))
	if m > 0 {
		sdy, sdyx = dotCenteredAVX512(&dy[0], &x[0], m, mu)
	}
	a, b := dotCenteredGo(dy[m:], x[m:], mu)
	return sdy + a, sdyx + b
}

// bnBack writes di = g*(dy - k1 - (x-mu)*k2).
func bnBack(di, dy, x []float32, g, k1, mu, k2 float32) {
	dy, x = dy[:len(di)], x[:len(di)]
	m := vecLen(len(di))
	if m > 0 {
		bnBackAVX512(&di[0], &dy[0], &x[0], m, g, k1, mu, k2)
	}
	bnBackGo(di[m:], dy[m:], x[m:], g, k1, mu, k2)
}

// relu writes out = max(x, 0).
func relu(out, x []float32) {
	x = x[:len(out)]
	m := vecLen(len(out))
	if m > 0 {
		reluAVX512(&out[0], &x[0], m)
	}
	reluGo(out[m:], x[m:])
}

// reluBack writes di = dy where out > 0, else 0.
func reluBack(di, dy, out []float32) {
	dy, out = dy[:len(di)], out[:len(di)]
	m := vecLen(len(di))
	if m > 0 {
		reluBackAVX512(&di[0], &dy[0], &out[0], m)
	}
	reluBackGo(di[m:], dy[m:], out[m:])
}

// affineReLU writes out[j] = max(x[j]*scale + shift, 0): affine, then relu on out while
// it is in cache.
func affineReLU(out, x []float32, scale, shift float32) {
	affine(out, x, scale, shift)
	relu(out, out)
}

// reluBackScaled writes di = dy*scale where out > 0, else 0.
func reluBackScaled(di, dy, out []float32, scale float32) {
	reluBack(di, dy, out)
	affine(di, di, scale, 0)
}

// sameBits runs the portable loop: natively only the Winograd tests call it.
func sameBits(a, b []float32) bool { return sameBitsGo(a, b) }

// dot4 and axpy4 run the AVX-512 dot and axpy row by row.
func dot4(s *[4]float32, x, w []float32, ld int)                    { dot4Go(s, x, w, ld) }
func axpy4(y []float32, g *[4]float32, w []float32, ld int)         { axpy4Go(y, g, w, ld) }
func axpy4x2(y, z []float32, g, h *[4]float32, w []float32, ld int) { axpy4x2Go(y, z, g, h, w, ld) }
func dot2x2(s *[4]float32, x, y, w []float32, ld int)               { dot2x2Go(s, x, y, w, ld) }
