//go:build goexperiment.simd && wasm && go1.27

package nn

import "simd/archsimd"

func init() { useDirect3 = true }

// direct3Row is direct3RowGo with Float32x4: the 4x8 tile in eight accumulators (as the
// 4x8 micro-kernel), each filter row's three taps at fixed offsets in one input row, so
// no offsets are read and one bounds check covers three taps. The sums run in
// direct3RowGo's order, so the results are its own, bit for bit.
func direct3Row(o []float32, os int, pl []float32, ps, wp int, wa []float32, cin, ow int, sc, sh *[4]float32, relu bool) {
	if !simdOn() {
		direct3RowGo(o, os, pl, ps, wp, wa, cin, ow, sc, sh, relu)
		return
	}
	wa = wa[:cin*36]
	for x0 := 0; ; x0 += 8 {
		x0 = min(x0, ow-8)
		var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
		for c := 0; c < cin; c++ {
			for u := 0; u < 3; u++ {
				at := c*ps + u*wp + x0
				r := (*[10]float32)(pl[at : at+10])
				w := (*[12]float32)(wa[(c*3+u)*12 : (c*3+u)*12+12])
				b0, b1 := load4(r[0:4]), load4(r[4:8])
				a := archsimd.BroadcastFloat32x4(w[0])
				c00, c01 = c00.Add(a.Mul(b0)), c01.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[1])
				c10, c11 = c10.Add(a.Mul(b0)), c11.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[2])
				c20, c21 = c20.Add(a.Mul(b0)), c21.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[3])
				c30, c31 = c30.Add(a.Mul(b0)), c31.Add(a.Mul(b1))
				b0, b1 = load4(r[1:5]), load4(r[5:9])
				a = archsimd.BroadcastFloat32x4(w[4])
				c00, c01 = c00.Add(a.Mul(b0)), c01.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[5])
				c10, c11 = c10.Add(a.Mul(b0)), c11.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[6])
				c20, c21 = c20.Add(a.Mul(b0)), c21.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[7])
				c30, c31 = c30.Add(a.Mul(b0)), c31.Add(a.Mul(b1))
				b0, b1 = load4(r[2:6]), load4(r[6:10])
				a = archsimd.BroadcastFloat32x4(w[8])
				c00, c01 = c00.Add(a.Mul(b0)), c01.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[9])
				c10, c11 = c10.Add(a.Mul(b0)), c11.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[10])
				c20, c21 = c20.Add(a.Mul(b0)), c21.Add(a.Mul(b1))
				a = archsimd.BroadcastFloat32x4(w[11])
				c30, c31 = c30.Add(a.Mul(b0)), c31.Add(a.Mul(b1))
			}
		}
		storeAct8(o[x0:x0+8:x0+8], c00, c01, sc[0], sh[0], relu)
		storeAct8(o[os+x0:os+x0+8:os+x0+8], c10, c11, sc[1], sh[1], relu)
		storeAct8(o[2*os+x0:2*os+x0+8:2*os+x0+8], c20, c21, sc[2], sh[2], relu)
		storeAct8(o[3*os+x0:3*os+x0+8:3*os+x0+8], c30, c31, sc[3], sh[3], relu)
		if x0+8 >= ow {
			return
		}
	}
}

// storeAct8 writes act(v*scale + shift) of two vectors to the eight values of dst.
func storeAct8(dst []float32, v0, v1 archsimd.Float32x4, scale, shift float32, relu bool) {
	s, t := archsimd.BroadcastFloat32x4(scale), archsimd.BroadcastFloat32x4(shift)
	v0, v1 = v0.Mul(s).Add(t), v1.Mul(s).Add(t)
	if relu {
		z := archsimd.Float32x4{}
		v0, v1 = v0.Max(z), v1.Max(z)
	}
	v0.StoreArray((*[4]float32)(dst[0:4]))
	v1.StoreArray((*[4]float32)(dst[4:8]))
}
