//go:build goexperiment.simd && wasm && go1.27

package nn

// maxPool2Row is maxPool2RowGo with the rows' elementwise maximum in Float32x4 (wasm
// SIMD has no lane shuffles to pair columns) stored to v, the columns paired in scalar
// code.
func maxPool2Row(o, r0, r1 []float32, v *[64]float32) {
	n := 2 * len(o)
	m := n &^ 7
	if !simdOn() || n > 64 {
		m = 0
	}
	r0, r1 = r0[:n], r1[:n]
	for i := 0; i < m; i += 8 {
		a, b := r0[i:i+8:i+8], r1[i:i+8:i+8]
		d := v[i : i+8 : i+8]
		load4(a[0:4]).Max(load4(b[0:4])).StoreArray((*[4]float32)(d[0:4]))
		load4(a[4:8]).Max(load4(b[4:8])).StoreArray((*[4]float32)(d[4:8]))
	}
	for x := 0; x < m/2; x++ {
		o[x] = max32(v[2*x], v[2*x+1])
	}
	maxPool2RowGo(o[m/2:], r0[m:], r1[m:])
}
