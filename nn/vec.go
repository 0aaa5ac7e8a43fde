package nn

import "math"

// Dot returns the inner product of a and b over len(a) elements (b may be longer). It is
// the vector kernel the layers use, for callers outside nn (the fusion head's evaluator).
// It panics if b is shorter than a.
func Dot(a, b []float32) float32 { return dot(a, b) }

// dotGo is the portable dot product, with four partial sums.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot4Go sets s[r] to the dot product of x with row r of w (rows ld apart), r = 0..3.
func dot4Go(s *[4]float32, x, w []float32, ld int) {
	for r := range s {
		s[r] = dot(x, w[r*ld:])
	}
}

// dot2x2Go sets s to the dot products of x with rows 0 and 1 of w (rows ld apart), then
// of y with them.
func dot2x2Go(s *[4]float32, x, y, w []float32, ld int) {
	n := len(x)
	s[0], s[1] = dot(x, w[:n]), dot(x, w[ld:ld+n])
	s[2], s[3] = dot(y, w[:n]), dot(y, w[ld:ld+n])
}

// axpy4Go adds g[r] times row r of w (rows ld apart) to y, r = 0..3, one row after the
// other.
func axpy4Go(y []float32, g *[4]float32, w []float32, ld int) {
	for r, a := range g {
		axpyScaled(a, w[r*ld:r*ld+len(y)], y)
	}
}

// axpy4x2Go is axpy4 for two vectors, y with coefficients g and z with h, over the same
// rows of w.
func axpy4x2Go(y, z []float32, g, h *[4]float32, w []float32, ld int) {
	axpy4(y, g, w, ld)
	axpy4(z, h, w, ld)
}

// axpyScaledGo is the portable y += alpha*x.
func axpyScaledGo(alpha float32, x, y []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// sum32Go sums x with four partial sums (faster and more accurate than one).
func sum32Go(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSqGo returns the sums of d and d*d for d = x - shift.
func sumSqGo(x []float32, shift float32) (s1, s2 float32) {
	for _, v := range x {
		d := v - shift
		s1 += d
		s2 += d * d
	}
	return s1, s2
}

// affineGo writes out[j] = x[j]*scale + shift.
func affineGo(out, x []float32, scale, shift float32) {
	x = x[:len(out)]
	for j := range out {
		out[j] = x[j]*scale + shift
	}
}

// dotCenteredGo returns sum(dy) and sum(dy * (x - mu)).
func dotCenteredGo(dy, x []float32, mu float32) (sdy, sdyx float32) {
	x = x[:len(dy)]
	for j, g := range dy {
		sdy += g
		sdyx += g * (x[j] - mu)
	}
	return sdy, sdyx
}

// bnBackGo writes di = g*(dy - k1 - (x-mu)*k2), the batch-norm input gradient.
func bnBackGo(di, dy, x []float32, g, k1, mu, k2 float32) {
	dy, x = dy[:len(di)], x[:len(di)]
	for j := range di {
		di[j] = g * (dy[j] - k1 - (x[j]-mu)*k2)
	}
}

// reluGo writes out = max(x, 0).
func reluGo(out, x []float32) {
	x = x[:len(out)]
	for i, v := range x {
		out[i] = max(v, 0)
	}
}

// reluBackGo writes di = dy where out > 0, else 0. Branch-free: a ReLU output is +0 or
// positive (or NaN), so its bits are zero exactly where the gradient is blocked, and the
// sign of -bits makes the mask. A branch here mispredicts on half the elements.
func reluBackGo(di, dy, out []float32) {
	dy, out = dy[:len(di)], out[:len(di)]
	for i, v := range out {
		mask := uint32(-int32(math.Float32bits(v)) >> 31)
		di[i] = math.Float32frombits(math.Float32bits(dy[i]) & mask)
	}
}

// affineReLUGo writes out[j] = max(x[j]*scale + shift, 0): a batch norm folded into the
// layer before it, and the ReLU after it, in one pass.
func affineReLUGo(out, x []float32, scale, shift float32) {
	x = x[:len(out)]
	for j := range out {
		out[j] = max(x[j]*scale+shift, 0)
	}
}

// reluBackScaledGo writes di = dy*scale where out > 0, else 0: affineReLUGo's input
// gradient.
func reluBackScaledGo(di, dy, out []float32, scale float32) {
	dy, out = dy[:len(di)], out[:len(di)]
	for i, v := range out {
		g := float32(0)
		if v > 0 {
			g = dy[i] * scale
		}
		di[i] = g
	}
}

// sameBitsGo reports whether a and b (of equal length) hold the same bit patterns: equal
// values, except that NaNs of the same bits match and 0 and -0 do not. The differences
// are OR-ed together without an early exit, so the loop has no branch per element.
func sameBitsGo(a, b []float32) bool {
	b = b[:len(a)]
	var d uint32
	for i, x := range a {
		d |= math.Float32bits(x) ^ math.Float32bits(b[i])
	}
	return d == 0
}
