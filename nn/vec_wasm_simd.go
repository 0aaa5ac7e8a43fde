//go:build goexperiment.simd && wasm && go1.27

package nn

import "simd/archsimd"

// The vector helpers with wasm SIMD (Float32x4) over blocks of eight values, the tails in
// plain Go (vec.go). With the portable kernel selected (simdOn false) they run the plain-Go
// versions, so the tests compare both. Training-only helpers (sumSq, dotCentered, bnBack)
// stay plain Go: the browser explains, it does not train.

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	m := len(a) &^ 7
	if m == 0 || !simdOn() {
		return dotGo(a, b)
	}
	s0, s1 := archsimd.Float32x4{}, archsimd.Float32x4{}
	for i := 0; i < m; i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		s0 = s0.Add(load4(x[0:4]).Mul(load4(y[0:4])))
		s1 = s1.Add(load4(x[4:8]).Mul(load4(y[4:8])))
	}
	return hsum(s0.Add(s1)) + dotGo(a[m:], b[m:])
}

// dot4 sets s[r] to the dot product of x with row r of w (rows ld apart), r = 0..3: x
// is loaded once for the four rows. Each row's sum is formed as dot forms it, so the
// results are dot's, bit for bit.
func dot4(s *[4]float32, x, w []float32, ld int) {
	n := len(x)
	m := n &^ 7
	if m == 0 || !simdOn() {
		dot4Go(s, x, w, ld)
		return
	}
	w0, w1, w2, w3 := w[:n:n], w[ld:ld+n:ld+n], w[2*ld:2*ld+n:2*ld+n], w[3*ld:3*ld+n:3*ld+n]
	var a0, b0, a1, b1, a2, b2, a3, b3 archsimd.Float32x4
	for i := 0; i < m; i += 8 {
		xs := x[i : i+8 : i+8]
		x0, x1 := load4(xs[0:4]), load4(xs[4:8])
		r := w0[i : i+8 : i+8]
		a0, b0 = a0.Add(x0.Mul(load4(r[0:4]))), b0.Add(x1.Mul(load4(r[4:8])))
		r = w1[i : i+8 : i+8]
		a1, b1 = a1.Add(x0.Mul(load4(r[0:4]))), b1.Add(x1.Mul(load4(r[4:8])))
		r = w2[i : i+8 : i+8]
		a2, b2 = a2.Add(x0.Mul(load4(r[0:4]))), b2.Add(x1.Mul(load4(r[4:8])))
		r = w3[i : i+8 : i+8]
		a3, b3 = a3.Add(x0.Mul(load4(r[0:4]))), b3.Add(x1.Mul(load4(r[4:8])))
	}
	s[0] = hsum(a0.Add(b0)) + dotGo(x[m:], w0[m:])
	s[1] = hsum(a1.Add(b1)) + dotGo(x[m:], w1[m:])
	s[2] = hsum(a2.Add(b2)) + dotGo(x[m:], w2[m:])
	s[3] = hsum(a3.Add(b3)) + dotGo(x[m:], w3[m:])
}

