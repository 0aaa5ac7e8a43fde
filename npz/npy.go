// Package npz reads and writes numpy arrays: single .npy files and .npz archives (a zip
// of .npy files, as written by numpy.savez and numpy.savez_compressed), in pure Go.
//
// Supported element types are bool, signed and unsigned integers of 1, 2, 4 and 8 bytes,
// and float16/32/64, in either byte order; Fortran-ordered arrays are transposed to C
// order on read. Object, string, complex and structured dtypes are rejected with an error
// naming the descriptor. Arrays in memory are always C order, little-endian.
//
// Readers check sizes before allocating: the header length against Limits.MaxHeaderBytes,
// the data size implied by the shape against Limits.MaxBytes and, where the container
// says how many bytes follow (a file's size, a zip entry's size), against those bytes.
// When nothing says how many bytes follow, data is read in growing pieces, so a truncated
// or lying stream costs memory in proportion to the bytes it really holds.
package npz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// Errors the readers wrap; test for them with errors.Is.
var (
	ErrMagic       = errors.New("npz: not a .npy stream (bad magic)")
	ErrVersion     = errors.New("npz: unsupported .npy format version")
	ErrHeader      = errors.New("npz: malformed .npy header")
	ErrUnsupported = errors.New("npz: unsupported dtype")
	ErrTooLarge    = errors.New("npz: array exceeds limits")
	ErrTruncated   = errors.New("npz: truncated data")
	ErrSize        = errors.New("npz: data size does not match shape")
)

// magic opens every .npy stream.
const magic = "\x93NUMPY"

// maxDims bounds the number of dimensions (numpy 2 allows 64).
const maxDims = 64

// Limits bound what a reader allocates for one array. Zero fields take the defaults.
type Limits struct {
	// MaxHeaderBytes bounds the header dictionary; default 65535 (numpy itself refuses
	// headers over 10000 bytes unless told otherwise).
	MaxHeaderBytes int
	// MaxBytes bounds the data of one array; default 4 GiB, enough for the largest
	// MedMNIST split (organamnist_224 train_images, about 1.7 GB).
	MaxBytes int64
}

// WithDefaults returns l with zero fields replaced by the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 65535
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 4 << 30
	}
	return l
}

// DType is a numpy array-protocol type string in little-endian (or byte-order free) form.
type DType string

// The supported element types.
const (
	Bool    DType = "|b1"
	Int8    DType = "|i1"
	Uint8   DType = "|u1"
	Int16   DType = "<i2"
	Uint16  DType = "<u2"
	Int32   DType = "<i4"
	Uint32  DType = "<u4"
	Int64   DType = "<i8"
	Uint64  DType = "<u8"
	Float16 DType = "<f2"
	Float32 DType = "<f4"
	Float64 DType = "<f8"
)

// Size returns the bytes per element, or 0 for an unsupported DType.
func (d DType) Size() int {
	switch d {
	case Bool, Int8, Uint8:
		return 1
	case Int16, Uint16, Float16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Int64, Uint64, Float64:
		return 8
	}
	return 0
}

// parseDescr maps a descr string to a DType and whether the data is big-endian.
func parseDescr(s string) (DType, bool, error) {
	if len(s) < 2 {
		return "", false, fmt.Errorf("%w: descr %s", ErrUnsupported, quote.Short(s))
	}
	order, kind := s[0], s[1:]
	switch kind {
	case "b1", "i1", "u1":
		if order != '|' && order != '<' && order != '>' && order != '=' {
			break
		}
		return DType("|" + kind), false, nil
	case "i2", "u2", "f2", "i4", "u4", "f4", "i8", "u8", "f8":
		switch order {
		case '<':
			return DType("<" + kind), false, nil
		case '>':
			return DType("<" + kind), true, nil
		case '|', '=':
			// numpy never writes these for multi-byte types: the byte order is unknown.
			return "", false, fmt.Errorf("%w: descr %s has no byte order ('<' or '>')", ErrUnsupported, quote.Short(s))
		}
	}
	switch {
	case strings.ContainsAny(kind, "O"):
		return "", false, fmt.Errorf("%w: descr %s is a Python object array (needs pickle)", ErrUnsupported, quote.Short(s))
	case strings.ContainsAny(kind, "USVc"):
		return "", false, fmt.Errorf("%w: descr %s (string, void or complex arrays are not supported)", ErrUnsupported, quote.Short(s))
	}
	return "", false, fmt.Errorf("%w: descr %s", ErrUnsupported, quote.Short(s))
}

