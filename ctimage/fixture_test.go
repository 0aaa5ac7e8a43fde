package ctimage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fusionlens/fusionlens/internal/testtool"
)

// pydicomDir is where Debian's python3-pydicom installs its test files (real scanner data).
const pydicomDir = "/usr/lib/python3/dist-packages/pydicom/data/test_files"

// pydicomFile reads one pydicom test file, skipping (or failing under CI) when absent.
func pydicomFile(t testing.TB, name string) []byte {
	t.Helper()
	p := testtool.File(t, filepath.Join(pydicomDir, name))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// order is a byte order that can also append.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// dcmWriter writes DICOM elements in one encoding, for synthetic test files.
type dcmWriter struct {
	bo       order
	implicit bool
	buf      bytes.Buffer
}

func (w *dcmWriter) elem(g, e uint16, vr string, val []byte) {
	if len(val)%2 == 1 {
		pad := byte(' ')
		if vr == "UI" || vr == "OB" || vr == "UN" {
			pad = 0
		}
		val = append(append([]byte(nil), val...), pad)
	}
	w.header(g, e, vr, uint32(len(val)))
	w.buf.Write(val)
}

func (w *dcmWriter) header(g, e uint16, vr string, vl uint32) {
	w.buf.Write(w.bo.AppendUint16(nil, g))
	w.buf.Write(w.bo.AppendUint16(nil, e))
	if w.implicit || g == 0xFFFE { // items and delimiters: tag and 32-bit length only
		w.buf.Write(w.bo.AppendUint32(nil, vl))
		return
	}
	w.buf.WriteString(vr)
	if longVL(vr) {
		w.buf.Write([]byte{0, 0})
		w.buf.Write(w.bo.AppendUint32(nil, vl))
		return
	}
	w.buf.Write(w.bo.AppendUint16(nil, uint16(vl)))
}

func (w *dcmWriter) us(g, e uint16, v int) { w.elem(g, e, "US", w.bo.AppendUint16(nil, uint16(v))) }
func (w *dcmWriter) str(g, e uint16, vr, s string) {
	w.elem(g, e, vr, []byte(s))
}

// synth describes a synthetic single-sample or colour DICOM image.
type synth struct {
	ts          string // transfer syntax UID written in the meta group ("" for none)
	bo          order
	implicit    bool
	noPreamble  bool
	rows, cols  int
	spp         int
	bitsAlloc   int
	bitsStored  int
	highBit     int
	signed      bool
	photometric string
	modality    string
	slope       string // DS text, "" for absent
	intercept   string
	wCenter     string
	wWidth      string
	frames      string // NumberOfFrames text, "" for absent
	pixels      []byte // raw pixel data as stored
	encapsulate [][]byte
}

func (s synth) bytes() []byte {
	if s.bo == nil {
		s.bo = binary.LittleEndian
	}
	if s.spp == 0 {
		s.spp = 1
	}
	if s.bitsStored == 0 {
		s.bitsStored = s.bitsAlloc
	}
	if s.highBit == 0 {
		s.highBit = s.bitsStored - 1
	}
	var out bytes.Buffer
	if !s.noPreamble {
		out.Write(make([]byte, 128))
		out.WriteString("DICM")
	}
	if s.ts != "" {
		meta := dcmWriter{bo: binary.LittleEndian}
		meta.str(0x0002, 0x0010, "UI", s.ts)
		ml := meta.buf.Len()
		head := dcmWriter{bo: binary.LittleEndian}
		head.elem(0x0002, 0x0000, "UL", binary.LittleEndian.AppendUint32(nil, uint32(ml)))
		out.Write(head.buf.Bytes())
		out.Write(meta.buf.Bytes())
	}
	w := dcmWriter{bo: s.bo, implicit: s.implicit}
	if s.modality != "" {
		w.str(0x0008, 0x0060, "CS", s.modality)
	}
	w.us(0x0028, 0x0002, s.spp)
	w.str(0x0028, 0x0004, "CS", s.photometric)
	if s.frames != "" {
		w.str(0x0028, 0x0008, "IS", s.frames)
	}
	w.us(0x0028, 0x0010, s.rows)
	w.us(0x0028, 0x0011, s.cols)
	w.us(0x0028, 0x0100, s.bitsAlloc)
	w.us(0x0028, 0x0101, s.bitsStored)
	w.us(0x0028, 0x0102, s.highBit)
	pr := 0
	if s.signed {
		pr = 1
	}
	w.us(0x0028, 0x0103, pr)
	if s.wCenter != "" {
		w.str(0x0028, 0x1050, "DS", s.wCenter)
		w.str(0x0028, 0x1051, "DS", s.wWidth)
	}
	if s.intercept != "" {
		w.str(0x0028, 0x1052, "DS", s.intercept)
	}
	if s.slope != "" {
		w.str(0x0028, 0x1053, "DS", s.slope)
	}
	if s.encapsulate != nil {
		w.header(0x7FE0, 0x0010, "OB", undefinedLen)
		w.header(0xFFFE, 0xE000, "", 0) // empty basic offset table
		for _, f := range s.encapsulate {
			w.header(0xFFFE, 0xE000, "", uint32(len(f)))
			w.buf.Write(f)
		}
		w.header(0xFFFE, 0xE0DD, "", 0)
	} else {
		vr := "OW"
		if s.bitsAlloc == 8 {
			vr = "OB"
		}
		w.elem(0x7FE0, 0x0010, vr, s.pixels)
	}
	out.Write(w.buf.Bytes())
	return out.Bytes()
}

// u16 packs values as 16-bit words in the given byte order.
func u16(bo order, v ...int) []byte {
	var b []byte
	for _, x := range v {
		b = bo.AppendUint16(b, uint16(x))
	}
	return b
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// grayRamp is a w x h 8-bit image with a smooth, non-separable pattern.
func grayRamp(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 127.5 + 127.5*math.Sin(float64(x)*0.21+float64(y*y)*0.013)
			g.SetGray(x, y, color.Gray{Y: uint8(math.Round(v))})
		}
	}
	return g
}

// wantKind checks err is an *Error of the given kind.
func wantKind(t testing.TB, err, kind error) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *ctimage.Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q has kind %v, want %v", err, e.Kind, kind)
	}
	return e
}

// checkPixels01 checks the network image: 784 finite values in [0,1].
func checkPixels01(t testing.TB, img *Image) {
	t.Helper()
	if len(img.Pixels) != NumPixels {
		t.Fatalf("got %d pixels, want %d", len(img.Pixels), NumPixels)
	}
	for i, v := range img.Pixels {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("pixel %d = %v, not in [0,1]", i, v)
		}
	}
	if img.Preview == nil || img.Preview.Bounds().Dx() != img.Info.Width || img.Preview.Bounds().Dy() != img.Info.Height {
		t.Fatalf("preview %v does not match %dx%d", img.Preview.Bounds(), img.Info.Width, img.Info.Height)
	}
}

func meanOf(p []float32) float64 {
	var s float64
	for _, v := range p {
		s += float64(v)
	}
	return s / float64(len(p))
}
