package npz

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// ErrNoKey is wrapped when an archive has no array of the requested name.
var ErrNoKey = errors.New("npz: no such array")

// Archive is an open .npz file.
type Archive struct {
	// Limits bound each array read from the archive.
	Limits Limits
	zr     *zip.Reader
	closer io.Closer
}

// Open opens the .npz file at path.
func Open(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	a, err := NewArchive(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a.closer = f
	return a, nil
}

// NewArchive reads the zip directory of a .npz held in r (size bytes).
func NewArchive(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("npz: not a readable zip archive (truncated download?): %w", err)
	}
	return &Archive{zr: zr}, nil
}

// Close closes the file opened by Open.
func (a *Archive) Close() error {
	if a.closer != nil {
		return a.closer.Close()
	}
	return nil
}

// Keys returns the array names in archive order, without the ".npy" suffix, as
// numpy.load(...).files does.
func (a *Archive) Keys() []string {
	keys := make([]string, 0, len(a.zr.File))
	for _, f := range a.zr.File {
		keys = append(keys, strings.TrimSuffix(f.Name, ".npy"))
	}
	return keys
}

func (a *Archive) entry(key string) (*zip.File, error) {
	for _, f := range a.zr.File {
		if f.Name == key+".npy" || f.Name == key {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w: %s (the archive has %s)", ErrNoKey, quote.Short(key), quote.Clip(strings.Join(a.Keys(), ", "), 200))
}

// Stream opens the named array for reading in pieces; the caller must Close it. The
// header is checked against the entry's size before it returns.
func (a *Archive) Stream(key string) (*Decoder, error) {
	f, err := a.entry(key)
	if err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("npz: array %s: %w", quote.Short(key), err)
	}
	size := int64(f.UncompressedSize64)
	if f.UncompressedSize64 > 1<<62 {
		size = 1 << 62
	}
	d, err := newDecoder(rc, a.Limits, size, true)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("npz: array %s: %w", quote.Short(key), err)
	}
	d.closer = rc
	return d, nil
}

// Header returns the header of the named array without reading its data.
func (a *Archive) Header(key string) (Header, error) {
	d, err := a.Stream(key)
	if err != nil {
		return Header{}, err
	}
	d.Close()
	return d.Header, nil
}

// Read reads the named array whole.
func (a *Archive) Read(key string) (*Array, error) {
	d, err := a.Stream(key)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	arr, err := d.Array()
	if err != nil {
		return nil, fmt.Errorf("npz: array %s: %w", quote.Short(key), err)
	}
	return arr, nil
}

// Writer writes a .npz archive the way numpy.savez (or, with Deflate, savez_compressed)
// does: one "<name>.npy" entry per array. Entries carry a fixed timestamp so that equal
// arrays give equal files.
type Writer struct {
	// Deflate compresses entries, as numpy.savez_compressed does.
	Deflate bool
	zw      *zip.Writer
	names   map[string]bool
}

// NewWriter returns a Writer that writes to w; call Close to finish the archive.
func NewWriter(w io.Writer) *Writer {
	return &Writer{zw: zip.NewWriter(w), names: map[string]bool{}}
}

// Add writes array a under name (numpy.load will show it as name).
func (w *Writer) Add(name string, a *Array) error {
	if name == "" || w.names[name] {
		return fmt.Errorf("npz: array name %s is empty or already used", quote.Short(name))
	}
	var buf bytes.Buffer
	if err := Write(&buf, a); err != nil {
		return fmt.Errorf("npz: array %s: %w", quote.Short(name), err)
	}
	w.names[name] = true
	fh := &zip.FileHeader{Name: name + ".npy", Method: zip.Store}
	fh.Modified = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	if w.Deflate {
		fh.Method = zip.Deflate
		fw, err := w.zw.CreateHeader(fh)
		if err != nil {
			return err
		}
		_, err = fw.Write(buf.Bytes())
		return err
	}
	// Stored entries with sizes and CRC up front, as Python's zipfile writes them.
	fh.CRC32 = crc32.ChecksumIEEE(buf.Bytes())
	fh.CompressedSize64 = uint64(buf.Len())
	fh.UncompressedSize64 = uint64(buf.Len())
	fw, err := w.zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	_, err = fw.Write(buf.Bytes())
	return err
}

// Close finishes the archive (it does not close the underlying writer).
func (w *Writer) Close() error { return w.zw.Close() }
