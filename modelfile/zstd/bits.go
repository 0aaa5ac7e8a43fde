package zstd

import "math/bits"

// forward reads a little-endian bitstream from its first byte on, least significant bits
// first, as FSE table descriptions are written. Bits past the end read as zero; used
// tells how far reading went.
type forward struct {
	b   []byte
	pos int // bits read
}

// peek returns the next n (at most 32) bits without consuming them.
func (r *forward) peek(n int) uint32 {
	var v uint64
	i := r.pos >> 3
	for k := 0; k < 5 && i+k < len(r.b); k++ {
		v |= uint64(r.b[i+k]) << (8 * k)
	}
	return uint32(v>>(r.pos&7)) & (1<<n - 1)
}

func (r *forward) skip(n int) { r.pos += n }

func (r *forward) read(n int) uint32 {
	v := r.peek(n)
	r.pos += n
	return v
}

// used returns how many whole bytes reading has touched.
func (r *forward) used() int { return (r.pos + 7) >> 3 }

// backward reads a bitstream from its last byte towards its first, most significant
// bits first, as Huffman streams and sequences are written: the highest set bit of the
// last byte marks where the stream starts. Reading past the first byte gives zeros and
// leaves n negative, which overread reports.
type backward struct {
	b   []byte
	pos int    // b[:pos] is not loaded yet
	v   uint64 // the low n bits are the next to read, highest first
	n   int
}

// init starts reading b. It reports false when b is empty or its last byte is zero.
func (r *backward) init(b []byte) bool {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return false
	}
	last := b[len(b)-1]
	*r = backward{b: b, pos: len(b) - 1, v: uint64(last), n: bits.Len8(last) - 1}
	r.fill()
	return true
}

func (r *backward) fill() {
	for r.n <= 56 && r.pos > 0 {
		r.pos--
		r.v = r.v<<8 | uint64(r.b[r.pos])
		r.n += 8
	}
}

// peek returns the next k (at most 56) bits without consuming them.
func (r *backward) peek(k int) uint64 {
	if r.n < k {
		r.fill()
	}
	if r.n >= k {
		return r.v >> uint(r.n-k) & (1<<uint(k) - 1)
	}
	if r.n <= 0 {
		return 0
	}
	return (r.v & (1<<uint(r.n) - 1)) << uint(k-r.n)
}

// read consumes and returns the next k (at most 56) bits.
func (r *backward) read(k int) uint64 {
	if k == 0 {
		return 0
	}
	v := r.peek(k)
	r.n -= k
	return v
}

// done reports whether every bit has been read, and no more.
func (r *backward) done() bool { return r.pos == 0 && r.n == 0 }

// overread reports whether more bits were read than the stream holds.
func (r *backward) overread() bool { return r.pos == 0 && r.n < 0 }
