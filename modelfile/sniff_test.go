package modelfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	var model, st bytes.Buffer
	f := &File{Tensors: []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, 2}}}}
	if err := Encode(&model, f, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := EncodeSafetensors(&st, f, Float32); err != nil {
		t.Fatal(err)
	}
	dicom := append(make([]byte, 128), "DICM\x02\x00"...)
	for _, c := range []struct {
		data []byte
		want string
	}{
		{model.Bytes(), SniffModel},
		{st.Bytes(), SniffSafetensors},
		{[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "PNG"},
		{[]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, "JPEG"},
		{dicom, "DICOM"},
		{[]byte("PK\x03\x04\x14\x00"), "zip or npz"},
		{[]byte("\x93NUMPY\x01\x00"), "npy"},
		{[]byte{0x1F, 0x8B, 8, 0}, "gzip"},
		{[]byte{0x28, 0xB5, 0x2F, 0xFD, 0}, "zstd"},
		{[]byte(" \n{\"age\": 63}"), "JSON"},
		{[]byte("age=63, crp=12 mg/L"), "text"},
		{append(bytes.Repeat([]byte("a"), 511), "é…"...), "text"}, // a rune cut by the sample
		{[]byte{0, 1, 2, 3, 0xFE}, ""},
		{nil, ""},
	} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("Sniff(%q...) = %q, want %q", c.data[:min(len(c.data), 12)], got, c.want)
		}
	}
}

func TestNotModelError(t *testing.T) {
	err := NotModelError([]byte("\x89PNG\r\n\x1a\nrest"))
	if !errors.Is(err, ErrNotModel) || !strings.Contains(err.Error(), "not a fusionlens model or safetensors file (looks like PNG)") {
		t.Errorf("PNG: %v", err)
	}
	err = NotModelError([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if !errors.Is(err, ErrNotModel) || !strings.Contains(err.Error(), "10 bytes starting with") {
		t.Errorf("binary: %v", err)
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("{\"a\":1}"))
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kind := Sniff(data)
		err := NotModelError(data)
		if !errors.Is(err, ErrNotModel) || len(err.Error()) > 200 {
			t.Fatalf("NotModelError(%d bytes, sniffed %q) = %v", len(data), kind, err)
		}
	})
}
