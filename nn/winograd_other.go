//go:build !(goexperiment.simd && wasm && go1.27)

package nn

func winoInputRow(v []float32, es int, even, odd []float32, ln, tw int) {
	winoInputRowGo(v, es, even, odd, ln, tw)
}

func winoOutputRow(r1, r0, m []float32, ms, tw int, sc, sh float32, relu bool) {
	winoOutputRowGo(r1, r0, m, ms, tw, sc, sh, relu)
}
