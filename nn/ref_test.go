package nn

// Plain float64 reference implementations of every op, written as directly from the
// definitions as possible. Tests compare the float32 forwards with them and take central
// finite differences of them to check the float32 backwards.

import "math"

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func dot64(r, x []float64) float64 {
	var s float64
	for i := range r {
		s += r[i] * x[i]
	}
	return s
}

func conv64(in, w, b []float64, n, cin, h, wd, cout, k, pad int) []float64 {
	oh, ow := h+2*pad-k+1, wd+2*pad-k+1
	out := make([]float64, n*cout*oh*ow)
	for i := 0; i < n; i++ {
		for o := 0; o < cout; o++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					s := 0.0
					if b != nil {
						s = b[o]
					}
					for c := 0; c < cin; c++ {
						for u := 0; u < k; u++ {
							for v := 0; v < k; v++ {
								iy, ix := y+u-pad, x+v-pad
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += w[((o*cin+c)*k+u)*k+v] * in[((i*cin+c)*h+iy)*wd+ix]
							}
						}
					}
					out[((i*cout+o)*oh+y)*ow+x] = s
				}
			}
		}
	}
	return out
}

func dense64(in, w, b []float64, n, nin, nout int) []float64 {
	out := make([]float64, n*nout)
	for i := 0; i < n; i++ {
		for o := 0; o < nout; o++ {
			s := b[o]
			for j := 0; j < nin; j++ {
				s += in[i*nin+j] * w[o*nin+j]
			}
			out[i*nout+o] = s
		}
	}
	return out
}

func maxpool64(in []float64, n, c, h, w int) []float64 {
	oh, ow := h/2, w/2
	out := make([]float64, n*c*oh*ow)
	for p := 0; p < n*c; p++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				m := math.Inf(-1)
				for u := 0; u < 2; u++ {
					for v := 0; v < 2; v++ {
						m = math.Max(m, in[p*h*w+(2*y+u)*w+2*x+v])
					}
				}
				out[p*oh*ow+y*ow+x] = m
			}
		}
	}
	return out
}

// bn64 normalises with batch statistics (training) or with the given running ones.
func bn64(in, gamma, beta []float64, n, c, s int, training bool, runMean, runVar []float64, eps float64) []float64 {
	out := make([]float64, len(in))
	for ch := 0; ch < c; ch++ {
		var mu, v float64
		if training {
			for i := 0; i < n; i++ {
				for j := 0; j < s; j++ {
					mu += in[(i*c+ch)*s+j]
				}
			}
			mu /= float64(n * s)
			for i := 0; i < n; i++ {
				for j := 0; j < s; j++ {
					d := in[(i*c+ch)*s+j] - mu
					v += d * d
				}
			}
			v /= float64(n * s)
		} else {
			mu, v = runMean[ch], runVar[ch]
		}
		for i := 0; i < n; i++ {
			for j := 0; j < s; j++ {
				x := in[(i*c+ch)*s+j]
				out[(i*c+ch)*s+j] = gamma[ch]*(x-mu)/math.Sqrt(v+eps) + beta[ch]
			}
		}
	}
	return out
}

func relu64(in []float64) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = math.Max(v, 0)
	}
	return out
}

func sigmoid64(in []float64) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = 1 / (1 + math.Exp(-v))
	}
	return out
}

func logsoftmax64(in []float64, n, c int) []float64 {
	out := make([]float64, len(in))
	for i := 0; i < n; i++ {
		var s float64
		for j := 0; j < c; j++ {
			s += math.Exp(in[i*c+j])
		}
		for j := 0; j < c; j++ {
			out[i*c+j] = in[i*c+j] - math.Log(s)
		}
	}
	return out
}

func nll64(logp []float64, targets []int, n, c int) float64 {
	var s float64
	for i := 0; i < n; i++ {
		s -= logp[i*c+targets[i]]
	}
	return s / float64(n)
}

func bce64(logits, targets []float64) float64 {
	var s float64
	for i, x := range logits {
		p := 1 / (1 + math.Exp(-x))
		s -= targets[i]*math.Log(p) + (1-targets[i])*math.Log(1-p)
	}
	return s / float64(len(logits))
}
