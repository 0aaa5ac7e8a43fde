package ctimage

import (
	"bytes"
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Facts about pydicom's CT_small.dcm checked with pydicom 2.3 and numpy
// (ds.pixel_array * RescaleSlope + RescaleIntercept; the DICOM LINEAR window; an exact area
// average computed by replicating pixels 7x and taking 32x32 block means):
// HU range -896..1167, slope 1, intercept -1024, no window in the file; with W400/L50 the
// mean of the windowed image (and of the 28x28 output, as area averaging keeps the mean)
// is 0.38098190422344924 and output pixels (0,0), (27,27), (20,10) are 0, 0.1485623237781954,
// 0.2260827850877193; with the lung window W1500/L-600 the output mean is 0.802185221462746.
func TestDICOMCTSmall(t *testing.T) {
	data := pydicomFile(t, "CT_small.dcm")
	img, err := Decode(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, img)
	in := img.Info
	if in.Format != FormatDICOM || in.Width != 128 || in.Height != 128 || in.Frames != 1 ||
		in.Modality != "CT" || in.Photometric != "MONOCHROME2" || in.Units != "HU" || !in.Signed ||
		in.BitDepth != 16 || in.TransferSyntax != tsExplicitLE || in.TransferSyntaxGuessed || in.Colour {
		t.Fatalf("info %+v", in)
	}
	if in.ValueMin != -896 || in.ValueMax != 1167 || in.RescaleSlope != 1 || in.RescaleIntercept != -1024 {
		t.Fatalf("HU range %v..%v, rescale %v/%v; want -896..1167, 1/-1024", in.ValueMin, in.ValueMax, in.RescaleSlope, in.RescaleIntercept)
	}
	if in.HasFileWindow || in.WindowSource != WindowDefault || in.Window != AbdomenWindow {
		t.Fatalf("window %+v from %v (file window %v)", in.Window, in.WindowSource, in.HasFileWindow)
	}
	if m := meanOf(img.Pixels); math.Abs(m-0.38098190422344924) > 1e-6 {
		t.Errorf("output mean %v, want 0.38098190422344924", m)
	}
	for _, c := range []struct {
		x, y int
		want float64
	}{{0, 0, 0}, {27, 27, 0.1485623237781954}, {20, 10, 0.2260827850877193}} {
		if got := float64(img.Pixels[c.y*Size+c.x]); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	var pm float64
	for _, v := range img.Preview.Pix {
		pm += float64(v) / 255
	}
	if pm /= float64(len(img.Preview.Pix)); math.Abs(pm-0.38098190422344924) > 0.5/255 {
		t.Errorf("preview mean %v", pm)
	}

	lung, err := Decode(data, Options{WindowSource: WindowCustom, Window: LungWindow})
	if err != nil {
		t.Fatal(err)
	}
	if lung.Info.WindowSource != WindowCustom || lung.Info.Window != LungWindow {
		t.Fatalf("lung window info %+v", lung.Info)
	}
	if m := meanOf(lung.Pixels); math.Abs(m-0.802185221462746) > 1e-6 {
		t.Errorf("lung output mean %v, want 0.802185221462746", m)
	}

	full, err := Decode(data, Options{WindowSource: WindowFullRange})
	if err != nil {
		t.Fatal(err)
	}
	if full.Info.WindowSource != WindowFullRange || full.Info.Window != (Window{Center: 135.5, Width: 2063}) {
		t.Fatalf("full range info %+v", full.Info)
	}
	lo, hi := uint8(255), uint8(0)
	for _, v := range full.Preview.Pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 0 || hi != 255 {
		t.Errorf("full range preview spans %d..%d, want 0..255", lo, hi)
	}
}

// TestDICOMEncodingsAgree: MR_small written as explicit little endian, big endian (two
// writers), implicit VR, with padding, and RLE-compressed must give bit-identical images;
// stripped of its preamble, or of preamble and meta group, it must too. Facts (pydicom):
// values 127..2145, file window C600/W1600, output mean 0.4433778496814415, output pixel
// (0,0) 0.6390077782989368 and (14,14) 0.2551594746716697.
func TestDICOMEncodingsAgree(t *testing.T) {
	ref, err := Decode(pydicomFile(t, "MR_small.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := ref.Info
	if in.ValueMin != 127 || in.ValueMax != 2145 || in.Units != "" || !in.HasFileWindow ||
		in.WindowSource != WindowFile || in.Window != (Window{Center: 600, Width: 1600}) {
		t.Fatalf("MR_small info %+v", in)
	}
	if m := meanOf(ref.Pixels); math.Abs(m-0.4433778496814415) > 1e-6 {
		t.Errorf("mean %v", m)
	}
	if a, b := float64(ref.Pixels[0]), float64(ref.Pixels[14*Size+14]); math.Abs(a-0.6390077782989368) > 1e-6 || math.Abs(b-0.2551594746716697) > 1e-6 {
		t.Errorf("pixels %v %v", a, b)
	}
	mr := pydicomFile(t, "MR_small.dcm")
	variants := map[string][]byte{
		"MR_small_bigendian.dcm": pydicomFile(t, "MR_small_bigendian.dcm"),
		"MR_small_expb.dcm":      pydicomFile(t, "MR_small_expb.dcm"),
		"MR_small_implicit.dcm":  pydicomFile(t, "MR_small_implicit.dcm"),
		"MR_small_padded.dcm":    pydicomFile(t, "MR_small_padded.dcm"),
		"MR_small_RLE.dcm":       pydicomFile(t, "MR_small_RLE.dcm"),
		"no preamble":            mr[132:],
		"explicit, bare":         dataSetOnly(t, mr),
		"implicit, bare":         dataSetOnly(t, pydicomFile(t, "MR_small_implicit.dcm")),
		"big endian, bare":       dataSetOnly(t, pydicomFile(t, "MR_small_bigendian.dcm")),
	}
	for name, data := range variants {
		img, err := Decode(data, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !slices.Equal(img.Pixels, ref.Pixels) || !bytes.Equal(img.Preview.Pix, ref.Preview.Pix) {
			t.Errorf("%s: image differs from MR_small.dcm", name)
		}
		if guessed := strings.Contains(name, "bare"); img.Info.TransferSyntaxGuessed != guessed {
			t.Errorf("%s: TransferSyntaxGuessed = %v", name, img.Info.TransferSyntaxGuessed)
		}
	}
}

// dataSetOnly cuts the preamble and the meta group (its length is in (0002,0000)).
func dataSetOnly(t *testing.T, f []byte) []byte {
	t.Helper()
	if string(f[128:132]) != "DICM" || binary.LittleEndian.Uint16(f[132:]) != 2 || binary.LittleEndian.Uint16(f[134:]) != 0 {
		t.Fatal("file does not start with a meta group length")
	}
	return f[144+binary.LittleEndian.Uint32(f[140:]):]
}

// TestDICOMColour: RGB (explicit VR big endian), the same RGB image as RLE at 8, 16 and 32
// bits, uncompressed YBR_FULL_422, and lossy JPEG baseline. Facts (pydicom): ExplVR_BigEnd
// luma mean 0.872296887254902; SC_rgb_rle luma mean 0.5007843137254903; SC_rgb_small_odd
// pixel (0,0) is RGB 166,141,52.
func TestDICOMColour(t *testing.T) {
	be, err := Decode(pydicomFile(t, "ExplVR_BigEnd.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkPixels01(t, be)
	if !be.Info.Colour || be.Info.WindowSource != WindowNone || be.Info.Width != 80 || be.Info.Height != 60 {
		t.Fatalf("info %+v", be.Info)
	}
	if m := previewMean(be); math.Abs(m-0.872296887254902) > 0.5/255 {
		t.Errorf("ExplVR_BigEnd luma mean %v", m)
	}

	rle, err := Decode(pydicomFile(t, "SC_rgb_rle.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m := previewMean(rle); math.Abs(m-0.5007843137254903) > 0.5/255 {
		t.Errorf("SC_rgb_rle luma mean %v", m)
	}
	for _, name := range []string{"SC_rgb_rle_16bit.dcm", "SC_rgb_rle_32bit.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_rle_32bit_2frame.dcm"} {
		img, err := Decode(pydicomFile(t, name), Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d := maxAbsDiff(img.Pixels, rle.Pixels); d > 1e-5 {
			t.Errorf("%s differs from SC_rgb_rle by %v", name, d)
		}
	}
	// YCbCr is rounded to 8 bits, JPEG is lossy: close, not equal.
	for name, tol := range map[string]float64{
		"SC_ybr_full_422_uncompressed.dcm": 2.0 / 255,
		"SC_rgb_jpeg_dcmtk.dcm":            0.02,
		"SC_rgb_dcmtk_+eb+cy+np.dcm":       0.02,
		"SC_rgb_jpeg_lossy_gdcm.dcm":       0.02,
	} {
		img, err := Decode(pydicomFile(t, name), Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkPixels01(t, img)
		if d := meanAbsDiff(img.Pixels, rle.Pixels); d > tol {
			t.Errorf("%s differs from SC_rgb_rle by %v on average (tolerance %v)", name, d, tol)
		}
	}

	odd, err := Decode(pydicomFile(t, "SC_rgb_small_odd.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := odd.Preview.Pix[0], uint8(math.Round(0.299*166+0.587*141+0.114*52)); got != want {
		t.Errorf("SC_rgb_small_odd preview (0,0) = %d, want %d", got, want)
	}
}

func previewMean(img *Image) float64 {
	var s float64
	for _, v := range img.Preview.Pix {
		s += float64(v) / 255
	}
	return s / float64(len(img.Preview.Pix))
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func meanAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d += math.Abs(float64(a[i] - b[i]))
	}
	return d / float64(len(a))
}

// TestDICOMMultiFrameAndDeflate: rtdose.dcm has 15 frames of 32-bit dose; its first frame
// is rtdose_1frame.dcm (checked with pydicom), so the images must be equal. image_dfl.dcm
// is deflated; pydicom gives values 0..255 with a full-range mean of 0.4984939874387255.
func TestDICOMMultiFrameAndDeflate(t *testing.T) {
	multi, err := Decode(pydicomFile(t, "rtdose.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	one, err := Decode(pydicomFile(t, "rtdose_1frame.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if multi.Info.Frames != 15 || one.Info.Frames != 1 || !slices.Equal(multi.Pixels, one.Pixels) {
		t.Fatalf("frames %d/%d, equal %v", multi.Info.Frames, one.Info.Frames, slices.Equal(multi.Pixels, one.Pixels))
	}
	// Dose is not in HU: with no file window the full range is used, not the CT window.
	if multi.Info.WindowSource != WindowFullRange || multi.Info.Units == "HU" {
		t.Errorf("dose window %v units %q", multi.Info.WindowSource, multi.Info.Units)
	}
	for _, name := range []string{"rtdose_expb.dcm", "rtdose_rle.dcm", "rtdose_expb_1frame.dcm", "rtdose_rle_1frame.dcm"} {
		img, err := Decode(pydicomFile(t, name), Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !slices.Equal(img.Pixels, one.Pixels) {
			t.Errorf("%s differs from rtdose_1frame.dcm", name)
		}
	}
	_, err = Decode(pydicomFile(t, "rtdose.dcm"), Options{Limits: Limits{MaxFrames: 10}})
	if e := wantKind(t, err, ErrTooLarge); !strings.Contains(e.Error(), "15 frames, the limit is 10") {
		t.Errorf("frame limit message %q", e.Error())
	}

	dfl, err := Decode(pydicomFile(t, "image_dfl.dcm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dfl.Info.TransferSyntax != tsDeflatedLE || dfl.Info.ValueMin != 0 || dfl.Info.ValueMax != 255 || dfl.Info.Width != 512 {
		t.Fatalf("deflated info %+v", dfl.Info)
	}
	if m := meanOf(dfl.Pixels); math.Abs(m-0.4984939874387255) > 1e-5 {
		t.Errorf("deflated mean %v", m)
	}
	_, err = Decode(pydicomFile(t, "image_dfl.dcm"), Options{Limits: Limits{MaxBytes: 100000}})
	wantKind(t, err, ErrTooLarge) // 4.6 kB inflates to 262 kB of pixels
}

// TestDICOMErrors: compressed files the package cannot decode, truncated files, non-image
// objects and malformed values each give their kind of error.
func TestDICOMErrors(t *testing.T) {
	for _, c := range []struct {
		file string
		kind error
		text string
	}{
		{"JPEG2000.dcm", ErrUnsupported, "JPEG 2000"},
		{"MR_small_jp2klossless.dcm", ErrUnsupported, "JPEG 2000"},
		{"MR_small_jpeg_ls_lossless.dcm", ErrUnsupported, "JPEG-LS"},
		{"SC_rgb_jpeg_gdcm.dcm", ErrUnsupported, "JPEG Lossless"},
		{"JPGExtended.dcm", ErrUnsupported, "precision"}, // 12-bit JPEG
		{"MR_truncated.dcm", ErrTruncated, "(7fe0,0010)"},
		{"rtplan_truncated.dcm", ErrTruncated, "truncated"},
		{"rtplan.dcm", ErrUnsupported, "no Pixel Data"},
		{"waveform_ecg.dcm", ErrUnsupported, "no Pixel Data"},
		{"badVR.dcm", ErrMalformed, "NumberOfFrames \"1A\""},
		{"liver_1frame.dcm", ErrUnsupported, "BitsAllocated 1"},
	} {
		_, err := Decode(pydicomFile(t, c.file), Options{})
		if e := wantKind(t, err, c.kind); !strings.Contains(e.Error(), c.text) {
			t.Errorf("%s: %q does not mention %q", c.file, e.Error(), c.text)
		}
	}
	_, err := Decode(pydicomFile(t, "CT_small.dcm"), Options{Limits: Limits{MaxPixels: 100 * 100}})
	if e := wantKind(t, err, ErrTooLarge); !strings.Contains(e.Error(), "128x128") {
		t.Errorf("pixel limit %q", e.Error())
	}
	// Every cut of a real file fails cleanly.
	ct := pydicomFile(t, "CT_small.dcm")
	for _, n := range []int{1, 100, 131, 132, 140, 300, 1000, len(ct) / 2, len(ct) - 2000, len(ct) - 1} {
		_, err := Decode(ct[:n], Options{})
		if err == nil {
			t.Errorf("CT_small cut to %d bytes decoded", n)
			continue
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("cut to %d: %T %v", n, err, err)
		}
	}
	_, err = Decode(ct[:len(ct)-2000], Options{})
	wantKind(t, err, ErrTruncated)
}

// TestDICOMSynthetic checks what the fixtures do not cover: MONOCHROME1, unsigned and
// signed 8/16-bit values, BitsStored < BitsAllocated with a high bit, a multi-valued file
// window, rescale, planar colour and RLE, each against values worked out by hand.
func TestDICOMSynthetic(t *testing.T) {
	le := binary.LittleEndian
	// 2x2, 16 bits stored in 12 (HighBit 11), signed: raw words 0x0FFF (-1), 0x0800 (-2048),
	// 0x07FF (2047), 0xF005 (upper bits are not pixel data: 5).
	base := synth{ts: tsExplicitLE, rows: 2, cols: 2, bitsAlloc: 16, bitsStored: 12, signed: true,
		photometric: "MONOCHROME2", modality: "CT", slope: "2", intercept: "-10",
		pixels: u16(le, 0x0FFF, 0x0800, 0x07FF, 0xF005)}
	img, err := Decode(base.bytes(), Options{WindowSource: WindowFullRange})
	if err != nil {
		t.Fatal(err)
	}
	// HU = 2*v - 10: -12, -4106, 4084, 0.
	if img.Info.ValueMin != -4106 || img.Info.ValueMax != 4084 || img.Info.Units != "HU" {
		t.Fatalf("range %v..%v %q", img.Info.ValueMin, img.Info.ValueMax, img.Info.Units)
	}
	want := []float64{(-12 + 4106) / 8190.0, 0, 1, 4106 / 8190.0}
	for i, w := range want {
		if got := float64(img.Preview.Pix[i]); math.Abs(got-math.Round(255*w)) > 0 {
			t.Errorf("signed 12-bit pixel %d: %v, want %v", i, got, math.Round(255*w))
		}
	}

	// MONOCHROME1 is the same image inverted.
	m1 := base
	m1.photometric = "MONOCHROME1"
	inv, err := Decode(m1.bytes(), Options{WindowSource: WindowFullRange})
	if err != nil {
		t.Fatal(err)
	}
	for i := range img.Pixels {
		if math.Abs(float64(inv.Pixels[i]+img.Pixels[i])-1) > 1e-6 {
			t.Fatalf("MONOCHROME1 pixel %d: %v + %v != 1", i, inv.Pixels[i], img.Pixels[i])
		}
	}

	// Unsigned 8-bit, multi-valued window "100\200" / "50\10": the first pair is used.
	u8 := synth{ts: tsImplicitLE, implicit: true, rows: 2, cols: 2, bitsAlloc: 8, photometric: "MONOCHROME2",
		wCenter: "100\\200", wWidth: "50\\10", pixels: []byte{0, 99, 100, 255}}
	img, err = Decode(u8.bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !img.Info.HasFileWindow || img.Info.Window != (Window{Center: 100, Width: 50}) || img.Info.WindowSource != WindowFile || img.Info.Signed {
		t.Fatalf("window info %+v", img.Info)
	}
	for i, v := range []float64{0, 99, 100, 255} {
		if got, w := float64(img.Preview.Pix[i]), math.Round(255*img.Info.Window.Apply(v)); got != w {
			t.Errorf("8-bit pixel %d: %v, want %v", i, got, w)
		}
	}

	// Signed 8-bit: 0x80 is -128, 0x7F is 127.
	s8 := synth{ts: tsExplicitBE, bo: binary.BigEndian, rows: 1, cols: 2, bitsAlloc: 8, signed: true,
		photometric: "MONOCHROME2", pixels: []byte{0x80, 0x7F}}
	img, err = Decode(s8.bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Info.ValueMin != -128 || img.Info.ValueMax != 127 {
		t.Fatalf("signed 8-bit range %v..%v", img.Info.ValueMin, img.Info.ValueMax)
	}

	// Planar RGB (RRRR GGGG BBBB) and its RLE encoding agree with the luma of each pixel.
	rgb := []byte{255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30}
	planar := synth{ts: tsExplicitLE, rows: 2, cols: 2, spp: 3, bitsAlloc: 8, photometric: "RGB", pixels: rgb}
	w := dcmWriter{bo: le}
	w.us(0x0028, 0x0006, 1) // PlanarConfiguration 1, in tag order right after PhotometricInterpretation
	f := insertAfterPhotometric(t, planar.bytes(), w.buf.Bytes())
	img, err = Decode(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lumas := []float64{0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299*10 + 0.587*20 + 0.114*30}
	for i, l := range lumas {
		if got := float64(img.Preview.Pix[i]); got != math.Round(l) {
			t.Errorf("planar RGB pixel %d: %v, want %v", i, got, math.Round(l))
		}
	}
	rle := synth{ts: tsRLE, rows: 2, cols: 2, spp: 3, bitsAlloc: 8, photometric: "RGB",
		encapsulate: [][]byte{rleFrame([][]byte{rgb[0:4], rgb[4:8], rgb[8:12]})}}
	img2, err := Decode(rle.bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.Preview.Pix, img2.Preview.Pix) {
		t.Errorf("RLE %v != planar %v", img2.Preview.Pix, img.Preview.Pix)
	}

	// Short pixel data is malformed; a photometric we do not handle is unsupported.
	short := base
	short.pixels = short.pixels[:6]
	_, err = Decode(short.bytes(), Options{})
	wantKind(t, err, ErrMalformed)
	pal := base
	pal.photometric = "PALETTE COLOR"
	_, err = Decode(pal.bytes(), Options{})
	wantKind(t, err, ErrUnsupported)
	zero := base
	zero.slope = "0"
	_, err = Decode(zero.bytes(), Options{})
	wantKind(t, err, ErrMalformed)
}

// insertAfterPhotometric splices extra element bytes after (0028,0004) of an explicit VR
// little endian synthetic file, keeping tag order.
func insertAfterPhotometric(t *testing.T, f, extra []byte) []byte {
	t.Helper()
	i := bytes.Index(f, []byte{0x28, 0x00, 0x04, 0x00, 'C', 'S'})
	if i < 0 {
		t.Fatal("no photometric element")
	}
	end := i + 8 + int(binary.LittleEndian.Uint16(f[i+6:]))
	return append(append(append([]byte(nil), f[:end]...), extra...), f[end:]...)
}

// rleFrame encodes segments as one RLE frame, each segment as literal runs.
func rleFrame(segs [][]byte) []byte {
	hdr := make([]byte, 64)
	binary.LittleEndian.PutUint32(hdr, uint32(len(segs)))
	var body []byte
	for i, s := range segs {
		binary.LittleEndian.PutUint32(hdr[4+4*i:], uint32(64+len(body)))
		for len(s) > 0 {
			n := min(len(s), 128)
			body = append(body, byte(n-1))
			body = append(body, s[:n]...)
			s = s[n:]
		}
	}
	return append(hdr, body...)
}

// TestDICOMGuard: a length claim of about 4 GB, or sequences nested a thousand deep, are
// refused by the walk before the parser allocates or recurses.
func TestDICOMGuard(t *testing.T) {
	w := dcmWriter{bo: binary.LittleEndian}
	w.str(0x0008, 0x0060, "CS", "CT")
	w.header(0x0009, 0x0010, "OB", 0xFFFFFFF0)
	w.buf.Write(make([]byte, 64))
	huge := append(append(make([]byte, 128), "DICM"...), metaFor(tsExplicitLE)...)
	huge = append(huge, w.buf.Bytes()...)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(huge, Options{})
	runtime.ReadMemStats(&after)
	if e := wantKind(t, err, ErrTruncated); !strings.Contains(e.Error(), "4294967280 bytes") {
		t.Errorf("huge length: %q", e.Error())
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("rejecting a 4 GB claim allocated %d bytes", grew)
	}

	d := dcmWriter{bo: binary.LittleEndian}
	for i := 0; i < 1000; i++ {
		d.header(0x0008, 0x1115, "SQ", undefinedLen)
		d.header(0xFFFE, 0xE000, "", undefinedLen)
	}
	deep := append(append(make([]byte, 128), "DICM"...), metaFor(tsExplicitLE)...)
	deep = append(deep, d.buf.Bytes()...)
	_, err = Decode(deep, Options{})
	if e := wantKind(t, err, ErrMalformed); !strings.Contains(e.Error(), "deeper than 32") {
		t.Errorf("deep nesting: %q", e.Error())
	}
}

// metaFor is a meta group naming the transfer syntax ts.
func metaFor(ts string) []byte {
	return synth{ts: ts, noPreamble: true, rows: 1, cols: 1, bitsAlloc: 8, photometric: "MONOCHROME2", pixels: []byte{0}}.bytes()[:12+8+len(ts)+len(ts)%2]
}

func BenchmarkDecodeCTSmall(b *testing.B) {
	data := pydicomFile(b, "CT_small.dcm")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
