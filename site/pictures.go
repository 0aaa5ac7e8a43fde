package site

import (
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"math"
	"strconv"
	"sync"
)

// Pictures the page shows are small PNGs in data: URLs (the CSP allows img-src data:),
// so nothing needs revoking and the service worker never sees them.

// ImageSide is the side of the network's input image; ImagePixels its pixel count.
const (
	ImageSide   = 28
	ImagePixels = ImageSide * ImageSide
)

// previewMaxSide bounds the preview of an uploaded image: the page shows it at about
// 160 CSS pixels, so larger images are box-filtered down before encoding.
const previewMaxSide = 256

// pngDataURL encodes img, an *image.Gray or *image.RGBA, as a PNG data: URL (encodePNG).
func pngDataURL(img image.Image) (string, error) {
	b, err := encodePNG(img)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b), nil
}

// netImage turns 784 values in [0,1] into a 28x28 grey image (values outside [0,1] are
// clamped; NaN shows black).
func netImage(px []float32) (*image.Gray, error) {
	if len(px) != ImagePixels {
		return nil, errors.New("network image has " + strconv.Itoa(len(px)) + " values, want " + strconv.Itoa(ImagePixels))
	}
	g := image.NewGray(image.Rect(0, 0, ImageSide, ImageSide))
	for i, v := range px {
		g.Pix[i] = unit8(float64(v))
	}
	return g, nil
}

// netImageOf turns an image of shape (channel-major values in [0,1]) into the picture
// of the network's view: grey, or RGB for three channels.
func netImageOf(px []float32, shape ImageShape) (image.Image, error) {
	if shape == paperShape {
		return netImage(px)
	}
	n := shape.Size * shape.Size
	if len(px) != shape.Pixels() {
		return nil, errors.New("network image has " + strconv.Itoa(len(px)) + " values, want " + shape.String() + " (" + strconv.Itoa(shape.Pixels()) + ")")
	}
	r := image.Rect(0, 0, shape.Size, shape.Size)
	if shape.Channels == 1 {
		g := image.NewGray(r)
		for i, v := range px {
			g.Pix[i] = unit8(float64(v))
		}
		return g, nil
	}
	out := image.NewRGBA(r)
	for i := range n {
		out.Pix[4*i], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = unit8(float64(px[i])), unit8(float64(px[n+i])), unit8(float64(px[2*n+i])), 255
	}
	return out, nil
}

// saliencyImageOf is saliencyImage for an image of any shape: a colour image is shown by
// its luma, and a pixel's saliency is the sum of |s| over its channels.
func saliencyImageOf(px, s []float32, shape ImageShape) (*image.RGBA, float64, error) {
	if shape == paperShape {
		return saliencyImage(px, s)
	}
	n := shape.Size * shape.Size
	if len(px) != shape.Pixels() || len(s) != shape.Pixels() {
		return nil, 0, errors.New("saliency needs " + strconv.Itoa(shape.Pixels()) + " pixels and scores, got " + strconv.Itoa(len(px)) + " and " + strconv.Itoa(len(s)))
	}
	grey, sal := px, s
	if shape.Channels == 3 {
		grey, sal = make([]float32, n), make([]float32, n)
		for i := range n {
			grey[i] = 0.299*px[i] + 0.587*px[n+i] + 0.114*px[2*n+i]
			sal[i] = float32(math.Abs(float64(s[i])) + math.Abs(float64(s[n+i])) + math.Abs(float64(s[2*n+i])))
		}
	}
	return saliencyGrey(grey, sal, shape.Size)
}

