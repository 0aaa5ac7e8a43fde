package ctimage

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The reader's own tests: what the pydicom fixtures do not exercise (sequences of every
// length encoding in every element encoding, UN, attributes in odd VRs, fragments,
// nesting and length guards), each on a synthetic file whose right answer is known.

// baseImage is a 2x2 signed 12-bit CT image with a file window, as a bare data set.
func baseImage(bo order, implicit bool) synth {
	return synth{noPreamble: true, bo: bo, implicit: implicit, rows: 2, cols: 2, bitsAlloc: 16, bitsStored: 12,
		signed: true, photometric: "MONOCHROME2", modality: "CT", slope: "2", intercept: "-10",
		wCenter: "40\\400", wWidth: "400\\1500", pixels: u16(bo, 0x0FFF, 0x0800, 0x07FF, 0xF005)}
}

// file joins a preamble, a meta group naming ts, and the data set parts.
func file(ts string, parts ...[]byte) []byte {
	f := append(append(make([]byte, 128), "DICM"...), metaFor(ts)...)
	for _, p := range parts {
		f = append(f, p...)
	}
	return f
}

// sameImage decodes both files and requires identical images and descriptions.
func sameImage(t *testing.T, name string, got, want []byte) {
	t.Helper()
	a, err := Decode(got, Options{})
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	b, err := Decode(want, Options{})
	if err != nil {
		t.Fatalf("%s reference: %v", name, err)
	}
	if !slices.Equal(a.Pixels, b.Pixels) || !bytes.Equal(a.Preview.Pix, b.Preview.Pix) || a.Info != b.Info {
		t.Errorf("%s: decodes to %+v, want %+v", name, a.Info, b.Info)
	}
}

// decoy is an item body holding image attributes and pixel data that must not be taken for
// the top-level ones: nested attributes belong to the item, not the image.
func decoy(bo order, implicit bool) []byte {
	w := dcmWriter{bo: bo, implicit: implicit}
	w.str(0x0008, 0x0060, "CS", "MR")
	w.us(0x0028, 0x0010, 999)
	w.us(0x0028, 0x0011, 999)
	w.us(0x0028, 0x0100, 8)
	w.str(0x0028, 0x1050, "DS", "7")
	w.str(0x0028, 0x1051, "DS", "9")
	w.elem(0x7FE0, 0x0010, "OB", []byte{1, 2, 3, 4})
	return w.buf.Bytes()
}

// sequences writes, in one encoding, a sequence of each length encoding with nested items
// of each length encoding, holding the decoy.
func sequences(bo order, implicit bool) []byte {
	inner := decoy(bo, implicit)
	w := dcmWriter{bo: bo, implicit: implicit}
	// Undefined-length sequence: an undefined-length item (with a nested undefined-length
	// sequence holding an empty item), then a defined-length item.
	w.header(0x0008, 0x1115, "SQ", undefinedLen)
	w.header(0xFFFE, 0xE000, "", undefinedLen)
	w.buf.Write(inner)
	w.header(0x0008, 0x1199, "SQ", undefinedLen)
	w.header(0xFFFE, 0xE000, "", 0)
	w.header(0xFFFE, 0xE0DD, "", 0)
	w.header(0xFFFE, 0xE00D, "", 0)
	w.header(0xFFFE, 0xE000, "", uint32(len(inner)))
	w.buf.Write(inner)
	w.header(0xFFFE, 0xE0DD, "", 0)
	// Defined-length sequence (IconImageSequence) with an undefined-length item inside.
	item := dcmWriter{bo: bo, implicit: implicit}
	item.header(0xFFFE, 0xE000, "", undefinedLen)
	item.buf.Write(inner)
	item.header(0xFFFE, 0xE00D, "", 0)
	item.header(0xFFFE, 0xE000, "", uint32(len(inner)))
	item.buf.Write(inner)
	w.header(0x0088, 0x0200, "SQ", uint32(item.buf.Len()))
	w.buf.Write(item.buf.Bytes())
	// An empty sequence of each kind.
	w.header(0x0040, 0x0275, "SQ", 0)
	w.header(0x0040, 0x0260, "SQ", undefinedLen)
	w.header(0xFFFE, 0xE0DD, "", 0)
	return w.buf.Bytes()
}

