package ctimage

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// The DICOM reader. ctimage needs about fifteen attributes of a data set and its pixel data,
// so instead of a general parser (whose data dictionary alone would add a megabyte to the
// browser build) it walks the data set element by element and keeps only those, as slices of
// the input. No length is trusted: every value must end inside its container (item,
// sequence, data set), nesting deeper than maxDepth is refused, and nothing is allocated at
// a size the file announces. Only a deflated data set is copied, inflated within
// Limits.MaxBytes.
//
// Encodings (PS3.5 7.1): explicit VR little and big endian and implicit VR little endian,
// with or without the 128-byte preamble and the group 0002 meta information. A file that
// names no transfer syntax, or whose elements do not walk in the one it names, is walked in
// each encoding in turn. Sequences are walked item by item whether their lengths are defined
// or not; other values are skipped by their length. In implicit VR, which carries no VR, an
// undefined length can only be a sequence (or encapsulated pixel data), so no data
// dictionary is needed; a sequence of defined length is skipped whole. The items of a UN
// element of undefined length are implicit VR little endian (PS3.5 6.2.2).

const (
	maxDepth     = 32
	undefinedLen = 0xFFFFFFFF
)

// The transfer syntaxes with names in this package.
const (
	tsImplicitLE = "1.2.840.10008.1.2"
	tsExplicitLE = "1.2.840.10008.1.2.1"
	tsDeflatedLE = "1.2.840.10008.1.2.1.99"
	tsExplicitBE = "1.2.840.10008.1.2.2"
	tsRLE        = "1.2.840.10008.1.2.5"
	tsJPEGBase   = "1.2.840.10008.1.2.4.50" // JPEG baseline, 8 bits
	tsJPEGExt    = "1.2.840.10008.1.2.4.51" // JPEG extended, 8 or 12 bits (Go decodes 8)
	tsPapyrus3   = "1.2.840.10008.1.20"     // retired; implicit VR little endian
)

