package limitread

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// sparse makes a file of size bytes that takes no disk space (a hole).
func sparse(t *testing.T, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "huge.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileRefusesHugeBeforeReading(t *testing.T) {
	path := sparse(t, 1200<<20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := File(path, 64<<20)
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || tl.Size != 1200<<20 {
		t.Fatalf("error %v, want a TooLargeError with the file's size", err)
	}
	if !strings.Contains(err.Error(), "1.2 GiB") || !strings.Contains(err.Error(), "64.0 MiB") {
		t.Errorf("error %q does not name the size and the limit", err)
	}
	if extra := after.TotalAlloc - before.TotalAlloc; extra > 1<<20 {
		t.Errorf("refusing the file allocated %d bytes, want under 1 MiB", extra)
	}
}

func TestFileReadsWithinLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small")
	if err := os.WriteFile(path, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := File(path, 5)
	if err != nil || string(b) != "hello" {
		t.Fatalf("File = %q, %v", b, err)
	}
	if _, err := File(path, 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("5-byte file with limit 4: %v, want ErrTooLarge", err)
	}
	if _, err := File(filepath.Dir(path), 4); err == nil {
		t.Error("a folder was read as a file")
	}
}

func TestReaderStopsPastLimit(t *testing.T) {
	_, err := Reader(strings.NewReader(strings.Repeat("x", 100)), "stdin", 10)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 11 || !strings.Contains(err.Error(), "larger than the limit of 10 bytes") {
		t.Errorf("Reader: %v", err)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1536: "1.5 KiB", 1200 << 20: "1.2 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