// TestDICOMReaderSequences: sequences of defined and undefined length, with items of both,
// nested, in each element encoding, are walked past without changing the image, and what
// they hold (Rows 999, a Pixel Data, a window) is not mistaken for the image's attributes.
func TestDICOMReaderSequences(t *testing.T) {
	for _, c := range []struct {
		name     string
		ts       string
		bo       order
		implicit bool
	}{
		{"explicit little endian", tsExplicitLE, binary.LittleEndian, false},
		{"implicit little endian", tsImplicitLE, binary.LittleEndian, true},
		{"explicit big endian", tsExplicitBE, binary.BigEndian, false},
	} {
		img := baseImage(c.bo, c.implicit).bytes()
		want := file(c.ts, img)
		seq := sequences(c.bo, c.implicit)
		sameImage(t, c.name+", sequences first", file(c.ts, seq, img), want)
		sameImage(t, c.name+", sequences last", file(c.ts, img, seq), want)
		// Without preamble and meta group the encoding is found by walking.
		bare, err := Decode(append(append([]byte(nil), seq...), img...), Options{})
		if err != nil {
			t.Errorf("%s, bare: %v", c.name, err)
		} else if !bare.Info.TransferSyntaxGuessed || !bare.Info.HasFileWindow || bare.Info.Window != (Window{Center: 40, Width: 400}) {
			t.Errorf("%s, bare: info %+v", c.name, bare.Info)
		}
	}
}

// TestDICOMReaderUN: the items of a UN element of undefined length are implicit VR little
// endian (PS3.5 6.2.2) inside an explicit VR data set. The element inside would not parse
// as explicit VR, so the image decodes only if the reader switches encoding.
func TestDICOMReaderUN(t *testing.T) {
	rows := dcmWriter{bo: binary.LittleEndian, implicit: true}
	rows.us(0x0028, 0x0010, 999)
	in := dcmWriter{bo: binary.LittleEndian, implicit: true}
	in.header(0xFFFE, 0xE000, "", undefinedLen)
	in.str(0x0009, 0x1011, "LO", "ABCD")
	in.header(0x0009, 0x1012, "", undefinedLen) // an implicit VR sequence inside
	in.header(0xFFFE, 0xE000, "", uint32(rows.buf.Len()))
	in.buf.Write(rows.buf.Bytes())
	in.header(0xFFFE, 0xE0DD, "", 0)
	in.header(0xFFFE, 0xE00D, "", 0)
	in.header(0xFFFE, 0xE0DD, "", 0)
	w := dcmWriter{bo: binary.LittleEndian}
	w.header(0x0009, 0x1010, "UN", undefinedLen)
	w.buf.Write(in.buf.Bytes())

	img := baseImage(binary.LittleEndian, false).bytes()
	sameImage(t, "UN sequence", file(tsExplicitLE, w.buf.Bytes(), img), file(tsExplicitLE, img))

	// The same items read as explicit VR must fail: the test above is not vacuous.
	ex := walker{data: in.buf.Bytes(), syn: dcmSyntax{bo: binary.LittleEndian}}
	if _, err := ex.elements(0, len(in.buf.Bytes()), 1, stopAtSeqDelim); err == nil {
		t.Error("the implicit VR items also walk as explicit VR")
	}
}