// Header describes the array in a .npy stream.
type Header struct {
	// Version is the format version, major and minor (1.0, 2.0 or 3.0).
	Version [2]byte
	// DType is the element type, in its little-endian form.
	DType DType
	// BigEndian reports that the stream holds big-endian data ('>' descr).
	BigEndian bool
	// FortranOrder reports column-major data in the stream.
	FortranOrder bool
	// Shape is the array shape; empty for a scalar.
	Shape []int
	// HeaderBytes is the length of everything before the data (magic to newline).
	HeaderBytes int
}

// Len returns the number of elements (1 for a scalar). ReadHeader guarantees that it
// does not overflow.
func (h Header) Len() int {
	n := 1
	for _, d := range h.Shape {
		n *= d
	}
	return n
}

// DataBytes returns the size of the data that follows the header.
func (h Header) DataBytes() int64 { return int64(h.Len()) * int64(h.DType.Size()) }

// shapeString formats a shape the way Python prints a tuple.
func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// ReadHeader reads the magic, version and header dictionary of a .npy stream, leaving r
// at the first data byte.
func ReadHeader(r io.Reader, lim Limits) (Header, error) {
	lim = lim.WithDefaults()
	var pre [8]byte
	n, err := io.ReadFull(r, pre[:])
	if !bytes.HasPrefix([]byte(magic), pre[:min(n, len(magic))]) {
		return Header{}, fmt.Errorf("%w: first bytes are %q, want \"\\x93NUMPY\"", ErrMagic, pre[:min(n, len(magic))])
	}
	if err != nil {
		return Header{}, fmt.Errorf("%w: stream ends after %d bytes, inside the magic and version", ErrTruncated, n)
	}
	h := Header{Version: [2]byte{pre[6], pre[7]}}
	var hlen int
	switch h.Version[0] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, fmt.Errorf("%w: stream ends inside the header length", ErrTruncated)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
		h.HeaderBytes = 10 + hlen
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, fmt.Errorf("%w: stream ends inside the header length", ErrTruncated)
		}
		n := binary.LittleEndian.Uint32(b[:])
		if int64(n) > int64(lim.MaxHeaderBytes) {
			return Header{}, fmt.Errorf("%w: header length %d exceeds MaxHeaderBytes %d", ErrTooLarge, n, lim.MaxHeaderBytes)
		}
		hlen = int(n)
		h.HeaderBytes = 12 + hlen
	default:
		return Header{}, fmt.Errorf("%w: %d.%d (want 1.0, 2.0 or 3.0)", ErrVersion, h.Version[0], h.Version[1])
	}
	if h.Version[1] != 0 {
		return Header{}, fmt.Errorf("%w: %d.%d (want 1.0, 2.0 or 3.0)", ErrVersion, h.Version[0], h.Version[1])
	}
	if hlen > lim.MaxHeaderBytes {
		return Header{}, fmt.Errorf("%w: header length %d exceeds MaxHeaderBytes %d", ErrTooLarge, hlen, lim.MaxHeaderBytes)
	}
	text := make([]byte, hlen)
	if n, err := io.ReadFull(r, text); err != nil {
		return Header{}, fmt.Errorf("%w: header says %d bytes, stream holds %d", ErrTruncated, hlen, n)
	}
	if err := parseDict(&h, text); err != nil {
		return Header{}, err
	}
	// Check the size before anything is allocated; an empty array may have any other
	// dimensions.
	if slices.Contains(h.Shape, 0) {
		return h, nil
	}
	total := int64(h.DType.Size())
	for i, d := range h.Shape {
		if total > lim.MaxBytes/int64(d) {
			return Header{}, fmt.Errorf("%w: shape %s of %s needs more than MaxBytes %d (at dimension %d)",
				ErrTooLarge, shapeString(h.Shape), h.DType, lim.MaxBytes, i)
		}
		total *= int64(d)
	}
	return h, nil
}