// transferSyntaxName returns the name PS3.6 Table A-1 gives a transfer syntax UID, or "" for
// a UID that is not a transfer syntax.
func transferSyntaxName(u string) string {
	switch u {
	case tsImplicitLE:
		return "Implicit VR Little Endian"
	case tsExplicitLE:
		return "Explicit VR Little Endian"
	case "1.2.840.10008.1.2.1.98":
		return "Encapsulated Uncompressed Explicit VR Little Endian"
	case tsDeflatedLE:
		return "Deflated Explicit VR Little Endian"
	case tsExplicitBE:
		return "Explicit VR Big Endian"
	case tsJPEGBase:
		return "JPEG Baseline (Process 1)"
	case tsJPEGExt:
		return "JPEG Extended (Process 2 and 4)"
	case "1.2.840.10008.1.2.4.52":
		return "JPEG Extended (Process 3 and 5)"
	case "1.2.840.10008.1.2.4.53":
		return "JPEG Spectral Selection, Non-Hierarchical (Process 6 and 8)"
	case "1.2.840.10008.1.2.4.54":
		return "JPEG Spectral Selection, Non-Hierarchical (Process 7 and 9)"
	case "1.2.840.10008.1.2.4.55":
		return "JPEG Full Progression, Non-Hierarchical (Process 10 and 12)"
	case "1.2.840.10008.1.2.4.56":
		return "JPEG Full Progression, Non-Hierarchical (Process 11 and 13)"
	case "1.2.840.10008.1.2.4.57":
		return "JPEG Lossless, Non-Hierarchical (Process 14)"
	case "1.2.840.10008.1.2.4.58":
		return "JPEG Lossless, Non-Hierarchical (Process 15)"
	case "1.2.840.10008.1.2.4.59":
		return "JPEG Extended, Hierarchical (Process 16 and 18)"
	case "1.2.840.10008.1.2.4.60":
		return "JPEG Extended, Hierarchical (Process 17 and 19)"
	case "1.2.840.10008.1.2.4.61":
		return "JPEG Spectral Selection, Hierarchical (Process 20 and 22)"
	case "1.2.840.10008.1.2.4.62":
		return "JPEG Spectral Selection, Hierarchical (Process 21 and 23)"
	case "1.2.840.10008.1.2.4.63":
		return "JPEG Full Progression, Hierarchical (Process 24 and 26)"
	case "1.2.840.10008.1.2.4.64":
		return "JPEG Full Progression, Hierarchical (Process 25 and 27)"
	case "1.2.840.10008.1.2.4.65":
		return "JPEG Lossless, Hierarchical (Process 28)"
	case "1.2.840.10008.1.2.4.66":
		return "JPEG Lossless, Hierarchical (Process 29)"
	case "1.2.840.10008.1.2.4.70":
		return "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])"
	case "1.2.840.10008.1.2.4.80":
		return "JPEG-LS Lossless Image Compression"
	case "1.2.840.10008.1.2.4.81":
		return "JPEG-LS Lossy (Near-Lossless) Image Compression"
	case "1.2.840.10008.1.2.4.90":
		return "JPEG 2000 Image Compression (Lossless Only)"
	case "1.2.840.10008.1.2.4.91":
		return "JPEG 2000 Image Compression"
	case "1.2.840.10008.1.2.4.92":
		return "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)"
	case "1.2.840.10008.1.2.4.93":
		return "JPEG 2000 Part 2 Multi-component Image Compression"
	case "1.2.840.10008.1.2.4.94":
		return "JPIP Referenced"
	case "1.2.840.10008.1.2.4.95":
		return "JPIP Referenced Deflate"
	case "1.2.840.10008.1.2.4.100":
		return "MPEG2 Main Profile / Main Level"
	case "1.2.840.10008.1.2.4.101":
		return "MPEG2 Main Profile / High Level"
	case "1.2.840.10008.1.2.4.102":
		return "MPEG-4 AVC/H.264 High Profile / Level 4.1"
	case "1.2.840.10008.1.2.4.103":
		return "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"
	case "1.2.840.10008.1.2.4.104":
		return "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"
	case "1.2.840.10008.1.2.4.105":
		return "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"
	case "1.2.840.10008.1.2.4.106":
		return "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"
	case "1.2.840.10008.1.2.4.107":
		return "HEVC/H.265 Main Profile / Level 5.1"
	case "1.2.840.10008.1.2.4.108":
		return "HEVC/H.265 Main 10 Profile / Level 5.1"
	case "1.2.840.10008.1.2.4.110":
		return "JPEG XL Lossless"
	case "1.2.840.10008.1.2.4.111":
		return "JPEG XL JPEG Recompression"
	case "1.2.840.10008.1.2.4.112":
		return "JPEG XL"
	case "1.2.840.10008.1.2.4.201":
		return "High-Throughput JPEG 2000 Image Compression (Lossless Only)"
	case "1.2.840.10008.1.2.4.202":
		return "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)"
	case "1.2.840.10008.1.2.4.203":
		return "High-Throughput JPEG 2000 Image Compression"
	case tsRLE:
		return "RLE Lossless"
	case "1.2.840.10008.1.2.6.1":
		return "RFC 2557 MIME encapsulation"
	case "1.2.840.10008.1.2.6.2":
		return "XML Encoding"
	case "1.2.840.10008.1.2.8.1":
		return "Deflated Image Frame Compression"
	case tsPapyrus3:
		return "Papyrus 3 Implicit VR Little Endian"
	}
	return ""
}

// syntaxName names a transfer syntax UID for messages.
func syntaxName(u string) string {
	if n := transferSyntaxName(u); n != "" {
		return fmt.Sprintf("%s (%s)", n, u)
	}
	return u
}

// dcmSyntax is how the data set is encoded.
type dcmSyntax struct {
	uid      string // as given in the file, or the guessed canonical UID
	bo       binary.ByteOrder
	implicit bool
	guessed  bool // the file named no transfer syntax, or its elements were in another encoding
}

var implicitLE = dcmSyntax{uid: tsImplicitLE, bo: binary.LittleEndian, implicit: true}

