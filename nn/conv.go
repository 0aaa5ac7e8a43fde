package nn

import "fmt"

// convDims checks a stride-1, square-kernel convolution's sizes and returns its output
// height and width.
func convDims(op string, n, cin, h, w, cout, k, pad int) (oh, ow int) {
	if n < 0 || cin <= 0 || h <= 0 || w <= 0 || cout <= 0 || k <= 0 || pad < 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d channels %d->%d input %dx%d kernel %d pad %d", op, n, cin, cout, h, w, k, pad))
	}
	oh, ow = h+2*pad-k+1, w+2*pad-k+1
	if oh <= 0 || ow <= 0 {
		panic(fmt.Sprintf("nn: %s: kernel %dx%d with padding %d does not fit a %dx%d input", op, k, k, pad, h, w))
	}
	return oh, ow
}

// Conv2DForward computes a 2-d convolution (cross-correlation, as in PyTorch) with stride
// 1 and zero padding pad on every side:
//
//	out[i][o][y][x] = b[o] + sum over c, u, v of w[o][c][u][v] * in[i][c][y+u-pad][x+v-pad]
//
// in is n x cin x h x w, w is cout x cin x k x k, b has cout values (nil for none), and
// out is n x cout x oh x ow with oh = h+2*pad-k+1, ow = w+2*pad-k+1. Each image is an
// im2col matrix product; images are split over goroutines.
func Conv2DForward(out, in, w, b []float32, n, cin, h, wd, cout, k, pad int) {
	const op = "Conv2D forward"
	oh, ow := convDims(op, n, cin, h, wd, cout, k, pad)
	kk, p := cin*k*k, oh*ow
	checkLen(op, "input", in, n*cin*h*wd)
	checkLen(op, "weights", w, cout*kk)
	checkLen(op, "output", out, n*cout*p)
	if b != nil {
		checkLen(op, "bias", b, cout)
	}
	parallelFor(n, func(_, lo, hi int) {
		col := getScratch(kk * p)
		defer putScratch(col)
		for i := lo; i < hi; i++ {
			o := out[i*cout*p : (i+1)*cout*p]
			if b != nil {
				for c := 0; c < cout; c++ {
					fill(o[c*p:(c+1)*p], b[c])
				}
			} else {
				clear(o)
			}
			img := in[i*cin*h*wd : (i+1)*cin*h*wd]
			if k == 1 && pad == 0 {
				Sgemm(false, false, cout, p, kk, 1, w, kk, img, p, 1, o, p)
				continue
			}
			im2col(col.buf, img, cin, h, wd, k, pad, oh, ow)
			Sgemm(false, false, cout, p, kk, 1, w, kk, col.buf, p, 1, o, p)
		}
	})
}