// dot2x2 is dot2x2Go with Float32x4: x and y (two images) against two rows of w, each
// row read once for both. Each sum is formed as dot forms it, so the results are dot's,
// bit for bit.
func dot2x2(s *[4]float32, x, y, w []float32, ld int) {
	n := len(x)
	m := n &^ 7
	if m == 0 || !simdOn() {
		dot2x2Go(s, x, y, w, ld)
		return
	}
	y, w0, w1 := y[:n:n], w[:n:n], w[ld:ld+n:ld+n]
	var a0, b0, a1, b1, c0, d0, c1, d1 archsimd.Float32x4
	for i := 0; i < m; i += 8 {
		xs, ys := x[i:i+8:i+8], y[i:i+8:i+8]
		x0, x1, y0, y1 := load4(xs[0:4]), load4(xs[4:8]), load4(ys[0:4]), load4(ys[4:8])
		r := w0[i : i+8 : i+8]
		v := load4(r[0:4])
		a0, c0 = a0.Add(x0.Mul(v)), c0.Add(y0.Mul(v))
		v = load4(r[4:8])
		b0, d0 = b0.Add(x1.Mul(v)), d0.Add(y1.Mul(v))
		r = w1[i : i+8 : i+8]
		v = load4(r[0:4])
		a1, c1 = a1.Add(x0.Mul(v)), c1.Add(y0.Mul(v))
		v = load4(r[4:8])
		b1, d1 = b1.Add(x1.Mul(v)), d1.Add(y1.Mul(v))
	}
	s[0] = hsum(a0.Add(b0)) + dotGo(x[m:], w0[m:])
	s[1] = hsum(a1.Add(b1)) + dotGo(x[m:], w1[m:])
	s[2] = hsum(c0.Add(d0)) + dotGo(y[m:], w0[m:])
	s[3] = hsum(c1.Add(d1)) + dotGo(y[m:], w1[m:])
}

// axpy4 adds g[r] times row r of w (rows ld apart) to y, r = 0..3, loading and storing
// y once for the four rows. The additions run in axpy4Go's order, so the results are
// its, bit for bit.
func axpy4(y []float32, g *[4]float32, w []float32, ld int) {
	n := len(y)
	m := n &^ 3
	if !simdOn() {
		m = 0
	}
	w0, w1, w2, w3 := w[:n:n], w[ld:ld+n:ld+n], w[2*ld:2*ld+n:2*ld+n], w[3*ld:3*ld+n:3*ld+n]
	g0, g1 := archsimd.BroadcastFloat32x4(g[0]), archsimd.BroadcastFloat32x4(g[1])
	g2, g3 := archsimd.BroadcastFloat32x4(g[2]), archsimd.BroadcastFloat32x4(g[3])
	for i := 0; i < m; i += 4 {
		p := (*[4]float32)(y[i : i+4 : i+4])
		v := archsimd.LoadFloat32x4Array(p)
		v = v.Add(g0.Mul(load4(w0[i : i+4 : i+4])))
		v = v.Add(g1.Mul(load4(w1[i : i+4 : i+4])))
		v = v.Add(g2.Mul(load4(w2[i : i+4 : i+4])))
		v = v.Add(g3.Mul(load4(w3[i : i+4 : i+4])))
		v.StoreArray(p)
	}
	axpyScaledGo(g[0], w0[m:], y[m:])
	axpyScaledGo(g[1], w1[m:], y[m:])
	axpyScaledGo(g[2], w2[m:], y[m:])
	axpyScaledGo(g[3], w3[m:], y[m:])
}

// axpy4x2 is axpy4 for two vectors, y with coefficients g and z with h, over the same
// rows of w, each row read once for both (a batch of two images through a dense layer's
// input gradient). Each vector's additions run in axpy4's order, so the results are its,
// bit for bit.
func axpy4x2(y, z []float32, g, h *[4]float32, w []float32, ld int) {
	n := len(y)
	m := n &^ 3
	if !simdOn() {
		m = 0
	}
	z = z[:n]
	w0, w1, w2, w3 := w[:n:n], w[ld:ld+n:ld+n], w[2*ld:2*ld+n:2*ld+n], w[3*ld:3*ld+n:3*ld+n]
	g0, g1 := archsimd.BroadcastFloat32x4(g[0]), archsimd.BroadcastFloat32x4(g[1])
	g2, g3 := archsimd.BroadcastFloat32x4(g[2]), archsimd.BroadcastFloat32x4(g[3])
	h0, h1 := archsimd.BroadcastFloat32x4(h[0]), archsimd.BroadcastFloat32x4(h[1])
	h2, h3 := archsimd.BroadcastFloat32x4(h[2]), archsimd.BroadcastFloat32x4(h[3])
	for i := 0; i < m; i += 4 {
		p, q := (*[4]float32)(y[i:i+4:i+4]), (*[4]float32)(z[i:i+4:i+4])
		u, v := archsimd.LoadFloat32x4Array(p), archsimd.LoadFloat32x4Array(q)
		r := load4(w0[i : i+4 : i+4])
		u, v = u.Add(g0.Mul(r)), v.Add(h0.Mul(r))
		r = load4(w1[i : i+4 : i+4])
		u, v = u.Add(g1.Mul(r)), v.Add(h1.Mul(r))
		r = load4(w2[i : i+4 : i+4])
		u, v = u.Add(g2.Mul(r)), v.Add(h2.Mul(r))
		r = load4(w3[i : i+4 : i+4])
		u, v = u.Add(g3.Mul(r)), v.Add(h3.Mul(r))
		u.StoreArray(p)
		v.StoreArray(q)
	}
	if m < n {
		axpy4Go(y[m:], g, w[m:], ld)
		axpy4Go(z[m:], h, w[m:], ld)
	}
}

