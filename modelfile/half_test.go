package modelfile

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refHalf rounds x to the nearest binary16 value, ties to even, computed independently of
// toHalf in float64 arithmetic: scale by the half ulp at x's exponent and round.
func refHalf(x float32) float64 {
	a := math.Abs(float64(x))
	sign := 1.0
	if math.Signbit(float64(x)) {
		sign = -1
	}
	if math.IsInf(a, 0) || a >= 65520 { // 65520 is the tie between 65504 and 2^16: even is 2^16
		return sign * math.Inf(1)
	}
	if a == 0 {
		return sign * 0
	}
	_, exp := math.Frexp(a) // a = frac * 2^exp, frac in [0.5, 1)
	e := max(exp-1, -14)
	ulp := math.Ldexp(1, e-10)
	return sign * math.RoundToEven(a/ulp) * ulp
}

func TestHalfEveryValueRoundTrips(t *testing.T) {
	for h := range 1 << 16 {
		f := fromHalf(uint16(h))
		got := toHalf(f)
		if math.IsNaN(float64(f)) {
			if got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x, not a NaN", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Fatalf("half %#04x -> %v -> %#04x", h, f, got)
		}
	}
}

func TestHalfRoundsToNearestEven(t *testing.T) {
	check := func(x float32) {
		t.Helper()
		got := float64(fromHalf(toHalf(x)))
		want := refHalf(x)
		if got != want || math.Signbit(got) != math.Signbit(want) {
			t.Fatalf("toHalf(%v = %#08x) = %v, want %v", x, math.Float32bits(x), got, want)
		}
	}
	// Every tie between neighbouring halves (exact in float32), and its neighbours.
	for h := range 0x7c00 {
		lo, hi := fromHalf(uint16(h)), fromHalf(uint16(h+1))
		mid := float32((float64(lo) + float64(hi)) / 2)
		for _, x := range []float32{lo, mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9)} {
			check(x)
			check(-x)
		}
	}
	// Boundaries: the largest half, overflow, the subnormal floor and everything special.
	for _, x := range []float32{65504, 65519.996, 65520, 1e30, math.MaxFloat32,
		0x1p-24, 0x1p-25, math.Nextafter32(0x1p-25, 1), 0x1p-26, 0x1.8p-24, 0x1p-14,
		math.Nextafter32(0x1p-14, 0), math.SmallestNonzeroFloat32, 0} {
		check(x)
		check(-x)
	}
	check(float32(math.Inf(1)))
	check(float32(math.Inf(-1)))
	if h := toHalf(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Fatalf("NaN became %#04x", h)
	}
	// NaN whose payload lives only in the low bits must stay NaN, not become infinity.
	if h := toHalf(math.Float32frombits(0x7f800001)); h&0x3ff == 0 {
		t.Fatalf("low-payload NaN became %#04x", h)
	}
	// Random values over the whole float32 range.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		x := math.Float32frombits(rng.Uint32())
		if !math.IsNaN(float64(x)) {
			check(x)
		}
	}
}

func TestHalfRelativeError(t *testing.T) {
	// For normal halves, |x - half(x)| <= 2^-11 |x|.
	rng := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for range 200000 {
		x := float32(math.Ldexp(1+rng.Float64(), rng.IntN(30)-14)) // [2^-14, 2^16)
		if x > 65504 {
			continue
		}
		rel := math.Abs(float64(fromHalf(toHalf(x)))-float64(x)) / float64(x)
		worst = max(worst, rel)
	}
	if worst > 0x1p-11 {
		t.Fatalf("worst relative error %g > 2^-11", worst)
	}
	t.Logf("worst relative error %g (bound 2^-11 = %g)", worst, 0x1p-11)
}

func TestBfloat16(t *testing.T) {
	for _, x := range []float32{1, -2.5, 0x1p-130, float32(math.Inf(-1))} {
		if got := fromBfloat16(uint16(math.Float32bits(x) >> 16)); got != x {
			t.Errorf("bfloat16 of %v read as %v", x, got)
		}
	}
}