func syntaxFor(u string) (dcmSyntax, error) {
	switch u {
	case tsImplicitLE, tsPapyrus3:
		return dcmSyntax{uid: u, bo: binary.LittleEndian, implicit: true}, nil
	case tsExplicitBE:
		return dcmSyntax{uid: u, bo: binary.BigEndian}, nil
	}
	if transferSyntaxName(u) == "" {
		return dcmSyntax{}, newErr(ErrUnsupported, FormatDICOM, nil, "unknown transfer syntax %s", quote.Short(u))
	}
	// Every other syntax, compressed or not, encodes its elements as explicit VR little endian.
	return dcmSyntax{uid: u, bo: binary.LittleEndian}, nil
}

// dcmTag is a data element tag, the group in the high 16 bits.
type dcmTag uint32

// String formats the tag as (gggg,eeee).
func (t dcmTag) String() string { return fmt.Sprintf("(%04x,%04x)", uint16(t>>16), uint16(t)) }

// The tags the reader knows.
const (
	tagTransferSyntax      dcmTag = 0x00020010
	tagModality            dcmTag = 0x00080060
	tagSamplesPerPixel     dcmTag = 0x00280002
	tagPhotometric         dcmTag = 0x00280004
	tagPlanarConfiguration dcmTag = 0x00280006
	tagNumberOfFrames      dcmTag = 0x00280008
	tagRows                dcmTag = 0x00280010
	tagColumns             dcmTag = 0x00280011
	tagBitsAllocated       dcmTag = 0x00280100
	tagBitsStored          dcmTag = 0x00280101
	tagHighBit             dcmTag = 0x00280102
	tagPixelRepresentation dcmTag = 0x00280103
	tagWindowCenter        dcmTag = 0x00281050
	tagWindowWidth         dcmTag = 0x00281051
	tagRescaleIntercept    dcmTag = 0x00281052
	tagRescaleSlope        dcmTag = 0x00281053
	tagRescaleType         dcmTag = 0x00281054
	tagPixelData           dcmTag = 0x7FE00010
	tagItem                dcmTag = 0xFFFEE000
	tagItemDelim           dcmTag = 0xFFFEE00D
	tagSeqDelim            dcmTag = 0xFFFEE0DD
)

// keptAttrs are the top-level attributes the reader keeps, with their names and their VRs
// in the data dictionary (PS3.6), which say how to read a value in implicit VR or one the
// file labels UN.
var keptAttrs = [...]struct {
	tag      dcmTag
	name, vr string
}{
	{tagModality, "Modality", "CS"},
	{tagSamplesPerPixel, "SamplesPerPixel", "US"},
	{tagPhotometric, "PhotometricInterpretation", "CS"},
	{tagPlanarConfiguration, "PlanarConfiguration", "US"},
	{tagNumberOfFrames, "NumberOfFrames", "IS"},
	{tagRows, "Rows", "US"},
	{tagColumns, "Columns", "US"},
	{tagBitsAllocated, "BitsAllocated", "US"},
	{tagBitsStored, "BitsStored", "US"},
	{tagHighBit, "HighBit", "US"},
	{tagPixelRepresentation, "PixelRepresentation", "US"},
	{tagWindowCenter, "WindowCenter", "DS"},
	{tagWindowWidth, "WindowWidth", "DS"},
	{tagRescaleIntercept, "RescaleIntercept", "DS"},
	{tagRescaleSlope, "RescaleSlope", "DS"},
	{tagRescaleType, "RescaleType", "LO"},
}

func keptIndex(t dcmTag) int {
	if t>>16 != 0x0008 && t>>16 != 0x0028 {
		return -1
	}
	for i, a := range keptAttrs {
		if a.tag == t {
			return i
		}
	}
	return -1
}

// dcmValue is the value of a kept attribute.
type dcmValue struct {
	found bool
	vr    string // as written, or from the dictionary in implicit VR and for UN
	b     []byte
}

