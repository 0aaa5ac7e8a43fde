// Package limitread reads whole files only after checking their size, so a huge file
// named by mistake (or on purpose) is refused before it costs memory: the size is taken
// from stat first, and the read itself stops one byte past the limit in case the file
// grew meanwhile or stat could not tell (a pipe, a device).
package limitread

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by the error for a file above the limit.
var ErrTooLarge = errors.New("file too large")

// TooLargeError says which file exceeded which limit.
type TooLargeError struct {
	Path  string
	Size  int64 // the size found (at least Limit+1 when the read found it)
	Limit int64
}

// Error names the file, its size and the limit.
func (e *TooLargeError) Error() string {
	if e.Size == e.Limit+1 {
		return fmt.Sprintf("%s is larger than the limit of %s", e.Path, Bytes(e.Limit))
	}
	return fmt.Sprintf("%s is %s, above the limit of %s", e.Path, Bytes(e.Size), Bytes(e.Limit))
}

// Unwrap returns ErrTooLarge.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// File returns the contents of the file at path if it holds at most limit bytes; a
// larger file gives a *TooLargeError without its contents being read.
func File(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", path)
	}
	if st.Mode().IsRegular() && st.Size() > limit {
		return nil, &TooLargeError{Path: path, Size: st.Size(), Limit: limit}
	}
	return Reader(f, path, limit)
}

// Reader reads r to its end if it holds at most limit bytes; name says what r is in the
// error for a larger one. At most limit+1 bytes are read.
func Reader(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: name, Size: int64(len(data)), Limit: limit}
	}
	return data, nil
}

// Bytes formats a byte count for people: "512 bytes", "1.5 KiB", "1.2 GiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