// shrink box-filters g by the smallest integer factor that brings its longer side to at
// most max; g itself is returned when it is small enough.
func shrink(g *image.Gray, max int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	k := (maxInt(w, h) + max - 1) / max
	if k <= 1 {
		return g
	}
	ow, oh := w/k, h/k
	if ow < 1 {
		ow = 1
	}
	if oh < 1 {
		oh = 1
	}
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	x0, y0 := g.Rect.Min.X, g.Rect.Min.Y
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			sum := 0
			for dy := 0; dy < k; dy++ {
				row := g.PixOffset(x0+ox*k, y0+oy*k+dy)
				for dx := 0; dx < k; dx++ {
					sum += int(g.Pix[row+dx])
				}
			}
			out.Pix[oy*out.Stride+ox] = uint8((sum + k*k/2) / (k * k))
		}
	}
	return out
}

// saliencyImage blends a heat ramp over the grey 28x28 image: each pixel's opacity
// grows with |s| relative to the largest |s| of the image, so the strongest pixel is
// always fully coloured. It also returns that largest |s|.
func saliencyImage(px []float32, s []float32) (*image.RGBA, float64, error) {
	if len(px) != ImagePixels || len(s) != ImagePixels {
		return nil, 0, errors.New("saliency needs " + strconv.Itoa(ImagePixels) + " pixels and " +
			strconv.Itoa(ImagePixels) + " scores, got " + strconv.Itoa(len(px)) + " and " + strconv.Itoa(len(s)))
	}
	return saliencyGrey(px, s, ImageSide)
}

// saliencyGrey is saliencyImage for a side x side grey image.
func saliencyGrey(px, s []float32, side int) (*image.RGBA, float64, error) {
	peak := 0.0
	for _, v := range s {
		if a := math.Abs(float64(v)); a > peak && !math.IsInf(a, 0) {
			peak = a
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range px {
		t := 0.0
		if peak > 0 {
			t = math.Abs(float64(s[i])) / peak
			if math.IsNaN(t) || t > 1 {
				t = 1
			}
		}
		c := blend(px[i], t)
		out.Pix[4*i+0], out.Pix[4*i+1], out.Pix[4*i+2], out.Pix[4*i+3] = c.R, c.G, c.B, 255
	}
	return out, peak, nil
}

// blend lays the heat colour of relative saliency t in [0,1] over a grey pixel v; the
// opacity grows with sqrt(t) so weak but non-zero saliency stays visible.
func blend(v float32, t float64) color.RGBA {
	grey := float64(unit8(float64(v)))
	hot := heat(t)
	a := 0.85 * math.Sqrt(t)
	mix := func(c uint8) uint8 { return uint8(grey*(1-a) + float64(c)*a + 0.5) }
	return color.RGBA{mix(hot.R), mix(hot.G), mix(hot.B), 255}
}

// heat maps t in [0,1] to a dark-red-to-yellow ramp (legible over grey CT).
func heat(t float64) color.RGBA {
	stops := [...]color.RGBA{{127, 0, 0, 255}, {215, 48, 31, 255}, {252, 141, 89, 255}, {255, 237, 160, 255}}
	x := t * float64(len(stops)-1)
	i := int(x)
	if i >= len(stops)-1 {
		return stops[len(stops)-1]
	}
	f := x - float64(i)
	a, b := stops[i], stops[i+1]
	mix := func(p, q uint8) uint8 { return uint8(float64(p)*(1-f) + float64(q)*f + 0.5) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

func unit8(v float64) uint8 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// saliencyLegend returns a data: URL of the overlay's colour scale, drawn with the same
// blending over mid grey as the overlays (high at the top), computed once.
func saliencyLegend() string {
	legendOnce.Do(func() {
		const n = 64
		img := image.NewRGBA(image.Rect(0, 0, 1, n))
		px := []float32{0.5}
		for y := 0; y < n; y++ {
			t := float64(n-1-y) / (n - 1)
			c := blend(px[0], t)
			img.Pix[4*y], img.Pix[4*y+1], img.Pix[4*y+2], img.Pix[4*y+3] = c.R, c.G, c.B, 255
		}
		legendURL, _ = pngDataURL(img)
	})
	return legendURL
}

var (
	legendOnce sync.Once
	legendURL  string
)
