package ctimage

import (
	"math"
	"strconv"
)

// Conversions lists, in words for people, what decoding changed or dropped on the way
// from the file to the network's 28x28 grey image: colour converted to grey, frames
// beyond the first ignored, a centre crop, resampling, values clipped by the window, and
// samples deeper than 8 bits. Every user interface that shows an image's source (the
// page, cmd/explain) shows these, so that no lossy step passes in silence. Empty when
// the file was used as it is.
func (in Info) Conversions() []string {
	var out []string
	if in.Colour {
		out = append(out, "colour shown as grey")
	}
	if in.Frames > 1 {
		out = append(out, "frame 1 of "+strconv.Itoa(in.Frames))
	}
	side := in.Crop.Dx()
	if side > 0 && (side != in.Width || in.Crop.Dy() != in.Height) {
		out = append(out, "centre "+strconv.Itoa(side)+"×"+strconv.Itoa(in.Crop.Dy())+" used")
	}
	if side > 0 && side != Size {
		out = append(out, "resampled from "+strconv.Itoa(side)+"×"+strconv.Itoa(in.Crop.Dy())+
			" to "+strconv.Itoa(Size)+"×"+strconv.Itoa(Size))
	}
	if in.WindowSource != WindowNone && in.Window.valid() {
		// The window's nominal edges (the full-range window spans exactly min..max).
		lo, hi := in.Window.Center-in.Window.Width/2, in.Window.Center+in.Window.Width/2
		if in.ValueMin < lo || in.ValueMax > hi {
			units := in.Units
			if units == "" {
				units = "values"
			}
			out = append(out, units+" outside "+short(lo)+"…"+short(hi)+" clipped by the window")
		}
	}
	if in.BitDepth > 8 {
		out = append(out, strconv.Itoa(in.BitDepth)+"-bit samples scaled to grey levels")
	}
	return out
}

// short formats a value compactly: integers without decimals, others with 4 significant
// digits.
func short(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
