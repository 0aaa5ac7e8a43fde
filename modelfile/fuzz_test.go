package modelfile

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
)

// fuzzLimits keep each fuzz input cheap while still exercising every limit check.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxHeader: 1 << 16, MaxTensors: 64, MaxElements: 1 << 18}

var fuzzOptions = []Options{{}, {Precision: Float16, Small: Float16}, {Precision: Int8}}

// checkDecoded checks a fuzzed decode: an error wraps exactly one of the package's errors;
// a File survives a lossless float32 round trip unchanged.
func checkDecoded(t *testing.T, f *File, err error) {
	if err != nil {
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 || f != nil {
			t.Fatalf("error %q wraps %d package errors (file %v)", err, n, f != nil)
		}
		return
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f, Options{}); err != nil {
		t.Fatalf("decoded file does not encode: %v", err)
	}
	g, err := Decode(&buf)
	if err != nil {
		t.Fatalf("re-encoded file does not decode: %v", err)
	}
	if len(g.Tensors) != len(f.Tensors) || !bytes.Equal(g.Config, f.Config) {
		t.Fatal("round trip changed the file")
	}
	for i, a := range f.Tensors {
		b := g.Tensors[i]
		if a.Name != b.Name || !slices.Equal(a.Shape, b.Shape) || len(a.Data) != len(b.Data) {
			t.Fatalf("tensor %d changed: %q %v -> %q %v", i, a.Name, a.Shape, b.Name, b.Shape)
		}
		for j := range a.Data {
			if math.Float32bits(a.Data[j]) != math.Float32bits(b.Data[j]) {
				t.Fatalf("%s[%d] changed", a.Name, j)
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, opt := range fuzzOptions {
		f.Add(encode(f, smallModel(), opt))
	}
	f.Add(good(f, bodyWith(`{"tensors":[{"name":"a","dtype":"int8","shape":[1,2]}]}`, []byte{0, 0, 0x80, 0x3f, 1, 0xff})))
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := fuzzLimits.Decode(bytes.NewReader(data))
		checkDecoded(t, m, err)
	})
}

// FuzzParseBody reaches past the checksum, which random mutations of a whole file
// rarely get through, to the header and tensor parsing.
func FuzzParseBody(f *testing.F) {
	for _, opt := range fuzzOptions {
		b, err := marshalBody(smallModel(), opt)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(bodyWith(`{"tensors":[{"name":"a","dtype":"int8","shape":[1,2]}]}`, []byte{0, 0, 0x80, 0x3f, 1, 0xff}))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := parseBody(body, fuzzLimits.withDefaults())
		checkDecoded(t, m, err)
	})
}

func FuzzDecodeSafetensors(f *testing.F) {
	f.Add(encodeST(f, smallModel(), Float32))
	f.Add(encodeST(f, smallModel(), Float16))
	f.Add(stFile(`{"__metadata__":{"format":"pt"},"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]},`+
		`"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}`, make([]byte, 12)))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := fuzzLimits.DecodeSafetensors(bytes.NewReader(data))
		if err != nil {
			checkDecoded(t, m, err)
			return
		}
		var buf bytes.Buffer
		if err := EncodeSafetensors(&buf, m, Float32); err != nil {
			t.Fatalf("decoded file does not export: %v", err)
		}
		g, err := DecodeSafetensors(&buf)
		if err != nil {
			t.Fatalf("re-exported file does not decode: %v", err)
		}
		if len(g.Tensors) != len(m.Tensors) {
			t.Fatal("round trip changed the tensor count")
		}
		for i, a := range m.Tensors {
			b := g.Tensors[i]
			if a.Name != b.Name || !slices.Equal(a.Shape, b.Shape) || len(a.Data) != len(b.Data) {
				t.Fatalf("tensor %d changed: %q %v -> %q %v", i, a.Name, a.Shape, b.Name, b.Shape)
			}
			for j := range a.Data {
				if math.Float32bits(a.Data[j]) != math.Float32bits(b.Data[j]) {
					t.Fatalf("%s[%d] changed", a.Name, j)
				}
			}
		}
	})
}
