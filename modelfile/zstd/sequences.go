package zstd

// The three kinds of sequence codes, in the order their tables are described.
const (
	litLen = iota
	offCode
	matchLen
)

// codeSpec says, for each kind of code: its largest symbol, its largest accuracy log,
// and its predefined normalised counts (RFC 8878, 3.1.1.3.2.2) at predefLog.
var codeSpec = [3]struct {
	maxSym, maxLog, predefLog int
	predef                    []int16
}{
	litLen: {35, 9, 6, []int16{4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1}},
	offCode: {31, 8, 5, []int16{1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1}},
	matchLen: {52, 9, 6, []int16{1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		-1, -1, -1, -1, -1, -1, -1}},
}

// predefined holds the decoding tables of the predefined counts, built once.
var predefined = func() (t [3]fseTable) {
	for k, c := range codeSpec {
		t[k], _ = buildFSE(c.predef, c.predefLog)
	}
	return t
}()

// Literal-length codes 16..35 and match-length codes 32..52: baseline and extra bits.
var (
	litLenBase = [20]uint32{16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512,
		1024, 2048, 4096, 8192, 16384, 32768, 65536}
	litLenBits   = [20]uint8{1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	matchLenBase = [21]uint32{35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515,
		1027, 2051, 4099, 8195, 16387, 32771, 65539}
	matchLenBits = [21]uint8{1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
)

// sequences reads the sequences section b (byte off of the input) and executes it
// against d.lits, appending the block's content to d.out.
func (d *decoder) sequences(off int, b []byte) error {
	if len(b) == 0 {
		return d.corrupt(off, "sequences section missing")
	}
	var nseq, h int
	switch b0 := int(b[0]); {
	case b0 < 128:
		nseq, h = b0, 1
	case b0 < 255:
		if len(b) < 2 {
			return d.corrupt(off, "sequence count cut short")
		}
		nseq, h = (b0-128)<<8|int(b[1]), 2
	default:
		if len(b) < 3 {
			return d.corrupt(off, "sequence count cut short")
		}
		nseq, h = int(b[1])|int(b[2])<<8+0x7F00, 3
	}
	if nseq == 0 {
		if h != len(b) {
			return d.corrupt(off+h, "%d bytes after a block's last sequence", len(b)-h)
		}
		return d.emitLiterals(off, d.lits)
	}
	if len(b) <= h {
		return d.corrupt(off, "sequence compression modes missing")
	}
	modes := b[h]
	if modes&3 != 0 {
		return d.corrupt(off+h, "reserved bits of the sequence compression modes set")
	}
	h++
	for k := litLen; k <= matchLen; k++ {
		spec := codeSpec[k]
		switch modes >> (6 - 2*k) & 3 {
		case 0:
			d.tables[k] = predefined[k]
		case 1:
			if len(b) <= h {
				return d.corrupt(off+h, "RLE sequence code missing")
			}
			if int(b[h]) > spec.maxSym {
				return d.corrupt(off+h, "RLE sequence code %d, at most %d", b[h], spec.maxSym)
			}
			d.tables[k] = rleTable(b[h])
			h++
		case 2:
			counts, log, n, bad := readCounts(b[h:], spec.maxSym, spec.maxLog)
			if bad != "" {
				return d.corrupt(off+h, "sequence codes: %s", bad)
			}
			t, bad := buildFSE(counts, log)
			if bad != "" {
				return d.corrupt(off+h, "sequence codes: %s", bad)
			}
			d.tables[k] = t
			h += n
		case 3:
			if d.tables[k].e == nil {
				return d.corrupt(off+h, "sequence codes reuse a table, but the frame has none yet")
			}
		}
	}

	var r backward
	if !r.init(b[h:]) {
		return d.corrupt(off+h, "sequence bitstream empty or without an end mark")
	}
	var ll, of, ml fseState
	ll.init(&d.tables[litLen], &r)
	of.init(&d.tables[offCode], &r)
	ml.init(&d.tables[matchLen], &r)
	lits := d.lits
	for i := 0; i < nseq; i++ {
		oc := int(of.sym())
		if oc > 31 {
			return d.corrupt(off+h, "offset code %d", oc)
		}
		ov := 1<<oc + int(r.read(oc))
		mc := int(ml.sym())
		mlen := mc + 3
		if mc >= 32 {
			mlen = int(matchLenBase[mc-32]) + int(r.read(int(matchLenBits[mc-32])))
		}
		lc := int(ll.sym())
		llen := lc
		if lc >= 16 {
			llen = int(litLenBase[lc-16]) + int(r.read(int(litLenBits[lc-16])))
		}
		if i < nseq-1 {
			ll.update(&r)
			ml.update(&r)
			of.update(&r)
		}
		if r.overread() {
			return d.corrupt(off+h, "sequence bitstream ends before sequence %d of %d", i+1, nseq)
		}

		// The offset: a new one, or one of the last three.
		var o int
		if ov > 3 {
			o = ov - 3
			d.rep = [3]int{o, d.rep[0], d.rep[1]}
		} else {
			k := ov - 1
			if llen == 0 {
				k++
			}
			switch k {
			case 0:
				o = d.rep[0]
			case 1:
				o = d.rep[1]
				d.rep[0], d.rep[1] = o, d.rep[0]
			default:
				if k == 2 {
					o = d.rep[2]
				} else {
					o = d.rep[0] - 1
				}
				d.rep = [3]int{o, d.rep[0], d.rep[1]}
			}
		}

		if llen > len(lits) {
			return d.corrupt(off+h, "sequence %d copies %d literals, %d left", i+1, llen, len(lits))
		}
		if err := d.emitLiterals(off, lits[:llen]); err != nil {
			return err
		}
		lits = lits[llen:]
		if o <= 0 || o > len(d.out)-d.frameStart {
			return d.corrupt(off+h, "sequence %d reaches back %d bytes, the frame holds %d", i+1, o, len(d.out)-d.frameStart)
		}
		if err := d.grow(mlen); err != nil {
			return err
		}
		from := len(d.out) - o
		for mlen > 0 {
			// Overlapping copies repeat the last o bytes: copy at most o at a time.
			n := min(mlen, o)
			d.out = append(d.out, d.out[from:from+n]...)
			from += n
			mlen -= n
		}
	}
	if !r.done() {
		return d.corrupt(off+h, "sequence bitstream does not end after its %d sequences", nseq)
	}
	return d.emitLiterals(off, lits)
}

func (d *decoder) emitLiterals(off int, lits []byte) error {
	if err := d.grow(len(lits)); err != nil {
		return err
	}
	d.out = append(d.out, lits...)
	return nil
}
