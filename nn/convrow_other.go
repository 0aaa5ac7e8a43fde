//go:build !(goexperiment.simd && wasm && go1.27)

package nn

func convRow(c, w, b []float32, offs []int) { convRowGo(c, w, b, offs) }
