package ctimage

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// The DICOM parser allocates each element's value at the length the file announces before
// reading it, so a corrupt length of 4 GB kills a browser tab (out of memory is fatal in Go,
// not a panic), and deep nesting can overflow its stack. dicomscan therefore walks the data
// set first, reading element headers exactly as the parser will, and rejects any length that
// runs past its container or the file, any nesting deeper than maxDepth, and images over the
// limits. It also finds the transfer syntax (guessing it when the file has none, inflating a
// deflated data set within the byte limit) so the parser always gets a canonical file: a
// preamble, a two-element meta group naming the syntax, and a data set that walked cleanly.

const (
	maxDepth     = 32
	undefinedLen = 0xFFFFFFFF
)

// The transfer syntaxes the data set may be written in.
const (
	tsImplicitLE = "1.2.840.10008.1.2"
	tsExplicitLE = "1.2.840.10008.1.2.1"
	tsDeflatedLE = "1.2.840.10008.1.2.1.99"
	tsExplicitBE = "1.2.840.10008.1.2.2"
	tsRLE        = "1.2.840.10008.1.2.5"
	tsJPEGBase   = "1.2.840.10008.1.2.4.50" // JPEG baseline, 8 bits
	tsJPEGExt    = "1.2.840.10008.1.2.4.51" // JPEG extended, 8 or 12 bits (Go decodes 8)
)

// dcmSyntax is how the data set is encoded.
type dcmSyntax struct {
	uid      string // as given in the file, or the guessed canonical UID
	bo       binary.ByteOrder
	implicit bool
	guessed  bool // the file named no transfer syntax
}

// canonical returns the UID of the uncompressed syntax with the same element encoding, which
// is what the rewritten file tells the parser.
func (s dcmSyntax) canonical() string {
	switch {
	case s.implicit:
		return tsImplicitLE
	case s.bo == binary.BigEndian:
		return tsExplicitBE
	}
	return tsExplicitLE
}

// syntaxName names a transfer syntax UID for messages.
func syntaxName(u string) string {
	if info, err := uid.Lookup(u); err == nil && info.Name != "" {
		return fmt.Sprintf("%s (%s)", info.Name, u)
	}
	return u
}

func syntaxFor(u string) (dcmSyntax, error) {
	switch u {
	case tsImplicitLE:
		return dcmSyntax{uid: u, bo: binary.LittleEndian, implicit: true}, nil
	case tsExplicitLE, tsDeflatedLE:
		return dcmSyntax{uid: u, bo: binary.LittleEndian}, nil
	case tsExplicitBE:
		return dcmSyntax{uid: u, bo: binary.BigEndian}, nil
	}
	info, err := uid.Lookup(u)
	if err != nil || info.Type != uid.TypeTransferSyntax {
		return dcmSyntax{}, newErr(ErrUnsupported, FormatDICOM, nil, "unknown transfer syntax %q", u)
	}
	// Every compressed syntax encodes its elements as explicit VR little endian.
	return dcmSyntax{uid: u, bo: binary.LittleEndian}, nil
}

