package ctimage

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"math"
	"slices"
	"testing"
)

func TestProbe(t *testing.T) {
	rgb := image.NewRGBA(image.Rect(0, 0, 7, 5))
	greyPal := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.Gray{0}, color.Gray{200}})
	colPal := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.Black, color.RGBA{200, 10, 10, 255}})
	for _, c := range []struct {
		name string
		data []byte
		want Shape
	}{
		{"grey PNG", encodePNG(t, grayRamp(9, 6)), Shape{FormatPNG, 9, 6, 1}},
		{"grey16 PNG", encodePNG(t, image.NewGray16(image.Rect(0, 0, 3, 2))), Shape{FormatPNG, 3, 2, 1}},
		{"RGB PNG", encodePNG(t, rgb), Shape{FormatPNG, 7, 5, 3}},
		{"grey palette PNG", encodePNG(t, greyPal), Shape{FormatPNG, 4, 3, 1}},
		{"colour palette PNG", encodePNG(t, colPal), Shape{FormatPNG, 4, 3, 3}},
		{"grey JPEG", encodeJPEG(t, grayRamp(16, 8)), Shape{FormatJPEG, 16, 8, 1}},
		{"colour JPEG", encodeJPEG(t, rgb), Shape{FormatJPEG, 7, 5, 3}},
		{"grey DICOM", synth{ts: tsExplicitLE, rows: 2, cols: 3, bitsAlloc: 8, photometric: "MONOCHROME2", pixels: make([]byte, 6)}.bytes(),
			Shape{FormatDICOM, 3, 2, 1}},
		{"RGB DICOM", synth{ts: tsExplicitLE, rows: 2, cols: 2, spp: 3, bitsAlloc: 8, photometric: "RGB", pixels: make([]byte, 12)}.bytes(),
			Shape{FormatDICOM, 2, 2, 3}},
	} {
		got, err := Probe(c.data, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: Probe = %+v, want %+v", c.name, got, c.want)
		}
	}
	if _, err := Probe([]byte("GIF89a...."), Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Probe(GIF) error %v, want ErrUnknownFormat", err)
	}
	big := encodePNG(t, grayRamp(40, 40))
	if _, err := Probe(big, Options{Limits: Limits{MaxPixels: 100}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Probe over the pixel limit: error %v, want ErrTooLarge", err)
	}
}

