package zstd

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	kzstd "github.com/klauspost/compress/zstd"
)

// encoder returns a klauspost encoder that writes frames the way modelfile writes its
// bodies (single segment, no checksum) at level, or with a frame checksum and a 128 KiB
// window when framed is true.
func encoder(t testing.TB, level kzstd.EncoderLevel, framed bool) *kzstd.Encoder {
	t.Helper()
	e, err := kzstd.NewWriter(nil, kzstd.WithEncoderLevel(level), kzstd.WithEncoderConcurrency(1),
		kzstd.WithEncoderCRC(framed), kzstd.WithSingleSegment(!framed), kzstd.WithWindowSize(1<<17))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// klauspost compresses b with encoder(t, level, framed).
func klauspost(t testing.TB, b []byte, level kzstd.EncoderLevel, framed bool) []byte {
	t.Helper()
	e := encoder(t, level, framed)
	defer e.Close()
	return e.EncodeAll(b, nil)
}

// roundTripInputs are data with the shapes a model body has (repeats, runs, noise, byte
// planes of floats) and sizes around the 128 KiB block limit and the window.
func roundTripInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 300<<10)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	// Small integers, like int8 weights: compressible but not by matching.
	small := make([]byte, 200<<10)
	for i := range small {
		small[i] = byte(int8(rng.NormFloat64() * 20))
	}
	// Noise with long repeats beyond one block, so matches reach back across blocks.
	repeats := append(append(append([]byte{}, noise[:70<<10]...), small[:90<<10]...), noise[:70<<10]...)
	return map[string][]byte{
		"empty":   {},
		"one":     {42},
		"zeros":   make([]byte, 1<<20),
		"text":    bytes.Repeat([]byte("fusionlens model file body "), 9000),
		"noise":   noise,
		"small":   small,
		"repeats": repeats,
	}
}

// TestKlauspostRoundTrip decodes what klauspost's encoder makes at each level,
// single-segment and windowed, byte for byte.
func TestKlauspostRoundTrip(t *testing.T) {
	levels := []kzstd.EncoderLevel{kzstd.SpeedFastest, kzstd.SpeedDefault, kzstd.SpeedBestCompression}
	r := NewReader(nil)
	for name, in := range roundTripInputs() {
		for _, level := range levels {
			for _, framed := range []bool{false, true} {
				comp := klauspost(t, in, level, framed)
				r.Reset(bytes.NewReader(comp))
				got, err := io.ReadAll(r)
				if err != nil {
					t.Fatalf("%s, %v, framed %v: %v", name, level, framed, err)
				}
				if !bytes.Equal(got, in) {
					t.Errorf("%s, %v, framed %v: decoded %d bytes differ from the %d put in",
						name, level, framed, len(got), len(in))
				}
			}
		}
	}
}

// TestChecksumMismatch checks that a damaged frame checksum is an error, not silently
// accepted data.
func TestChecksumMismatch(t *testing.T) {
	comp := klauspost(t, []byte("hello, hello, hello, world"), kzstd.SpeedDefault, true)
	comp[len(comp)-1] ^= 1
	if _, err := io.ReadAll(NewReader(bytes.NewReader(comp))); err == nil {
		t.Fatal("damaged checksum accepted")
	}
}

// FuzzRoundTrip checks that whatever klauspost's encoder makes of b decodes to b.
func FuzzRoundTrip(f *testing.F) {
	for _, test := range tests {
		f.Add([]byte(test.uncompressed), false)
	}
	f.Add(bytes.Repeat([]byte("abcdefghijklmnop"), 256), true)
	// EncodeAll is safe for concurrent use; making an encoder per input would dominate.
	single, framed := encoder(f, kzstd.SpeedDefault, false), encoder(f, kzstd.SpeedDefault, true)
	f.Fuzz(func(t *testing.T, b []byte, withChecksum bool) {
		e := single
		if withChecksum {
			e = framed
		}
		comp := e.EncodeAll(b, nil)
		got, err := io.ReadAll(NewReader(bytes.NewReader(comp)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("decoded %d bytes differ from the %d put in", len(got), len(b))
		}
	})
}
