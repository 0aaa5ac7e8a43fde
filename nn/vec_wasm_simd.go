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

// sameBits reports whether a and b hold the same bit patterns (see sameBitsGo), sixteen
// values per step.
func sameBits(a, b []float32) bool {
	b = b[:len(a)]
	m := len(a) &^ 15
	if !simdOn() {
		m = 0
	}
	var d0, d1 archsimd.Uint32x4
	for i := 0; i < m; i += 16 {
		x, y := a[i:i+16:i+16], b[i:i+16:i+16]
		d0 = d0.Or(load4(x[0:4]).ToBits().Xor(load4(y[0:4]).ToBits()))
		d1 = d1.Or(load4(x[4:8]).ToBits().Xor(load4(y[4:8]).ToBits()))
		d0 = d0.Or(load4(x[8:12]).ToBits().Xor(load4(y[8:12]).ToBits()))
		d1 = d1.Or(load4(x[12:16]).ToBits().Xor(load4(y[12:16]).ToBits()))
	}
	d := d0.Or(d1)
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
