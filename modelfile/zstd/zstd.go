// Package zstd decodes Zstandard data (RFC 8878): frames of raw, RLE and compressed
// blocks with Huffman-coded literals and FSE-coded sequences, skippable frames, and the
// optional XXH64 content checksum. It does not read dictionaries and does not encode.
//
// It exists so that the browser page can open model files without linking a general
// compression library: github.com/klauspost/compress/zstd, which writes model files
// natively, imports crypto/rand, log and context for its encoder, and the Go linker keeps
// those whatever the page calls (BENCHMARKS.md, "Download"). Its tests decode what that
// library encodes.
//
// The whole content is decoded into one slice, so matches may reach back as far as the
// frame's content goes; the window size a frame declares is read but not enforced.
package zstd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrLimit is returned, wrapped, when the decoded content would exceed the caller's limit.
var ErrLimit = errors.New("zstd: content larger than the limit")

// A CorruptError reports input that is not Zstandard data this package reads: Offset is
// the byte of the input where the problem was found.
type CorruptError struct {
	Offset int
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("zstd: corrupt input at byte %d: %s", e.Offset, e.Reason)
}

const (
	frameMagic     = 0xFD2FB528
	skippableMagic = 0x184D2A50 // the low four bits are free
	maxBlock       = 128 << 10  // the most a block holds, compressed or not
)

// Decode appends the content of every frame in src (Zstandard frames and skippable
// frames, one after the other, nothing else) to dst and returns the extended slice. It
// fails with an error wrapping ErrLimit when dst would grow beyond limit bytes, and with
// a *CorruptError when src is not valid Zstandard data. src must hold at least one
// frame.
func Decode(dst, src []byte, limit int) ([]byte, error) {
	if len(src) == 0 {
		return dst, &CorruptError{0, "no frame"}
	}
	d := decoder{src: src, out: dst, limit: limit}
	for d.pos < len(src) {
		if err := d.frame(); err != nil {
			return d.out, err
		}
	}
	return d.out, nil
}

// decoder holds one Decode call's state.
type decoder struct {
	src   []byte
	pos   int // next unread byte of src
	out   []byte
	limit int

	frameStart int // len(out) when the current frame began
	rep        [3]int
	huf        huffTable // the last Huffman table, for treeless literals
	tables     [3]fseTable
	lits       []byte // the current block's literals
}

func (d *decoder) corrupt(off int, format string, args ...any) error {
	return &CorruptError{off, fmt.Sprintf(format, args...)}
}

// need fails unless n more bytes of src are there to read.
func (d *decoder) need(n int, what string) error {
	if n < 0 || len(d.src)-d.pos < n {
		return d.corrupt(d.pos, "%s needs %d bytes, %d left", what, n, len(d.src)-d.pos)
	}
	return nil
}

// grow fails unless n more bytes of content stay within the limit.
func (d *decoder) grow(n int) error {
	if n > d.limit-len(d.out) {
		return fmt.Errorf("%w: more than %d bytes", ErrLimit, d.limit)
	}
	return nil
}