// dcmScan is what the walk found: the syntax, the kept attributes and where the pixel data
// is (slices of the data set).
type dcmScan struct {
	syn   dcmSyntax
	attrs [len(keptAttrs)]dcmValue

	rows, cols   int
	frames       int
	hasPixelData bool
	encapsulated bool
	pixels       []byte // native pixel data; or, encapsulated, the fragment items after the offset table
	fragments    int    // number of fragments in pixels, when encapsulated
}

// scanDICOM locates the meta group and the data set, decides the syntax and walks the data
// set. lim bounds the inflated size of a deflated data set and the image.
func scanDICOM(data []byte, lim Limits) (*dcmScan, error) {
	pos := 0
	if len(data) >= 132 && string(data[128:132]) == "DICM" {
		pos = 132
	}
	ts, body, err := readMeta(data, pos)
	if err != nil {
		return nil, err
	}
	var sc *dcmScan
	if ts == "" {
		sc, err = guessSyntax(body, dcmSyntax{})
	} else {
		syn, err2 := syntaxFor(ts)
		if err2 != nil {
			return nil, err2
		}
		if ts == tsDeflatedLE {
			if body, err = inflate(body, lim.MaxBytes); err != nil {
				return nil, err
			}
		}
		sc, err = walkDataSet(body, syn)
		if err != nil && ts != tsDeflatedLE {
			// Some writers declare one encoding and use another (pydicom reads these too):
			// keep the declared compression, try the other element encodings.
			if alt, err2 := guessSyntax(body, syn); err2 == nil && alt.hasPixelData {
				sc, err = alt, nil
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if !sc.hasPixelData {
		return nil, newErr(ErrUnsupported, FormatDICOM, nil, "the file has no Pixel Data (7FE0,0010): it is not an image")
	}
	if err := sc.readSize(); err != nil {
		return nil, err
	}
	if sc.rows <= 0 || sc.cols <= 0 {
		return nil, newErr(ErrMalformed, FormatDICOM, nil, "image is %dx%d pixels (Rows, Columns missing or 0)", sc.cols, sc.rows)
	}
	if err := checkPixels(FormatDICOM, sc.cols, sc.rows, lim); err != nil {
		return nil, err
	}
	if sc.frames > lim.MaxFrames {
		return nil, newErr(ErrTooLarge, FormatDICOM, nil, "the file has %d frames, the limit is %d", sc.frames, lim.MaxFrames)
	}
	return sc, nil
}

// readMeta reads the group 0002 elements (always explicit VR little endian) starting at pos
// and returns the transfer syntax UID ("" if none) and the data set bytes that follow.
func readMeta(data []byte, pos int) (string, []byte, error) {
	w := walker{data: data, syn: dcmSyntax{bo: binary.LittleEndian}}
	ts := ""
	for len(data)-pos >= 8 && binary.LittleEndian.Uint16(data[pos:]) == 0x0002 {
		h, err := w.header(pos, len(data))
		if err != nil {
			return "", nil, err
		}
		if h.vl == undefinedLen {
			return "", nil, newErr(ErrMalformed, FormatDICOM, nil, "meta element %v has undefined length", h.tag)
		}
		start := pos + h.hdr
		if err := w.fits(h, start, len(data)); err != nil {
			return "", nil, err
		}
		if h.tag == tagTransferSyntax {
			ts = strings.Trim(string(data[start:start+int(h.vl)]), " \x00")
		}
		pos = start + int(h.vl)
	}
	return ts, data[pos:], nil
}

// guessSyntax walks a data set under each element encoding (explicit VR little endian,
// implicit VR little endian, explicit VR big endian) and keeps the first that walks cleanly
// and has pixel data, else the first that walks cleanly. declared, when its uid is set, is
// the syntax the file named: its UID is kept (it may say how the pixels are compressed) and
// its own encoding is not retried.
func guessSyntax(body []byte, declared dcmSyntax) (*dcmScan, error) {
	var first error
	var clean *dcmScan
	for _, s := range []dcmSyntax{
		{uid: tsExplicitLE, bo: binary.LittleEndian},
		{uid: tsImplicitLE, bo: binary.LittleEndian, implicit: true},
		{uid: tsExplicitBE, bo: binary.BigEndian},
	} {
		if declared.uid != "" {
			if s.bo == declared.bo && s.implicit == declared.implicit {
				continue
			}
			s.uid = declared.uid
		}
		s.guessed = true
		sc, err := walkDataSet(body, s)
		if err == nil && sc.hasPixelData {
			return sc, nil
		}
		if err == nil && clean == nil {
			clean = sc
		}
		if err != nil && first == nil {
			first = err
		}
	}
	if clean != nil {
		return clean, nil
	}
	return nil, newErr(ErrMalformed, FormatDICOM, first,
		"the file names no transfer syntax, and it reads as none of implicit VR little endian, explicit VR little or big endian")
}

// inflate decompresses a deflated data set, refusing to produce more than maxBytes.
func inflate(body []byte, maxBytes int64) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(body))
	out, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, newErr(ErrTruncated, FormatDICOM, err, "the deflated data set ends early")
		}
		return nil, newErr(ErrMalformed, FormatDICOM, err, "the deflated data set does not inflate")
	}
	if int64(len(out)) > maxBytes {
		return nil, newErr(ErrTooLarge, FormatDICOM, nil, "the deflated data set inflates beyond the limit of %d bytes", maxBytes)
	}
	return out, nil
}

