package zstd

import "math/bits"

// fseEntry is one state of an FSE decoding table: the symbol it emits, and the next
// state, base plus the value of the next nbits bits.
type fseEntry struct {
	sym   uint8
	nbits uint8
	base  uint16
}

// fseTable is an FSE decoding table of 1<<log states; nil entries mean no table yet.
type fseTable struct {
	e   []fseEntry
	log int
}

// readCounts reads an FSE table description (normalised counts, -1 for "less than
// one") from the start of b, for symbols 0..maxSym and an accuracy log of at most
// maxLog. It returns the counts, the accuracy log and the bytes used.
func readCounts(b []byte, maxSym, maxLog int) (counts []int16, log, used int, ok string) {
	r := forward{b: b}
	log = int(r.read(4)) + 5
	if log > maxLog {
		return nil, 0, 0, "accuracy log too large"
	}
	counts = make([]int16, maxSym+1)
	remaining := 1<<log + 1
	threshold := 1 << log
	nbits := log + 1
	s := 0
	zeroBefore := false
	for remaining > 1 {
		if zeroBefore {
			// Runs of zero counts: two bits at a time, 3 meaning "three more, and go on".
			for {
				rep := int(r.read(2))
				s += rep
				if rep != 3 || s > maxSym || r.used() > len(b) {
					break
				}
			}
		}
		if s > maxSym || r.used() > len(b) {
			return nil, 0, 0, "FSE table description runs past its symbols or its bytes"
		}
		max := 2*threshold - 1 - remaining
		v := int(r.peek(nbits))
		var c int
		if v&(threshold-1) < max {
			c = v & (threshold - 1)
			r.skip(nbits - 1)
		} else {
			c = v & (2*threshold - 1)
			if c >= threshold {
				c -= max
			}
			r.skip(nbits)
		}
		c--
		if c < 0 {
			remaining--
		} else {
			remaining -= c
		}
		if remaining < 1 {
			return nil, 0, 0, "FSE counts add up to more than the table"
		}
		counts[s] = int16(c)
		s++
		zeroBefore = c == 0
		for remaining < threshold {
			nbits--
			threshold >>= 1
		}
	}
	if r.used() > len(b) {
		return nil, 0, 0, "FSE table description runs past its bytes"
	}
	return counts, log, r.used(), ""
}

// build makes the decoding table for counts at accuracy log (RFC 8878, 4.1.1).
func buildFSE(counts []int16, log int) (fseTable, string) {
	size := 1 << log
	t := fseTable{e: make([]fseEntry, size), log: log}
	next := make([]int, len(counts))
	high := size - 1
	for s, c := range counts {
		if c == -1 {
			if high < 0 {
				return fseTable{}, "more low-probability symbols than states"
			}
			t.e[high].sym = uint8(s)
			high--
			next[s] = 1
		} else {
			next[s] = int(c)
		}
	}
	pos, step, mask := 0, size>>1+size>>3+3, size-1
	for s, c := range counts {
		for i := 0; i < int(c); i++ {
			t.e[pos].sym = uint8(s)
			pos = (pos + step) & mask
			for pos > high {
				pos = (pos + step) & mask
			}
		}
	}
	if pos != 0 {
		return fseTable{}, "FSE counts do not fill the table"
	}
	for i := range t.e {
		s := t.e[i].sym
		x := next[s]
		next[s]++
		nb := log - (bits.Len(uint(x)) - 1)
		t.e[i].nbits = uint8(nb)
		t.e[i].base = uint16(x<<nb - size)
	}
	return t, ""
}

// rleTable is the one-state table that always emits sym.
func rleTable(sym uint8) fseTable { return fseTable{e: []fseEntry{{sym: sym}}, log: 0} }

// fseState walks a table over a backward bitstream.
type fseState struct {
	t     *fseTable
	state int
}

func (s *fseState) init(t *fseTable, r *backward) {
	s.t = t
	s.state = int(r.read(t.log))
}

func (s *fseState) sym() uint8 { return s.t.e[s.state].sym }

func (s *fseState) update(r *backward) {
	e := s.t.e[s.state]
	s.state = int(e.base) + int(r.read(int(e.nbits)))
}
