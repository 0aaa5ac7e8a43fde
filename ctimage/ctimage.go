// Package ctimage turns an image a user brings — PNG (8- or 16-bit, grey or colour), JPEG or
// DICOM — into the 28x28 float32 image in [0,1] that the network reads (784 values,
// row-major), and a full-size greyscale preview for display.
//
// The pipeline is: detect the format from the bytes; check the size limits before decoding;
// decode; for DICOM apply RescaleSlope/RescaleIntercept (Hounsfield units for CT) and a
// display window (the file's, a default abdominal window W400/L50, or the caller's); for
// colour convert to ITU-R BT.601 luma; crop the centred square; resample it to 28x28 by
// exact area averaging (every source pixel weighted by the fraction of it an output pixel
// covers, so nothing aliases however large the reduction) or, for sources smaller than
// 28x28, by bilinear interpolation between pixel centres.
//
// DICOM is read by a small reader of this package's own, not a general DICOM library: it
// walks the data set element by element (implicit VR little endian, explicit VR little and
// big endian, deflated; with or without preamble and meta group), checks every length
// against its container and the file before using it, and keeps only the attributes the
// pipeline needs — Rows, Columns, the sample format, PhotometricInterpretation,
// NumberOfFrames, rescale, window, Modality — and the pixel data, as slices of the input.
// Pixel decoding (native, RLE, JPEG baseline) is also this package's. With no data
// dictionary to link, the browser build is about 0.9 MB (gzip) smaller and starts faster.
//
// Nothing here panics on bad input: every failure is an *Error whose Kind says which
// problem it is (ErrEmpty, ErrUnknownFormat, ErrTooLarge, ErrTruncated, ErrMalformed,
// ErrUnsupported, ErrOption) and whose text says why, with the numbers involved.
package ctimage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strings"
)

// Size is the side of the network's input image, and NumPixels its pixel count.
const (
	Size      = 28
	NumPixels = Size * Size
)

// Format is an input file format.
type Format int

// The formats Decode recognises.
const (
	FormatUnknown Format = iota
	FormatPNG
	FormatJPEG
	FormatDICOM
)

// String returns "PNG", "JPEG", "DICOM" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatPNG:
		return "PNG"
	case FormatJPEG:
		return "JPEG"
	case FormatDICOM:
		return "DICOM"
	}
	return "unknown"
}

// Window is a display window on rescaled values (Hounsfield units for CT): values at or
// below Center-Width/2 show black, values above Center+Width/2 show white.
type Window struct {
	Center float64
	Width  float64
}

// Named windows (centre/level and width in HU) a UI can offer.
var (
	// AbdomenWindow (W400/L50) is the soft-tissue abdominal window, the default when a file
	// carries no window of its own.
	AbdomenWindow = Window{Center: 50, Width: 400}
	// LungWindow is W1500/L-600.
	LungWindow = Window{Center: -600, Width: 1500}
	// BoneWindow is W1800/L400.
	BoneWindow = Window{Center: 400, Width: 1800}
)

// Apply maps a rescaled value to [0,1] with the DICOM LINEAR VOI function (PS3.3
// C.11.2.1.2.1) when Width >= 1, and with LINEAR_EXACT for narrower windows (which
// LINEAR does not define).
func (w Window) Apply(x float64) float64 {
	if w.Width >= 1 {
		lo := w.Center - 0.5 - (w.Width-1)/2
		hi := w.Center - 0.5 + (w.Width-1)/2
		switch {
		case x <= lo:
			return 0
		case x > hi:
			return 1
		}
		return (x-(w.Center-0.5))/(w.Width-1) + 0.5
	}
	y := (x-w.Center)/w.Width + 0.5
	return math.Min(1, math.Max(0, y))
}

func (w Window) valid() bool {
	return !math.IsNaN(w.Center) && !math.IsInf(w.Center, 0) &&
		!math.IsNaN(w.Width) && !math.IsInf(w.Width, 0) && w.Width > 0
}

// WindowSource says which window to apply to a monochrome DICOM image (in Options) and
// which one was applied (in Info).
type WindowSource int

