package zstd

import "math/bits"

// huffTable decodes Huffman-coded literals: the next maxBits bits index e, whose entry
// holds the symbol (low byte) and its code length (high byte). nil e means no table yet.
type huffTable struct {
	e       []uint16
	maxBits int
}

const maxHuffBits = 11

// literals reads the literals section at the start of b (byte off of the input) into
// d.lits and returns its length.
func (d *decoder) literals(off int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, d.corrupt(off, "empty compressed block")
	}
	kind, sf := b[0]&3, b[0]>>2&3
	if kind < 2 { // raw or RLE
		var n, h int
		switch sf {
		case 0, 2:
			n, h = int(b[0]>>3), 1
		case 1:
			if len(b) < 2 {
				return 0, d.corrupt(off, "literals header cut short")
			}
			n, h = int(b[0]>>4)|int(b[1])<<4, 2
		case 3:
			if len(b) < 3 {
				return 0, d.corrupt(off, "literals header cut short")
			}
			n, h = int(b[0]>>4)|int(b[1])<<4|int(b[2])<<12, 3
		}
		if n > maxBlock {
			return 0, d.corrupt(off, "%d literals, at most %d", n, maxBlock)
		}
		d.lits = d.lits[:0]
		if kind == 0 {
			if len(b)-h < n {
				return 0, d.corrupt(off, "%d raw literals, %d bytes left in the block", n, len(b)-h)
			}
			d.lits = append(d.lits, b[h:h+n]...)
			return h + n, nil
		}
		if len(b) <= h {
			return 0, d.corrupt(off, "RLE literals without their byte")
		}
		for i := 0; i < n; i++ {
			d.lits = append(d.lits, b[h])
		}
		return h + 1, nil
	}

	// Huffman-coded, with a new table (kind 2) or the last one (kind 3).
	hl := [4]int{3, 3, 4, 5}[sf]
	if len(b) < hl {
		return 0, d.corrupt(off, "literals header cut short")
	}
	var v uint64
	for i := 0; i < hl; i++ {
		v |= uint64(b[i]) << (8 * i)
	}
	var regen, comp int
	switch hl {
	case 3:
		regen, comp = int(v>>4&0x3FF), int(v>>14&0x3FF)
	case 4:
		regen, comp = int(v>>4&0x3FFF), int(v>>18&0x3FFF)
	case 5:
		regen, comp = int(v>>4&0x3FFFF), int(v>>22&0x3FFFF)
	}
	streams := 4
	if sf == 0 {
		streams = 1
	}
	if regen > maxBlock {
		return 0, d.corrupt(off, "%d literals, at most %d", regen, maxBlock)
	}
	if len(b)-hl < comp {
		return 0, d.corrupt(off, "%d bytes of compressed literals, %d left in the block", comp, len(b)-hl)
	}
	data := b[hl : hl+comp]
	at := off + hl
	if kind == 2 {
		n, err := d.readHuffman(at, data)
		if err != nil {
			return 0, err
		}
		data, at = data[n:], at+n
	} else if d.huf.e == nil {
		return 0, d.corrupt(off, "literals reuse a Huffman table, but the frame has none yet")
	}
	if cap(d.lits) < regen {
		d.lits = make([]byte, regen)
	}
	d.lits = d.lits[:regen]
	if streams == 1 {
		if err := d.huffStream(at, data, d.lits); err != nil {
			return 0, err
		}
		return hl + comp, nil
	}
	if len(data) < 6 {
		return 0, d.corrupt(at, "four Huffman streams without their jump table")
	}
	var sizes [4]int
	sizes[0] = int(data[0]) | int(data[1])<<8
	sizes[1] = int(data[2]) | int(data[3])<<8
	sizes[2] = int(data[4]) | int(data[5])<<8
	sizes[3] = len(data) - 6 - sizes[0] - sizes[1] - sizes[2]
	if sizes[3] < 0 {
		return 0, d.corrupt(at, "Huffman stream sizes add up to more than the literals' %d bytes", len(data))
	}
	per := (regen + 3) / 4
	if 3*per > regen {
		return 0, d.corrupt(off, "%d literals cannot fill four streams", regen)
	}
	s, o := 6, 0
	for i, n := range sizes {
		m := per
		if i == 3 {
			m = regen - 3*per
		}
		if err := d.huffStream(at+s, data[s:s+n], d.lits[o:o+m]); err != nil {
			return 0, err
		}
		s, o = s+n, o+m
	}
	return hl + comp, nil
}

