package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/fusionlens/fusionlens/phantom"
)

func TestContactSheet(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sheet.png")
	if err := run(out, 3, 9, "both", 2); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	cell := phantom.Size*2 + 2
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 96+2*3*cell+16 || h != 20+phantom.NumClasses*cell {
		t.Errorf("sheet is %dx%d", w, h)
	}
	// The first phantom cell is not blank.
	seen := map[uint32]bool{}
	for y := 20; y < 20+cell-2; y++ {
		for x := 96; x < 96+cell-2; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			seen[r] = true
		}
	}
	if len(seen) < 10 {
		t.Errorf("first cell has only %d grey levels", len(seen))
	}
	if err := run(out, 0, 1, "axial", 4); err == nil {
		t.Error("-n 0 accepted")
	}
	if err := run(out, 2, 1, "sagittal", 4); err == nil {
		t.Error("-view sagittal accepted")
	}
}
