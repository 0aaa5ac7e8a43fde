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
	Pixels  []float32   // 784 values in [0,1]: the network's 28x28 view
	Preview *image.Gray // the decoded image as displayed (windowed, grey)
	Source  string      // one line describing what was decoded
	DICOM   bool        // monochrome DICOM: the window choice applies
}

// Decode decodes a PNG, JPEG or DICOM file, applying the display window named window
// (one of the Window constants) to monochrome DICOM.
func Decode(data []byte, window string) (Image, error) {
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
		return Image{}, &windowError{window}
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