// Conv2DBackward computes the gradients of Conv2DForward (same sizes): dIn = dL/din
// (overwritten; nil skips it), and dW, dB accumulate dL/dw and dL/db (dB may be nil).
func Conv2DBackward(dIn, dW, dB, dOut, in, w []float32, n, cin, h, wd, cout, k, pad int) {
	const op = "Conv2D backward"
	oh, ow := convDims(op, n, cin, h, wd, cout, k, pad)
	kk, p := cin*k*k, oh*ow
	checkLen(op, "input", in, n*cin*h*wd)
	checkLen(op, "weights", w, cout*kk)
	checkLen(op, "output gradient", dOut, n*cout*p)
	checkLen(op, "weight gradient", dW, cout*kk)
	if dB != nil {
		checkLen(op, "bias gradient", dB, cout)
	}
	if dIn != nil {
		checkLen(op, "input gradient", dIn, n*cin*h*wd)
	}
	workers := numWorkers(n)
	// Worker 0 accumulates straight into dW and dB; the others into partials summed after.
	parts := getScratch((workers - 1) * (cout*kk + cout))
	defer putScratch(parts)
	clear(parts.buf)
	parallelFor(n, func(wk, lo, hi int) {
		gw, gb := dW, dB
		if wk > 0 {
			off := (wk - 1) * (cout*kk + cout)
			gw = parts.buf[off : off+cout*kk]
			gb = parts.buf[off+cout*kk : off+cout*kk+cout]
		}
		col := getScratch(kk * p)
		defer putScratch(col)
		var dcol *scratch
		if dIn != nil {
			dcol = getScratch(kk * p)
			defer putScratch(dcol)
		}
		for i := lo; i < hi; i++ {
			g := dOut[i*cout*p : (i+1)*cout*p]
			img := in[i*cin*h*wd : (i+1)*cin*h*wd]
			direct := k == 1 && pad == 0
			c := img
			if !direct {
				im2col(col.buf, img, cin, h, wd, k, pad, oh, ow)
				c = col.buf
			}
			Sgemm(false, true, cout, kk, p, 1, g, p, c, p, 1, gw, kk)
			if gb != nil {
				for o := 0; o < cout; o++ {
					gb[o] += sum32(g[o*p : (o+1)*p])
				}
			}
			if dIn != nil {
				di := dIn[i*cin*h*wd : (i+1)*cin*h*wd]
				if direct {
					Sgemm(true, false, kk, p, cout, 1, w, kk, g, p, 0, di, p)
					continue
				}
				Sgemm(true, false, kk, p, cout, 1, w, kk, g, p, 0, dcol.buf, p)
				col2im(di, dcol.buf, cin, h, wd, k, pad, oh, ow)
			}
		}
	})
	for wk := 1; wk < workers; wk++ {
		off := (wk - 1) * (cout*kk + cout)
		axpy(dW[:cout*kk], parts.buf[off:off+cout*kk])
		if dB != nil {
			axpy(dB[:cout], parts.buf[off+cout*kk:off+cout*kk+cout])
		}
	}
}

// im2col writes the (cin*k*k) x (oh*ow) patch matrix of one image: row (c*k+u)*k+v holds
// img[c][y+u-pad][x+v-pad] for every output position (y, x), zero outside the image.
func im2col(col, img []float32, cin, h, w, k, pad, oh, ow int) {
	p := oh * ow
	for c := 0; c < cin; c++ {
		plane := img[c*h*w : (c+1)*h*w]
		for u := 0; u < k; u++ {
			for v := 0; v < k; v++ {
				row := col[((c*k+u)*k+v)*p : ((c*k+u)*k+v+1)*p]
				x0, x1 := max(0, pad-v), min(ow, w+pad-v) // output columns inside the image
				for y := 0; y < oh; y++ {
					r := row[y*ow : (y+1)*ow]
					iy := y + u - pad
					if iy < 0 || iy >= h || x0 >= x1 {
						clear(r)
						continue
					}
					clear(r[:x0])
					copy(r[x0:x1], plane[iy*w+x0+v-pad:iy*w+x1+v-pad])
					clear(r[x1:])
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it overwrites img with the sum, over every patch
// position, of the column values that came from each pixel.
func col2im(img, col []float32, cin, h, w, k, pad, oh, ow int) {
	p := oh * ow
	clear(img[:cin*h*w])
	for c := 0; c < cin; c++ {
		plane := img[c*h*w : (c+1)*h*w]
		for u := 0; u < k; u++ {
			for v := 0; v < k; v++ {
				row := col[((c*k+u)*k+v)*p : ((c*k+u)*k+v+1)*p]
				x0, x1 := max(0, pad-v), min(ow, w+pad-v)
				if x0 >= x1 {
					continue
				}
				for y := 0; y < oh; y++ {
					iy := y + u - pad
					if iy < 0 || iy >= h {
						continue
					}
					axpy(plane[iy*w+x0+v-pad:iy*w+x1+v-pad], row[y*ow+x0:y*ow+x1])
				}
			}
		}
	}
}

// axpy adds x to y elementwise (len(y) elements).
func axpy(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += x[i]
	}
}

func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// sum32 sums x in float32 with four partial sums (faster and more accurate than one).
func sum32(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}