// parseDict parses the Python dict literal of a header: exactly the keys descr,
// fortran_order and shape, as numpy writes them (any key order, either quote style).
func parseDict(h *Header, text []byte) error {
	p := &dictParser{s: text}
	var haveDescr, haveFortran, haveShape bool
	if !p.eat('{') {
		return p.fail("expected '{'")
	}
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return p.fail("expected a quoted key")
		}
		if !p.eat(':') {
			return p.fail("expected ':' after key " + strconv.Quote(key))
		}
		switch key {
		case "descr":
			if haveDescr {
				return p.fail("duplicate key 'descr'")
			}
			haveDescr = true
			if p.peek() == '[' {
				return fmt.Errorf("%w: structured dtype (a list descr) at header byte %d", ErrUnsupported, p.i)
			}
			s, ok := p.str()
			if !ok {
				return p.fail("descr is not a string")
			}
			dt, be, err := parseDescr(s)
			if err != nil {
				return err
			}
			h.DType, h.BigEndian = dt, be
		case "fortran_order":
			if haveFortran {
				return p.fail("duplicate key 'fortran_order'")
			}
			haveFortran = true
			switch {
			case p.word("True"):
				h.FortranOrder = true
			case p.word("False"):
				h.FortranOrder = false
			default:
				return p.fail("fortran_order is not True or False")
			}
		case "shape":
			if haveShape {
				return p.fail("duplicate key 'shape'")
			}
			haveShape = true
			shape, err := p.tuple()
			if err != nil {
				return err
			}
			h.Shape = shape
		default:
			return p.fail("unexpected key " + strconv.Quote(key))
		}
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return p.fail("expected ',' or '}'")
		}
	}
	p.space()
	if p.i != len(p.s) {
		return p.fail("unexpected text after '}'")
	}
	switch {
	case !haveDescr:
		return fmt.Errorf("%w: missing key 'descr'", ErrHeader)
	case !haveFortran:
		return fmt.Errorf("%w: missing key 'fortran_order'", ErrHeader)
	case !haveShape:
		return fmt.Errorf("%w: missing key 'shape'", ErrHeader)
	}
	return nil
}

// dictParser is a cursor over the header text.
type dictParser struct {
	s []byte
	i int
}

func (p *dictParser) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d of %q", ErrHeader, what, p.i, clip(p.s, 120))
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func (p *dictParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *dictParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *dictParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) word(w string) bool {
	p.space()
	if bytes.HasPrefix(p.s[p.i:], []byte(w)) {
		end := p.i + len(w)
		if end == len(p.s) || !isIdent(p.s[end]) {
			p.i = end
			return true
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// str reads a quoted string without escapes (numpy's keys and descrs never need them).
func (p *dictParser) str() (string, bool) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", false
	}
	end := bytes.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	s := p.s[p.i+1 : p.i+1+end]
	if bytes.IndexByte(s, '\\') >= 0 {
		return "", false
	}
	p.i += end + 2
	return string(s), true
}

// tuple reads a shape: a Python tuple of non-negative integers.
func (p *dictParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, p.fail("shape is not a tuple")
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, nil
		}
		p.space()
		start := p.i
		for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i == start {
			return nil, p.fail("shape entry is not a non-negative integer")
		}
		d, err := strconv.ParseInt(string(p.s[start:p.i]), 10, 64)
		if err != nil || d > math.MaxInt {
			return nil, fmt.Errorf("%w: shape dimension %d is %s, too large", ErrTooLarge, len(shape), p.s[start:p.i])
		}
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long literal
			p.i++
		}
		if len(shape) == maxDims {
			return nil, fmt.Errorf("%w: shape has more than %d dimensions", ErrHeader, maxDims)
		}
		shape = append(shape, int(d))
		if p.eat(',') {
			continue
		}
		if !p.eat(')') {
			return nil, p.fail("expected ',' or ')' in shape")
		}
		if len(shape) == 1 {
			return nil, p.fail("shape (n) without a comma is an int, not a tuple")
		}
		return shape, nil
	}
}

// Array is an n-dimensional array in C order with little-endian elements.
type Array struct {
	DType DType
	Shape []int
	// Data holds Len()*DType.Size() bytes.
	Data []byte
}

