package ctimage

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
)

// This file serves networks of other shapes than the paper's 28x28 grey input: Probe reads
// an image's size and whether it is grey or colour from its header, DecodePlanes decodes it
// at full size keeping colour, and Planes.Square crops and resamples it to any N x N.

// Shape is what Probe reads from an image's header.
type Shape struct {
	Format        Format
	Width, Height int
	Channels      int // 1 for grey, 3 for colour
}

// Probe reads the format, size and channels of an image without decoding its pixels. A PNG
// is grey when its colour type is grey (8 or 16 bits, without alpha) or a palette of grey
// entries only, colour otherwise (grey with alpha counts as colour); a JPEG is grey when it
// has one component; a DICOM image is grey when it has one sample per pixel. The size
// limits of opt apply, as in Decode.
func Probe(data []byte, opt Options) (Shape, error) {
	if err := checkInput(data, FormatUnknown, opt); err != nil {
		return Shape{}, err
	}
	lim := opt.Limits.orDefault()
	f := Sniff(data)
	var cfg image.Config
	var err error
	switch f {
	case FormatPNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case FormatJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case FormatDICOM:
		return probeDICOM(data, lim)
	default:
		n := min(len(data), 8)
		return Shape{}, newErr(ErrUnknownFormat, FormatUnknown, nil,
			"input (%d bytes, starting % X) is not PNG, JPEG or DICOM", len(data), data[:n])
	}
	if err != nil {
		return Shape{}, stdErr(f, "reading the header failed", err)
	}
	if err := checkPixels(f, cfg.Width, cfg.Height, lim); err != nil {
		return Shape{}, err
	}
	return Shape{Format: f, Width: cfg.Width, Height: cfg.Height, Channels: modelChannels(cfg.ColorModel)}, nil
}

// modelChannels is 1 for grey colour models (and palettes of grey entries), else 3.
func modelChannels(m color.Model) int {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return 1
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			r, g, b, a := c.RGBA()
			if r != g || g != b || a != 0xffff {
				return 3
			}
		}
		return 1
	}
	return 3
}

func probeDICOM(data []byte, lim Limits) (s Shape, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = Shape{}, newErr(ErrMalformed, FormatDICOM, nil, "reading the header failed unexpectedly: %v", r)
		}
	}()
	sc, err := scanDICOM(data, lim)
	if err != nil {
		return Shape{}, err
	}
	a, err := readAttrs(sc)
	if err != nil {
		return Shape{}, err
	}
	return Shape{Format: FormatDICOM, Width: a.cols, Height: a.rows, Channels: a.spp}, nil
}

// Planes is an image decoded at its own size: Channels planes (1 grey, or 3: red, green,
// blue) of Width x Height values in [0,1], each row-major, one plane after the other.
type Planes struct {
	Width, Height, Channels int
	Pix                     []float32
	Info                    Info
}

// DecodePlanes decodes an image at full size as Decode does, but keeps colour: a grey
// image (see Probe) gives one plane, windowed like Decode's for monochrome DICOM; a colour
// image three planes, red, green and blue, composited over black (colour DICOM: scaled by
// the largest stored value, YBR converted to RGB by ITU-R BT.601, without a window).
func DecodePlanes(data []byte, opt Options) (*Planes, error) {
	if err := checkInput(data, FormatUnknown, opt); err != nil {
		return nil, err
	}
	lim := opt.Limits.orDefault()
	f := Sniff(data)
	switch f {
	case FormatPNG, FormatJPEG:
		sh, err := Probe(data, opt)
		if err != nil {
			return nil, err
		}
		var img image.Image
		if f == FormatPNG {
			img, err = png.Decode(bytes.NewReader(data))
		} else {
			img, err = jpeg.Decode(bytes.NewReader(data))
		}
		if err != nil {
			return nil, stdErr(f, "decoding failed", err)
		}
		b := img.Bounds()
		if err := checkPixels(f, b.Dx(), b.Dy(), lim); err != nil {
			return nil, err
		}
		p := &Planes{Width: b.Dx(), Height: b.Dy(), Channels: sh.Channels,
			Info: Info{Format: f, Width: b.Dx(), Height: b.Dy(), Frames: 1, WindowSource: WindowNone, BitDepth: 8}}
		if sh.Channels == 1 {
			p.Pix, _ = lumaPlane(img)
		} else {
			p.Pix = rgbPlanes(img)
			p.Info.Colour = true
		}
		p.Info.ValueMin, p.Info.ValueMax = planeRange(p.Pix)
		return p, nil
	case FormatDICOM:
		return dicomPlanes(data, opt, lim)
	}
	n := min(len(data), 8)
	return nil, newErr(ErrUnknownFormat, FormatUnknown, nil,
		"input (%d bytes, starting % X) is not PNG, JPEG or DICOM", len(data), data[:n])
}

