package modelfile

import "math"

// toHalf converts f to IEEE 754 binary16, rounding to nearest, ties to even. Magnitudes
// that round beyond 65504 become infinities, tiny ones become subnormals or signed zero,
// and NaNs stay NaNs (quiet, keeping the top payload bits).
func toHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff {
		if man == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(man>>13)
	}
	e := exp - 127 + 15 // biased half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half: value = m * 2^-24 with m = mant24 * 2^(e-14).
		if e < -10 {
			return sign // below 2^-25, which is the tie between 0 and 2^-24
		}
		man |= 0x800000
		shift := uint(14 - e)
		m := man >> shift
		rem := man & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && m&1 == 1 {
			m++ // may carry into the smallest normal, whose encoding is the same sum
		}
		return sign | uint16(m)
	}
	h := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // may carry into the exponent, up to infinity (0x7c00): both are right
	}
	return sign | uint16(h)
}

// fromHalf converts an IEEE 754 binary16 value to float32 exactly.
func fromHalf(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch exp {
	case 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		e := uint32(127 - 15 + 1)
		for man&0x400 == 0 {
			man <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// fromBfloat16 converts a bfloat16 (the top half of a float32) to float32 exactly.
func fromBfloat16(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}
