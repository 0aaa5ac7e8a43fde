package medmnist

// resampler reduces (or enlarges) images by exact area averaging: each output pixel is
// the mean of the source area it covers, partial source pixels weighted by the fraction
// covered. This is the antialiased box filter; it is separable, so rows are resampled
// first, then columns.
type resampler struct {
	sh, sw, dh, dw int
	rows, cols     []taps
	tmp            []float32 // sh x dw
}

// taps are the source pixels and weights of one output pixel along one axis.
type taps struct {
	first int
	w     []float32
}

func newResampler(sh, sw, dh, dw int) *resampler {
	return &resampler{sh: sh, sw: sw, dh: dh, dw: dw,
		rows: boxTaps(sh, dh), cols: boxTaps(sw, dw), tmp: make([]float32, sh*dw)}
}

// boxTaps computes, for each of out output pixels, the overlap of its interval
// [o*in/out, (o+1)*in/out) with each source pixel, normalised to sum 1. Integer
// arithmetic on the scaled grid (source pixel = out units, output pixel = in units)
// keeps the weights exact.
func boxTaps(in, out int) []taps {
	t := make([]taps, out)
	for o := range out {
		lo, hi := o*in, (o+1)*in // in units of 1/out source pixels
		first := lo / out
		var w []float32
		for j := first; j*out < hi; j++ {
			a, b := max(lo, j*out), min(hi, (j+1)*out)
			w = append(w, float32(b-a)/float32(in))
		}
		t[o] = taps{first: first, w: w}
	}
	return t
}

// resample writes the dh x dw version of src (sh x sw) into dst.
func (r *resampler) resample(dst, src []float32) {
	if r.sh == r.dh && r.sw == r.dw {
		copy(dst, src)
		return
	}
	for y := range r.sh {
		row := src[y*r.sw : (y+1)*r.sw]
		out := r.tmp[y*r.dw : (y+1)*r.dw]
		for x, t := range r.cols {
			var s float32
			for k, w := range t.w {
				s += w * row[t.first+k]
			}
			out[x] = s
		}
	}
	for y, t := range r.rows {
		out := dst[y*r.dw : (y+1)*r.dw]
		clear(out)
		for k, w := range t.w {
			in := r.tmp[(t.first+k)*r.dw : (t.first+k+1)*r.dw]
			for x := range out {
				out[x] += w * in[x]
			}
		}
		for x, v := range out { // rounding must not leave [0,1]
			out[x] = min(1, max(0, v))
		}
	}
}
