package site

import (
	"math"
	"strconv"

	"github.com/fusionlens/fusionlens/ctimage"
)

// decodeImage decodes a PNG, JPEG or DICOM file into the network's 28x28 image with
// ctimage, applying the chosen display window to monochrome DICOM.
func decodeImage(data []byte, w WindowChoice) (decoded, error) {
	opt := ctimage.Options{}
	switch w {
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
		return decoded{}, &windowError{w}
	}
	img, err := ctimage.Decode(data, opt)
	if err != nil {
		return decoded{}, err
	}
	in := img.Info
	return decoded{
		Pixels:  img.Pixels,
		Preview: img.Preview,
		Source:  describe(in),
		DICOM:   in.Format == ctimage.FormatDICOM && in.WindowSource != ctimage.WindowNone,
	}, nil
}

type windowError struct{ w WindowChoice }

// Error names the unknown window.
func (e *windowError) Error() string { return "unknown window " + strconv.Quote(string(e.w)) }

// describe says in one line what was decoded and how.
func describe(in ctimage.Info) string {
	s := in.Format.String()
	if in.Modality != "" {
		s += " " + in.Modality
	}
	s += " " + strconv.Itoa(in.Width) + "×" + strconv.Itoa(in.Height)
	if in.BitDepth > 0 {
		s += ", " + strconv.Itoa(in.BitDepth) + "-bit"
	}
	if in.Colour {
		s += ", colour shown as grey"
	}
	if in.Frames > 1 {
		s += ", frame 1 of " + strconv.Itoa(in.Frames)
	}
	if in.WindowSource != ctimage.WindowNone {
		units := in.Units
		if units == "" {
			units = "values"
		}
		s += ", " + units + " " + num(in.ValueMin) + "…" + num(in.ValueMax) +
			", window W" + num(in.Window.Width) + "/L" + num(in.Window.Center) + " (" + in.WindowSource.String() + ")"
	}
	if in.Crop.Dx() != in.Width || in.Crop.Dy() != in.Height {
		s += ", centre " + strconv.Itoa(in.Crop.Dx()) + "×" + strconv.Itoa(in.Crop.Dy()) + " used"
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
