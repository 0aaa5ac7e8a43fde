package site

import (
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/site/imagefile"
)

// fileDecoder is the page's image decoder run natively: imagefile, which the page runs
// in its Web Worker.
func fileDecoder(data []byte, w WindowChoice, shape ImageShape) (DecodedImage, error) {
	img, err := imagefile.DecodeAs(data, string(w), shape.Size, shape.Channels)
	return DecodedImage(img), err
}

// TestWindowsAreImagefiles checks that the decoder knows every window the page offers.
func TestWindowsAreImagefiles(t *testing.T) {
	for _, o := range windowOptions {
		if _, err := imagefile.Decode(fixture.DiscPNG(), string(o.ID)); err != nil {
			t.Errorf("window %q: %v", o.ID, err)
		}
	}
}

func TestStateDecodesImages(t *testing.T) {
	s := NewState(nil)
	s.SetImage(modality.CTAxial, "a.png", fixture.DiscPNG())
	if !strings.Contains(s.Axial.Err, "cannot decode images") || s.Axial.Pixels != nil {
		t.Fatalf("without a decoder: error %q, pixels %v", s.Axial.Err, s.Axial.Pixels != nil)
	}
	s.DecodeImage = fileDecoder
	s.SetImage(modality.CTAxial, "a.png", fixture.DiscPNG())
	if s.Axial.Err != "" || len(s.Axial.Pixels) != 784 || !strings.HasPrefix(s.Axial.Source, "PNG 64×64") || s.Axial.Busy {
		t.Fatalf("after a PNG: error %q, %d pixels, source %q, busy %v", s.Axial.Err, len(s.Axial.Pixels), s.Axial.Source, s.Axial.Busy)
	}
	if s.Axial.preview == nil || s.Axial.preview.Rect.Dx() != 64 {
		t.Error("no 64x64 preview")
	}
	// A broken file keeps the image and names the file.
	s.SetImage(modality.CTAxial, "b.png", []byte("\x89PNG\r\n\x1a\njunk"))
	if !strings.Contains(s.Axial.Err, "b.png") || s.Axial.File != "a.png" {
		t.Errorf("after a broken file: error %q, file %q", s.Axial.Err, s.Axial.File)
	}
	s.SetWindow(modality.CTAxial, "soft tissue")
	if !strings.Contains(s.Axial.Err, "soft tissue") {
		t.Errorf("unknown window: error %q", s.Axial.Err)
	}
}

// TestStaleDecodeDropped checks that a decode that finishes after a later one started
// (or after pixels were set) changes nothing.
func TestStaleDecodeDropped(t *testing.T) {
	s := NewState(nil)
	s.DecodeImage = fileDecoder
	old := s.startDecode(&s.Axial, "old.png", fixture.DiscPNG(), WindowAuto)
	cur := s.startDecode(&s.Axial, "new.png", fixture.DiscPNG(), WindowAuto)
	s.applyDecode(cur, cur.run)
	s.applyDecode(old, old.run)
	if s.Axial.File != "new.png" {
		t.Errorf("file %q after a stale decode, want new.png", s.Axial.File)
	}
	late := s.startDecode(&s.Axial, "late.png", fixture.DiscPNG(), WindowAuto)
	if err := s.SetImagePixels(modality.CTAxial, "phantom", "synthetic", make([]float32, 784)); err != nil {
		t.Fatal(err)
	}
	s.applyDecode(late, late.run)
	if s.Axial.File != "phantom" || s.Axial.Busy {
		t.Errorf("file %q, busy %v after a decode older than SetImagePixels, want phantom, false", s.Axial.File, s.Axial.Busy)
	}
	// A failed stale decode leaves no error either.
	stale := s.startDecode(&s.Axial, "x.png", []byte("junk"), WindowAuto)
	s.SetImage(modality.CTAxial, "new.png", fixture.DiscPNG())
	s.applyDecode(stale, stale.run)
	if s.Axial.Err != "" || s.Axial.Busy {
		t.Errorf("error %q, busy %v after a stale failed decode", s.Axial.Err, s.Axial.Busy)
	}
}
