package examples

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// sample is a small file with pixels at both ends of the range and a name beyond ASCII.
func sample() File {
	c := Case{AxialClass: "liver", CoronalClass: "femur-rechts ü", Axial: make([]float32, 9), Coronal: make([]float32, 9)}
	for i := range c.Axial {
		c.Axial[i] = float32(i*31) / 255
		c.Coronal[i] = float32(255-i) / 255
	}
	c2 := Case{AxialClass: "", CoronalClass: "heart", Axial: make([]float32, 9), Coronal: make([]float32, 9)}
	c2.Axial[4] = 1
	return File{Side: 3, Provenance: "synthetic test images", Cases: []Case{c, c2}}
}

func TestRoundTrip(t *testing.T) {
	f := sample()
	b, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := 10 + len(f.Provenance) + 2*(2+2*9) + len("liver") + len("femur-rechts ü") + len("heart"); len(b) != want {
		t.Errorf("encoded %d bytes; want %d", len(b), want)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("decoded %+v; want %+v", got, f)
	}
}

func TestEncodeRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*File)
		want string
	}{
		"side":          {func(f *File) { f.Side = 0 }, "side 0"},
		"no cases":      {func(f *File) { f.Cases = nil }, "0 cases"},
		"short image":   {func(f *File) { f.Cases[1].Coronal = f.Cases[1].Coronal[:8] }, "case 2: coronal image has 8 values"},
		"between steps": {func(f *File) { f.Cases[0].Axial[2] = 0.5 }, "case 1: axial pixel 2 is 0.5"},
		"above one":     {func(f *File) { f.Cases[0].Axial[0] = 256.0 / 255 }, "axial pixel 0"},
		"long name":     {func(f *File) { f.Cases[0].AxialClass = strings.Repeat("x", 256) }, "class name of 256 bytes"},
		"bad utf-8":     {func(f *File) { f.Provenance = "\xff" }, "provenance"},
	} {
		f := sample()
		tc.edit(&f)
		if _, err := Encode(f); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one containing %q", name, err, tc.want)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	good, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":     {nil, "no FLEX header"},
		"magic":     {edit(func(b []byte) []byte { b[0] = 'X'; return b }), "no FLEX header"},
		"version":   {edit(func(b []byte) []byte { b[4] = 2; return b }), "version 2"},
		"side":      {edit(func(b []byte) []byte { b[5] = 65; return b }), "side 65"},
		"count":     {edit(func(b []byte) []byte { b[6], b[7] = 0, 0; return b }), "0 cases"},
		"truncated": {good[:len(good)-1], "file ends in case 2's coronal image"},
		"trailing":  {append(bytes.Clone(good), 0), "1 bytes after the last case"},
		"name":      {edit(func(b []byte) []byte { b[10+len("synthetic test images")+1] = 0xff; return b }), "case 1's axial class is not UTF-8"},
	} {
		if _, err := Decode(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one containing %q", name, err, tc.want)
		}
	}
}

// FuzzDecode checks that Decode never panics and that whatever it reads encodes back to
// the same bytes.
func FuzzDecode(f *testing.F) {
	good, err := Encode(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:12])
	f.Add([]byte("FLEX\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(data)
		if err != nil {
			return
		}
		b, err := Encode(file)
		if err != nil {
			t.Fatalf("decoded %+v, which does not encode: %v", file, err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("decoded and encoded again: %x; was %x", b, data)
		}
	})
}
