//go:build !amd64 && !(goexperiment.simd && wasm && go1.27)

package nn

// The portable builds use the plain-Go vector helpers.

func dot(a, b []float32) float32                                    { return dotGo(a, b[:len(a)]) }
func axpyScaled(alpha float32, x, y []float32)                      { axpyScaledGo(alpha, x[:len(y)], y) }
func sum32(x []float32) float32                                     { return sum32Go(x) }
func sumSq(x []float32, shift float32) (float32, float32)           { return sumSqGo(x, shift) }
func affine(out, x []float32, scale, shift float32)                 { affineGo(out, x, scale, shift) }
func dotCentered(dy, x []float32, mu float32) (float32, float32)    { return dotCenteredGo(dy, x, mu) }
func bnBack(di, dy, x []float32, g, k1, mu, k2 float32)             { bnBackGo(di, dy, x, g, k1, mu, k2) }
func relu(out, x []float32)                                         { reluGo(out, x) }
func reluBack(di, dy, out []float32)                                { reluBackGo(di, dy, out) }
func affineReLU(out, x []float32, scale, shift float32)             { affineReLUGo(out, x, scale, shift) }
func reluBackScaled(di, dy, out []float32, scale float32)           { reluBackScaledGo(di, dy, out, scale) }
func sameBits(a, b []float32) bool                                  { return sameBitsGo(a, b) }
func dot4(s *[4]float32, x, w []float32, ld int)                    { dot4Go(s, x, w, ld) }
func axpy4(y []float32, g *[4]float32, w []float32, ld int)         { axpy4Go(y, g, w, ld) }
func axpy4x2(y, z []float32, g, h *[4]float32, w []float32, ld int) { axpy4x2Go(y, z, g, h, w, ld) }
func dot2x2(s *[4]float32, x, y, w []float32, ld int)               { dot2x2Go(s, x, y, w, ld) }
