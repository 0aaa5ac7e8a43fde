package nn

import "fmt"

func poolDims(op string, n, c, h, w int) (oh, ow int) {
	if n < 0 || c <= 0 || h < 2 || w < 2 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d channels %d input %dx%d (need at least 2x2)", op, n, c, h, w))
	}
	return h / 2, w / 2
}

// MaxPool2Forward takes the maximum over 2x2 windows with stride 2 (odd trailing rows or
// columns are dropped, as PyTorch does). in is n x c x h x w, out is n x c x h/2 x w/2, and
// idx (same size as out) records the flat index into in of each maximum, for the backward.
// Ties go to the first window element in row-major order.
func MaxPool2Forward(out []float32, idx []int32, in []float32, n, c, h, w int) {
	const op = "MaxPool2 forward"
	oh, ow := poolDims(op, n, c, h, w)
	checkLen(op, "input", in, n*c*h*w)
	checkLen(op, "output", out, n*c*oh*ow)
	if len(idx) < n*c*oh*ow {
		panic(fmt.Sprintf("nn: %s: index buffer has %d elements, need %d", op, len(idx), n*c*oh*ow))
	}
	parallelFor(n*c, func(_, lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			base := pl * h * w
			o := out[pl*oh*ow : (pl+1)*oh*ow]
			ix := idx[pl*oh*ow : (pl+1)*oh*ow]
			for y := 0; y < oh; y++ {
				r0 := in[base+2*y*w : base+2*y*w+w]
				r1 := in[base+(2*y+1)*w : base+(2*y+1)*w+w]
				for x := 0; x < ow; x++ {
					m, mi := r0[2*x], 2*y*w+2*x
					if v := r0[2*x+1]; v > m {
						m, mi = v, 2*y*w+2*x+1
					}
					if v := r1[2*x]; v > m {
						m, mi = v, (2*y+1)*w+2*x
					}
					if v := r1[2*x+1]; v > m {
						m, mi = v, (2*y+1)*w+2*x+1
					}
					o[y*ow+x] = m
					ix[y*ow+x] = int32(base + mi)
				}
			}
		}
	})
}

// MaxPool2Backward routes each output gradient to the input element that was the maximum:
// dIn (n x c x h x w) is overwritten.
func MaxPool2Backward(dIn, dOut []float32, idx []int32, n, c, h, w int) {
	const op = "MaxPool2 backward"
	oh, ow := poolDims(op, n, c, h, w)
	checkLen(op, "input gradient", dIn, n*c*h*w)
	checkLen(op, "output gradient", dOut, n*c*oh*ow)
	if len(idx) < n*c*oh*ow {
		panic(fmt.Sprintf("nn: %s: index buffer has %d elements, need %d", op, len(idx), n*c*oh*ow))
	}
	parallelFor(n*c, func(_, lo, hi int) {
		clear(dIn[lo*h*w : hi*h*w])
		for j := lo * oh * ow; j < hi*oh*ow; j++ {
			dIn[idx[j]] += dOut[j]
		}
	})
}