// frame decodes the frame at d.pos.
func (d *decoder) frame() error {
	if err := d.need(4, "a frame's magic number"); err != nil {
		return err
	}
	start := d.pos
	magic := binary.LittleEndian.Uint32(d.src[d.pos:])
	d.pos += 4
	if magic&^0xF == skippableMagic {
		if err := d.need(4, "a skippable frame's size"); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint32(d.src[d.pos:])
		d.pos += 4
		if uint64(n) > uint64(len(d.src)-d.pos) {
			return d.corrupt(start, "skippable frame of %d bytes, %d left", n, len(d.src)-d.pos)
		}
		d.pos += int(n)
		return nil
	}
	if magic != frameMagic {
		return d.corrupt(start, "magic number %#08x, want %#08x", magic, frameMagic)
	}

	if err := d.need(1, "the frame header"); err != nil {
		return err
	}
	desc := d.src[d.pos]
	d.pos++
	fcsFlag, single, checksum, dictFlag := desc>>6, desc&0x20 != 0, desc&4 != 0, desc&3
	if desc&8 != 0 {
		return d.corrupt(d.pos-1, "reserved bit of the frame header set")
	}
	if !single {
		d.pos++ // window descriptor: the whole content is kept, so it is not needed
	}
	dictLen := [4]int{0, 1, 2, 4}[dictFlag]
	fcsLen := [4]int{0, 2, 4, 8}[fcsFlag]
	if fcsFlag == 0 && single {
		fcsLen = 1
	}
	if err := d.need(dictLen+fcsLen, "the frame header"); err != nil {
		return err
	}
	var dict uint64
	for i := 0; i < dictLen; i++ {
		dict |= uint64(d.src[d.pos+i]) << (8 * i)
	}
	if dict != 0 {
		return d.corrupt(d.pos, "frame needs dictionary %d; dictionaries are not supported", dict)
	}
	d.pos += dictLen
	size, known := uint64(0), fcsLen > 0
	for i := 0; i < fcsLen; i++ {
		size |= uint64(d.src[d.pos+i]) << (8 * i)
	}
	if fcsLen == 2 {
		size += 256
	}
	d.pos += fcsLen
	if known && size > uint64(d.limit-len(d.out)) {
		return fmt.Errorf("%w: a frame declares %d bytes, the limit is %d", ErrLimit, size, d.limit)
	}

	if known {
		d.out = slices.Grow(d.out, int(size))
	}
	d.frameStart = len(d.out)
	d.rep = [3]int{1, 4, 8}
	d.huf = huffTable{}
	d.tables = [3]fseTable{}
	for last := false; !last; {
		if err := d.need(3, "a block header"); err != nil {
			return err
		}
		h := uint32(d.src[d.pos]) | uint32(d.src[d.pos+1])<<8 | uint32(d.src[d.pos+2])<<16
		d.pos += 3
		last = h&1 != 0
		n := int(h >> 3)
		switch (h >> 1) & 3 {
		case 0: // raw
			if n > maxBlock {
				return d.corrupt(d.pos-3, "raw block of %d bytes, at most %d", n, maxBlock)
			}
			if err := d.need(n, "a raw block"); err != nil {
				return err
			}
			if err := d.grow(n); err != nil {
				return err
			}
			d.out = append(d.out, d.src[d.pos:d.pos+n]...)
			d.pos += n
		case 1: // one byte, repeated
			if n > maxBlock {
				return d.corrupt(d.pos-3, "RLE block of %d bytes, at most %d", n, maxBlock)
			}
			if err := d.need(1, "an RLE block"); err != nil {
				return err
			}
			if err := d.grow(n); err != nil {
				return err
			}
			b := d.src[d.pos]
			d.pos++
			for i := 0; i < n; i++ {
				d.out = append(d.out, b)
			}
		case 2:
			if n > maxBlock {
				return d.corrupt(d.pos-3, "compressed block of %d bytes, at most %d", n, maxBlock)
			}
			if err := d.need(n, "a compressed block"); err != nil {
				return err
			}
			if err := d.block(d.pos, d.src[d.pos:d.pos+n]); err != nil {
				return err
			}
			d.pos += n
		default:
			return d.corrupt(d.pos-3, "reserved block type")
		}
	}
	got := len(d.out) - d.frameStart
	if known && uint64(got) != size {
		return d.corrupt(start, "frame declares %d bytes of content, holds %d", size, got)
	}
	if checksum {
		if err := d.need(4, "the content checksum"); err != nil {
			return err
		}
		want := binary.LittleEndian.Uint32(d.src[d.pos:])
		if sum := uint32(xxh64(d.out[d.frameStart:])); sum != want {
			return d.corrupt(d.pos, "content checksum %#08x, computed %#08x", want, sum)
		}
		d.pos += 4
	}
	return nil
}

// block decodes one compressed block, b, which starts at byte off of the input.
func (d *decoder) block(off int, b []byte) error {
	n, err := d.literals(off, b)
	if err != nil {
		return err
	}
	before := len(d.out)
	if err := d.sequences(off+n, b[n:]); err != nil {
		return err
	}
	if len(d.out)-before > maxBlock {
		return d.corrupt(off, "block decodes to %d bytes, at most %d", len(d.out)-before, maxBlock)
	}
	return nil
}
