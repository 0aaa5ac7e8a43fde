//go:build goexperiment.simd && wasm && go1.27

package nn

import "simd/archsimd"

// The Winograd transforms with wasm SIMD: four neighbouring tiles of a row at once, one
// per lane (see winograd.go). With the portable kernel selected they run the plain-Go
// versions, so the tests compare both.

func winoInputRow(v []float32, es int, even, odd []float32, ln, tw int) {
	if !simdOn() {
		winoInputRowGo(v, es, even, odd, ln, tw)
		return
	}
	e0, e1, e2, e3 := even[:ln], even[ln:2*ln], even[2*ln:3*ln], even[3*ln:4*ln]
	o0, o1, o2, o3 := odd[:ln], odd[ln:2*ln], odd[2*ln:3*ln], odd[3*ln:4*ln]
	for x := 0; x+4 < ln; x += 4 {
		if x >= tw {
			break
		}
		// Row r of the four tiles' d: columns 0..3 are even[x], odd[x], even[x+1], odd[x+1].
		a0, b0, c0, d0 := load4(e0[x:]), load4(o0[x:]), load4(e0[x+1:]), load4(o0[x+1:])
		a1, b1, c1, d1 := load4(e1[x:]), load4(o1[x:]), load4(e1[x+1:]), load4(o1[x+1:])
		a2, b2, c2, d2 := load4(e2[x:]), load4(o2[x:]), load4(e2[x+1:]), load4(o2[x+1:])
		a3, b3, c3, d3 := load4(e3[x:]), load4(o3[x:]), load4(e3[x+1:]), load4(o3[x+1:])
		// Column j of d B for each row, then Bt down the column.
		winoInputCol(v, es, x, 0, a0.Sub(c0), a1.Sub(c1), a2.Sub(c2), a3.Sub(c3))
		winoInputCol(v, es, x, 1, b0.Add(c0), b1.Add(c1), b2.Add(c2), b3.Add(c3))
		winoInputCol(v, es, x, 2, c0.Sub(b0), c1.Sub(b1), c2.Sub(b2), c3.Sub(b3))
		winoInputCol(v, es, x, 3, b0.Sub(d0), b1.Sub(d1), b2.Sub(d2), b3.Sub(d3))
	}
}

// winoInputCol stores Bt applied to column j (rows r0..r3) of d B for four tiles.
func winoInputCol(v []float32, es, x, j int, r0, r1, r2, r3 archsimd.Float32x4) {
	store4(v[j*es+x:], r0.Sub(r2))
	store4(v[(4+j)*es+x:], r1.Add(r2))
	store4(v[(8+j)*es+x:], r2.Sub(r1))
	store4(v[(12+j)*es+x:], r1.Sub(r3))
}

func winoOutputRow(r1, r0, m []float32, ms, tw int, sc, sh float32, relu bool) {
	if !simdOn() {
		winoOutputRowGo(r1, r0, m, ms, tw, sc, sh, relu)
		return
	}
	ow := len(r0)
	vs, vt, zero := archsimd.BroadcastFloat32x4(sc), archsimd.BroadcastFloat32x4(sh), archsimd.Float32x4{}
	var t00, t01, t10, t11 [4]float32
	for x := 0; x < tw; x += 4 {
		// At M for four tiles: column j's two values q0j, q1j.
		q00, q10 := winoOutputCol(m, ms, x, 0)
		q01, q11 := winoOutputCol(m, ms, x, 1)
		q02, q12 := winoOutputCol(m, ms, x, 2)
		q03, q13 := winoOutputCol(m, ms, x, 3)
		y00 := q00.Add(q01).Add(q02).Mul(vs).Add(vt)
		y01 := q01.Sub(q02).Sub(q03).Mul(vs).Add(vt)
		y10 := q10.Add(q11).Add(q12).Mul(vs).Add(vt)
		y11 := q11.Sub(q12).Sub(q13).Mul(vs).Add(vt)
		if relu {
			y00, y01, y10, y11 = y00.Max(zero), y01.Max(zero), y10.Max(zero), y11.Max(zero)
		}
		y00.StoreArray(&t00)
		y01.StoreArray(&t01)
		y10.StoreArray(&t10)
		y11.StoreArray(&t11)
		if 2*x+8 <= ow {
			w1, w0 := r1[2*x:2*x+8:2*x+8], r0[2*x:2*x+8:2*x+8]
			w1[0], w1[1], w1[2], w1[3], w1[4], w1[5], w1[6], w1[7] = t10[0], t11[0], t10[1], t11[1], t10[2], t11[2], t10[3], t11[3]
			w0[0], w0[1], w0[2], w0[3], w0[4], w0[5], w0[6], w0[7] = t00[0], t01[0], t00[1], t01[1], t00[2], t01[2], t00[3], t01[3]
			continue
		}
		for q := 0; q < 4 && x+q < tw; q++ {
			c := 2 * (x + q)
			r1[c] = t10[q]
			r0[c] = t00[q]
			if c+1 < ow {
				r1[c+1] = t11[q]
				r0[c+1] = t01[q]
			}
		}
	}
}

// winoOutputCol returns At applied to column j of M for four tiles: (a+b+c, b-c-d).
func winoOutputCol(m []float32, ms, x, j int) (archsimd.Float32x4, archsimd.Float32x4) {
	a, b := load4(m[j*ms+x:]), load4(m[(4+j)*ms+x:])
	c, d := load4(m[(8+j)*ms+x:]), load4(m[(12+j)*ms+x:])
	return a.Add(b).Add(c), b.Sub(c).Sub(d)
}

// store4 stores v to the first four values of s.
func store4(s []float32, v archsimd.Float32x4) { v.StoreArray((*[4]float32)(s)) }
