package modelfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Benchmarks on the paper-sized model (281,780 values). MB/s counts float32 bytes.
func BenchmarkEncode(b *testing.B) {
	f := paperModel(1)
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(4 * benchValues(f))
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := Encode(&buf, f, c.opt); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "file-bytes")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	f := paperModel(1)
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			data := encode(b, f, c.opt)
			b.SetBytes(4 * benchValues(f))
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSafetensors(b *testing.B) {
	f := paperModel(1)
	data := encodeST(b, f, Float32)
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(4 * benchValues(f))
		for b.Loop() {
			var buf bytes.Buffer
			if err := EncodeSafetensors(&buf, f, Float32); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(4 * benchValues(f))
		for b.Loop() {
			if _, err := DecodeSafetensors(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var benchCases = []struct {
	name string
	opt  Options
}{
	{"float32", Options{}},
	{"float16", Options{Precision: Float16}},
	{"int8", Compact},
}

func benchValues(f *File) int64 {
	var n int64
	for _, t := range f.Tensors {
		n += int64(len(t.Data))
	}
	return n
}

// BenchmarkDecodeShipped reads shipped models from ../weights as the page does: the
// default model (F0, int8) and the ground-truth autoencoder (float16), each a whole Decode
// (zstd, CRC-32C, JSON header, tensors). MB/s counts the file's bytes.
func BenchmarkDecodeShipped(b *testing.B) {
	for _, name := range []string{"F0-sum-all", "autoencoder"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join("..", "weights", name+".flns"))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
