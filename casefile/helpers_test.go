package casefile

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/npz"
)

// writeFile writes data to dir/name, making folders.
func writeFile(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// greyImage is a size x size grey image whose pixel (x, y) is (seed + 3x + 5y) mod 256.
func greyImage(size, seed int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			g.Pix[y*g.Stride+x] = uint8((seed + 3*x + 5*y) % 256)
		}
	}
	return g
}

// rgbImage is a size x size opaque colour image: red x*7+seed, green y*11, blue seed.
func rgbImage(size, seed int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			m.SetRGBA(x, y, color.RGBA{uint8((x*7 + seed) % 256), uint8(y * 11 % 256), uint8(seed % 256), 255})
		}
	}
	return m
}

// npyGrey is a size x size uint8 .npy image like greyImage.
func npyGrey(t testing.TB, size, seed int) []byte {
	t.Helper()
	v := make([]uint8, size*size)
	for i := range v {
		v[i] = uint8((seed + 3*(i%size) + 5*(i/size)) % 256)
	}
	a, err := npz.New([]int{size, size}, v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := npz.Write(&b, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wantCaseError checks that err is an *Error about the given row (1-based; 0 for none) and
// column, whose text contains every one of parts.
func wantCaseError(t testing.TB, err error, row int, column string, parts ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *casefile.Error", err, err)
	}
	if e.Row != row || e.Column != column {
		t.Fatalf("error %q is about row %d column %q, want row %d column %q", err, e.Row, e.Column, row, column)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not say %q", err, p)
		}
	}
}

// wantError checks that err is not nil and its text contains every one of parts.
func wantError(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not say %q", err, p)
		}
	}
}