// elemHeader is one element's tag, VR and value length.
type elemHeader struct {
	tag dcmTag
	vr  string // "" in implicit VR and for items and delimiters
	vl  uint32
	hdr int // header bytes before the value
}

// vrText is the VR for messages.
func (h elemHeader) vrText() string {
	if h.vr == "" {
		return ""
	}
	return fmt.Sprintf(" (VR %q)", h.vr)
}

type walker struct {
	data []byte
	syn  dcmSyntax
	sc   *dcmScan // where depth-0 elements are recorded
}

func (w *walker) truncOrMalformed(end int, format string, args ...any) error {
	if end >= len(w.data) {
		return newErr(ErrTruncated, FormatDICOM, nil, format+": the file is truncated or corrupt", args...)
	}
	return newErr(ErrMalformed, FormatDICOM, nil, format+" beyond its enclosing item", args...)
}

// longVL reports whether an explicit VR is followed by two reserved bytes and a 32-bit
// length (PS3.5 Table 7.1-1).
func longVL(vr string) bool {
	switch vr {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		return true
	}
	return false
}

// header reads the element header at pos; the header must end by end.
func (w *walker) header(pos, end int) (elemHeader, error) {
	if end-pos < 8 {
		return elemHeader{}, w.truncOrMalformed(end, "element header at byte %d needs 8 bytes, %d remain", pos, end-pos)
	}
	bo := w.syn.bo
	b := w.data[pos:end]
	h := elemHeader{tag: dcmTag(uint32(bo.Uint16(b))<<16 | uint32(bo.Uint16(b[2:])))}
	// Items and delimiters have no VR in any encoding (PS3.5 7.5).
	if w.syn.implicit || h.tag == tagItem || h.tag == tagItemDelim || h.tag == tagSeqDelim {
		h.vl = bo.Uint32(b[4:])
		h.hdr = 8
		return h, nil
	}
	h.vr = string(b[4:6])
	if longVL(h.vr) {
		if end-pos < 12 {
			return elemHeader{}, w.truncOrMalformed(end, "element %v header needs 12 bytes, %d remain", h.tag, end-pos)
		}
		h.vl = bo.Uint32(b[8:])
		h.hdr = 12
		return h, nil
	}
	h.vl = uint32(bo.Uint16(b[6:]))
	h.hdr = 8
	return h, nil
}

// fits checks that the value of h starting at start ends by end.
func (w *walker) fits(h elemHeader, start, end int) error {
	if int64(h.vl) > int64(end-start) {
		return w.truncOrMalformed(end, "element %v%s announces %d bytes, %d remain", h.tag, h.vrText(), h.vl, end-start)
	}
	return nil
}

