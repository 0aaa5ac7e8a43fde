package ctimage

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	dicm := append(make([]byte, 128), "DICM...."...)
	for _, c := range []struct {
		name string
		data []byte
		want Format
	}{
		{"png", []byte("\x89PNG\r\n\x1a\nrest"), FormatPNG},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0}, FormatJPEG},
		{"dicom preamble", dicm, FormatDICOM},
		{"dicom bare meta group", []byte{0x02, 0x00, 0x10, 0x00, 'U', 'I', 2, 0}, FormatDICOM},
		{"dicom bare LE group 8", []byte{0x08, 0x00, 0x05, 0x00, 'C', 'S', 2, 0}, FormatDICOM},
		{"dicom bare BE group 8", []byte{0x00, 0x08, 0x00, 0x05, 'C', 'S', 0, 2}, FormatDICOM},
		{"text", []byte("hello, world"), FormatUnknown},
		{"short", []byte{0x89}, FormatUnknown},
		{"empty", nil, FormatUnknown},
	} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("%s: Sniff = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestPNGGray8AreaAverage decodes a 112x56 grey PNG: the centred 56x56 square (x from 28)
// is reduced by exactly 2, so each output pixel must be the mean of a 2x2 block.
func TestPNGGray8AreaAverage(t *testing.T) {
	src := grayRamp(112, 56)
	img, err := Decode(encodePNG(t, src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	in := img.Info
	if in.Format != FormatPNG || in.Width != 112 || in.Height != 56 || in.Crop != image.Rect(28, 0, 84, 56) ||
		in.Colour || in.BitDepth != 8 || in.WindowSource != WindowNone || in.Frames != 1 {
		t.Fatalf("info %+v", in)
	}
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			var s float64
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					s += float64(src.GrayAt(28+2*x+dx, 2*y+dy).Y) / 255
				}
			}
			if got := img.Pixels[y*Size+x]; math.Abs(float64(got)-s/4) > 1e-6 {
				t.Fatalf("pixel (%d,%d) = %v, want block mean %v", x, y, got, s/4)
			}
		}
	}
	// The preview is the whole decoded image.
	if !bytes.Equal(img.Preview.Pix, src.Pix) {
		t.Fatal("preview of an 8-bit grey PNG differs from the source")
	}
}

// TestPNGGray16KeepsPrecision: values 1/65535 apart, which 8 bits would merge, stay apart.
func TestPNGGray16KeepsPrecision(t *testing.T) {
	g := image.NewGray16(image.Rect(0, 0, 28, 28))
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			g.SetGray16(x, y, color.Gray16{Y: uint16(30000 + x)})
		}
	}
	img, err := DecodePNG(encodePNG(t, g), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	if img.Info.BitDepth != 16 {
		t.Fatalf("BitDepth %d, want 16", img.Info.BitDepth)
	}
	for x := 0; x < 28; x++ {
		want := float64(30000+x) / 65535
		if got := float64(img.Pixels[5*Size+x]); math.Abs(got-want) > 1e-6 {
			t.Fatalf("x=%d: %v, want %v", x, got, want)
		}
	}
}

// TestPNGColourLuma: pure red, green, blue and white give the BT.601 weights.
func TestPNGColourLuma(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 56, 56))
	cols := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}
	want := []float64{0.299, 0.587, 0.114, 1}
	for y := 0; y < 56; y++ {
		for x := 0; x < 56; x++ {
			m.SetRGBA(x, y, cols[(y/28)*2+x/28])
		}
	}
	img, err := Decode(encodePNG(t, m), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	if !img.Info.Colour {
		t.Fatal("colour PNG not reported as colour")
	}
	for q, w := range want {
		x, y := (q%2)*14+7, (q/2)*14+7
		if got := float64(img.Pixels[y*Size+x]); math.Abs(got-w) > 1e-6 {
			t.Errorf("quadrant %d: %v, want %v", q, got, w)
		}
	}
}

