package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/phantom"
	"github.com/fusionlens/fusionlens/phantom/examples"
)

// TestWrite checks that the file written holds phantom's example cases 1..n, and that a
// count below one is refused.
func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "examples.bin")
	if err := write(path, 3); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := examples.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 3 {
		t.Fatalf("%d cases; want 3", len(f.Cases))
	}
	ax, co, _, _ := phantom.Example(3)
	if !slices.Equal(f.Cases[2].Axial, ax) || !slices.Equal(f.Cases[2].Coronal, co) {
		t.Error("case 3 differs from phantom.Example(3)")
	}
	if err := write(path, 0); err == nil {
		t.Error("-n 0 was accepted")
	}
}