// TestDICOMReaderValues: attributes labelled UN, or with letters that are no VR, are read
// with their dictionary VR (as pydicom does); integers may be US, SS, UL, SL or IS text;
// decimals DS text, FL or FD; the first occurrence of an attribute counts.
func TestDICOMReaderValues(t *testing.T) {
	le := binary.LittleEndian
	ref := file(tsExplicitLE, baseImage(le, false).bytes())

	// Rebuild the reference with every attribute in another VR.
	w := dcmWriter{bo: le}
	w.elem(0x0008, 0x0060, "UN", []byte("CT"))                             // Modality: UN -> CS
	w.elem(0x0028, 0x0002, "UN", le.AppendUint16(nil, 1))                  // SamplesPerPixel: UN -> US
	w.str(0x0028, 0x0004, "CS", "MONOCHROME2")                             // PhotometricInterpretation
	w.elem(0x0028, 0x0010, "UL", le.AppendUint32(nil, 2))                  // Rows: UL
	w.str(0x0028, 0x0011, "IS", " 2")                                      // Columns: IS text
	w.elem(0x0028, 0x0100, "SS", le.AppendUint16(nil, 16))                 // BitsAllocated: SS
	w.elem(0x0028, 0x0101, "SL", le.AppendUint32(nil, 12))                 // BitsStored: SL
	w.elem(0x0028, 0x0102, "XX", le.AppendUint16(nil, 11))                 // HighBit: no VR -> US
	w.elem(0x0028, 0x0103, "US", u16(le, 1, 0))                            // PixelRepresentation: two values, the first counts
	w.elem(0x0028, 0x1050, "UN", []byte("40\\400"))                        // WindowCenter: UN -> DS
	w.str(0x0028, 0x1051, "DS", "\\400\\1500")                             // WindowWidth: empty values are skipped
	w.elem(0x0028, 0x1052, "FD", le.AppendUint64(nil, 0xC024000000000000)) // RescaleIntercept: FD -10
	w.elem(0x0028, 0x1053, "FL", le.AppendUint32(nil, 0x40000000))         // RescaleSlope: FL 2
	w.us(0x0028, 0x0010, 7)                                                // a second Rows: ignored
	w.elem(0x7FE0, 0x0010, "OW", u16(le, 0x0FFF, 0x0800, 0x07FF, 0xF005))
	sameImage(t, "attributes in other VRs", file(tsExplicitLE, w.buf.Bytes()), ref)

	for _, c := range []struct {
		name      string
		g, e      uint16
		vr        string
		val       []byte
		kind      error
		mentioned string
	}{
		{"short UL", 0x0028, 0x0002, "UL", []byte{1, 0}, ErrMalformed, "SamplesPerPixel (VR UL) has 2 bytes, not a multiple of 4"},
		{"text that is no integer", 0x0028, 0x0100, "IS", []byte("16.0"), ErrMalformed, `BitsAllocated "16.0" is not an integer`},
		{"integer as bytes", 0x0028, 0x0101, "OB", []byte{12, 0}, ErrMalformed, "BitsStored has VR OB, not an integer"},
		{"no frames", 0x0028, 0x0008, "IS", []byte("0 "), ErrMalformed, "NumberOfFrames 0 is not a positive integer"},
		{"decimal that is no number", 0x0028, 0x1053, "DS", []byte("two "), ErrMalformed, `RescaleSlope "two" is not a number`},
		{"decimal as integer", 0x0028, 0x1052, "US", []byte{1, 0}, ErrMalformed, "RescaleIntercept has VR US, not a decimal"},
	} {
		v := dcmWriter{bo: le}
		v.elem(c.g, c.e, c.vr, c.val)
		// The first occurrence counts, so this one, put first, replaces the image's own.
		_, err := Decode(file(tsExplicitLE, v.buf.Bytes(), baseImage(le, false).bytes()), Options{})
		if e := wantKind(t, err, c.kind); !strings.Contains(e.Error(), c.mentioned) {
			t.Errorf("%s: %q does not say %q", c.name, e.Error(), c.mentioned)
		}
	}
}

// TestDICOMReaderFragments: a single-frame image split over several fragments is joined;
// the basic offset table is not pixel data; frames split over fragments are refused.
func TestDICOMReaderFragments(t *testing.T) {
	jpg := encodeJPEG(t, grayRamp(16, 8))
	one := synth{ts: tsJPEGBase, rows: 8, cols: 16, bitsAlloc: 8, photometric: "MONOCHROME2", encapsulate: [][]byte{jpg}}
	split := one
	split.encapsulate = [][]byte{jpg[:100], jpg[100:101], jpg[101:]}
	sameImage(t, "JPEG in three fragments", split.bytes(), one.bytes())

	// A non-empty basic offset table before the fragments.
	f := one.bytes()
	i := bytes.Index(f, []byte{0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0})
	bot := append(append(append([]byte(nil), f[:i]...), 0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 0, 0, 0, 0), f[i+8:]...)
	sameImage(t, "offset table with one entry", bot, one.bytes())

	two := synth{ts: tsRLE, rows: 2, cols: 2, bitsAlloc: 8, photometric: "MONOCHROME2", frames: "2",
		encapsulate: [][]byte{rleFrame([][]byte{{1, 2, 3, 4}})[:66], rleFrame([][]byte{{1, 2, 3, 4}})[66:], rleFrame([][]byte{{5, 6, 7, 8}})}}
	_, err := Decode(two.bytes(), Options{})
	if e := wantKind(t, err, ErrUnsupported); !strings.Contains(e.Error(), "2 frames stored in 3 fragments") {
		t.Errorf("split frames: %q", e.Error())
	}
	none := one
	none.encapsulate = [][]byte{}
	_, err = Decode(none.bytes(), Options{})
	wantKind(t, err, ErrMalformed)
}