func TestJPEGGreyAndColour(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range g.Pix {
		g.Pix[i] = 128
	}
	img, err := Decode(encodeJPEG(t, g), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	if img.Info.Format != FormatJPEG || img.Info.Colour || img.Info.Crop != image.Rect(8, 0, 56, 48) {
		t.Fatalf("info %+v", img.Info)
	}
	for i, v := range img.Pixels {
		if math.Abs(float64(v)-128.0/255) > 1.0/255 {
			t.Fatalf("grey JPEG pixel %d = %v, want 128/255", i, v)
		}
	}

	c := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for i := 0; i < len(c.Pix); i += 4 {
		c.Pix[i], c.Pix[i+1], c.Pix[i+2], c.Pix[i+3] = 200, 100, 50, 255
	}
	img, err = DecodeJPEG(encodeJPEG(t, c), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	want := (0.299*200 + 0.587*100 + 0.114*50) / 255
	if !img.Info.Colour || math.Abs(meanOf(img.Pixels)-want) > 2.0/255 {
		t.Fatalf("colour JPEG mean %v colour %v, want %v", meanOf(img.Pixels), img.Info.Colour, want)
	}
}

// setPNGSize rewrites the IHDR width and height of a PNG, with a valid CRC, so the header
// claims a size without the data to match.
func setPNGSize(b []byte, w, h uint32) []byte {
	b = append([]byte(nil), b...)
	// signature(8) length(4) "IHDR"(4) width(4) height(4) ... crc after 13 data bytes
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestErrors(t *testing.T) {
	small := encodePNG(t, grayRamp(40, 30))
	jpg := encodeJPEG(t, grayRamp(64, 64))

	e := wantKind(t, func() error { _, err := Decode(nil, Options{}); return err }(), ErrEmpty)
	if e.Error() != "ctimage: input is empty (0 bytes)" {
		t.Errorf("empty: %q", e.Error())
	}

	_, err := Decode([]byte("GIF89a, not supported here"), Options{})
	wantKind(t, err, ErrUnknownFormat)

	_, err = Decode(small, Options{Limits: Limits{MaxBytes: 100}})
	e = wantKind(t, err, ErrTooLarge)
	if !strings.Contains(e.Error(), "the limit is 100 bytes") {
		t.Errorf("byte limit message %q", e.Error())
	}

	_, err = Decode(setPNGSize(small, 12000, 12000), Options{})
	e = wantKind(t, err, ErrTooLarge)
	if want := "ctimage: PNG: image is 12000x12000 pixels (144000000), the limit is 16777216 pixels (4096x4096)"; e.Error() != want {
		t.Errorf("pixel limit message\n got %q\nwant %q", e.Error(), want)
	}
	_, err = Decode(setPNGSize(small, 0, 10), Options{})
	wantKind(t, err, ErrMalformed)

	_, err = Decode(small[:len(small)/2], Options{})
	wantKind(t, err, ErrTruncated)
	_, err = Decode(jpg[:len(jpg)/2], Options{})
	wantKind(t, err, ErrTruncated)

	bad := append([]byte(nil), small...)
	bad[30] ^= 0xFF // IHDR CRC
	_, err = Decode(bad, Options{})
	wantKind(t, err, ErrMalformed)

	_, err = Decode(small, Options{WindowSource: WindowCustom, Window: Window{Center: 40, Width: 0}})
	wantKind(t, err, ErrOption)
	_, err = Decode(small, Options{WindowSource: WindowNone})
	wantKind(t, err, ErrOption)

	_, err = DecodeReader(bytes.NewReader(small), Options{Limits: Limits{MaxBytes: 64}})
	wantKind(t, err, ErrTooLarge)
	img, err := DecodeReader(bytes.NewReader(small), Options{})
	if err != nil || img.Info.Width != 40 {
		t.Fatalf("DecodeReader: %v", err)
	}
}

func TestFromImage(t *testing.T) {
	img, err := FromImage(grayRamp(28, 28), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	src := grayRamp(28, 28)
	for i, v := range img.Pixels {
		if math.Abs(float64(v)-float64(src.Pix[i])/255) > 1e-6 {
			t.Fatalf("28x28 input must pass through unchanged: pixel %d %v vs %v", i, v, float64(src.Pix[i])/255)
		}
	}
	_, err = FromImage(image.NewGray(image.Rect(0, 0, 0, 5)), Options{})
	wantKind(t, err, ErrMalformed)
	_, err = FromImage(nil, Options{})
	wantKind(t, err, ErrEmpty)
}

func TestWindowApply(t *testing.T) {
	w := AbdomenWindow
	for _, c := range []struct{ x, want float64 }{
		{-1000, 0}, {-150, 0}, {49.5, 0.5}, {250, 1}, {3000, 1},
	} {
		if got := w.Apply(c.x); math.Abs(got-c.want) > 1e-3 {
			t.Errorf("Apply(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	// Monotone, in [0,1], and continuous across the window.
	prev := -1.0
	for x := -300.0; x <= 300; x += 0.25 {
		y := w.Apply(x)
		if y < prev || y < 0 || y > 1 {
			t.Fatalf("Apply(%v) = %v after %v", x, y, prev)
		}
		prev = y
	}
	if got := (Window{Center: 0, Width: 0.5}).Apply(0.125); math.Abs(got-0.75) > 1e-12 {
		t.Errorf("narrow window: %v, want 0.75", got)
	}
}