// walkDataSet walks a whole data set, recording the top-level attributes.
func walkDataSet(body []byte, syn dcmSyntax) (*dcmScan, error) {
	sc := &dcmScan{syn: syn, frames: 1}
	w := walker{data: body, syn: syn, sc: sc}
	if _, err := w.elements(0, len(body), 0, stopAtEnd); err != nil {
		return nil, err
	}
	return sc, nil
}

// readSize reads Rows, Columns and NumberOfFrames.
func (sc *dcmScan) readSize() error {
	var err error
	if sc.rows, _, err = sc.int(tagRows); err != nil {
		return err
	}
	if sc.cols, _, err = sc.int(tagColumns); err != nil {
		return err
	}
	n, ok, err := sc.int(tagNumberOfFrames)
	switch {
	case err != nil:
		return err
	case ok && n < 1:
		return newErr(ErrMalformed, FormatDICOM, nil, "NumberOfFrames %d is not a positive integer", n)
	case ok:
		sc.frames = n
	}
	return nil
}

type stopMode int

const (
	stopAtEnd       stopMode = iota // a defined-length container, or the data set
	stopAtItemDelim                 // an undefined-length item
	stopAtSeqDelim                  // an undefined-length sequence
)

// elements walks elements from pos until end (stopAtEnd) or the matching delimiter, and
// returns the position after the last byte consumed.
func (w *walker) elements(pos, end, depth int, mode stopMode) (int, error) {
	if depth > maxDepth {
		return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequences nest deeper than %d levels", maxDepth)
	}
	for {
		if mode == stopAtEnd && pos == end {
			return pos, nil
		}
		if mode == stopAtEnd && depth == 0 && end-pos < 8 {
			// A few stray bytes after the last element hold no element: ignore them.
			return pos, nil
		}
		h, err := w.header(pos, end)
		if err != nil {
			if mode != stopAtEnd {
				return 0, w.truncOrMalformed(end, "undefined-length element at depth %d has no delimiter", depth)
			}
			return 0, err
		}
		start := pos + h.hdr
		switch h.tag {
		case tagItemDelim, tagSeqDelim:
			if h.vl != 0 {
				return 0, newErr(ErrMalformed, FormatDICOM, nil, "delimiter %v has length %d, not 0", h.tag, h.vl)
			}
			if (mode == stopAtItemDelim && h.tag == tagItemDelim) ||
				(mode == stopAtSeqDelim && h.tag == tagSeqDelim) {
				return start, nil
			}
			if mode == stopAtSeqDelim {
				return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequence holds %v where an item belongs", h.tag)
			}
			// A stray delimiter (pydicom skips these too).
			pos = start
			continue
		}
		if mode == stopAtSeqDelim && h.tag != tagItem {
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequence holds element %v where an item belongs", h.tag)
		}
		next, err := w.value(h, start, end, depth)
		if err != nil {
			return 0, err
		}
		if depth == 0 && w.sc != nil {
			w.record(h, start, next)
		}
		pos = next
	}
}

// value walks the value of h (which starts at start, within end) and returns the position
// after it.
func (w *walker) value(h elemHeader, start, end, depth int) (int, error) {
	undefined := h.vl == undefinedLen
	if !undefined {
		if err := w.fits(h, start, end); err != nil {
			return 0, err
		}
	}
	stop := start + int(h.vl)
	switch {
	case h.tag == tagItem:
		if undefined {
			return w.elements(start, end, depth+1, stopAtItemDelim)
		}
		return w.elements(start, stop, depth+1, stopAtEnd)
	case h.tag == tagPixelData:
		if undefined {
			return w.fragments(h, start, end, true)
		}
		return stop, nil
	case h.vr == "SQ" || (undefined && (h.vr == "UN" || w.syn.implicit)):
		sub := w
		if h.vr == "UN" {
			// Items of UN are implicit VR little endian (PS3.5 6.2.2). Nothing below depth 0
			// is recorded, so this walker needs no scan.
			sub = &walker{data: w.data, syn: implicitLE}
		}
		if undefined {
			return sub.elements(start, end, depth+1, stopAtSeqDelim)
		}
		if _, err := sub.items(start, stop, depth+1); err != nil {
			return 0, err
		}
		return stop, nil
	case undefined && (h.vr == "OB" || h.vr == "OW"):
		return w.fragments(h, start, end, false)
	case undefined:
		return 0, newErr(ErrMalformed, FormatDICOM, nil, "element %v%s has undefined length", h.tag, h.vrText())
	}
	return stop, nil
}

