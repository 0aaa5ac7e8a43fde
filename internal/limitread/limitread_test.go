package limitread

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sparse makes a file of size bytes that takes no disk space (a hole).
func sparse(t *testing.T, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "huge.bin")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(size))
	require.NoError(t, f.Close())
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
	require.ErrorAs(t, err, &tl)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.EqualValues(t, 1200<<20, tl.Size, "the error's size is the file's")
	assert.ErrorContains(t, err, "1.2 GiB", "the error names the size")
	assert.ErrorContains(t, err, "64.0 MiB", "the error names the limit")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated to refuse the file")
}

func TestFileReadsWithinLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small")
	require.NoError(t, os.WriteFile(path, []byte("hello"), 0o644))
	b, err := File(path, 5)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(b))
	_, err = File(path, 4)
	assert.ErrorIs(t, err, ErrTooLarge, "a 5-byte file with limit 4")
	_, err = File(filepath.Dir(path), 4)
	assert.Error(t, err, "a folder was read as a file")
}

func TestReaderStopsPastLimit(t *testing.T) {
	_, err := Reader(strings.NewReader(strings.Repeat("x", 100)), "stdin", 10)
	var tl *TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.EqualValues(t, 11, tl.Size, "bytes read before stopping")
	assert.ErrorContains(t, err, "larger than the limit of 10 bytes")
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1536: "1.5 KiB", 1200 << 20: "1.2 GiB"} {
		assert.Equal(t, want, Bytes(n), "Bytes(%d)", n)
	}
}
