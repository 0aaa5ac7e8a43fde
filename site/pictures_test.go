package site

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/draw"
	"image/png"
	"math"
	"strings"
	"testing"
)

func decodeDataURL(t *testing.T, u string) image.Image {
	t.Helper()
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(u, prefix) {
		t.Fatalf("not a PNG data URL: %.40q", u)
	}
	b, err := base64.StdEncoding.DecodeString(u[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestNetImageRoundTrip(t *testing.T) {
	px := make([]float32, ImagePixels)
	for i := range px {
		px[i] = float32(i%28) / 27
	}
	px[0], px[1], px[2] = -1, 2, float32(math.NaN())
	g, err := netImage(px)
	if err != nil {
		t.Fatal(err)
	}
	u, err := pngDataURL(g)
	if err != nil {
		t.Fatal(err)
	}
	back := decodeDataURL(t, u).(*image.Gray)
	if back.Rect.Dx() != 28 || back.Rect.Dy() != 28 {
		t.Fatalf("size %v", back.Rect)
	}
	if back.Pix[0] != 0 || back.Pix[1] != 255 || back.Pix[2] != 0 || back.Pix[27] != 255 || back.Pix[28+13] != 123 {
		t.Errorf("pixels %v ... %v", back.Pix[:3], back.Pix[27:42])
	}
	if _, err := netImage(px[:100]); err == nil {
		t.Error("100 pixels accepted")
	}
}

func TestShrink(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 600, 300))
	for i := range g.Pix {
		g.Pix[i] = uint8(i % 2 * 200) // alternating columns 0, 200
	}
	s := shrink(g, 256)
	if s.Rect.Dx() != 200 || s.Rect.Dy() != 100 {
		t.Fatalf("600x300 shrunk to %v, want 200x100 (factor 3)", s.Rect)
	}
	// Each 3x3 box holds 4 or 5 bright columns' pixels out of 9... columns alternate, so
	// a box has 1 or 2 bright columns of 3: 67 or 133.
	for _, v := range s.Pix[:4] {
		if v != 67 && v != 133 {
			t.Fatalf("box average %d", v)
		}
	}
	small := image.NewGray(image.Rect(0, 0, 100, 80))
	if shrink(small, 256) != small {
		t.Error("a small image was copied")
	}
}

func TestSaliencyImage(t *testing.T) {
	px := grey(0.5)
	s := make([]float32, ImagePixels)
	s[100] = -4 // strongest, negative: magnitude counts
	s[200] = 1
	img, peak, err := saliencyImage(px, s)
	if err != nil {
		t.Fatal(err)
	}
	if peak != 4 {
		t.Errorf("peak %v, want 4", peak)
	}
	at := func(i int) [3]uint8 { return [3]uint8{img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2]} }
	g := unit8(0.5)
	if at(0) != [3]uint8{g, g, g} {
		t.Errorf("zero saliency changed the pixel: %v", at(0))
	}
	hot := heat(1)
	want := func(c uint8) uint8 { return uint8(float64(g)*0.15 + float64(c)*0.85 + 0.5) }
	if at(100) != [3]uint8{want(hot.R), want(hot.G), want(hot.B)} {
		t.Errorf("peak pixel %v, want 85%% of %v over grey", at(100), hot)
	}
	if at(200) == at(0) || at(200) == at(100) {
		t.Errorf("quarter saliency pixel %v indistinct", at(200))
	}
	// All-zero saliency leaves the image grey and reports a zero peak.
	_, peak, err = saliencyImage(px, make([]float32, ImagePixels))
	if err != nil || peak != 0 {
		t.Errorf("zero saliency: peak %v err %v", peak, err)
	}
	if _, _, err := saliencyImage(px, s[:10]); err == nil {
		t.Error("10 scores accepted")
	}
}

func TestHeatRamp(t *testing.T) {
	prev := -1.0
	for i := 0; i <= 20; i++ {
		c := heat(float64(i) / 20)
		l := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
		if l < prev {
			t.Errorf("heat ramp gets darker at %d/20", i)
		}
		prev = l
	}
}

// TestRGBAOfMatchesDraw checks rgbaOf and greyOf, which replace image/draw in the page,
// against draw.Draw on grey, RGBA and NRGBA pictures whose bounds do not start at the
// origin.
func TestRGBAOfMatchesDraw(t *testing.T) {
	r := image.Rect(3, 5, 3+7, 5+4)
	grey, rgba, nrgba := image.NewGray(r), image.NewRGBA(r), image.NewNRGBA(r)
	for i := range grey.Pix {
		grey.Pix[i] = uint8(37 * i)
	}
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(11*i + 3)
		nrgba.Pix[i] = uint8(29*i + 1)
	}
	for name, img := range map[string]image.Image{"grey": grey, "rgba": rgba, "nrgba": nrgba} {
		want := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(want, want.Rect, img, r.Min, draw.Src)
		if got := rgbaOf(img); got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("rgbaOf(%s) = %v %v, draw.Draw gives %v %v", name, got.Rect, got.Pix[:8], want.Rect, want.Pix[:8])
		}
		wantGrey := image.NewGray(r)
		draw.Draw(wantGrey, r, img, r.Min, draw.Src)
		if got := greyOf(img); got.Rect != r || !bytes.Equal(got.Pix, wantGrey.Pix) {
			t.Errorf("greyOf(%s) differs from draw.Draw: %v against %v", name, got.Pix[:8], wantGrey.Pix[:8])
		}
	}
}
