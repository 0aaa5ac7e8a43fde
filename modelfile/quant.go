package modelfile

import (
	"fmt"
	"math"
)

// quantize stores data, viewed as rows equal slices, as int8 bytes with one scale per row:
// scale = maxabs/127 and q = round(x/scale), so |x - q*scale| <= scale/2. An all-zero row
// has scale 0. Values must be finite.
func quantize(name string, data []float32, rows int, q []byte, scales []float32) error {
	if rows == 0 {
		return nil
	}
	n := len(data) / rows
	for r := range rows {
		row := data[r*n : (r+1)*n]
		var maxabs float32
		for i, x := range row {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%w: tensor %q: int8 needs finite values, element %d is %v",
					ErrInvalid, name, r*n+i, x)
			}
			maxabs = max(maxabs, float32(math.Abs(float64(x))))
		}
		s := maxabs / 127
		scales[r] = s
		out := q[r*n : (r+1)*n]
		if s == 0 {
			clear(out)
			continue
		}
		for i, x := range row {
			// In float64 x/s is exact enough to round right and cannot overflow.
			v := math.RoundToEven(float64(x) / float64(s))
			out[i] = byte(int8(max(-127, min(127, v))))
		}
	}
	return nil
}

// dequantize is the inverse of quantize: data[i] = int8(q[i]) * scale of its row.
func dequantize(q []byte, scales []float32, data []float32) {
	if len(scales) == 0 {
		return
	}
	n := len(q) / len(scales)
	for r, s := range scales {
		for i, v := range q[r*n : (r+1)*n] {
			data[r*n+i] = float32(int8(v)) * s
		}
	}
}
