package ctimage

import (
	"encoding/binary"
	"fmt"
)

// decodeRLE decodes one frame of DICOM RLE Lossless (PS3.5 Annex G) holding rows x cols
// pixels of spp samples, each bytesPer bytes wide. The frame starts with a 64-byte header:
// the segment count and fifteen segment offsets (little endian). There is one segment per
// byte of each sample — sample 0's most significant byte first — and each segment is the
// PackBits coding of that byte for every pixel. The result is pixel-interleaved samples.
func decodeRLE(frame []byte, rows, cols, spp, bytesPer int) ([]uint32, error) {
	const hdr = 64
	if len(frame) < hdr {
		return nil, newErr(ErrTruncated, FormatDICOM, nil, "RLE frame is %d bytes, shorter than its 64-byte header", len(frame))
	}
	nseg := int(binary.LittleEndian.Uint32(frame))
	want := spp * bytesPer
	if nseg != want {
		return nil, newErr(ErrMalformed, FormatDICOM, nil,
			"RLE frame has %d segments; %d sample(s) of %d byte(s) need %d", nseg, spp, bytesPer, want)
	}
	if want > 15 {
		return nil, newErr(ErrUnsupported, FormatDICOM, nil, "RLE needs %d segments, more than the 15 it allows", want)
	}
	n := rows * cols
	out := make([]uint32, n*spp)
	seg := make([]byte, n)
	for i := 0; i < nseg; i++ {
		start := int(binary.LittleEndian.Uint32(frame[4+4*i:]))
		end := len(frame)
		if i+1 < nseg {
			end = int(binary.LittleEndian.Uint32(frame[4+4*(i+1):]))
		}
		if start < hdr || start > end || end > len(frame) {
			return nil, newErr(ErrMalformed, FormatDICOM, nil,
				"RLE segment %d spans bytes %d..%d of a %d-byte frame", i, start, end, len(frame))
		}
		if err := unpackBits(seg, frame[start:end]); err != nil {
			return nil, newErr(ErrMalformed, FormatDICOM, nil, "RLE segment %d: %s", i, err.Error())
		}
		s, b := i/bytesPer, i%bytesPer
		shift := uint(8 * (bytesPer - 1 - b))
		for p, v := range seg {
			out[p*spp+s] |= uint32(v) << shift
		}
	}
	return out, nil
}

// unpackBits fills dst from PackBits data: a header byte h in 0..127 copies the next h+1
// bytes, h in -127..-1 repeats the next byte 1-h times, -128 does nothing. Bytes left after
// dst is full are padding.
func unpackBits(dst, src []byte) error {
	o := 0
	for i := 0; o < len(dst); {
		if i >= len(src) {
			return fmt.Errorf("decoded %d of %d bytes before the data ended", o, len(dst))
		}
		h := int(int8(src[i]))
		i++
		switch {
		case h >= 0:
			k := h + 1
			if i+k > len(src) || o+k > len(dst) {
				return fmt.Errorf("a literal run of %d bytes overruns the segment or the frame", k)
			}
			copy(dst[o:], src[i:i+k])
			i += k
			o += k
		case h > -128:
			k := 1 - h
			if i >= len(src) || o+k > len(dst) {
				return fmt.Errorf("a repeat run of %d bytes overruns the segment or the frame", k)
			}
			for j := 0; j < k; j++ {
				dst[o+j] = src[i]
			}
			i++
			o += k
		}
	}
	return nil
}