// rgbPlanes returns the red, green and blue planes of img, premultiplied by alpha (that is,
// composited over black).
func rgbPlanes(img image.Image) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n := w * h
	p := make([]float32, 3*n)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*w + x
			p[i], p[n+i], p[2*n+i] = float32(r)/65535, float32(g)/65535, float32(bl)/65535
		}
	}
	return p
}

// dicomPlanes decodes a DICOM image as DecodeDICOM does, keeping colour as three planes.
func dicomPlanes(data []byte, opt Options, lim Limits) (out *Planes, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, newErr(ErrMalformed, FormatDICOM, nil, "decoding failed unexpectedly: %v", r)
		}
	}()
	sc, err := scanDICOM(data, lim)
	if err != nil {
		return nil, err
	}
	a, err := readAttrs(sc)
	if err != nil {
		return nil, err
	}
	info := Info{Format: FormatDICOM, Width: a.cols, Height: a.rows, Frames: a.frames, BitDepth: a.bitsStd,
		Modality: sc.str(tagModality), Photometric: a.photometric, TransferSyntax: sc.syn.uid,
		TransferSyntaxGuessed: sc.syn.guessed, Signed: a.signed, RescaleSlope: 1}
	samples, jpegFrame, err := frameSamples(sc, a)
	if err != nil {
		return nil, err
	}
	var rgb []float32
	if jpegFrame != nil {
		if a.spp == 1 {
			samples, _, err = jpegSamples(jpegFrame, a, lim)
			a.highBit = a.bitsStd - 1
		} else {
			rgb, err = jpegRGB(jpegFrame, a, lim)
		}
		if err != nil {
			return nil, err
		}
	}
	p := &Planes{Width: a.cols, Height: a.rows, Channels: a.spp}
	switch {
	case rgb != nil:
		p.Pix = rgb
	case a.spp == 3:
		p.Pix = colourPlanes(samples, a)
	default:
		if p.Pix, err = monochrome(sc, samples, a, opt, &info); err != nil {
			return nil, err
		}
	}
	if a.spp == 3 {
		info.Colour = true
		info.WindowSource = WindowNone
		info.ValueMin, info.ValueMax = planeRange(p.Pix)
	}
	p.Info = info
	return p, nil
}

// jpegRGB decodes a colour JPEG frame of a DICOM file into three planes.
func jpegRGB(f []byte, a attrs, lim Limits) ([]float32, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(f))
	if err != nil {
		return nil, stdErr(FormatDICOM, "the JPEG frame header", err)
	}
	if cfg.Width != a.cols || cfg.Height != a.rows {
		return nil, newErr(ErrMalformed, FormatDICOM, nil, "the JPEG frame is %dx%d but Columns x Rows is %dx%d",
			cfg.Width, cfg.Height, a.cols, a.rows)
	}
	if err := checkPixels(FormatDICOM, cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(f))
	if err != nil {
		return nil, stdErr(FormatDICOM, "decoding the JPEG frame", err)
	}
	return rgbPlanes(img), nil
}

// colourPlanes turns pixel-interleaved colour samples into red, green and blue planes in
// [0,1]; YBR_FULL samples are converted to RGB (ITU-R BT.601, full range).
func colourPlanes(s []uint32, a attrs) []float32 {
	n := a.rows * a.cols
	maxv := math.Ldexp(1, a.bitsStd) - 1
	shift := uint(a.highBit + 1 - a.bitsStd)
	mask := uint32(maxv)
	half := math.Ldexp(1, a.bitsStd-1)
	p := make([]float32, 3*n)
	for i := 0; i < n; i++ {
		c0 := float64((s[3*i] >> shift) & mask)
		c1 := float64((s[3*i+1] >> shift) & mask)
		c2 := float64((s[3*i+2] >> shift) & mask)
		r, g, b := c0, c1, c2
		if a.photometric != "RGB" {
			y, cb, cr := c0, c1-half, c2-half
			r = y + 1.402*cr
			g = y - 0.344136*cb - 0.714136*cr
			b = y + 1.772*cb
		}
		p[i] = clamp01(float32(r / maxv))
		p[n+i] = clamp01(float32(g / maxv))
		p[2*n+i] = clamp01(float32(b / maxv))
	}
	return p
}

// Square returns the centred square of p (the side the shorter of width and height)
// resampled to n x n, as Decode resamples to 28x28 (area averaging when reducing, bilinear
// when enlarging): Channels planes of n x n values, one after the other. n must be at
// least 1.
func (p *Planes) Square(n int) []float32 {
	side := min(p.Width, p.Height)
	x0, y0 := (p.Width-side)/2, (p.Height-side)/2
	plane := p.Width * p.Height
	out := make([]float32, 0, p.Channels*n*n)
	for c := 0; c < p.Channels; c++ {
		out = append(out, resampleSquare(p.Pix[c*plane:(c+1)*plane], p.Width, x0, y0, side, n)...)
	}
	return out
}
