package modelfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	kzstd "github.com/klauspost/compress/zstd"
)

// TestShippedModelsDecodeAsKlauspost decodes every shipped model in weights/ with the
// package's decoder (Go's zstd) and with klauspost's, which wrote them: the bodies must
// agree byte for byte and the decoded files (config, meta, every tensor's float32 bits)
// must be identical.
func TestShippedModelsDecodeAsKlauspost(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "weights", "*.flns"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no model files in ../weights")
	}
	kd, err := kzstd.NewReader(nil, kzstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer kd.Close()
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rawLen := binary.LittleEndian.Uint64(data[8:])
		want, err := kd.DecodeAll(data[prefixSize:], nil)
		if err != nil {
			t.Fatalf("%s: klauspost: %v", path, err)
		}
		body, err := decompress(data[prefixSize:], rawLen)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(body, want) {
			t.Fatalf("%s: bodies differ (%d bytes, klauspost %d)", path, len(body), len(want))
		}
		wantFile, err := parseBody(want, DefaultLimits)
		if err != nil {
			t.Fatalf("%s: klauspost's body: %v", path, err)
		}
		got, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(got.Config, wantFile.Config) || !reflect.DeepEqual(got.Meta, wantFile.Meta) {
			t.Errorf("%s: config or meta differ", path)
		}
		if len(got.Tensors) != len(wantFile.Tensors) || len(got.Tensors) == 0 {
			t.Fatalf("%s: %d tensors, klauspost %d", path, len(got.Tensors), len(wantFile.Tensors))
		}
		for i, g := range got.Tensors {
			w := wantFile.Tensors[i]
			if g.Name != w.Name || !reflect.DeepEqual(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
				t.Fatalf("%s: tensor %d is %q %v, klauspost %q %v", path, i, g.Name, g.Shape, w.Name, w.Shape)
			}
			for j := range g.Data {
				if math.Float32bits(g.Data[j]) != math.Float32bits(w.Data[j]) {
					t.Fatalf("%s: tensor %q value %d: %v, klauspost %v", path, g.Name, j, g.Data[j], w.Data[j])
				}
			}
		}
	}
}

// TestDecompressLength checks that a frame holding more or fewer bytes than the header
// says is ErrCorrupt.
func TestDecompressLength(t *testing.T) {
	body := bytes.Repeat([]byte("body "), 100)
	comp, err := compress(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decompress(comp, uint64(len(body))); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("exact length: %v", err)
	}
	for _, n := range []uint64{uint64(len(body)) - 1, uint64(len(body)) + 1} {
		if _, err := decompress(comp, n); err == nil || !isOnly(err, ErrCorrupt) {
			t.Errorf("header length %d for a %d-byte frame: error %v, want ErrCorrupt", n, len(body), err)
		}
	}
	// Bytes after the frame that are not another frame.
	if _, err := decompress(append(comp, 1, 2, 3, 4), uint64(len(body))); err == nil || !isOnly(err, ErrCorrupt) {
		t.Errorf("trailing garbage: error %v, want ErrCorrupt", err)
	}
}

// isOnly reports whether err wraps want and no other package error.
func isOnly(err, want error) bool {
	for _, s := range sentinels {
		if (s == want) != errors.Is(err, s) {
			return false
		}
	}
	return true
}
