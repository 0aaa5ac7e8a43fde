package site

import (
	"bytes"
	"hash/adler32"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"
)

// decodePNG reads b back with the standard library's decoder.
func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("image/png cannot read what encodePNG wrote: %v", err)
	}
	return img
}

func TestEncodePNGGray(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// 300x300 holds 90300 scanline bytes: two stored blocks. 28x28 fits one.
	for _, side := range []int{1, 28, 300} {
		g := image.NewGray(image.Rect(0, 0, side, side))
		for i := range g.Pix {
			g.Pix[i] = uint8(rng.IntN(256))
		}
		b, err := encodePNG(g)
		if err != nil {
			t.Fatal(err)
		}
		back, ok := decodePNG(t, b).(*image.Gray)
		if !ok || back.Rect != g.Rect || !bytes.Equal(back.Pix, g.Pix) {
			t.Errorf("%dx%d grey image did not survive the round trip", side, side)
		}
	}
}

func TestEncodePNGRGB(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := image.NewRGBA(image.Rect(0, 0, 40, 17))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	b, err := encodePNG(m)
	if err != nil {
		t.Fatal(err)
	}
	if b[25] != 2 {
		t.Errorf("colour type %d, want 2 (RGB)", b[25])
	}
	back, ok := decodePNG(t, b).(*image.RGBA)
	if !ok || back.Rect != m.Rect || !bytes.Equal(back.Pix, m.Pix) {
		t.Error("opaque RGBA image did not survive the round trip")
	}
	m.Pix[4*41+3] = 128
	if _, err := encodePNG(m); err == nil {
		t.Error("translucent pixel accepted")
	}
}

// A sub-image starts at its own origin: encodePNG must read it through PixOffset.
func TestEncodePNGSubImage(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 10, 10))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	sub := g.SubImage(image.Rect(3, 4, 8, 6)).(*image.Gray)
	b, err := encodePNG(sub)
	if err != nil {
		t.Fatal(err)
	}
	back := decodePNG(t, b).(*image.Gray)
	if back.Rect.Dx() != 5 || back.Rect.Dy() != 2 || back.Pix[0] != 43 || back.Pix[9] != 57 {
		t.Errorf("sub-image read back as %v %v", back.Rect, back.Pix)
	}
}

func TestEncodePNGRefuses(t *testing.T) {
	if _, err := encodePNG(image.NewGray(image.Rect(0, 0, 0, 5))); err == nil {
		t.Error("empty image accepted")
	}
	if _, err := encodePNG(image.NewNRGBA(image.Rect(0, 0, 2, 2))); err == nil {
		t.Error("NRGBA image accepted")
	}
}

func TestAdler32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 5551, 5552, 5553, 70000} {
		p := make([]byte, n)
		for i := range p {
			p[i] = 255 - uint8(rng.IntN(3)) // near the maximum, to stress the modulo
		}
		if got, want := adler32Sum(p), adler32.Checksum(p); got != want {
			t.Errorf("adler32Sum of %d bytes %08x, want %08x", n, got, want)
		}
	}
}
