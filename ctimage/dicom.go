package ctimage

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// DecodeDICOM decodes one DICOM image: uncompressed (implicit or explicit VR, little or big
// endian, deflated), RLE Lossless, or JPEG baseline/extended with 8-bit samples. Other
// compressions (JPEG 2000, JPEG-LS, lossless JPEG, 12-bit JPEG) are reported as
// ErrUnsupported. A file with a preamble and meta group, or a bare data set, is accepted.
//
// Multi-frame files: the first frame is used and Info.Frames reports how many there are;
// files with more than Limits.MaxFrames frames are rejected.
//
// Monochrome images (MONOCHROME1 shown inverted, MONOCHROME2; 8, 16 or 32 bits allocated;
// signed or unsigned) are rescaled with RescaleSlope/RescaleIntercept, then windowed as
// Options ask. Colour images (RGB, YBR_FULL, YBR_FULL_422) become BT.601 luma scaled by
// the largest stored value, without a window. Palette colour, 1-bit and floating-point
// pixel data are ErrUnsupported. A Modality LUT sequence or VOI LUT sequence is ignored:
// only the linear rescale and window are applied. Enhanced multi-frame objects, which keep
// rescale and window in functional group sequences, are read without them (slope 1,
// intercept 0, no file window).
//
// The file is read by this package's own reader (dicomscan.go), not a general DICOM
// parser: only top-level attributes count, the first occurrence of each; an attribute
// labelled UN, or with letters that are no VR, is read with its dictionary VR, as pydicom
// does; values of other elements are not read at all, so a malformed value in an attribute
// this package does not use does not stop decoding.
func DecodeDICOM(data []byte, opt Options) (out *Image, err error) {
	if err := checkInput(data, FormatDICOM, opt); err != nil {
		return nil, err
	}
	lim := opt.Limits.orDefault()
	// Everything below is checked, but a recover here keeps the promise that nothing
	// panics, which in wasm would kill the page.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, newErr(ErrMalformed, FormatDICOM, nil, "decoding failed unexpectedly: %v", r)
		}
	}()
	sc, err := scanDICOM(data, lim)
	if err != nil {
		return nil, err
	}
	return decodeDataSet(sc, opt, lim)
}

// attrs are the image attributes of a data set.
type attrs struct {
	rows, cols, spp    int
	bitsAlloc, bitsStd int
	highBit            int
	signed             bool
	planar             int
	photometric        string
	frames             int
}

// frameSamples returns the stored sample values of frame 1 of an uncompressed or RLE data
// set (pixel-interleaved), or for JPEG the frame's compressed bytes for the caller to
// decode; other transfer syntaxes are an ErrUnsupported error naming the syntax.
func frameSamples(sc *dcmScan, a attrs) (samples []uint32, jpegFrame []byte, err error) {
	switch {
	case !sc.encapsulated:
		samples, err = nativeSamples(sc.pixels, a, sc.syn.bo)
	case sc.syn.uid == tsRLE:
		var f []byte
		if f, err = firstFrame(sc, a.frames); err == nil {
			samples, err = decodeRLE(f, a.rows, a.cols, a.spp, a.bitsAlloc/8)
		}
	case sc.syn.uid == tsJPEGBase || sc.syn.uid == tsJPEGExt:
		jpegFrame, err = firstFrame(sc, a.frames)
		if err == nil && jpegFrame == nil {
			jpegFrame = []byte{} // an empty frame is still JPEG's to refuse
		}
	default:
		err = newErr(ErrUnsupported, FormatDICOM, nil,
			"pixel data compressed with %s cannot be decoded here; convert the file to uncompressed "+
				"DICOM (for example gdcmconv --raw or dcmdjpeg) or export a PNG", syntaxName(sc.syn.uid))
	}
	return samples, jpegFrame, err
}

