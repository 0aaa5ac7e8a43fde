package modelfile

import (
	"bytes"
	"errors"
	"testing"
)

// TestDecompressLength checks that a frame holding more or fewer bytes than the header
// says is ErrCorrupt.
func TestDecompressLength(t *testing.T) {
	body := bytes.Repeat([]byte("body "), 100)
	comp, err := compress(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decompress(comp, uint64(len(body))); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("exact length: %v", err)
	}
	// One byte more or fewer than the frame holds, and half of it: the frame declares its
	// content size, which the decoder compares with the room it is given.
	for _, n := range []uint64{uint64(len(body)) - 1, uint64(len(body)) + 1, uint64(len(body)) / 2} {
		if _, err := decompress(comp, n); err == nil || !isOnly(err, ErrCorrupt) {
			t.Errorf("header length %d for a %d-byte frame: error %v, want ErrCorrupt", n, len(body), err)
		}
	}
	// Bytes after the frame that are not another frame.
	if _, err := decompress(append(comp, 1, 2, 3, 4), uint64(len(body))); err == nil || !isOnly(err, ErrCorrupt) {
		t.Errorf("trailing garbage: error %v, want ErrCorrupt", err)
	}
}

// isOnly reports whether err wraps want and no other package error.
func isOnly(err, want error) bool {
	for _, s := range sentinels {
		if (s == want) != errors.Is(err, s) {
			return false
		}
	}
	return true
}
