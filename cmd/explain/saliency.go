package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modality"
)

// saliencyScale is how many output pixels show one of the 28x28 input pixels.
const saliencyScale = 10

// writeSaliency writes, for each image, a PNG of the image (left) beside its saliency
// overlay (right): dp(class 1)/dpixel, red where brightening the pixel raises p, blue
// where it lowers it, opacity growing with the magnitude (scaled to the image's largest).
func writeSaliency(dir string, net *fusion.Net, images [2][]float32, clin []float32) ([]string, error) {
	_, sal, err := net.Saliency(images[:], clin)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for k, name := range []string{modality.CTAxial.ID(), modality.CTCoronal.ID()} {
		path := filepath.Join(dir, name+"_saliency.png")
		if err := writePNG(path, overlay(images[k], sal[k])); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// overlay draws the image and its saliency side by side.
func overlay(img, sal []float32) *image.RGBA {
	const side = 28
	const w = side * saliencyScale
	const gap = 8
	out := image.NewRGBA(image.Rect(0, 0, 2*w+gap, w))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	var maxAbs float64
	for _, v := range sal {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	for y := range w {
		for x := range w {
			i := (y/saliencyScale)*side + x/saliencyScale
			g := clamp(float64(img[i]))
			grey := uint8(math.Round(255 * g))
			out.SetRGBA(x, y, color.RGBA{grey, grey, grey, 255})
			base := 0.55 * g // the image dimmed under the colour
			r, gg, b := base, base, base
			if maxAbs > 0 {
				s := float64(sal[i]) / maxAbs
				a := 0.9 * math.Pow(math.Abs(s), 0.7)
				cr, cg, cb := 0.95, 0.25, 0.15 // raises p
				if s < 0 {
					cr, cg, cb = 0.15, 0.45, 1.0 // lowers p
				}
				r, gg, b = (1-a)*base+a*cr, (1-a)*base+a*cg, (1-a)*base+a*cb
			}
			out.SetRGBA(w+gap+x, y, color.RGBA{byte8(r), byte8(gg), byte8(b), 255})
		}
	}
	return out
}

func clamp(v float64) float64 { return math.Min(1, math.Max(0, v)) }

func byte8(v float64) uint8 { return uint8(math.Round(255 * clamp(v))) }

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