const (
	// WindowAuto (the zero value, requests only) uses the file's window when it has a valid
	// one, else AbdomenWindow for values in Hounsfield units (CT), else WindowFullRange.
	WindowAuto WindowSource = iota
	// WindowFile is the file's own WindowCenter/WindowWidth (the first value when
	// multi-valued). As a request it behaves like WindowAuto.
	WindowFile
	// WindowDefault is AbdomenWindow.
	WindowDefault
	// WindowCustom is Options.Window.
	WindowCustom
	// WindowFullRange maps the smallest rescaled value of the image to 0 and the largest to 1.
	WindowFullRange
	// WindowNone (reports only) means no window applied: PNG, JPEG or colour DICOM.
	WindowNone
)

// String names the source ("auto", "file", "default", "custom", "full range", "none").
func (s WindowSource) String() string {
	switch s {
	case WindowAuto:
		return "auto"
	case WindowFile:
		return "file"
	case WindowDefault:
		return "default"
	case WindowCustom:
		return "custom"
	case WindowFullRange:
		return "full range"
	case WindowNone:
		return "none"
	}
	return fmt.Sprintf("WindowSource(%d)", int(s))
}

// Limits bound what a decoder accepts, checked before the expensive work. A zero or negative
// field takes its DefaultLimits value.
type Limits struct {
	MaxBytes  int64 // size of the input in bytes (and of a deflated DICOM data set once inflated)
	MaxPixels int   // width*height of one image or frame
	MaxFrames int   // frames in a multi-frame DICOM (only the first is used)
}

// DefaultLimits returns 64 MiB, 4096x4096 pixels and 1024 frames: far above one CT slice
// (512x512x2 bytes) or a phone photo, far below what would exhaust a browser tab.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 64 << 20, MaxPixels: 4096 * 4096, MaxFrames: 1024}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxFrames <= 0 {
		l.MaxFrames = d.MaxFrames
	}
	return l
}

// Options control decoding. The zero value is ready to use: the file's window (else
// AbdomenWindow) and DefaultLimits.
type Options struct {
	WindowSource WindowSource // which window for monochrome DICOM; see WindowSource
	Window       Window       // the window used when WindowSource is WindowCustom
	Limits       Limits       // size limits; zero fields take DefaultLimits values
}

func (o Options) check() error {
	switch o.WindowSource {
	case WindowAuto, WindowFile, WindowDefault, WindowFullRange:
	case WindowCustom:
		if !o.Window.valid() {
			return newErr(ErrOption, FormatUnknown, nil,
				"custom window (center %g, width %g) needs a finite center and a finite width above 0",
				o.Window.Center, o.Window.Width)
		}
	default:
		return newErr(ErrOption, FormatUnknown, nil, "window source %v cannot be requested", o.WindowSource)
	}
	return nil
}

// Info describes what was decoded and how, so a UI can show it.
type Info struct {
	Format   Format
	Width    int             // decoded image (first frame) width in pixels
	Height   int             // decoded image height in pixels
	Crop     image.Rectangle // the centred square of the decoded image resampled to 28x28
	Frames   int             // frames in the file (1 unless multi-frame DICOM); the first is used
	Colour   bool            // the source had colour samples, converted to BT.601 luma
	BitDepth int             // bits per sample of the source (DICOM: BitsStored)

	// ValueMin and ValueMax are the range of the values the window was applied to: for
	// monochrome DICOM the rescaled values (Hounsfield units for CT), otherwise the
	// grey values in [0,1].
	ValueMin, ValueMax float64
	Units              string       // "HU" for CT (or RescaleType "HU"), else RescaleType if given, else ""
	Window             Window       // the window applied (monochrome DICOM only)
	WindowSource       WindowSource // where Window came from; WindowNone when none was applied

	// DICOM only.
	Modality       string // (0008,0060), e.g. "CT"
	Photometric    string // (0028,0004), e.g. "MONOCHROME2"
	TransferSyntax string // the transfer syntax UID of the data set
	// TransferSyntaxGuessed: the file named no transfer syntax, or its elements were not
	// written in the one it named, and the encoding that parses was found by trying each.
	TransferSyntaxGuessed bool
	Signed                bool    // PixelRepresentation 1
	RescaleSlope          float64 // 1 when absent
	RescaleIntercept      float64 // 0 when absent
	FileWindow            Window  // the file's first WindowCenter/WindowWidth, when HasFileWindow
	HasFileWindow         bool
}