// A grey image squared to 28 is exactly Decode's network image: one pipeline.
func TestPlanesGreyMatchesDecode(t *testing.T) {
	for name, data := range map[string][]byte{
		"PNG":   encodePNG(t, grayRamp(61, 45)),
		"JPEG":  encodeJPEG(t, grayRamp(40, 52)),
		"DICOM": synth{ts: tsExplicitLE, rows: 30, cols: 33, bitsAlloc: 16, signed: true, photometric: "MONOCHROME2", modality: "CT", pixels: ramp16(30 * 33)}.bytes(),
	} {
		want, err := Decode(data, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, err := DecodePlanes(data, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Channels != 1 || p.Width != want.Info.Width || p.Height != want.Info.Height || len(p.Pix) != p.Width*p.Height {
			t.Fatalf("%s: planes %dx%dx%d with %d values", name, p.Channels, p.Width, p.Height, len(p.Pix))
		}
		if !slices.Equal(p.Square(Size), want.Pixels) {
			t.Errorf("%s: Square(28) differs from Decode's pixels", name)
		}
		if p.Info.WindowSource != want.Info.WindowSource || p.Info.Window != want.Info.Window {
			t.Errorf("%s: window %v %v, Decode's %v %v", name, p.Info.WindowSource, p.Info.Window, want.Info.WindowSource, want.Info.Window)
		}
	}
	// A custom window reaches the planes.
	data := synth{ts: tsExplicitLE, rows: 2, cols: 2, bitsAlloc: 16, photometric: "MONOCHROME2", modality: "CT",
		pixels: u16(binary.LittleEndian, 0, 100, 200, 300)}.bytes()
	p, err := DecodePlanes(data, Options{WindowSource: WindowCustom, Window: Window{Center: 150, Width: 101}})
	if err != nil {
		t.Fatal(err)
	}
	// W101/L150 maps 99.5..199.5 to 0..1: 0 -> 0, 100 -> 0.005, 200 and 300 -> 1.
	if want := []float32{0, 0.005, 1, 1}; maxAbsDiff(p.Pix, want) > 1e-6 {
		t.Errorf("custom window: %v", p.Pix)
	}
}

func ramp16(n int) []byte {
	v := make([]int, n)
	for i := range v {
		v[i] = (i*37)%2000 - 1000
		if v[i] < 0 {
			v[i] += 65536
		}
	}
	return u16(binary.LittleEndian, v...)
}

func TestPlanesColour(t *testing.T) {
	// Left half red, right half half-transparent blue: planes keep the colours (alpha
	// composited over black).
	img := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	for y := 0; y < 10; y++ {
		for x := 0; x < 20; x++ {
			if x < 10 {
				img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
			} else {
				img.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 128})
			}
		}
	}
	p, err := DecodePlanes(encodePNG(t, img), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Channels != 3 || !p.Info.Colour || len(p.Pix) != 3*200 {
		t.Fatalf("planes %d channels, colour %v, %d values", p.Channels, p.Info.Colour, len(p.Pix))
	}
	at := func(c, x, y int) float32 { return p.Pix[c*200+y*20+x] }
	if at(0, 2, 3) != 1 || at(1, 2, 3) != 0 || at(2, 2, 3) != 0 {
		t.Errorf("red pixel: %v %v %v", at(0, 2, 3), at(1, 2, 3), at(2, 2, 3))
	}
	if at(0, 15, 3) != 0 || math.Abs(float64(at(2, 15, 3))-128.0/255) > 1e-6 {
		t.Errorf("half blue pixel: %v %v %v", at(0, 15, 3), at(1, 15, 3), at(2, 15, 3))
	}
	// The centred 10x10 square straddles both halves; squared to 2x2 each output is one
	// half's colour.
	sq := p.Square(2)
	want := []float32{1, 0, 1, 0, 0, 0, 0, 0, 0, 128.0 / 255, 0, 128.0 / 255}
	for i := range want {
		if math.Abs(float64(sq[i]-want[i])) > 1e-6 {
			t.Fatalf("Square(2) = %v, want %v", sq, want)
		}
	}

	// Colour DICOM: RGB as stored; YBR_FULL converted back to the same RGB.
	rgb := synth{ts: tsExplicitLE, rows: 1, cols: 2, spp: 3, bitsAlloc: 8, photometric: "RGB",
		pixels: []byte{255, 0, 0, 10, 200, 30}}.bytes()
	dp, err := DecodePlanes(rgb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantRGB := []float32{1, 10.0 / 255, 0, 200.0 / 255, 0, 30.0 / 255}
	if !slices.Equal(dp.Pix, wantRGB) || dp.Channels != 3 {
		t.Errorf("RGB DICOM planes %v, want %v", dp.Pix, wantRGB)
	}
	ybr := func(r, g, b float64) []byte {
		y := 0.299*r + 0.587*g + 0.114*b
		cb := 128 + (b-y)/1.772
		cr := 128 + (r-y)/1.402
		return []byte{uint8(math.Round(y)), uint8(math.Round(cb)), uint8(math.Round(cr))}
	}
	yb := synth{ts: tsExplicitLE, rows: 1, cols: 2, spp: 3, bitsAlloc: 8, photometric: "YBR_FULL",
		pixels: append(ybr(200, 100, 50), ybr(10, 200, 30)...)}.bytes()
	yp, err := DecodePlanes(yb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantYBR := []float32{200.0 / 255, 10.0 / 255, 100.0 / 255, 200.0 / 255, 50.0 / 255, 30.0 / 255}
	if d := maxAbsDiff(yp.Pix, wantYBR); d > 2.5/255 {
		t.Errorf("YBR_FULL DICOM planes %v, want %v (off by %v)", yp.Pix, wantYBR, d)
	}
}

func TestPlanesCTSmall(t *testing.T) {
	data := pydicomFile(t, "CT_small.dcm")
	want, err := Decode(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePlanes(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 128 || p.Height != 128 || p.Channels != 1 || !slices.Equal(p.Square(Size), want.Pixels) {
		t.Errorf("CT_small planes %dx%dx%d differ from Decode", p.Channels, p.Width, p.Height)
	}
	sh, err := Probe(data, Options{})
	if err != nil || sh != (Shape{FormatDICOM, 128, 128, 1}) {
		t.Errorf("Probe(CT_small) = %+v, %v", sh, err)
	}
}

// FuzzDecodePlanes: Probe and DecodePlanes never panic, fail with *Error, and agree on the
// shape; Square keeps values in [0,1].
func FuzzDecodePlanes(f *testing.F) {
	for _, s := range append(append(pngSeeds(f), jpegSeeds(f)...), dicomSeeds(f)...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sh, perr := Probe(data, fuzzOpt)
		p, err := DecodePlanes(data, fuzzOpt)
		for _, e := range []error{perr, err} {
			var ce *Error
			if e != nil && !errors.As(e, &ce) {
				t.Fatalf("error %v is %T, not *Error", e, e)
			}
		}
		if err != nil {
			return
		}
		if perr != nil {
			t.Fatalf("DecodePlanes succeeded where Probe failed: %v", perr)
		}
		if sh.Width != p.Width || sh.Height != p.Height || sh.Channels != p.Channels || len(p.Pix) != p.Channels*p.Width*p.Height {
			t.Fatalf("Probe %+v, planes %dx%dx%d (%d values)", sh, p.Channels, p.Width, p.Height, len(p.Pix))
		}
		for i, v := range p.Square(5) {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("Square value %d = %v", i, v)
			}
		}
	})
}