func decodeDataSet(sc *dcmScan, opt Options, lim Limits) (*Image, error) {
	a, err := readAttrs(sc)
	if err != nil {
		return nil, err
	}
	info := Info{
		Format:           FormatDICOM,
		Frames:           a.frames,
		BitDepth:         a.bitsStd,
		Modality:         sc.str(tagModality),
		Photometric:      a.photometric,
		TransferSyntax:   sc.syn.uid,
		Signed:           a.signed,
		RescaleSlope:     1,
		RescaleIntercept: 0,
	}
	info.TransferSyntaxGuessed = sc.syn.guessed

	samples, jpegFrame, err := frameSamples(sc, a)
	if err != nil {
		return nil, err
	}
	var colourPlane []float32
	if jpegFrame != nil {
		if samples, colourPlane, err = jpegSamples(jpegFrame, a, lim); err != nil {
			return nil, err
		}
		a.highBit = a.bitsStd - 1 // decoded JPEG samples are plain values, not packed words
	}

	var plane []float32
	switch {
	case colourPlane != nil:
		plane = colourPlane
		info.Colour = true
		info.WindowSource = WindowNone
		info.ValueMin, info.ValueMax = planeRange(plane)
	case a.spp == 3:
		plane = colourLuma(samples, a)
		info.Colour = true
		info.WindowSource = WindowNone
		info.ValueMin, info.ValueMax = planeRange(plane)
	default:
		plane, err = monochrome(sc, samples, a, opt, &info)
		if err != nil {
			return nil, err
		}
	}
	out := finish(plane, a.cols, a.rows)
	ii := out.Info
	info.Width, info.Height, info.Crop = ii.Width, ii.Height, ii.Crop
	out.Info = info
	return out, nil
}

// readAttrs reads and checks the attributes that describe the pixel data.
func readAttrs(sc *dcmScan) (attrs, error) {
	a := attrs{rows: sc.rows, cols: sc.cols, frames: sc.frames, spp: 1}
	var err error
	geti := func(t dcmTag, def int) int {
		if err != nil {
			return 0
		}
		v, ok, e := sc.int(t)
		if e != nil {
			err = e
			return 0
		}
		if !ok {
			return def
		}
		return v
	}
	a.spp = geti(tagSamplesPerPixel, 1)
	a.bitsAlloc = geti(tagBitsAllocated, 0)
	a.bitsStd = geti(tagBitsStored, a.bitsAlloc)
	a.highBit = geti(tagHighBit, a.bitsStd-1)
	a.signed = geti(tagPixelRepresentation, 0) == 1
	a.planar = geti(tagPlanarConfiguration, 0)
	if err != nil {
		return a, err
	}
	a.photometric = strings.ToUpper(sc.str(tagPhotometric))
	if a.photometric == "" && a.spp == 1 {
		a.photometric = "MONOCHROME2"
	}
	switch a.bitsAlloc {
	case 8, 16, 32:
	case 0:
		return a, newErr(ErrMalformed, FormatDICOM, nil, "BitsAllocated is missing")
	default:
		return a, newErr(ErrUnsupported, FormatDICOM, nil, "BitsAllocated %d is not supported (only 8, 16 and 32)", a.bitsAlloc)
	}
	if a.bitsStd < 1 || a.bitsStd > a.bitsAlloc || a.highBit >= a.bitsAlloc || a.highBit+1 < a.bitsStd {
		return a, newErr(ErrMalformed, FormatDICOM, nil, "BitsStored %d and HighBit %d do not fit BitsAllocated %d",
			a.bitsStd, a.highBit, a.bitsAlloc)
	}
	switch {
	case a.spp == 1 && (a.photometric == "MONOCHROME1" || a.photometric == "MONOCHROME2"):
	case a.spp == 3 && (a.photometric == "RGB" || a.photometric == "YBR_FULL" || a.photometric == "YBR_FULL_422"):
	case a.photometric == "PALETTE COLOR":
		return a, newErr(ErrUnsupported, FormatDICOM, nil, "PhotometricInterpretation PALETTE COLOR is not supported")
	default:
		return a, newErr(ErrUnsupported, FormatDICOM, nil,
			"PhotometricInterpretation %s with SamplesPerPixel %d is not supported (MONOCHROME1/2 with 1 sample, RGB or YBR_FULL(_422) with 3)",
			quote.Short(a.photometric), a.spp)
	}
	return a, nil
}

