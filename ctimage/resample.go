package ctimage

import "math"

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

// resampleSquare resamples the side x side square at (x0, y0) of a plane with the given
// stride to n x n, separably (rows, then columns), accumulating in float64.
func resampleSquare(plane []float32, stride, x0, y0, side, n int) []float32 {
	wt := resampleWeights(side, n)
	// Horizontal pass over the rows of the square: side rows x n columns.
	tmp := make([]float64, side*n)
	for y := 0; y < side; y++ {
		row := plane[(y0+y)*stride+x0 : (y0+y)*stride+x0+side]
		for j, taps := range wt {
			var s float64
			for _, t := range taps {
				s += t.w * float64(row[t.src])
			}
			tmp[y*n+j] = s
		}
	}
	out := make([]float32, n*n)
	for i, taps := range wt {
		for j := 0; j < n; j++ {
			var s float64
			for _, t := range taps {
				s += t.w * tmp[t.src*n+j]
			}
			out[i*n+j] = clamp01(float32(s))
		}
	}
	return out
}