func axpyScaled(alpha float32, x, y []float32) {
	x = x[:len(y)]
	m := len(y) &^ 7
	if !simdOn() {
		m = 0
	}
	va := archsimd.BroadcastFloat32x4(alpha)
	for i := 0; i < m; i += 8 {
		xs, ys := x[i:i+8:i+8], y[i:i+8:i+8]
		y0, y1 := (*[4]float32)(ys[0:4]), (*[4]float32)(ys[4:8])
		archsimd.LoadFloat32x4Array(y0).Add(va.Mul(load4(xs[0:4]))).StoreArray(y0)
		archsimd.LoadFloat32x4Array(y1).Add(va.Mul(load4(xs[4:8]))).StoreArray(y1)
	}
	axpyScaledGo(alpha, x[m:], y[m:])
}

func sum32(x []float32) float32 {
	m := len(x) &^ 7
	if m == 0 || !simdOn() {
		return sum32Go(x)
	}
	s0, s1 := archsimd.Float32x4{}, archsimd.Float32x4{}
	for i := 0; i < m; i += 8 {
		xs := x[i : i+8 : i+8]
		s0 = s0.Add(load4(xs[0:4]))
		s1 = s1.Add(load4(xs[4:8]))
	}
	return hsum(s0.Add(s1)) + sum32Go(x[m:])
}

func affine(out, x []float32, scale, shift float32) {
	x = x[:len(out)]
	m := len(out) &^ 7
	if !simdOn() {
		m = 0
	}
	vs, vt := archsimd.BroadcastFloat32x4(scale), archsimd.BroadcastFloat32x4(shift)
	for i := 0; i < m; i += 8 {
		xs, os := x[i:i+8:i+8], out[i:i+8:i+8]
		load4(xs[0:4]).Mul(vs).Add(vt).StoreArray((*[4]float32)(os[0:4]))
		load4(xs[4:8]).Mul(vs).Add(vt).StoreArray((*[4]float32)(os[4:8]))
	}
	affineGo(out[m:], x[m:], scale, shift)
}

func affineReLU(out, x []float32, scale, shift float32) {
	x = x[:len(out)]
	m := len(out) &^ 7
	if !simdOn() {
		m = 0
	}
	vs, vt, zero := archsimd.BroadcastFloat32x4(scale), archsimd.BroadcastFloat32x4(shift), archsimd.Float32x4{}
	for i := 0; i < m; i += 8 {
		xs, os := x[i:i+8:i+8], out[i:i+8:i+8]
		load4(xs[0:4]).Mul(vs).Add(vt).Max(zero).StoreArray((*[4]float32)(os[0:4]))
		load4(xs[4:8]).Mul(vs).Add(vt).Max(zero).StoreArray((*[4]float32)(os[4:8]))
	}
	affineReLUGo(out[m:], x[m:], scale, shift)
}