// nativeSamples reads frame 1 of uncompressed pixel data as pixel-interleaved samples.
func nativeSamples(raw []byte, a attrs, bo binary.ByteOrder) ([]uint32, error) {
	bps := a.bitsAlloc / 8
	n := a.rows * a.cols
	frameBytes := n * a.spp * bps
	if a.photometric == "YBR_FULL_422" {
		if a.bitsAlloc != 8 || a.cols%2 == 1 {
			return nil, newErr(ErrUnsupported, FormatDICOM, nil,
				"uncompressed YBR_FULL_422 is supported only with 8 bits and an even number of columns (have %d bits, %d columns)",
				a.bitsAlloc, a.cols)
		}
		frameBytes = n * 2
	}
	if need := int64(frameBytes) * int64(a.frames); int64(len(raw)) < need {
		return nil, newErr(ErrMalformed, FormatDICOM, nil,
			"pixel data has %d bytes; %d frame(s) of %dx%d with %d sample(s) of %d bits need %d",
			len(raw), a.frames, a.cols, a.rows, a.spp, a.bitsAlloc, need)
	}
	raw = raw[:frameBytes]
	out := make([]uint32, n*a.spp)
	if a.photometric == "YBR_FULL_422" {
		// Pairs of pixels are stored Y0 Y1 Cb Cr; only luma is needed, the chroma is copied.
		for p := 0; p < n; p += 2 {
			b := raw[2*p : 2*p+4]
			out[3*p], out[3*p+1], out[3*p+2] = uint32(b[0]), uint32(b[2]), uint32(b[3])
			out[3*p+3], out[3*p+4], out[3*p+5] = uint32(b[1]), uint32(b[2]), uint32(b[3])
		}
		return out, nil
	}
	word := func(i int) uint32 {
		switch bps {
		case 1:
			return uint32(raw[i])
		case 2:
			return uint32(bo.Uint16(raw[2*i:]))
		}
		return bo.Uint32(raw[4*i:])
	}
	if a.spp > 1 && a.planar == 1 {
		// Colour planes one after the other: RRR...GGG...BBB.
		for s := 0; s < a.spp; s++ {
			for p := 0; p < n; p++ {
				out[p*a.spp+s] = word(s*n + p)
			}
		}
		return out, nil
	}
	for i := range out {
		out[i] = word(i)
	}
	return out, nil
}

// firstFrame returns the bytes of frame 1 of encapsulated pixel data: all fragments when
// the file has one frame, else the first fragment when each frame is one fragment.
func firstFrame(sc *dcmScan, frames int) ([]byte, error) {
	if sc.fragments == 0 {
		return nil, newErr(ErrMalformed, FormatDICOM, nil, "encapsulated pixel data holds no fragments")
	}
	if frames == 1 {
		if sc.fragments == 1 {
			var b []byte
			sc.eachFragment(func(f []byte) bool { b = f; return false })
			return b, nil
		}
		b := make([]byte, 0, len(sc.pixels))
		sc.eachFragment(func(f []byte) bool { b = append(b, f...); return true })
		return b, nil
	}
	if sc.fragments != frames {
		return nil, newErr(ErrUnsupported, FormatDICOM, nil,
			"%d frames stored in %d fragments: frames split over several fragments are not supported", frames, sc.fragments)
	}
	var b []byte
	sc.eachFragment(func(f []byte) bool { b = f; return false })
	return b, nil
}

// jpegSamples decodes a JPEG frame. Grey JPEG gives stored values for the monochrome path;
// colour JPEG gives a luma plane directly.
func jpegSamples(f []byte, a attrs, lim Limits) ([]uint32, []float32, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(f))
	if err != nil {
		return nil, nil, stdErr(FormatDICOM, "the JPEG frame header", err)
	}
	if cfg.Width != a.cols || cfg.Height != a.rows {
		return nil, nil, newErr(ErrMalformed, FormatDICOM, nil, "the JPEG frame is %dx%d but Columns x Rows is %dx%d",
			cfg.Width, cfg.Height, a.cols, a.rows)
	}
	if err := checkPixels(FormatDICOM, cfg.Width, cfg.Height, lim); err != nil {
		return nil, nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(f))
	if err != nil {
		return nil, nil, stdErr(FormatDICOM, "decoding the JPEG frame", err)
	}
	if g, ok := img.(*image.Gray); ok && a.spp == 1 {
		out := make([]uint32, a.rows*a.cols)
		for y := 0; y < a.rows; y++ {
			for x := 0; x < a.cols; x++ {
				out[y*a.cols+x] = uint32(g.Pix[y*g.Stride+x])
			}
		}
		return out, nil, nil
	}
	if a.spp == 1 {
		return nil, nil, newErr(ErrMalformed, FormatDICOM, nil, "the JPEG frame is colour but SamplesPerPixel is 1")
	}
	p, _ := lumaPlane(img)
	return nil, p, nil
}

