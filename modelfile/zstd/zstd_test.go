package zstd

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	kzstd "github.com/klauspost/compress/zstd"
)

// samples returns inputs that exercise every kind of block and literals: empty, one
// byte, runs, text, random bytes (raw blocks), skewed bytes (Huffman literals, no
// matches), repeats at short and long distances (repeat offsets, overlapping copies),
// larger than one block, and the shipped default model's body.
func samples(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	s := map[string][]byte{
		"empty": {},
		"one":   {42},
		"run":   bytes.Repeat([]byte{7}, 300_000),
		"text":  bytes.Repeat([]byte("the fusion vector z has forty features; "), 2000),
	}
	random := make([]byte, 200_000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	s["random"] = random
	skewed := make([]byte, 300_000)
	for i := range skewed {
		skewed[i] = byte(rng.NormFloat64() * 6)
	}
	s["skewed"] = skewed
	var rep []byte
	for len(rep) < 400_000 {
		switch rng.IntN(4) {
		case 0:
			rep = append(rep, random[rng.IntN(1000):][:rng.IntN(50)]...)
		case 1:
			if len(rep) > 0 {
				from := rng.IntN(len(rep))
				n := rng.IntN(300)
				for i := 0; i < n; i++ {
					rep = append(rep, rep[from+i])
				}
			}
		case 2:
			rep = append(rep, bytes.Repeat([]byte{byte(rng.IntN(256))}, rng.IntN(20))...)
		default:
			rep = append(rep, skewed[rng.IntN(1000):][:rng.IntN(100)]...)
		}
	}
	s["repeats"] = rep
	if b, err := os.ReadFile(filepath.Join("..", "..", "weights", "F0-sum-all.flns")); err == nil {
		s["F0 file"] = b
	} else {
		t.Fatalf("the shipped model: %v", err)
	}
	return s
}

// TestDecodeKlauspost decodes what github.com/klauspost/compress/zstd writes, at every
// level, with and without the content checksum, with and without the content size in
// the header, and compares with the input.
func TestDecodeKlauspost(t *testing.T) {
	levels := []kzstd.EncoderLevel{kzstd.SpeedFastest, kzstd.SpeedDefault, kzstd.SpeedBetterCompression, kzstd.SpeedBestCompression}
	for name, in := range samples(t) {
		for _, lv := range levels {
			for _, crc := range []bool{false, true} {
				for _, single := range []bool{false, true} {
					enc, err := kzstd.NewWriter(nil, kzstd.WithEncoderLevel(lv), kzstd.WithEncoderCRC(crc),
						kzstd.WithSingleSegment(single), kzstd.WithEncoderConcurrency(1))
					if err != nil {
						t.Fatal(err)
					}
					comp := enc.EncodeAll(in, nil)
					got, err := Decode(nil, comp, len(in))
					if err != nil {
						t.Errorf("%s, %v, crc %v, single %v: %v", name, lv, crc, single, err)
						continue
					}
					if !bytes.Equal(got, in) {
						t.Errorf("%s, %v, crc %v, single %v: decoded %d bytes, differ from the %d in", name, lv, crc, single, len(got), len(in))
					}
				}
			}
		}
	}
}

// TestDecodeStreamed decodes a stream klauspost's Writer wrote in pieces (frames without
// a content size, several blocks), followed by a skippable frame and a second frame.
func TestDecodeStreamed(t *testing.T) {
	in := samples(t)["repeats"]
	var buf bytes.Buffer
	w, err := kzstd.NewWriter(&buf, kzstd.WithEncoderConcurrency(1), kzstd.WithWindowSize(1<<16))
	if err != nil {
		t.Fatal(err)
	}
	for p := in; len(p) > 0; {
		n := min(len(p), 7777)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	comp := buf.Bytes()
	comp = append(comp, 0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 'a', 'b', 'c') // skippable
	second := []byte("second frame")
	enc, _ := kzstd.NewWriter(nil)
	comp = enc.EncodeAll(second, comp)
	want := append(append([]byte{}, in...), second...)
	got, err := Decode([]byte("prefix"), comp, 6+len(want))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("decoded %d bytes, differ from the %d wanted", len(got), len(want)+6)
	}
}

// TestDecodeErrors checks the errors: the limit, damaged frames, and input that is
// not a frame at all.
func TestDecodeErrors(t *testing.T) {
	in := samples(t)["text"]
	enc, _ := kzstd.NewWriter(nil, kzstd.WithEncoderCRC(true))
	comp := enc.EncodeAll(in, nil)

	if _, err := Decode(nil, comp, len(in)-1); !errors.Is(err, ErrLimit) {
		t.Errorf("limit one byte short: %v, want ErrLimit", err)
	}
	noSize, _ := kzstd.NewWriter(nil, kzstd.WithEncoderCRC(false))
	var buf bytes.Buffer
	w := noSize
	w.Reset(&buf)
	w.Write(in)
	w.Close()
	if _, err := Decode(nil, buf.Bytes(), len(in)-1); !errors.Is(err, ErrLimit) {
		t.Errorf("limit one byte short, no content size: %v, want ErrLimit", err)
	}

	var ce *CorruptError
	cases := map[string][]byte{
		"nothing":        nil,
		"not a frame":    []byte("PK\x03\x04 not zstd"),
		"cut short":      comp[:len(comp)/2],
		"trailing bytes": append(append([]byte{}, comp...), 1, 2, 3, 4),
		"checksum":       append(append([]byte{}, comp[:len(comp)-1]...), comp[len(comp)-1]^1),
		"reserved bit":   append([]byte{0x28, 0xB5, 0x2F, 0xFD, comp[4] | 8}, comp[5:]...),
		"dictionary":     {0x28, 0xB5, 0x2F, 0xFD, 0x21, 0x07, 0x00, 0x01, 0x00, 0x00},
	}
	for name, b := range cases {
		if _, err := Decode(nil, b, 1<<30); !errors.As(err, &ce) {
			t.Errorf("%s: %v, want a *CorruptError", name, err)
		}
	}
}

// TestXXH64 checks the checksum against klauspost's encoder's, through frames whose
// content is every length from 0 to 100 (all of XXH64's tails).
func TestXXH64(t *testing.T) {
	enc, _ := kzstd.NewWriter(nil, kzstd.WithEncoderCRC(true))
	b := samples(t)["random"][:100]
	for n := 0; n <= len(b); n++ {
		comp := enc.EncodeAll(b[:n], nil)
		if _, err := Decode(nil, comp, n); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
	}
}

// FuzzDecode checks that Decode never panics, that it stays within its limit, and that
// whatever it and klauspost's decoder both accept decodes to the same bytes.
func FuzzDecode(f *testing.F) {
	enc, _ := kzstd.NewWriter(nil, kzstd.WithEncoderCRC(true))
	for _, in := range samples(f) {
		if len(in) > 5000 {
			in = in[:5000]
		}
		f.Add(enc.EncodeAll(in, nil))
	}
	dec, _ := kzstd.NewReader(nil, kzstd.WithDecoderConcurrency(1), kzstd.WithDecoderMaxMemory(1<<20))
	f.Fuzz(func(t *testing.T, b []byte) {
		const limit = 1 << 20
		got, err := Decode(nil, b, limit)
		if len(got) > limit {
			t.Fatalf("decoded %d bytes beyond the limit %d", len(got), limit)
		}
		if err != nil {
			return
		}
		want, kerr := dec.DecodeAll(b, nil)
		if kerr == nil && !bytes.Equal(got, want) {
			t.Fatalf("decoded %d bytes, klauspost %d, and they differ", len(got), len(want))
		}
	})
}
