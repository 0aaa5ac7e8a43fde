package ctimage

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// fuzzOpt keeps fuzzing fast: small images only.
var fuzzOpt = Options{Limits: Limits{MaxBytes: 1 << 20, MaxPixels: 256 * 256, MaxFrames: 16}}

// checkResult is the property every decoder must have: either a valid image, or an *Error
// of a known kind.
func checkResult(t *testing.T, img *Image, err error) {
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is %T, not *Error", err, err)
		}
		known := false
		for _, k := range []error{ErrEmpty, ErrUnknownFormat, ErrTooLarge, ErrTruncated, ErrMalformed, ErrUnsupported, ErrOption} {
			known = known || e.Kind == k
		}
		if !known || e.Detail == "" {
			t.Fatalf("error %q has kind %v", err, e.Kind)
		}
		return
	}
	checkPixels01(t, img)
}

func pngSeeds(t testing.TB) [][]byte {
	g16 := image.NewGray16(image.Rect(0, 0, 5, 3))
	g16.SetGray16(1, 1, color.Gray16{Y: 40000})
	p := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.RGBA{200, 10, 10, 255}})
	p.SetColorIndex(2, 2, 1)
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 7))
	rgba.SetNRGBA(1, 1, color.NRGBA{10, 200, 30, 128})
	return [][]byte{encodePNG(t, grayRamp(9, 6)), encodePNG(t, g16), encodePNG(t, p), encodePNG(t, rgba)}
}

func jpegSeeds(t testing.TB) [][]byte {
	c := image.NewRGBA(image.Rect(0, 0, 17, 9))
	for i := range c.Pix {
		c.Pix[i] = byte(i * 7)
	}
	return [][]byte{encodeJPEG(t, grayRamp(16, 8)), encodeJPEG(t, c)}
}

func dicomSeeds(t testing.TB) [][]byte {
	le := binary.LittleEndian
	px := u16(le, 1, 2000, 65535, 0x8000)
	seeds := [][]byte{
		synth{ts: tsExplicitLE, rows: 2, cols: 2, bitsAlloc: 16, bitsStored: 12, signed: true, photometric: "MONOCHROME2",
			modality: "CT", slope: "1", intercept: "-1024", wCenter: "40\\400", wWidth: "400\\1500", pixels: px}.bytes(),
		synth{ts: tsImplicitLE, implicit: true, rows: 2, cols: 2, bitsAlloc: 8, photometric: "MONOCHROME1", pixels: []byte{1, 2, 3, 4}}.bytes(),
		synth{ts: tsExplicitBE, bo: binary.BigEndian, rows: 1, cols: 2, bitsAlloc: 32, photometric: "MONOCHROME2",
			frames: "2", pixels: make([]byte, 16)}.bytes(),
		synth{noPreamble: true, rows: 2, cols: 2, bitsAlloc: 16, photometric: "MONOCHROME2", pixels: px}.bytes(),
		synth{ts: tsRLE, rows: 2, cols: 2, spp: 3, bitsAlloc: 8, photometric: "RGB",
			encapsulate: [][]byte{rleFrame([][]byte{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}})}}.bytes(),
		synth{ts: tsJPEGBase, rows: 8, cols: 16, bitsAlloc: 8, photometric: "MONOCHROME2",
			encapsulate: [][]byte{encodeJPEG(t, grayRamp(16, 8))}}.bytes(),
	}
	// A sequence with an undefined-length item, to give the walker nesting to mutate.
	w := dcmWriter{bo: le}
	w.header(0x0008, 0x1115, "SQ", undefinedLen)
	w.header(0xFFFE, 0xE000, "", undefinedLen)
	w.str(0x0008, 0x1150, "UI", "1.2.3")
	w.header(0xFFFE, 0xE00D, "", 0)
	w.header(0xFFFE, 0xE0DD, "", 0)
	seq := append(append(make([]byte, 128), "DICM"...), metaFor(tsExplicitLE)...)
	seq = append(seq, w.buf.Bytes()...)
	seeds = append(seeds, append(seq, synth{noPreamble: true, rows: 1, cols: 2, bitsAlloc: 8, photometric: "MONOCHROME2", pixels: []byte{9, 8}}.bytes()...))
	// A small real file when pydicom's are installed (optional: seeds only).
	if b, err := os.ReadFile(filepath.Join(pydicomDir, "MR_small_RLE.dcm")); err == nil {
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzDecode(f *testing.F) {
	for _, s := range append(append(pngSeeds(f), jpegSeeds(f)...), dicomSeeds(f)...) {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte("not an image"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, fuzzOpt)
		checkResult(t, img, err)
	})
}

func FuzzDecodePNG(f *testing.F) {
	for _, s := range pngSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodePNG(data, fuzzOpt)
		checkResult(t, img, err)
	})
}

func FuzzDecodeJPEG(f *testing.F) {
	for _, s := range jpegSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeJPEG(data, fuzzOpt)
		checkResult(t, img, err)
	})
}

func FuzzDecodeDICOM(f *testing.F) {
	for _, s := range dicomSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeDICOM(data, fuzzOpt)
		checkResult(t, img, err)
	})
}

// FuzzDecodeRLE drives the RLE decoder directly with small shapes.
func FuzzDecodeRLE(f *testing.F) {
	f.Add(rleFrame([][]byte{{1, 2, 3, 4}}), uint8(2), uint8(2), uint8(1), uint8(1))
	f.Add(rleFrame([][]byte{{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}, {11, 12}}), uint8(1), uint8(2), uint8(3), uint8(2))
	f.Add(append(rleFrame(nil), 0xFE, 7, 0x80, 0x01, 1, 2), uint8(1), uint8(5), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, frame []byte, rows, cols, spp, bytesPer uint8) {
		r, c, s, b := int(rows%32), int(cols%32), int(spp%4), int(bytesPer%5)
		out, err := decodeRLE(frame, r, c, s, b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is %T", err, err)
			}
			return
		}
		if len(out) != r*c*s {
			t.Fatalf("got %d samples, want %d", len(out), r*c*s)
		}
	})
}
