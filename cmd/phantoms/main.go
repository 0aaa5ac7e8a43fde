// Command phantoms writes a contact sheet of the synthetic CT phantoms: one row per
// organ class, n samples per row, for the axial view, the coronal view or both side by
// side, each image enlarged (nearest neighbour) so that a person can look at it.
//
//	go run ./cmd/phantoms -o /tmp/phantoms.png -n 8 -seed 1 -view both
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/fusionlens/fusionlens/phantom"
)

func main() {
	out := flag.String("o", "phantoms.png", "output PNG file")
	n := flag.Int("n", 8, "samples per class and view")
	seed := flag.Uint64("seed", 1, "random seed")
	view := flag.String("view", "both", "axial, coronal or both")
	scale := flag.Int("scale", 4, "enlargement factor (nearest neighbour)")
	flag.Parse()
	if err := run(*out, *n, *seed, *view, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "phantoms:", err)
		os.Exit(1)
	}
}

func run(out string, n int, seed uint64, viewName string, scale int) error {
	if n < 1 || n > 100 || scale < 1 || scale > 32 {
		return fmt.Errorf("-n %d must be in 1..100 and -scale %d in 1..32", n, scale)
	}
	var views []phantom.View
	if viewName == "both" {
		views = []phantom.View{phantom.Axial, phantom.Coronal}
	} else {
		v, err := phantom.ParseView(viewName)
		if err != nil {
			return err
		}
		views = []phantom.View{v}
	}
	const label, header, gap, pad = 96, 20, 16, 2
	cell := phantom.Size*scale + pad
	block := n * cell
	w := label + len(views)*block + (len(views)-1)*gap
	h := header + phantom.NumClasses*cell
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
	text := func(x, y int, s string) {
		d.Dot = fixed.P(x, y)
		d.DrawString(s)
	}
	buf := make([]float32, phantom.Pixels)
	for vi, v := range views {
		x0 := label + vi*(block+gap)
		text(x0, 14, fmt.Sprintf("%s (synthetic, seed %d)", v, seed))
		for c := range phantom.NumClasses {
			y0 := header + c*cell
			if vi == 0 {
				text(4, y0+cell/2+4, phantom.ClassNames[c])
			}
			for k := range n {
				rng := rand.New(rand.NewPCG(seed, uint64(c*1000+k)<<1|uint64(v)))
				phantom.Generate(c, v, rng, buf)
				for y := range phantom.Size * scale {
					for x := range phantom.Size * scale {
						g := uint8(buf[(y/scale)*phantom.Size+x/scale]*255 + 0.5)
						img.SetRGBA(x0+k*cell+x, y0+y, color.RGBA{g, g, g, 255})
					}
				}
			}
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
