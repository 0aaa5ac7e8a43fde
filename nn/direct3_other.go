//go:build !(goexperiment.simd && wasm && go1.27)

package nn

func direct3Row(o []float32, os int, pl []float32, ps, wp int, wa []float32, cin, ow int, sc, sh *[4]float32, relu bool) {
	direct3RowGo(o, os, pl, ps, wp, wa, cin, ow, sc, sh, relu)
}