func relu(out, x []float32) {
	x = x[:len(out)]
	m := len(out) &^ 7
	if !simdOn() {
		m = 0
	}
	zero := archsimd.Float32x4{}
	for i := 0; i < m; i += 8 {
		xs, os := x[i:i+8:i+8], out[i:i+8:i+8]
		load4(xs[0:4]).Max(zero).StoreArray((*[4]float32)(os[0:4]))
		load4(xs[4:8]).Max(zero).StoreArray((*[4]float32)(os[4:8]))
	}
	reluGo(out[m:], x[m:])
}

func reluBack(di, dy, out []float32) {
	dy, out = dy[:len(di)], out[:len(di)]
	m := len(di) &^ 7
	if !simdOn() {
		m = 0
	}
	zero := archsimd.Float32x4{}
	for i := 0; i < m; i += 8 {
		ds, ys, os := di[i:i+8:i+8], dy[i:i+8:i+8], out[i:i+8:i+8]
		load4(ys[0:4]).Masked(load4(os[0:4]).Greater(zero)).StoreArray((*[4]float32)(ds[0:4]))
		load4(ys[4:8]).Masked(load4(os[4:8]).Greater(zero)).StoreArray((*[4]float32)(ds[4:8]))
	}
	reluBackGo(di[m:], dy[m:], out[m:])
}

// reluBackScaled writes di = dy*scale where out > 0, else 0.
func reluBackScaled(di, dy, out []float32, scale float32) {
	dy, out = dy[:len(di)], out[:len(di)]
	m := len(di) &^ 7
	if !simdOn() {
		m = 0
	}
	vs, zero := archsimd.BroadcastFloat32x4(scale), archsimd.Float32x4{}
	for i := 0; i < m; i += 8 {
		ds, ys, os := di[i:i+8:i+8], dy[i:i+8:i+8], out[i:i+8:i+8]
		load4(ys[0:4]).Mul(vs).Masked(load4(os[0:4]).Greater(zero)).StoreArray((*[4]float32)(ds[0:4]))
		load4(ys[4:8]).Mul(vs).Masked(load4(os[4:8]).Greater(zero)).StoreArray((*[4]float32)(ds[4:8]))
	}
	reluBackScaledGo(di[m:], dy[m:], out[m:], scale)
}

// sameBits reports whether a and b hold the same bit patterns (see sameBitsGo), eight
// values per step.
func sameBits(a, b []float32) bool {
	b = b[:len(a)]
	m := len(a) &^ 7
	if !simdOn() {
		m = 0
	}
	var d archsimd.Uint32x4
	for i := 0; i < m; i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		d = d.Or(load4(x[0:4]).ToBits().Xor(load4(y[0:4]).ToBits()))
		d = d.Or(load4(x[4:8]).ToBits().Xor(load4(y[4:8]).ToBits()))
	}
	if d.GetElem(0)|d.GetElem(1)|d.GetElem(2)|d.GetElem(3) != 0 {
		return false
	}
	return sameBitsGo(a[m:], b[m:])
}

func sumSq(x []float32, shift float32) (float32, float32)        { return sumSqGo(x, shift) }
func dotCentered(dy, x []float32, mu float32) (float32, float32) { return dotCenteredGo(dy, x, mu) }
func bnBack(di, dy, x []float32, g, k1, mu, k2 float32)          { bnBackGo(di, dy, x, g, k1, mu, k2) }

// load4 loads the first four values of s.
func load4(s []float32) archsimd.Float32x4 { return archsimd.LoadFloat32x4Array((*[4]float32)(s)) }

// hsum adds the four lanes of v, as (v0 + v1) + (v2 + v3).
func hsum(v archsimd.Float32x4) float32 {
	return (v.GetElem(0) + v.GetElem(1)) + (v.GetElem(2) + v.GetElem(3))
}