// Image is a decoded input: the network's 28x28 image, a preview and a description.
type Image struct {
	// Pixels holds NumPixels values in [0,1], row-major: Pixels[y*Size+x].
	Pixels []float32
	// Preview is the whole decoded image (Info.Width x Info.Height) after windowing and grey
	// conversion, for display.
	Preview *image.Gray
	Info    Info
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Sniff detects the format from the first bytes: the PNG signature, the JPEG start-of-image
// marker FFD8, "DICM" at offset 128, or — for DICOM written without the 128-byte preamble —
// a first element in group 0002 or 0008 in either byte order.
func Sniff(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, pngSignature):
		return FormatPNG
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xD8:
		return FormatJPEG
	case len(data) >= 132 && string(data[128:132]) == "DICM":
		return FormatDICOM
	case len(data) >= 8:
		le := binary.LittleEndian.Uint16(data)
		be := binary.BigEndian.Uint16(data)
		if le == 0x0002 || le == 0x0008 || be == 0x0008 {
			return FormatDICOM
		}
	}
	return FormatUnknown
}

// Decode detects the format of data and decodes it with DecodePNG, DecodeJPEG or DecodeDICOM.
func Decode(data []byte, opt Options) (*Image, error) {
	if err := checkInput(data, FormatUnknown, opt); err != nil {
		return nil, err
	}
	switch Sniff(data) {
	case FormatPNG:
		return DecodePNG(data, opt)
	case FormatJPEG:
		return DecodeJPEG(data, opt)
	case FormatDICOM:
		return DecodeDICOM(data, opt)
	}
	n := min(len(data), 8)
	return nil, newErr(ErrUnknownFormat, FormatUnknown, nil,
		"input (%d bytes, starting % X) is not PNG, JPEG or DICOM", len(data), data[:n])
}

// DecodeReader reads at most Options.Limits.MaxBytes bytes from r and decodes them with Decode.
func DecodeReader(r io.Reader, opt Options) (*Image, error) {
	lim := opt.Limits.orDefault()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, newErr(ErrMalformed, FormatUnknown, err, "reading the input failed")
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, newErr(ErrTooLarge, FormatUnknown, nil, "input is more than %d bytes, the limit", lim.MaxBytes)
	}
	return Decode(data, opt)
}

// checkInput rejects empty or oversized input and invalid options.
func checkInput(data []byte, f Format, opt Options) error {
	if err := opt.check(); err != nil {
		return err
	}
	lim := opt.Limits.orDefault()
	if len(data) == 0 {
		return newErr(ErrEmpty, f, nil, "input is empty (0 bytes)")
	}
	if int64(len(data)) > lim.MaxBytes {
		return newErr(ErrTooLarge, f, nil, "input is %d bytes, the limit is %d bytes", len(data), lim.MaxBytes)
	}
	return nil
}

// checkPixels rejects an image of w x h pixels that is empty or over the pixel limit.
func checkPixels(f Format, w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return newErr(ErrMalformed, f, nil, "image is %dx%d pixels: both sides must be at least 1", w, h)
	}
	if int64(w)*int64(h) > int64(lim.MaxPixels) {
		side := int(math.Sqrt(float64(lim.MaxPixels)))
		return newErr(ErrTooLarge, f, nil, "image is %dx%d pixels (%d), the limit is %d pixels (%dx%d)",
			w, h, int64(w)*int64(h), lim.MaxPixels, side, side)
	}
	return nil
}

// DecodePNG decodes a PNG (grey, colour, paletted; 8 or 16 bits per sample). Colour becomes
// BT.601 luma; transparent pixels are composited over black.
func DecodePNG(data []byte, opt Options) (*Image, error) {
	return decodeStd(data, opt, FormatPNG, png.DecodeConfig, png.Decode)
}

