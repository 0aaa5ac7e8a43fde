//go:build goexperiment.simd && wasm && go1.27

package nn

import "simd/archsimd"

func init() { useConvRow = true }

// convRow is convRowGo with Float32x4: 32 outputs at a time in eight accumulators, each
// tap's weight broadcast once for them, summed over p in the same order (so the results
// are convRowGo's, bit for bit).
func convRow(c, w, b []float32, offs []int) {
	if !simdOn() {
		convRowGo(c, w, b, offs)
		return
	}
	w = w[:len(offs)]
	n := len(c)
	j := 0
	for ; j+32 <= n; j += 32 {
		var s0, s1, s2, s3, s4, s5, s6, s7 archsimd.Float32x4
		for p, o := range offs {
			x := b[o+j : o+j+32 : o+j+32]
			a := archsimd.BroadcastFloat32x4(w[p])
			s0 = s0.Add(a.Mul(load4(x[0:4])))
			s1 = s1.Add(a.Mul(load4(x[4:8])))
			s2 = s2.Add(a.Mul(load4(x[8:12])))
			s3 = s3.Add(a.Mul(load4(x[12:16])))
			s4 = s4.Add(a.Mul(load4(x[16:20])))
			s5 = s5.Add(a.Mul(load4(x[20:24])))
			s6 = s6.Add(a.Mul(load4(x[24:28])))
			s7 = s7.Add(a.Mul(load4(x[28:32])))
		}
		d := c[j : j+32 : j+32]
		store4(d[0:4], s0)
		store4(d[4:8], s1)
		store4(d[8:12], s2)
		store4(d[12:16], s3)
		store4(d[16:20], s4)
		store4(d[20:24], s5)
		store4(d[24:28], s6)
		store4(d[28:32], s7)
	}
	for ; j+4 <= n; j += 4 {
		var s archsimd.Float32x4
		for p, o := range offs {
			s = s.Add(archsimd.BroadcastFloat32x4(w[p]).Mul(load4(b[o+j : o+j+4])))
		}
		store4(c[j:j+4], s)
	}
	if j < n {
		convRowGo(c[j:], w, b[j:], offs)
	}
}