// Len returns the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// check reports whether the array's parts agree.
func (a *Array) check() error {
	size := a.DType.Size()
	if size == 0 {
		return fmt.Errorf("%w: %s", ErrUnsupported, quote.Short(string(a.DType)))
	}
	n := int64(1)
	for i, d := range a.Shape {
		if d < 0 {
			return fmt.Errorf("%w: dimension %d of shape %v is negative", ErrSize, i, a.Shape)
		}
		if d != 0 && n > math.MaxInt64/int64(size)/int64(d) {
			return fmt.Errorf("%w: shape %v overflows", ErrSize, a.Shape)
		}
		n *= int64(d)
	}
	if n*int64(size) != int64(len(a.Data)) {
		return fmt.Errorf("%w: shape %s of %s needs %d bytes, Data has %d",
			ErrSize, shapeString(a.Shape), a.DType, n*int64(size), len(a.Data))
	}
	return nil
}

// Read reads one .npy array from r. It does not need r to end after the array.
func Read(r io.Reader, lim Limits) (*Array, error) {
	d, err := NewDecoder(r, lim)
	if err != nil {
		return nil, err
	}
	return d.Array()
}

// ReadFile reads the .npy file at path, checking the shape against the file size before
// allocating.
func ReadFile(path string, lim Limits) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	d, err := newDecoder(bufio.NewReader(f), lim, st.Size(), false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a, err := d.Array()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Decoder reads a .npy stream: the header on creation, then the raw data bytes (in the
// stream's byte order and memory order, see Header) through Read, or the whole array
// through Array.
type Decoder struct {
	Header  Header
	r       io.Reader
	left    int64     // data bytes not yet read
	closer  io.Closer // the zip entry, if any
	strict  bool      // the data must end the stream (zip entries: it also checks the CRC)
	checked bool      // the strict end check has run
	endErr  error     // what it found
}

// NewDecoder reads the header from r and returns a Decoder positioned at the data.
func NewDecoder(r io.Reader, lim Limits) (*Decoder, error) {
	return newDecoder(r, lim, -1, false)
}

// newDecoder reads the header; avail, when not negative, is the total stream size,
// checked against the header before anything large is allocated.
func newDecoder(r io.Reader, lim Limits, avail int64, strict bool) (*Decoder, error) {
	h, err := ReadHeader(r, lim)
	if err != nil {
		return nil, err
	}
	need := h.DataBytes()
	if avail >= 0 {
		have := avail - int64(h.HeaderBytes)
		if have < need || strict && have != need {
			return nil, fmt.Errorf("%w: shape %s of %s needs %d data bytes, %d follow the header",
				ErrSize, shapeString(h.Shape), h.DType, need, have)
		}
	}
	return &Decoder{Header: h, r: r, left: need, strict: strict}, nil
}

// Read reads raw data bytes. It returns io.EOF after the last data byte and an error
// wrapping ErrTruncated if the stream ends early.
func (d *Decoder) Read(p []byte) (int, error) {
	if d.left == 0 {
		if d.strict && !d.checked { // an empty array: nothing read yet
			d.checked, d.endErr = true, d.end()
		}
		if d.endErr != nil {
			return 0, d.endErr
		}
		return 0, io.EOF
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.r.Read(p)
	d.left -= int64(n)
	if d.left == 0 && d.strict {
		// Checked now and kept, because io.ReadFull drops an error that comes with the
		// last bytes it wanted; the next Read returns it again.
		if d.checked, d.endErr = true, d.end(); d.endErr != nil {
			return n, d.endErr
		}
	}
	if err == io.EOF && d.left > 0 {
		return n, fmt.Errorf("%w: stream ends %d bytes short of shape %s of %s",
			ErrTruncated, d.left, shapeString(d.Header.Shape), d.Header.DType)
	}
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("npz: reading data of shape %s of %s: %w", shapeString(d.Header.Shape), d.Header.DType, err)
	}
	return n, err
}

// end checks that nothing follows the data; for a zip entry reading to EOF also makes
// archive/zip verify the checksum.
func (d *Decoder) end() error {
	var b [1]byte
	n, err := io.ReadFull(d.r, b[:])
	if n > 0 {
		return fmt.Errorf("%w: bytes follow the data of shape %s of %s", ErrSize, shapeString(d.Header.Shape), d.Header.DType)
	}
	if err != io.EOF {
		return fmt.Errorf("npz: after the data: %w", err)
	}
	return nil
}

// Close closes the underlying zip entry, if any.
func (d *Decoder) Close() error {
	if d.closer != nil {
		return d.closer.Close()
	}
	return nil
}

// Array reads the rest of the data and returns it as a C-order little-endian Array. It
// must be called before any Read.
func (d *Decoder) Array() (*Array, error) {
	h := d.Header
	data, err := readN(d, h.DataBytes())
	if err == nil {
		_, err = d.Read(nil) // the end check's verdict, or io.EOF
	}
	if err != io.EOF {
		return nil, err
	}
	a := &Array{DType: h.DType, Shape: h.Shape, Data: data}
	if h.BigEndian {
		swapBytes(a.Data, h.DType.Size())
	}
	if h.FortranOrder && len(h.Shape) > 1 {
		a.Data = fortranToC(a.Data, h.Shape, h.DType.Size())
	}
	return a, nil
}

// readN reads exactly n bytes, growing the buffer as bytes arrive so that a short stream
// cannot make it allocate n up front.
func readN(r io.Reader, n int64) ([]byte, error) {
	const step = 1 << 20
	if n <= step {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	b := make([]byte, 0, step)
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			c := min(int64(cap(b))*2, n)
			nb := make([]byte, len(b), c)
			copy(nb, b)
			b = nb
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil {
			if err == io.EOF && int64(len(b)) < n {
				return nil, fmt.Errorf("%w: stream holds %d of %d data bytes", ErrTruncated, len(b), n)
			}
			if err != io.EOF {
				return nil, err
			}
		}
	}
	return b, nil
}

func swapBytes(b []byte, size int) {
	for i := 0; i+size <= len(b); i += size {
		e := b[i : i+size]
		for j, k := 0, size-1; j < k; j, k = j+1, k-1 {
			e[j], e[k] = e[k], e[j]
		}
	}
}

// fortranToC reorders column-major data into row-major.
func fortranToC(src []byte, shape []int, size int) []byte {
	dst := make([]byte, len(src))
	nd := len(shape)
	fstride := make([]int, nd) // element strides of the Fortran layout
	s := 1
	for k := 0; k < nd; k++ {
		fstride[k] = s
		s *= shape[k]
	}
	idx := make([]int, nd)
	off := 0 // Fortran element offset of idx
	for c := 0; c*size < len(dst); c++ {
		copy(dst[c*size:(c+1)*size], src[off*size:(off+1)*size])
		for k := nd - 1; k >= 0; k-- { // C order: last index fastest
			idx[k]++
			off += fstride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= idx[k] * fstride[k]
			idx[k] = 0
		}
	}
	return dst
}

// growthDigits is numpy's GROWTH_AXIS_MAX_DIGITS: spare header space so that the first
// axis can grow in place. Writing it too makes our headers byte-identical to numpy's.
const growthDigits = 21

// Write writes a as a .npy stream laid out exactly as numpy.save does (version 1.0 unless
// the header needs more, header padded to a multiple of 64 bytes).
func Write(w io.Writer, a *Array) error {
	if err := a.check(); err != nil {
		return err
	}
	if _, err := w.Write(encodeHeader(a.DType, a.Shape)); err != nil {
		return err
	}
	_, err := w.Write(a.Data)
	return err
}

func encodeHeader(dt DType, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", dt, shapeString(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, growthDigits-len(strconv.Itoa(shape[0]))))
	}
	// As numpy's _wrap_header: pad with 1..64 spaces, then a newline.
	pre := 10
	pad := 64 - (pre+len(dict)+1)%64
	if len(dict)+1+pad > 65535 {
		pre = 12
		pad = 64 - (pre+len(dict)+1)%64
	}
	hlen := len(dict) + pad + 1
	out := make([]byte, 0, pre+hlen)
	out = append(out, magic...)
	if pre == 10 {
		out = append(out, 1, 0)
		out = binary.LittleEndian.AppendUint16(out, uint16(hlen))
	} else {
		out = append(out, 2, 0)
		out = binary.LittleEndian.AppendUint32(out, uint32(hlen))
	}
	out = append(out, dict...)
	for range pad {
		out = append(out, ' ')
	}
	return append(out, '\n')
}
