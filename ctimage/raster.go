package ctimage

import (
	"image"
	"math"
)

// BT.601 luma weights (ITU-R BT.601, as in JFIF and PIL's convert("L")).
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// lumaPlane returns img as a row-major plane of values in [0,1] and whether the source had
// colour (some pixel not grey; YCbCr always counts). Colour becomes BT.601 luma of the
// alpha-premultiplied samples, i.e. composited over black; YCbCr images give their Y
// channel, which JFIF defines as that luma.
func lumaPlane(img image.Image) ([]float32, bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	p := make([]float32, w*h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			for x, v := range row {
				p[y*w+x] = float32(v) / 255
			}
		}
		return p, false
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+2*w]
			for x := 0; x < w; x++ {
				p[y*w+x] = float32(uint16(row[2*x])<<8|uint16(row[2*x+1])) / 65535
			}
		}
		return p, false
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p[y*w+x] = float32(m.Y[m.YOffset(b.Min.X+x, b.Min.Y+y)]) / 255
			}
		}
		return p, true
	}
	colour := false
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			colour = colour || r != g || g != bl
			v := (lumaR*float64(r) + lumaG*float64(g) + lumaB*float64(bl)) / 65535
			p[y*w+x] = float32(math.Min(1, v))
		}
	}
	return p, colour
}

// preview quantises a plane of values in [0,1] to an 8-bit grey image.
func preview(p []float32, w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range p {
		g.Pix[i] = uint8(math.Round(float64(clamp01(v)) * 255))
	}
	return g
}

func clamp01(v float32) float32 {
	if !(v > 0) { // also catches NaN
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