// DecodeJPEG decodes a baseline or progressive JPEG. Colour becomes BT.601 luma (for YCbCr
// JPEGs the stored Y channel, which is that luma).
func DecodeJPEG(data []byte, opt Options) (*Image, error) {
	return decodeStd(data, opt, FormatJPEG, jpeg.DecodeConfig, jpeg.Decode)
}

func decodeStd(data []byte, opt Options, f Format,
	config func(io.Reader) (image.Config, error), decode func(io.Reader) (image.Image, error)) (*Image, error) {
	if err := checkInput(data, f, opt); err != nil {
		return nil, err
	}
	lim := opt.Limits.orDefault()
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, stdErr(f, "reading the header failed", err)
	}
	if err := checkPixels(f, cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, stdErr(f, "decoding failed", err)
	}
	out, err := fromImage(img, f, lim)
	if err != nil {
		return nil, err
	}
	out.Info.BitDepth = 8
	if _, ok := img.(*image.Gray16); ok {
		out.Info.BitDepth = 16
	} else if _, ok := img.(*image.RGBA64); ok {
		out.Info.BitDepth = 16
	} else if _, ok := img.(*image.NRGBA64); ok {
		out.Info.BitDepth = 16
	}
	return out, nil
}

// stdErr classifies an error of image/png or image/jpeg.
func stdErr(f Format, what string, err error) error {
	switch err.(type) {
	case png.UnsupportedError, jpeg.UnsupportedError:
		return newErr(ErrUnsupported, f, err, "%s", what)
	}
	// image/png and image/jpeg report data cut short inside the compressed pixels as these
	// FormatErrors, not as an EOF.
	msg := err.Error()
	if err == io.ErrUnexpectedEOF || err == io.EOF ||
		strings.Contains(msg, "not enough pixel data") || strings.Contains(msg, "short Huffman data") {
		return newErr(ErrTruncated, f, err, "%s: the data ends early", what)
	}
	return newErr(ErrMalformed, f, err, "%s", what)
}

// FromImage converts an already decoded image (for example one drawn in a canvas) the same
// way as a PNG: luma, centre crop, resample. Options.Limits.MaxPixels applies.
func FromImage(img image.Image, opt Options) (*Image, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, newErr(ErrEmpty, FormatUnknown, nil, "image is nil")
	}
	lim := opt.Limits.orDefault()
	b := img.Bounds()
	if err := checkPixels(FormatUnknown, b.Dx(), b.Dy(), lim); err != nil {
		return nil, err
	}
	return fromImage(img, FormatUnknown, lim)
}

func fromImage(img image.Image, f Format, lim Limits) (*Image, error) {
	b := img.Bounds()
	if err := checkPixels(f, b.Dx(), b.Dy(), lim); err != nil {
		return nil, err
	}
	plane, colour := lumaPlane(img)
	out := finish(plane, b.Dx(), b.Dy())
	out.Info.Format = f
	out.Info.Frames = 1
	out.Info.Colour = colour
	out.Info.WindowSource = WindowNone
	out.Info.ValueMin, out.Info.ValueMax = planeRange(plane)
	return out, nil
}

// finish turns a w x h plane of values in [0,1] into an Image: preview, centre crop, resample.
func finish(plane []float32, w, h int) *Image {
	side := min(w, h)
	x0, y0 := (w-side)/2, (h-side)/2
	return &Image{
		Pixels:  resampleSquare(plane, w, x0, y0, side, Size),
		Preview: preview(plane, w, h),
		Info: Info{
			Width:  w,
			Height: h,
			Crop:   image.Rect(x0, y0, x0+side, y0+side),
		},
	}
}

func planeRange(p []float32) (lo, hi float64) {
	if len(p) == 0 {
		return 0, 0
	}
	l, h := p[0], p[0]
	for _, v := range p[1:] {
		l = min(l, v)
		h = max(h, v)
	}
	return float64(l), float64(h)
}
