//go:build goexperiment.simd && wasm && go1.27

package nn

import "simd/archsimd"

func init() { useConvRow = true }

// convRow is convRowGo with Float32x4: 16 outputs at a time in four accumulators, each
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
	for ; j+16 <= n; j += 16 {
		var s0, s1, s2, s3 archsimd.Float32x4
		for p, o := range offs {
			x := b[o+j : o+j+16 : o+j+16]
			a := archsimd.BroadcastFloat32x4(w[p])
			s0 = s0.Add(a.Mul(load4(x[0:4])))
			s1 = s1.Add(a.Mul(load4(x[4:8])))
			s2 = s2.Add(a.Mul(load4(x[8:12])))
			s3 = s3.Add(a.Mul(load4(x[12:16])))
		}
		d := c[j : j+16 : j+16]
		store4(d[0:4], s0)
		store4(d[4:8], s1)
		store4(d[8:12], s2)
		store4(d[12:16], s3)
	}
	if j < n {
		convRowGo(c[j:], w, b[j:], offs)
	}
}
