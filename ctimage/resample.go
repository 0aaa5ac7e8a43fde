package ctimage

import (
	"fmt"
	"math"
)

// tap is one source sample's weight in an output sample.
type tap struct {
	src int
	w   float64
}

// resampleWeights gives, for each of n outputs spanning m inputs, the inputs it reads and
// their weights (summing to 1).
//
// Reducing (m >= n): exact area averaging. Output j covers the interval [j*s, (j+1)*s) of
// the input axis, s = m/n; input i covers [i, i+1) and weighs by the length of the overlap,
// divided by s. A reduction by any factor, integer or not, preserves the mean and cannot
// alias (OpenCV's INTER_AREA; PIL's BOX filter is the same only for integer factors).
//
// Enlarging (m < n): linear interpolation between input pixel centres, output j sampling
// the input at (j+0.5)*m/n - 0.5, clamped at the edges (PIL's BILINEAR when enlarging).
func resampleWeights(m, n int) [][]tap {
	out := make([][]tap, n)
	if m >= n {
		s := float64(m) / float64(n)
		for j := range out {
			a, b := float64(j)*s, float64(j+1)*s
			i0 := int(math.Floor(a))
			i1 := min(int(math.Ceil(b)), m)
			for i := i0; i < i1; i++ {
				ov := math.Min(b, float64(i+1)) - math.Max(a, float64(i))
				if ov > 0 {
					out[j] = append(out[j], tap{i, ov / s})
				}
			}
		}
		return out
	}
	for j := range out {
		x := (float64(j)+0.5)*float64(m)/float64(n) - 0.5
		x = math.Max(0, math.Min(float64(m-1), x))
		i := int(math.Floor(x))
		f := x - float64(i)
		if i+1 < m && f > 0 {
			out[j] = []tap{{i, 1 - f}, {i + 1, f}}
		} else {
			out[j] = []tap{{i, 1}}
		}
	}
	return out
}

// Resampler resizes sh x sw single-channel images to dh x dw along each axis
// separately: exact area averaging where an axis shrinks, linear interpolation where it
// grows (see resampleWeights), accumulating in float64 and clamping the result to [0,1].
// Its weights are computed once, so one Resampler serves a stream of images of one size
// (a MedMNIST split); it is not safe for concurrent use.
type Resampler struct {
	sh, sw, dh, dw int
	rows, cols     [][]tap   // the source rows of each output row; columns likewise
	tmp            []float64 // sh x dw: every source row resampled horizontally
	acc            []float64 // dw: one output row being summed
}

// NewResampler returns a Resampler from sh x sw to dh x dw. Every size must be positive.
func NewResampler(sh, sw, dh, dw int) (*Resampler, error) {
	if sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 {
		return nil, fmt.Errorf("ctimage: resample %dx%d to %dx%d: sizes must be positive", sh, sw, dh, dw)
	}
	return &Resampler{sh: sh, sw: sw, dh: dh, dw: dw,
		rows: resampleWeights(sh, dh), cols: resampleWeights(sw, dw), tmp: make([]float64, sh*dw), acc: make([]float64, dw)}, nil
}

// Resample writes the dh x dw version of src (sh x sw, row-major) into dst. It panics
// if either buffer is too short.
func (r *Resampler) Resample(dst, src []float32) {
	if len(src) < r.sh*r.sw || len(dst) < r.dh*r.dw {
		panic(fmt.Sprintf("ctimage: Resample %dx%d to %dx%d: source has %d values, destination %d",
			r.sh, r.sw, r.dh, r.dw, len(src), len(dst)))
	}
	r.resampleAt(dst, src, r.sw, 0, 0)
}

// resampleAt resamples the sh x sw window at (x0, y0) of a plane with the given row
// stride into dst: rows first, then columns.
func (r *Resampler) resampleAt(dst, plane []float32, stride, x0, y0 int) {
	for y := range r.sh {
		row := plane[(y0+y)*stride+x0 : (y0+y)*stride+x0+r.sw]
		out := r.tmp[y*r.dw : (y+1)*r.dw]
		for j, taps := range r.cols {
			var s float64
			for _, t := range taps {
				s += t.w * float64(row[t.src])
			}
			out[j] = s
		}
	}
	// Each output row is a weighted sum of whole rows of tmp, accumulated row by row
	// (the same additions, in the same order, as per pixel, but reading memory in order).
	acc := r.acc
	for i, taps := range r.rows {
		clear(acc)
		for _, t := range taps {
			in := r.tmp[t.src*r.dw : (t.src+1)*r.dw]
			for j, v := range in {
				acc[j] += t.w * v
			}
		}
		out := dst[i*r.dw : (i+1)*r.dw]
		for j, v := range acc {
			out[j] = clamp01(float32(v))
		}
	}
}

// resampleSquare resamples the side x side square at (x0, y0) of a plane with the given
// stride to n x n.
func resampleSquare(plane []float32, stride, x0, y0, side, n int) []float32 {
	r, err := NewResampler(side, side, n, n)
	if err != nil {
		panic(err) // callers pass a non-empty crop and Size
	}
	out := make([]float32, n*n)
	r.resampleAt(out, plane, stride, x0, y0)
	return out
}
