package site

import (
	"image"
	"image/color"
	"sync/atomic"

	"github.com/vugu/vugu/js"
)

// A preview can be 256x256 pixels, larger than Vugu can pass as an attribute (its
// instruction buffer holds 16 KiB, and a longer attribute stops the page), so previews
// are drawn into a canvas that the page's own code, not Vugu, puts inside an empty
// element. Vugu leaves the children of an element whose template has none alone, and
// setting a canvas's size clears it, which is why Vugu must not own the canvas either.

// pictureGen numbers the pictures drawn, so a canvas knows whether it shows the current one.
var pictureGen atomic.Uint64

func nextPictureGen() uint64 { return pictureGen.Add(1) }

// drawPreview draws the slot's preview into holder (called by Vugu after every render
// of holder, vg-js-populate), creating the canvas on first use and redrawing only when
// the preview changed. It only runs in the browser.
func (sl *ImageSlot) drawPreview(holder js.Value) {
	if sl.preview == nil || !holder.Truthy() {
		return
	}
	cv := holder.Get("firstElementChild")
	if !cv.Truthy() {
		cv = js.Global().Get("document").Call("createElement", "canvas")
		holder.Call("appendChild", cv)
	}
	if g := cv.Get("fusionlensGen"); g.Truthy() && uint64(g.Float()) == sl.previewGen {
		return
	}
	drawGray(cv, sl.preview)
	cv.Set("fusionlensGen", float64(sl.previewGen))
}

// drawNet draws the network's view of a slot whose image is not the paper's 28x28 grey
// (a larger or colour image makes too long a data: URL) into holder, like drawPreview.
func (sl *ImageSlot) drawNet(holder js.Value) { drawInto(holder, sl.netPic, sl.netGen) }

// drawSaliency draws such a slot's saliency picture into holder.
func (sl *ImageSlot) drawSaliency(holder js.Value) { drawInto(holder, sl.salPic, sl.salGen) }

// drawInto draws img (numbered gen) into a canvas inside holder, creating it on first use
// and redrawing only when the picture changed.
func drawInto(holder js.Value, img image.Image, gen uint64) {
	if img == nil || !holder.Truthy() {
		return
	}
	cv := holder.Get("firstElementChild")
	if !cv.Truthy() {
		cv = js.Global().Get("document").Call("createElement", "canvas")
		holder.Call("appendChild", cv)
	}
	if g := cv.Get("fusionlensGen"); g.Truthy() && uint64(g.Float()) == gen {
		return
	}
	b := img.Bounds()
	rgba := rgbaOf(img)
	cv.Set("width", b.Dx())
	cv.Set("height", b.Dy())
	arr := js.Global().Get("Uint8ClampedArray").New(len(rgba.Pix))
	js.CopyBytesToJS(arr, rgba.Pix)
	data := js.Global().Get("ImageData").New(arr, b.Dx(), b.Dy())
	cv.Call("getContext", "2d").Call("putImageData", data, 0, 0)
	cv.Set("fusionlensGen", float64(gen))
}

// drawGray sizes canvas cv to g and draws g into it, opaque.
func drawGray(cv js.Value, g *image.Gray) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	rgba := make([]byte, 4*w*h)
	for y := 0; y < h; y++ {
		row := g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):][:w]
		for x, v := range row {
			i := 4 * (y*w + x)
			rgba[i], rgba[i+1], rgba[i+2], rgba[i+3] = v, v, v, 255
		}
	}
	cv.Set("width", w)
	cv.Set("height", h)
	arr := js.Global().Get("Uint8ClampedArray").New(len(rgba))
	js.CopyBytesToJS(arr, rgba)
	data := js.Global().Get("ImageData").New(arr, w, h)
	cv.Call("getContext", "2d").Call("putImageData", data, 0, 0)
}

// rgbaOf returns img as RGBA pixels with its bounds moved to the origin: a copy of a
// grey or RGBA picture's bytes (the page's two kinds), any other kind converted pixel by
// pixel. It does the one job image/draw's Draw did here without linking that package
// (15 KB of main.wasm's code).
func rgbaOf(img image.Image) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := out.Pix[y*out.Stride:][:4*w]
		switch src := img.(type) {
		case *image.RGBA:
			copy(row, src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:4*w])
		case *image.Gray:
			for x, v := range src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:w] {
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = v, v, v, 255
			}
		default:
			for x := 0; x < w; x++ {
				c := color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
	}
	return out
}
