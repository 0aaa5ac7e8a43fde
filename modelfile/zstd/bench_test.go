package zstd

import (
	"os"
	"testing"

	kzstd "github.com/klauspost/compress/zstd"
)

// BenchmarkDecodeShipped decompresses the body of the shipped default model (F0, int8,
// 290 KB) with this package and, as the peer in the same run, with klauspost's decoder
// (one shared decoder, DecodeAll, as modelfile used it). Both write into a destination
// of the content's size, as modelfile does. In wasm:
//
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -run '^$' -bench DecodeShipped ./modelfile/zstd/
func BenchmarkDecodeShipped(b *testing.B) {
	data, err := os.ReadFile("../../weights/F0-sum-all.flns")
	if err != nil {
		b.Fatal(err)
	}
	comp := data[28:] // after modelfile's fixed header
	want, err := Decode(nil, comp, 1<<30)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		for b.Loop() {
			if _, err := Decode(make([]byte, 0, len(want)), comp, len(want)); err != nil {
				b.Fatal(err)
			}
		}
	})
	d, err := kzstd.NewReader(nil, kzstd.WithDecoderConcurrency(1), kzstd.WithDecoderLowmem(true))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("klauspost", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		for b.Loop() {
			out, err := d.DecodeAll(comp, make([]byte, 0, len(want)))
			if err != nil || len(out) != len(want) {
				b.Fatal(err, len(out))
			}
		}
	})
}