// items walks a defined-length sequence, which must hold only items.
func (w *walker) items(pos, end, depth int) (int, error) {
	for pos < end {
		h, err := w.header(pos, end)
		if err != nil {
			return 0, err
		}
		if h.tag != tagItem {
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequence holds element %v where an item belongs", h.tag)
		}
		if pos, err = w.value(h, pos+h.hdr, end, depth); err != nil {
			return 0, err
		}
	}
	return pos, nil
}

// fragments walks an undefined-length byte value (encapsulated pixel data): defined-length
// items up to a sequence delimiter. Pixel data must start with an item, the basic offset
// table (PS3.5 A.4).
func (w *walker) fragments(h elemHeader, pos, end int, pixels bool) (int, error) {
	for first := true; ; first = false {
		if pos == len(w.data) {
			return 0, newErr(ErrTruncated, FormatDICOM, nil, "encapsulated %v has no end delimiter: the file is truncated", h.tag)
		}
		f, err := w.header(pos, end)
		if err != nil {
			return 0, err
		}
		start := pos + f.hdr
		switch {
		case f.tag == tagSeqDelim && !(first && pixels):
			if f.vl != 0 {
				return 0, newErr(ErrMalformed, FormatDICOM, nil, "delimiter %v has length %d, not 0", f.tag, f.vl)
			}
			return start, nil
		case f.tag != tagItem:
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "encapsulated %v holds element %v where a fragment belongs", h.tag, f.tag)
		case f.vl == undefinedLen:
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "a fragment of encapsulated %v has undefined length", h.tag)
		}
		if err := w.fits(f, start, end); err != nil {
			return 0, err
		}
		pos = start + int(f.vl)
	}
}

// record keeps the first occurrence of each kept attribute and of the pixel data. The value
// of h is data[start:next].
func (w *walker) record(h elemHeader, start, next int) {
	sc := w.sc
	v := w.data[start:next]
	if h.tag == tagPixelData {
		if sc.hasPixelData {
			return
		}
		sc.hasPixelData = true
		sc.encapsulated = h.vl == undefinedLen
		if !sc.encapsulated {
			sc.pixels = v
			return
		}
		// The walk checked the items: the offset table, fragments, a delimiter of 8 bytes.
		bot := int(w.syn.bo.Uint32(v[4:]))
		sc.pixels = v[8+bot : len(v)-8]
		sc.fragments = 0
		sc.eachFragment(func([]byte) bool { sc.fragments++; return true })
		return
	}
	i := keptIndex(h.tag)
	if i < 0 || sc.attrs[i].found {
		return
	}
	vr := h.vr
	switch {
	case h.vl == undefinedLen:
		vr = "SQ" // a sequence or fragments, which no kept attribute can be
	case !knownVR(vr) || vr == "UN":
		// Implicit VR, UN, or letters that are no VR: read as the dictionary says.
		vr = keptAttrs[i].vr
	}
	sc.attrs[i] = dcmValue{found: true, vr: vr, b: v}
}

// eachFragment calls fn with each fragment of encapsulated pixel data until fn returns false.
func (sc *dcmScan) eachFragment(fn func([]byte) bool) {
	p := sc.pixels
	for len(p) >= 8 {
		n := sc.syn.bo.Uint32(p[4:])
		if uint64(n) > uint64(len(p)-8) {
			return // cannot happen after the walk; stop rather than slice out of range
		}
		if !fn(p[8 : 8+n]) {
			return
		}
		p = p[8+n:]
	}
}

// attr returns the value of a kept attribute and its index in keptAttrs.
func (sc *dcmScan) attr(t dcmTag) (dcmValue, int) {
	i := keptIndex(t)
	return sc.attrs[i], i
}

