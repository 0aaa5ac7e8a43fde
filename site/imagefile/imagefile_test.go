package imagefile

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/fixture"
)

func TestDecodePNG(t *testing.T) {
	for _, w := range []string{"", WindowAuto, WindowAbdomen, WindowLung, WindowBone, WindowFull} {
		img, err := Decode(fixture.DiscPNG(), w)
		if err != nil {
			t.Fatalf("window %q: %v", w, err)
		}
		if len(img.Pixels) != 28*28 || img.DICOM {
			t.Fatalf("window %q: %d pixels, DICOM %v; want 784, false", w, len(img.Pixels), img.DICOM)
		}
		if !strings.HasPrefix(img.Source, "PNG 64×64") {
			t.Errorf("window %q: source %q, want PNG 64×64 first", w, img.Source)
		}
		if img.Preview == nil || img.Preview.Rect.Dx() != 64 || img.Preview.GrayAt(32, 32).Y < 200 || img.Preview.GrayAt(0, 0).Y > 30 {
			t.Errorf("window %q: preview is not the 64x64 disc", w)
		}
		if c, corner := img.Pixels[14*28+14], img.Pixels[0]; c < 0.8 || corner > 0.1 {
			t.Errorf("window %q: network view centre %v, corner %v; want bright, dark", w, c, corner)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := Decode(fixture.DiscPNG(), "soft tissue"); err == nil || !strings.Contains(err.Error(), `"soft tissue"`) {
		t.Errorf("unknown window: error %v, want one naming it", err)
	}
	if _, err := Decode([]byte("\x89PNG\r\n\x1a\njunk"), WindowAuto); err == nil {
		t.Error("a broken PNG decoded")
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{400: "400", -600: "-600", 0.5: "0.5", 1.0 / 3: "0.3333", 2e9: "2e+09"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

// FuzzDecode checks that no file makes Decode panic and that a decoded image has the
// network's 784 pixels in [0,1].
func FuzzDecode(f *testing.F) {
	f.Add(fixture.DiscPNG(), WindowAuto)
	f.Add([]byte("\x89PNG\r\n\x1a\njunk"), WindowLung)
	f.Add(append(make([]byte, 128), "DICM"...), WindowFull)
	f.Fuzz(func(t *testing.T, data []byte, w string) {
		img, err := Decode(data, w)
		if err != nil {
			return
		}
		if len(img.Pixels) != 28*28 {
			t.Fatalf("%d pixels", len(img.Pixels))
		}
		for _, p := range img.Pixels {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("pixel %v outside [0,1]", p)
			}
		}
	})
}

// colourPNG returns a w x h RGB PNG: red rising left to right, green top to bottom,
// blue constant.
func colourPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(255 * x / (w - 1)), G: uint8(255 * y / (h - 1)), B: 100, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDecodeAs checks the shapes of the family's image inputs: the paper's 28x28 grey as
// Decode, N x N RGB keeping the channels apart, colour for a grey input by its luma, grey
// for an RGB input repeated.
func TestDecodeAs(t *testing.T) {
	paper, err := Decode(fixture.DiscPNG(), WindowAuto)
	if err != nil {
		t.Fatal(err)
	}
	same, err := DecodeAs(fixture.DiscPNG(), WindowAuto, 28, 1)
	if err != nil || len(same.Pixels) != 784 || same.Source != paper.Source {
		t.Fatalf("28x28 grey: %d pixels, %q, %v; want Decode's", len(same.Pixels), same.Source, err)
	}
	for i := range paper.Pixels {
		if same.Pixels[i] != paper.Pixels[i] {
			t.Fatalf("28x28 grey differs from Decode at %d", i)
		}
	}

	rgb, err := DecodeAs(colourPNG(t, 40, 32), WindowAuto, 16, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(rgb.Pixels) != 3*16*16 || strings.Contains(rgb.Source, "grey") || !strings.Contains(rgb.Source, "16×16") {
		t.Fatalf("RGB: %d pixels, source %q", len(rgb.Pixels), rgb.Source)
	}
	n := 16 * 16
	// Red rises along a row, green down a column, blue is flat at 100/255.
	if !(rgb.Pixels[15] > rgb.Pixels[0]+0.5) || !(rgb.Pixels[n+15*16] > rgb.Pixels[n]+0.5) {
		t.Errorf("red %v..%v, green %v..%v: channels mixed up", rgb.Pixels[0], rgb.Pixels[15], rgb.Pixels[n], rgb.Pixels[n+15*16])
	}
	for i := 2 * n; i < 3*n; i++ {
		if d := rgb.Pixels[i] - 100.0/255; d > 0.01 || d < -0.01 {
			t.Fatalf("blue %d is %v, want 100/255", i-2*n, rgb.Pixels[i])
		}
	}
	if rgb.Preview == nil || rgb.Preview.Rect.Dx() != 40 {
		t.Errorf("preview %v, want the 40x32 picture", rgb.Preview)
	}

	grey, err := DecodeAs(colourPNG(t, 40, 32), WindowAuto, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(grey.Pixels) != 64*64 || !strings.Contains(grey.Source, "colour read as grey") {
		t.Errorf("colour for a grey input: %d pixels, source %q", len(grey.Pixels), grey.Source)
	}

	rep, err := DecodeAs(fixture.DiscPNG(), WindowAuto, 32, 3)
	if err != nil {
		t.Fatal(err)
	}
	m := 32 * 32
	for i := range m {
		if rep.Pixels[i] != rep.Pixels[m+i] || rep.Pixels[i] != rep.Pixels[2*m+i] {
			t.Fatalf("grey for RGB: channels differ at %d", i)
		}
	}
	if !strings.Contains(rep.Source, "grey repeated") {
		t.Errorf("source %q does not say the grey was repeated", rep.Source)
	}
	if _, err := DecodeAs(fixture.DiscPNG(), WindowAuto, 32, 2); err == nil {
		t.Error("two channels accepted")
	}
}
