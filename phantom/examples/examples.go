// Package examples reads and writes the example-case file: a few synthetic cases (two
// grey images each, with their organ class names) in a small binary layout, so that the
// page can show package phantom's example cases without linking the phantom generator.
// The site's build writes the file from phantom.ExampleCases; the page reads it with
// Decode. Pixels are stored as bytes, k meaning k/255: phantom's images keep 8-bit steps,
// so the round trip is exact.
//
// Layout (integers little endian):
//
//	"FLEX"                   magic
//	u8 version               1
//	u8 side                  image side in pixels (1..64)
//	u16 count                cases (1..maxCases)
//	u16 len, bytes           provenance (UTF-8)
//	count times:
//	  u8 len, bytes          axial class name
//	  u8 len, bytes          coronal class name
//	  side*side bytes        axial pixels, row-major
//	  side*side bytes        coronal pixels, row-major
package examples

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Case is one example case: an axial and a coronal image (Side*Side values in [0,1],
// row-major, in steps of 1/255) and the organ class each shows.
type Case struct {
	AxialClass, CoronalClass string
	Axial, Coronal           []float32
}

// File is a decoded example-case file.
type File struct {
	Side       int    // image side in pixels
	Provenance string // where the images come from, shown to the user
	Cases      []Case
}

const (
	magic    = "FLEX"
	version  = 1
	maxSide  = 64
	maxCases = 1024
)

// Encode writes f in the example-case layout. It refuses a file whose sizes are out of
// range or whose pixels are not in [0,1] in steps of 1/255 (which bytes could not keep).
func Encode(f File) ([]byte, error) {
	if f.Side < 1 || f.Side > maxSide {
		return nil, fmt.Errorf("examples: image side %d; want 1 to %d", f.Side, maxSide)
	}
	if len(f.Cases) < 1 || len(f.Cases) > maxCases {
		return nil, fmt.Errorf("examples: %d cases; want 1 to %d", len(f.Cases), maxCases)
	}
	if len(f.Provenance) > math.MaxUint16 || !utf8.ValidString(f.Provenance) {
		return nil, fmt.Errorf("examples: provenance of %d bytes; want valid UTF-8 of at most %d", len(f.Provenance), math.MaxUint16)
	}
	px := f.Side * f.Side
	b := append([]byte(magic), version, byte(f.Side))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(f.Cases)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(f.Provenance)))
	b = append(b, f.Provenance...)
	for i, c := range f.Cases {
		for _, name := range []string{c.AxialClass, c.CoronalClass} {
			if len(name) > math.MaxUint8 || !utf8.ValidString(name) {
				return nil, fmt.Errorf("examples: case %d: class name of %d bytes; want valid UTF-8 of at most %d", i+1, len(name), math.MaxUint8)
			}
			b = append(b, byte(len(name)))
			b = append(b, name...)
		}
		for _, img := range []struct {
			view string
			v    []float32
		}{{"axial", c.Axial}, {"coronal", c.Coronal}} {
			if len(img.v) != px {
				return nil, fmt.Errorf("examples: case %d: %s image has %d values; want %d", i+1, img.view, len(img.v), px)
			}
			for j, v := range img.v {
				k := math.Round(float64(v) * 255)
				if !(k >= 0 && k <= 255) || float32(k)/255 != v {
					return nil, fmt.Errorf("examples: case %d: %s pixel %d is %v; want k/255 for k in 0..255", i+1, img.view, j, v)
				}
				b = append(b, byte(k))
			}
		}
	}
	return b, nil
}

// Decode reads an example-case file. It refuses, with an error naming what is wrong
// where, anything that is not one: another magic or version, sizes out of range, a
// truncated or overlong file, names that are not UTF-8.
func Decode(data []byte) (File, error) {
	if len(data) < 10 || string(data[:4]) != magic {
		return File{}, errors.New("examples: not an example-case file (no FLEX header)")
	}
	if data[4] != version {
		return File{}, fmt.Errorf("examples: version %d; this build reads version %d", data[4], version)
	}
	side := int(data[5])
	n := int(binary.LittleEndian.Uint16(data[6:]))
	if side < 1 || side > maxSide || n < 1 || n > maxCases {
		return File{}, fmt.Errorf("examples: %d cases of side %d; want 1 to %d cases of side 1 to %d", n, side, maxCases, maxSide)
	}
	r := reader{data: data, off: 8}
	prov, err := r.text(2, "provenance")
	if err != nil {
		return File{}, err
	}
	f := File{Side: side, Provenance: prov, Cases: make([]Case, n)}
	px := side * side
	for i := range f.Cases {
		c := &f.Cases[i]
		if c.AxialClass, err = r.text(1, fmt.Sprintf("case %d's axial class", i+1)); err != nil {
			return File{}, err
		}
		if c.CoronalClass, err = r.text(1, fmt.Sprintf("case %d's coronal class", i+1)); err != nil {
			return File{}, err
		}
		if c.Axial, err = r.pixels(px, fmt.Sprintf("case %d's axial image", i+1)); err != nil {
			return File{}, err
		}
		if c.Coronal, err = r.pixels(px, fmt.Sprintf("case %d's coronal image", i+1)); err != nil {
			return File{}, err
		}
	}
	if r.off != len(data) {
		return File{}, fmt.Errorf("examples: %d bytes after the last case", len(data)-r.off)
	}
	return f, nil
}

// reader reads data from off on.
type reader struct {
	data []byte
	off  int
}

func (r *reader) take(n int, what string) ([]byte, error) {
	if n > len(r.data)-r.off {
		return nil, fmt.Errorf("examples: file ends in %s (at byte %d, %d more wanted)", what, r.off, n)
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b, nil
}

// text reads a string preceded by its length in width (1 or 2) bytes.
func (r *reader) text(width int, what string) (string, error) {
	l, err := r.take(width, what)
	if err != nil {
		return "", err
	}
	n := int(l[0])
	if width == 2 {
		n = int(binary.LittleEndian.Uint16(l))
	}
	b, err := r.take(n, what)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("examples: %s is not UTF-8", what)
	}
	return string(b), nil
}

// pixels reads n bytes as values k/255.
func (r *reader) pixels(n int, what string) ([]float32, error) {
	b, err := r.take(n, what)
	if err != nil {
		return nil, err
	}
	v := make([]float32, n)
	for i, k := range b {
		v[i] = float32(k) / 255
	}
	return v, nil
}