// colourLuma turns pixel-interleaved colour samples into a luma plane in [0,1].
func colourLuma(s []uint32, a attrs) []float32 {
	n := a.rows * a.cols
	maxv := math.Ldexp(1, a.bitsStd) - 1
	shift := uint(a.highBit + 1 - a.bitsStd)
	mask := uint32(math.Ldexp(1, a.bitsStd) - 1)
	p := make([]float32, n)
	for i := 0; i < n; i++ {
		c0 := float64((s[3*i] >> shift) & mask)
		if a.photometric != "RGB" {
			p[i] = float32(c0 / maxv) // YBR: Y is BT.601 luma
			continue
		}
		c1 := float64((s[3*i+1] >> shift) & mask)
		c2 := float64((s[3*i+2] >> shift) & mask)
		p[i] = float32(math.Min(1, (lumaR*c0+lumaG*c1+lumaB*c2)/maxv))
	}
	return p
}

// monochrome rescales the stored values, windows them and fills info.
func monochrome(sc *dcmScan, s []uint32, a attrs, opt Options, info *Info) ([]float32, error) {
	slope, intercept := 1.0, 0.0
	if v, ok, err := sc.floats(tagRescaleSlope); err != nil {
		return nil, err
	} else if ok {
		slope = v[0]
	}
	if v, ok, err := sc.floats(tagRescaleIntercept); err != nil {
		return nil, err
	} else if ok {
		intercept = v[0]
	}
	if !finite(slope) || !finite(intercept) || slope == 0 {
		return nil, newErr(ErrMalformed, FormatDICOM, nil, "RescaleSlope %g and RescaleIntercept %g must be finite, the slope non-zero", slope, intercept)
	}
	info.RescaleSlope, info.RescaleIntercept = slope, intercept
	rtype := strings.TrimSpace(sc.str(tagRescaleType))
	switch {
	case strings.EqualFold(rtype, "HU") || (rtype == "" && strings.EqualFold(info.Modality, "CT")):
		info.Units = "HU"
	default:
		info.Units = rtype
	}

	shift := uint(a.highBit + 1 - a.bitsStd)
	mask := uint32(math.Ldexp(1, a.bitsStd) - 1)
	sign := uint32(1) << uint(a.bitsStd-1)
	vals := make([]float64, len(s))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, w := range s {
		u := (w >> shift) & mask
		var v float64
		if a.signed && u&sign != 0 {
			v = float64(u) - math.Ldexp(1, a.bitsStd)
		} else {
			v = float64(u)
		}
		v = v*slope + intercept
		vals[i] = v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	info.ValueMin, info.ValueMax = lo, hi

	fw, hasFW, err := fileWindow(sc)
	if err != nil {
		return nil, err
	}
	info.FileWindow, info.HasFileWindow = fw, hasFW
	win, src := AbdomenWindow, WindowDefault
	switch opt.WindowSource {
	case WindowAuto, WindowFile:
		switch {
		case hasFW:
			win, src = fw, WindowFile
		case info.Units != "HU":
			// Not Hounsfield units: an abdominal window would show nothing useful.
			win, src = Window{Center: (lo + hi) / 2, Width: hi - lo}, WindowFullRange
		}
	case WindowCustom:
		win, src = opt.Window, WindowCustom
	case WindowFullRange:
		win, src = Window{Center: (lo + hi) / 2, Width: hi - lo}, WindowFullRange
	}
	info.Window, info.WindowSource = win, src

	invert := a.photometric == "MONOCHROME1"
	p := make([]float32, len(vals))
	for i, v := range vals {
		var y float64
		if src == WindowFullRange {
			if hi > lo {
				y = (v - lo) / (hi - lo)
			}
		} else {
			y = win.Apply(v)
		}
		if invert {
			y = 1 - y
		}
		p[i] = float32(y)
	}
	return p, nil
}

// fileWindow returns the first WindowCenter/WindowWidth pair when both are present and
// usable (finite, width >= 1 as DICOM requires).
func fileWindow(sc *dcmScan) (Window, bool, error) {
	c, okc, err := sc.floats(tagWindowCenter)
	if err != nil {
		return Window{}, false, err
	}
	w, okw, err := sc.floats(tagWindowWidth)
	if err != nil {
		return Window{}, false, err
	}
	if !okc || !okw {
		return Window{}, false, nil
	}
	win := Window{Center: c[0], Width: w[0]}
	if !win.valid() || win.Width < 1 {
		return Window{}, false, nil
	}
	return win, true, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