// TestDICOMReaderDeflate: a deflated data set decodes like the same data set uncompressed,
// and its inflated size counts against Limits.MaxBytes.
func TestDICOMReaderDeflate(t *testing.T) {
	pad := dcmWriter{bo: binary.LittleEndian}
	pad.elem(0x0009, 0x1010, "OB", make([]byte, 4000)) // so that the data set inflates to more than the file
	body := append(append(sequences(binary.LittleEndian, false), pad.buf.Bytes()...), baseImage(binary.LittleEndian, false).bytes()...)
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	fw.Write(body)
	fw.Close()
	dfl := file(tsDeflatedLE, z.Bytes())
	a, err := Decode(dfl, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(file(tsExplicitLE, body), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Info.TransferSyntax != tsDeflatedLE || !slices.Equal(a.Pixels, b.Pixels) {
		t.Errorf("deflated: %+v", a.Info)
	}
	if len(dfl) >= len(body) {
		t.Fatalf("deflated file %d bytes, data set %d: the limit below cannot separate them", len(dfl), len(body))
	}
	_, err = Decode(dfl, Options{Limits: Limits{MaxBytes: int64(len(body) - 1)}})
	wantKind(t, err, ErrTooLarge)
	_, err = Decode(dfl[:len(dfl)-10], Options{})
	wantKind(t, err, ErrTruncated)
}

// TestDICOMReaderGuards: lengths that overrun their item or the file, a 4 GB item, and deep
// nesting with defined lengths are refused before anything is allocated at their size.
func TestDICOMReaderGuards(t *testing.T) {
	le := binary.LittleEndian
	img := baseImage(le, false).bytes()

	// An element announcing more bytes than its (defined-length) item holds.
	in := dcmWriter{bo: le}
	in.header(0x0008, 0x0100, "SH", 20)
	in.buf.Write(make([]byte, 4))
	w := dcmWriter{bo: le}
	w.header(0x0008, 0x1115, "SQ", uint32(8+in.buf.Len()))
	w.header(0xFFFE, 0xE000, "", uint32(in.buf.Len()))
	w.buf.Write(in.buf.Bytes())
	_, err := Decode(file(tsExplicitLE, w.buf.Bytes(), img), Options{})
	if e := wantKind(t, err, ErrMalformed); !strings.Contains(e.Error(), "beyond its enclosing item") {
		t.Errorf("overrun: %q", e.Error())
	}

	// A 4 GB item inside an undefined-length sequence, in implicit VR.
	big := dcmWriter{bo: le, implicit: true}
	big.header(0x0008, 0x1115, "", undefinedLen)
	big.header(0xFFFE, 0xE000, "", 0xFFFFFFF0)
	big.buf.Write(make([]byte, 64))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Decode(file(tsImplicitLE, big.buf.Bytes()), Options{})
	runtime.ReadMemStats(&after)
	if e := wantKind(t, err, ErrTruncated); !strings.Contains(e.Error(), "4294967280 bytes") {
		t.Errorf("4 GB item: %q", e.Error())
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("rejecting a 4 GB item allocated %d bytes", grew)
	}

	// Forty defined-length sequences, each in an item of the one outside it.
	nest := []byte{}
	for i := 0; i < 40; i++ {
		item := dcmWriter{bo: le}
		item.header(0xFFFE, 0xE000, "", uint32(len(nest)))
		item.buf.Write(nest)
		sq := dcmWriter{bo: le}
		sq.header(0x0008, 0x1115, "SQ", uint32(item.buf.Len()))
		sq.buf.Write(item.buf.Bytes())
		nest = sq.buf.Bytes()
	}
	_, err = Decode(file(tsExplicitLE, nest, img), Options{})
	if e := wantKind(t, err, ErrMalformed); !strings.Contains(e.Error(), "deeper than 32") {
		t.Errorf("deep defined-length nesting: %q", e.Error())
	}

	// A sequence whose delimiter is missing, and one holding an element where an item belongs.
	open := dcmWriter{bo: le}
	open.header(0x0008, 0x1115, "SQ", undefinedLen)
	open.header(0xFFFE, 0xE000, "", 0)
	_, err = Decode(file(tsExplicitLE, img, open.buf.Bytes()), Options{})
	wantKind(t, err, ErrTruncated)
	stray := dcmWriter{bo: le}
	stray.header(0x0008, 0x1115, "SQ", undefinedLen)
	stray.us(0x0028, 0x0010, 1)
	stray.header(0xFFFE, 0xE0DD, "", 0)
	_, err = Decode(file(tsExplicitLE, stray.buf.Bytes(), img), Options{})
	if e := wantKind(t, err, ErrMalformed); !strings.Contains(e.Error(), "where an item belongs") {
		t.Errorf("element in a sequence: %q", e.Error())
	}
}

// TestDICOMReaderSyntaxes: UIDs that are transfer syntaxes other than those decoded here are
// named in the error; a UID that is no transfer syntax is unknown.
func TestDICOMReaderSyntaxes(t *testing.T) {
	img := baseImage(binary.LittleEndian, false).bytes()
	for ts, want := range map[string]string{
		"1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 Image Compression (Lossless Only) (1.2.840.10008.1.2.4.201)",
		"1.2.840.10008.1.2.4.80":  "JPEG-LS Lossless Image Compression (1.2.840.10008.1.2.4.80)",
	} {
		f := file(ts, img[:len(img)-12-8]) // drop the native pixel data: a 12-byte header, 8 bytes
		enc := dcmWriter{bo: binary.LittleEndian}
		enc.header(0x7FE0, 0x0010, "OB", undefinedLen)
		enc.header(0xFFFE, 0xE000, "", 0)
		enc.header(0xFFFE, 0xE000, "", 2)
		enc.buf.Write([]byte{0, 0})
		enc.header(0xFFFE, 0xE0DD, "", 0)
		_, err := Decode(append(f, enc.buf.Bytes()...), Options{})
		if e := wantKind(t, err, ErrUnsupported); !strings.Contains(e.Error(), want) {
			t.Errorf("%s: %q", ts, e.Error())
		}
	}
	_, err := Decode(file("1.2.840.10008.5.1.4.1.1.2", img), Options{}) // CT Image Storage: a SOP class
	if e := wantKind(t, err, ErrUnsupported); !strings.Contains(e.Error(), "unknown transfer syntax") {
		t.Errorf("SOP class as syntax: %q", e.Error())
	}
}

// readerSeeds are the structures above as fuzzing seeds.
func readerSeeds() [][]byte {
	le, be := binary.LittleEndian, binary.BigEndian
	return [][]byte{
		file(tsExplicitLE, sequences(le, false), baseImage(le, false).bytes()),
		file(tsImplicitLE, sequences(le, true), baseImage(le, true).bytes()),
		append(sequences(be, false), baseImage(be, false).bytes()...),
	}
}

// FuzzScanDICOM drives the reader alone and checks what it promises: an *Error, or a scan
// whose image fits the limits, whose values lie in the data set and whose fragments add up.
func FuzzScanDICOM(f *testing.F) {
	for _, s := range append(dicomSeeds(f), readerSeeds()...) {
		f.Add(s)
	}
	lim := fuzzOpt.Limits.orDefault()
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scanDICOM(data, lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Detail == "" {
				t.Fatalf("error %v (%T) is not a described *Error", err, err)
			}
			return
		}
		if !sc.hasPixelData || sc.rows < 1 || sc.cols < 1 || sc.rows*sc.cols > lim.MaxPixels || sc.frames < 1 || sc.frames > lim.MaxFrames {
			t.Fatalf("scan accepted %dx%d x%d frames (pixel data %v)", sc.cols, sc.rows, sc.frames, sc.hasPixelData)
		}
		n, total := 0, 0
		sc.eachFragment(func(b []byte) bool { n++; total += 8 + len(b); return true })
		if sc.encapsulated && (n != sc.fragments || total != len(sc.pixels)) {
			t.Fatalf("%d fragments of %d bytes, scan says %d in %d bytes", n, total, sc.fragments, len(sc.pixels))
		}
		for _, a := range keptAttrs {
			// Any value may be malformed; reading it must say so, not panic.
			_ = sc.str(a.tag)
			if _, _, err := sc.int(a.tag); err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: %v", a.name, err)
			}
			if _, _, err := sc.floats(a.tag); err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: %v", a.name, err)
			}
		}
	})
}
