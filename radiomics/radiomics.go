// Package radiomics computes a few named measurements of a grey image from the image
// alone: intensity statistics, the area, brightness and place of its bright region, its
// spread and a texture measure. They are the kind of reference features a user has for
// an image without any model of the world that made it (a small, fixed set in the spirit
// of radiomic features), for importance methods that count an image's importance in
// features a person can name (importance.MeasuredGradient).
package radiomics

import (
	"fmt"
	"math"
)

// NumFeatures is how many measurements Measure returns.
const NumFeatures = 10

// Names lists the measurements in Measure's order.
var Names = [NumFeatures]string{
	"mean_intensity",    // mean pixel value
	"sd_intensity",      // standard deviation of the pixel values
	"body_area",         // share of pixels above BodyThreshold
	"bright_area",       // share of pixels above the bright threshold (mean + SD)
	"bright_intensity",  // mean value of the bright pixels
	"bright_row",        // centroid row of the bright pixels, 0 (top) to 1 (bottom)
	"bright_col",        // centroid column of the bright pixels, 0 (left) to 1 (right)
	"row_spread",        // intensity-weighted SD of the row, as a share of the height
	"col_spread",        // intensity-weighted SD of the column, as a share of the width
	"mean_abs_gradient", // texture: mean of |right - here| + |below - here|
}

// BodyThreshold is the value above which a pixel counts as body rather than air
// (images in [0, 1]).
const BodyThreshold = 0.1

// Measure returns the NumFeatures measurements of the w x h image img (row-major, values
// normally in [0, 1]), in the order of Names. The bright region is the pixels above the
// image's mean plus one SD; with no such pixel (a flat image) its intensity is the
// mean and its centroid the image's centre. It fails when the sizes disagree or a value
// is not finite.
func Measure(img []float32, w, h int) ([NumFeatures]float64, error) {
	var out [NumFeatures]float64
	if w < 1 || h < 1 {
		return out, fmt.Errorf("radiomics: image size %dx%d, want at least 1x1", w, h)
	}
	if len(img) != w*h {
		return out, fmt.Errorf("radiomics: image has %d values, want %d x %d = %d", len(img), w, h, w*h)
	}
	n := float64(w * h)
	var sum float64
	for i, v := range img {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return out, fmt.Errorf("radiomics: pixel %d (row %d, column %d) is %v", i, i/w, i%w, v)
		}
		sum += float64(v)
	}
	mean := sum / n
	var ss float64
	for _, v := range img {
		d := float64(v) - mean
		ss += d * d
	}
	sd := math.Sqrt(ss / n)
	bright := mean + sd
	var body, nb, bsum, brow, bcol float64
	var wsum, wr, wc, wrr, wcc float64
	var grad float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := float64(img[y*w+x])
			if v > BodyThreshold {
				body++
			}
			if v > bright {
				nb++
				bsum += v
				brow += float64(y)
				bcol += float64(x)
			}
			if v > 0 {
				fy, fx := float64(y), float64(x)
				wsum += v
				wr += v * fy
				wc += v * fx
				wrr += v * fy * fy
				wcc += v * fx * fx
			}
			if x+1 < w {
				grad += math.Abs(float64(img[y*w+x+1]) - v)
			}
			if y+1 < h {
				grad += math.Abs(float64(img[(y+1)*w+x]) - v)
			}
		}
	}
	out[0], out[1], out[2] = mean, sd, body/n
	out[3] = nb / n
	out[4], out[5], out[6] = mean, 0.5, 0.5
	if nb > 0 {
		out[4] = bsum / nb
		out[5] = brow / nb / float64(max(h-1, 1))
		out[6] = bcol / nb / float64(max(w-1, 1))
	}
	if wsum > 0 {
		mr, mc := wr/wsum, wc/wsum
		out[7] = math.Sqrt(math.Max(wrr/wsum-mr*mr, 0)) / float64(h)
		out[8] = math.Sqrt(math.Max(wcc/wsum-mc*mc, 0)) / float64(w)
	}
	out[9] = grad / n
	return out, nil
}

// MeasureAll measures n images of w x h pixels stored one after another in imgs and
// returns n rows of NumFeatures values.
func MeasureAll(imgs []float32, n, w, h int) ([]float64, error) {
	if n < 0 || w < 1 || h < 1 || len(imgs) != n*w*h {
		return nil, fmt.Errorf("radiomics: %d values for %d images of %dx%d, want %d", len(imgs), n, w, h, max(n, 0)*max(w, 0)*max(h, 0))
	}
	out := make([]float64, n*NumFeatures)
	for i := 0; i < n; i++ {
		m, err := Measure(imgs[i*w*h:(i+1)*w*h], w, h)
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", i, err)
		}
		copy(out[i*NumFeatures:], m[:])
	}
	return out, nil
}
