package imagefile

import (
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
