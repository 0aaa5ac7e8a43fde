// Package imagefile decodes a CT image file a user brings to the page (PNG, JPEG or
// DICOM) with package ctimage: the network's 28x28 image, the picture as displayed and
// one line saying what was decoded and how.
//
// It is its own package, importing nothing of the site, so that the page's main.wasm
// does not link it: decoding runs in a Web Worker (check.wasm, see ./wasm/check), which
// keeps ctimage, image/png, image/jpeg and compress/flate (about 0.13 MB gzip) out of
// the page. Native programs and tests call it directly.
package imagefile

import (
	"image"
	"math"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/ctimage"
)

// The display windows for monochrome DICOM, by the names the page uses.
const (
	WindowAuto    = "auto"    // the file's own window, else abdomen ("" means the same)
	WindowAbdomen = "abdomen" // W400/L50
	WindowLung    = "lung"    // W1500/L-600
	WindowBone    = "bone"    // W1800/L400
	WindowFull    = "full"    // the image's full value range
)

// Image is what the page needs from a decoded file.
type Image struct {
	Pixels  []float32   // the network's view in [0,1]: 784 values (28x28) from Decode; see DecodeAs
	Preview *image.Gray // the decoded image as displayed (windowed, grey)
	Source  string      // one line describing what was decoded
	DICOM   bool        // monochrome DICOM: the window choice applies
}

// Decode decodes a PNG, JPEG or DICOM file, applying the display window named window
// (one of the Window constants) to monochrome DICOM.
func Decode(data []byte, window string) (Image, error) {
	opt, err := options(window)
	if err != nil {
		return Image{}, err
	}
	img, err := ctimage.Decode(data, opt)
	if err != nil {
		return Image{}, err
	}
	in := img.Info
	return Image{
		Pixels:  img.Pixels,
		Preview: img.Preview,
		Source:  describe(in),
		DICOM:   in.Format == ctimage.FormatDICOM && in.WindowSource != ctimage.WindowNone,
	}, nil
}

// DecodeAs decodes a file for an image input of size x size pixels with channels 1
// (grey) or 3 (RGB): Pixels holds channels x size x size values, channel-major. The
// paper's input (28, 1) decodes exactly as Decode does. Otherwise the file is decoded
// at full size keeping colour (ctimage.DecodePlanes), its centred square resampled to
// size; a colour image for a grey input becomes its luma (ITU-R BT.601), a grey image
// for an RGB input is repeated in the three channels, and Source says so.
func DecodeAs(data []byte, window string, size, channels int) (Image, error) {
	if size == 28 && channels == 1 {
		return Decode(data, window)
	}
	if size < 1 || size > 4096 || (channels != 1 && channels != 3) {
		return Image{}, &shapeError{size, channels}
	}
	opt, err := options(window)
	if err != nil {
		return Image{}, err
	}
	p, err := ctimage.DecodePlanes(data, opt)
	if err != nil {
		return Image{}, err
	}
	px := p.Square(size)
	in := p.Info
	// Colour is kept, or converted below and said so there.
	src := strings.Replace(describe(in), ", colour shown as grey", "", 1)
	n := size * size
	switch {
	case p.Channels == 3 && channels == 1:
		px = luma(px, n)
		src += ", colour read as grey"
	case p.Channels == 1 && channels == 3:
		px = append(append(px, px...), px...)
		src += ", grey repeated in red, green and blue"
	}
	return Image{
		Pixels:  px,
		Preview: preview(p),
		Source:  src + ", resampled to " + strconv.Itoa(size) + "×" + strconv.Itoa(size),
		DICOM:   in.Format == ctimage.FormatDICOM && in.WindowSource != ctimage.WindowNone,
	}, nil
}

// luma returns the grey plane (n values) of three colour planes by ITU-R BT.601.
func luma(rgb []float32, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = 0.299*rgb[i] + 0.587*rgb[n+i] + 0.114*rgb[2*n+i]
	}
	return out
}

// preview is the decoded image as displayed, grey (colour by its luma), at full size.
func preview(p *ctimage.Planes) *image.Gray {
	n := p.Width * p.Height
	g := p.Pix[:n]
	if p.Channels == 3 {
		g = luma(p.Pix, n)
	}
	img := image.NewGray(image.Rect(0, 0, p.Width, p.Height))
	for i, v := range g {
		img.Pix[i] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
	}
	return img
}

type shapeError struct{ size, channels int }

// Error names the image shape that cannot be decoded to.
func (e *shapeError) Error() string {
	return "cannot decode to " + strconv.Itoa(e.channels) + " channels of " + strconv.Itoa(e.size) + "x" + strconv.Itoa(e.size) + ": want 1 or 3 channels of 1..4096 pixels"
}

// options are ctimage's options for the window named window.
func options(window string) (ctimage.Options, error) {
	opt := ctimage.Options{}
	switch window {
	case WindowAuto, "":
		opt.WindowSource = ctimage.WindowAuto
	case WindowAbdomen:
		opt.WindowSource = ctimage.WindowCustom
		opt.Window = ctimage.AbdomenWindow
	case WindowLung:
		opt.WindowSource = ctimage.WindowCustom
		opt.Window = ctimage.LungWindow
	case WindowBone:
		opt.WindowSource = ctimage.WindowCustom
		opt.Window = ctimage.BoneWindow
	case WindowFull:
		opt.WindowSource = ctimage.WindowFullRange
	default:
		return ctimage.Options{}, &windowError{window}
	}
	return opt, nil
}

type windowError struct{ w string }

// Error names the unknown window.
func (e *windowError) Error() string { return "unknown window " + strconv.Quote(e.w) }

// describe says in one line what was decoded and how.
func describe(in ctimage.Info) string {
	s := in.Format.String()
	if in.Modality != "" {
		s += " " + in.Modality
	}
	s += " " + strconv.Itoa(in.Width) + "×" + strconv.Itoa(in.Height)
	if in.BitDepth > 0 && in.BitDepth <= 8 {
		s += ", " + strconv.Itoa(in.BitDepth) + "-bit"
	}
	if in.WindowSource != ctimage.WindowNone {
		units := in.Units
		if units == "" {
			units = "values"
		}
		s += ", " + units + " " + num(in.ValueMin) + "…" + num(in.ValueMax) +
			", window W" + num(in.Window.Width) + "/L" + num(in.Window.Center) + " (" + in.WindowSource.String() + ")"
	}
	// What was changed or dropped on the way to 28x28, in the words cmd/explain uses.
	for _, c := range in.Conversions() {
		s += ", " + c
	}
	return s
}

// num formats a value compactly: integers without decimals, others with up to 3
// significant digits after the point.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