// dcmScan is what the walk found: the syntax, the data set bytes and the top-level image
// attributes needed to check the limits before anything is allocated for pixels.
type dcmScan struct {
	syn           dcmSyntax
	body          []byte // the data set (inflated if it was deflated), trailing partial bytes cut
	rows, cols    int
	frames        int
	hasPixelData  bool
	encapsulated  bool
	pixelDataSize int // bytes of native pixel data (0 if encapsulated)
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
	if sc.rows == 0 || sc.cols == 0 {
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
		if h.tag == tag.TransferSyntaxUID {
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

// canonicalFile builds the file handed to the parser: preamble, "DICM", a meta group with
// its length and the canonical transfer syntax, then the data set.
func canonicalFile(sc *dcmScan) []byte {
	ts := []byte(sc.syn.canonical())
	if len(ts)%2 == 1 {
		ts = append(ts, 0)
	}
	var b bytes.Buffer
	b.Grow(132 + 12 + 8 + len(ts) + len(sc.body))
	b.Write(make([]byte, 128))
	b.WriteString("DICM")
	le := binary.LittleEndian
	// (0002,0000) UL 4: group length = the transfer syntax element's size.
	b.Write([]byte{0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0})
	b.Write(le.AppendUint32(nil, uint32(8+len(ts))))
	// (0002,0010) UI: transfer syntax UID.
	b.Write([]byte{0x02, 0x00, 0x10, 0x00, 'U', 'I'})
	b.Write(le.AppendUint16(nil, uint16(len(ts))))
	b.Write(ts)
	b.Write(sc.body)
	return b.Bytes()
}

// elemHeader is one element's tag, VR and value length as the parser will read them.
type elemHeader struct {
	tag tag.Tag
	vr  string
	vl  uint32
	hdr int // header bytes before the value
}

type walker struct {
	data []byte
	syn  dcmSyntax
	sc   *dcmScan
}

func (w *walker) truncOrMalformed(end int, format string, args ...any) error {
	if end >= len(w.data) {
		return newErr(ErrTruncated, FormatDICOM, nil, format+": the file is truncated or corrupt", args...)
	}
	return newErr(ErrMalformed, FormatDICOM, nil, format+" beyond its enclosing item", args...)
}

// implicitVR mirrors the parser: the dictionary's first VR, OW for pixel and overlay data,
// UN for tags it does not know.
func implicitVR(t tag.Tag) string {
	info, err := tag.Find(t)
	if err != nil || len(info.VRs) == 0 {
		return tag.UnknownVR
	}
	if info.Tag == tag.PixelData || info.Tag == tag.OverlayData {
		return "OW"
	}
	return info.VRs[0]
}

// longVL reports whether an explicit VR is followed by two reserved bytes and a 32-bit
// length (the parser's list, which is what matters here).
func longVL(vr string) bool {
	switch vr {
	case "NA", "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT":
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
	h := elemHeader{tag: tag.Tag{Group: bo.Uint16(b), Element: bo.Uint16(b[2:])}}
	// Items are always implicit (PS3.5 7.5), as the parser reads them.
	if w.syn.implicit || h.tag == tag.Item {
		h.vr = implicitVR(h.tag)
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
	if h.vl == 0xFFFF { // the parser reads a 16-bit 0xFFFF as undefined length
		h.vl = undefinedLen
	}
	h.hdr = 8
	return h, nil
}

// fits checks that the value of h starting at start ends by end.
func (w *walker) fits(h elemHeader, start, end int) error {
	if int64(h.vl) > int64(end-start) {
		return w.truncOrMalformed(end, "element %v (VR %q) announces %d bytes, %d remain", h.tag, h.vr, h.vl, end-start)
	}
	return nil
}

// walkDataSet walks a whole data set, recording the top-level image attributes.
func walkDataSet(body []byte, syn dcmSyntax) (*dcmScan, error) {
	sc := &dcmScan{syn: syn, frames: 1}
	w := walker{data: body, syn: syn, sc: sc}
	end, err := w.elements(0, len(body), 0, stopAtEnd)
	if err != nil {
		return nil, err
	}
	sc.body = body[:end]
	return sc, nil
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
			// A few stray bytes after the last element: cut them, as they hold no element.
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
		case tag.ItemDelimitationItem, tag.SequenceDelimitationItem:
			if h.vl != 0 {
				return 0, newErr(ErrMalformed, FormatDICOM, nil, "delimiter %v has length %d, not 0", h.tag, h.vl)
			}
			if (mode == stopAtItemDelim && h.tag == tag.ItemDelimitationItem) ||
				(mode == stopAtSeqDelim && h.tag == tag.SequenceDelimitationItem) {
				return start, nil
			}
			if mode == stopAtSeqDelim {
				return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequence holds %v where an item belongs", h.tag)
			}
			pos = start
			continue
		}
		if mode == stopAtSeqDelim && h.tag != tag.Item {
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequence holds element %v where an item belongs", h.tag)
		}
		next, err := w.value(h, start, end, depth)
		if err != nil {
			return 0, err
		}
		if depth == 0 {
			if err := w.record(h, start, next); err != nil {
				return 0, err
			}
		}
		pos = next
	}
}

// value walks the value of h (which starts at start, within end) the way the parser reads
// it, and returns the position after it.
func (w *walker) value(h elemHeader, start, end, depth int) (int, error) {
	kind := tag.GetVRKind(h.tag, h.vr)
	undefined := h.vl == undefinedLen
	if !undefined {
		if err := w.fits(h, start, end); err != nil {
			return 0, err
		}
	}
	stop := start + int(h.vl)
	switch kind {
	case tag.VRItem:
		if undefined {
			return w.elements(start, end, depth+1, stopAtItemDelim)
		}
		return w.elements(start, stop, depth+1, stopAtEnd)
	case tag.VRSequence:
		if undefined {
			return w.elements(start, end, depth+1, stopAtSeqDelim)
		}
		if _, err := w.items(start, stop, depth+1); err != nil {
			return 0, err
		}
		return stop, nil
	case tag.VRUnknown:
		if undefined {
			return w.elements(start, end, depth+1, stopAtSeqDelim)
		}
		return stop, nil
	case tag.VRPixelData, tag.VRBytes:
		if undefined {
			return w.fragments(h, start, end, kind == tag.VRPixelData)
		}
		if h.vr == "OW" && h.vl%2 == 1 && kind == tag.VRBytes {
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "element %v (VR OW) has odd length %d", h.tag, h.vl)
		}
		return stop, nil
	}
	if undefined {
		return 0, newErr(ErrMalformed, FormatDICOM, nil, "element %v (VR %q) has undefined length", h.tag, h.vr)
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
		if h.tag != tag.Item {
			return 0, newErr(ErrMalformed, FormatDICOM, nil, "sequence holds element %v where an item belongs", h.tag)
		}
		if pos, err = w.value(h, pos+h.hdr, end, depth); err != nil {
			return 0, err
		}
	}
	return pos, nil
}

// fragments walks an undefined-length byte value (encapsulated pixel data): defined-length
// items up to a sequence delimiter. Pixel data must start with an item (the basic offset
// table), because the parser skips its first element unchecked and would lose its place.
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
		case f.tag == tag.SequenceDelimitationItem && !(first && pixels):
			return start, nil
		case f.tag != tag.Item:
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

// record keeps the top-level attributes that size the image.
func (w *walker) record(h elemHeader, start, next int) error {
	v := w.data[start:next]
	us := func() int {
		if len(v) < 2 {
			return 0
		}
		return int(w.syn.bo.Uint16(v))
	}
	switch h.tag {
	case tag.Rows:
		w.sc.rows = us()
	case tag.Columns:
		w.sc.cols = us()
	case tag.NumberOfFrames:
		s := strings.Trim(string(v), " \x00")
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return newErr(ErrMalformed, FormatDICOM, nil, "NumberOfFrames %q is not a positive integer", s)
		}
		w.sc.frames = n
	case tag.PixelData:
		w.sc.hasPixelData = true
		w.sc.encapsulated = h.vl == undefinedLen
		if !w.sc.encapsulated {
			w.sc.pixelDataSize = int(h.vl)
		}
	}
	return nil
}
