//go:build !(goexperiment.simd && wasm && go1.27)

package nn

func maxPool2Row(o, r0, r1 []float32, _ *[64]float32) { maxPool2RowGo(o, r0, r1) }