// readHuffman reads a Huffman tree description from the start of b (byte off of the
// input) into d.huf and returns its length.
func (d *decoder) readHuffman(off int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, d.corrupt(off, "Huffman tree description missing")
	}
	var w [256]uint8
	var nw, used int
	if h := int(b[0]); h >= 128 {
		// Weights as 4-bit numbers, two a byte, high half first.
		nw = h - 127
		used = 1 + (nw+1)/2
		if len(b) < used {
			return 0, d.corrupt(off, "Huffman weights cut short")
		}
		for i := 0; i < nw; i++ {
			w[i] = b[1+i/2] >> (4 * (1 - i%2)) & 15
		}
	} else {
		// FSE-compressed weights: h bytes, two interleaved states.
		used = 1 + h
		if len(b) < used || h == 0 {
			return 0, d.corrupt(off, "Huffman weights of %d bytes, %d left", h, len(b)-1)
		}
		fb := b[1:used]
		counts, log, n, bad := readCounts(fb, 255, 6)
		if bad != "" {
			return 0, d.corrupt(off+1, "Huffman weights: %s", bad)
		}
		t, bad := buildFSE(counts, log)
		if bad != "" {
			return 0, d.corrupt(off+1, "Huffman weights: %s", bad)
		}
		var r backward
		if !r.init(fb[n:]) {
			return 0, d.corrupt(off+1+n, "Huffman weights' bitstream has no end mark")
		}
		var s1, s2 fseState
		s1.init(&t, &r)
		s2.init(&t, &r)
		for {
			if nw >= 254 {
				return 0, d.corrupt(off, "more than 255 Huffman weights")
			}
			w[nw] = s1.sym()
			nw++
			s1.update(&r)
			if r.overread() {
				w[nw] = s2.sym()
				nw++
				break
			}
			w[nw] = s2.sym()
			nw++
			s2.update(&r)
			if r.overread() {
				w[nw] = s1.sym()
				nw++
				break
			}
		}
	}
	t, bad := buildHuffman(w[:nw])
	if bad != "" {
		return 0, d.corrupt(off, "Huffman tree: %s", bad)
	}
	d.huf = t
	return used, nil
}

// buildHuffman makes the decoding table from the weights of symbols 0..len(w)-1; the
// last symbol's weight is implied (RFC 8878, 4.2.1).
func buildHuffman(w []uint8) (huffTable, string) {
	if len(w) > 255 {
		return huffTable{}, "more than 255 weights"
	}
	sum := 0
	for _, x := range w {
		if x > maxHuffBits {
			return huffTable{}, "weight above 11"
		}
		if x > 0 {
			sum += 1 << (x - 1)
		}
	}
	if sum == 0 {
		return huffTable{}, "all weights zero"
	}
	maxBits := bits.Len(uint(sum))
	if maxBits > maxHuffBits {
		return huffTable{}, "codes longer than 11 bits"
	}
	left := 1<<maxBits - sum
	if left&(left-1) != 0 {
		return huffTable{}, "weights do not make a complete code"
	}
	ws := append(w[:len(w):len(w)], uint8(bits.Len(uint(left))))
	t := huffTable{e: make([]uint16, 1<<maxBits), maxBits: maxBits}
	pos := 0
	for x := 1; x <= maxBits; x++ {
		for s, sx := range ws {
			if int(sx) != x {
				continue
			}
			n := 1 << (x - 1)
			if pos+n > len(t.e) {
				return huffTable{}, "weights overfill the code"
			}
			e := uint16(s) | uint16(maxBits+1-x)<<8
			for i := 0; i < n; i++ {
				t.e[pos+i] = e
			}
			pos += n
		}
	}
	if pos != len(t.e) {
		return huffTable{}, "weights do not fill the code"
	}
	return t, ""
}

// huffStream decodes len(out) literals from the Huffman stream b (byte off of the
// input), which they must use exactly.
func (d *decoder) huffStream(off int, b []byte, out []byte) error {
	var r backward
	if !r.init(b) {
		return d.corrupt(off, "Huffman stream empty or without an end mark")
	}
	t := &d.huf
	for i := range out {
		e := t.e[r.peek(t.maxBits)]
		out[i] = byte(e)
		r.n -= int(e >> 8)
	}
	if !r.done() {
		return d.corrupt(off, "Huffman stream of %d bytes does not end after its %d literals", len(b), len(out))
	}
	return nil
}
