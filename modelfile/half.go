package modelfile

import (
	"math"

	"github.com/x448/float16"
)

// toHalf converts f to IEEE 754 binary16 with github.com/x448/float16, rounding to
// nearest, ties to even: magnitudes that round beyond 65504 become infinities, tiny ones
// subnormals or signed zero, and NaNs stay NaNs (half_test.go checks all of it). The
// library costs the page's main.wasm 0.6 KB of gzip (BENCHMARKS.md).
func toHalf(f float32) uint16 { return float16.Fromfloat32(f).Bits() }

// fromHalf converts an IEEE 754 binary16 value to float32 exactly.
func fromHalf(h uint16) float32 { return float16.Frombits(h).Float32() }

// fromBfloat16 converts a bfloat16 (the top half of a float32) to float32 exactly.
func fromBfloat16(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}