// knownVR reports whether vr is one of the VRs of PS3.5 Table 6.2-1.
func knownVR(vr string) bool {
	switch vr {
	case "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
		"OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV":
		return true
	}
	return false
}

// binaryVR reports whether values of vr are binary numbers or bytes, not text.
func binaryVR(vr string) bool {
	switch vr {
	case "AT", "FD", "FL", "OB", "OD", "OF", "OL", "OV", "OW", "SL", "SQ", "SS", "SV", "UL", "UN", "US", "UV":
		return true
	}
	return false
}

// texts splits a text value into its values (separated by backslashes), each trimmed of the
// space and NUL padding.
func texts(b []byte) []string {
	s := strings.Split(string(b), "\\")
	for i := range s {
		s[i] = strings.Trim(s[i], " \x00")
	}
	return s
}

// str returns the first value of a text attribute, or "" when it is absent, empty or binary.
func (sc *dcmScan) str(t dcmTag) string {
	v, _ := sc.attr(t)
	if !v.found || binaryVR(v.vr) {
		return ""
	}
	return texts(v.b)[0]
}

// int returns the first value of an integer attribute (US, SS, UL, SL, or text such as IS)
// and whether it has one.
func (sc *dcmScan) int(t dcmTag) (int, bool, error) {
	v, i := sc.attr(t)
	if !v.found {
		return 0, false, nil
	}
	name := keptAttrs[i].name
	size := 0
	switch v.vr {
	case "US", "SS":
		size = 2
	case "UL", "SL":
		size = 4
	default:
		if binaryVR(v.vr) {
			return 0, false, newErr(ErrMalformed, FormatDICOM, nil, "%s has VR %s, not an integer", name, v.vr)
		}
		s := texts(v.b)[0]
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, false, newErr(ErrMalformed, FormatDICOM, nil, "%s %s is not an integer", name, quote.Short(s))
		}
		return n, true, nil
	}
	if len(v.b)%size != 0 {
		return 0, false, newErr(ErrMalformed, FormatDICOM, nil, "%s (VR %s) has %d bytes, not a multiple of %d", name, v.vr, len(v.b), size)
	}
	if len(v.b) == 0 {
		return 0, false, nil
	}
	bo := sc.syn.bo
	switch v.vr {
	case "US":
		return int(bo.Uint16(v.b)), true, nil
	case "SS":
		return int(int16(bo.Uint16(v.b))), true, nil
	case "UL":
		return int(bo.Uint32(v.b)), true, nil
	}
	return int(int32(bo.Uint32(v.b))), true, nil
}

// floats returns the values of a decimal attribute (DS text, or binary FL or FD) and
// whether it has any; empty values of a multi-valued text are skipped.
func (sc *dcmScan) floats(t dcmTag) ([]float64, bool, error) {
	v, i := sc.attr(t)
	if !v.found {
		return nil, false, nil
	}
	name := keptAttrs[i].name
	bo := sc.syn.bo
	var out []float64
	switch {
	case v.vr == "FL" || v.vr == "FD":
		size := 4
		if v.vr == "FD" {
			size = 8
		}
		if len(v.b)%size != 0 {
			return nil, false, newErr(ErrMalformed, FormatDICOM, nil, "%s (VR %s) has %d bytes, not a multiple of %d", name, v.vr, len(v.b), size)
		}
		for p := 0; p < len(v.b); p += size {
			if size == 8 {
				out = append(out, math.Float64frombits(bo.Uint64(v.b[p:])))
				continue
			}
			// The shortest decimal that reads back as the float32: the value its writer meant.
			f := math.Float32frombits(bo.Uint32(v.b[p:]))
			d, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
			out = append(out, d)
		}
	case binaryVR(v.vr):
		return nil, false, newErr(ErrMalformed, FormatDICOM, nil, "%s has VR %s, not a decimal", name, v.vr)
	default:
		for _, s := range texts(v.b) {
			if s == "" {
				continue
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, false, newErr(ErrMalformed, FormatDICOM, nil, "%s %s is not a number", name, quote.Short(s))
			}
			out = append(out, f)
		}
	}
	return out, len(out) > 0, nil
}
