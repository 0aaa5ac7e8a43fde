package casefile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// ZipLimits bound what ReadZip accepts from a zip file. Zero fields take their
// DefaultZipLimits values.
type ZipLimits struct {
	MaxBytes   int64 // size of the zip file itself
	MaxEntries int   // entries in its directory (folders count)
	// MaxTotal bounds the uncompressed sizes of all entries together, as the directory
	// declares them (an entry that inflates beyond its declared size is an error when read).
	MaxTotal int64
	// MaxRatio bounds an entry's uncompressed size over its compressed size (a zip bomb
	// inflates a little data a thousandfold); entries of at most ratioFloor bytes are not
	// checked, since small files compress unpredictably.
	MaxRatio int64
}

// ratioFloor is the uncompressed size up to which ZipLimits.MaxRatio does not apply.
const ratioFloor = 1 << 20

// DefaultZipLimits returns 1 GiB of zip, 100,000 entries, 2 GiB uncompressed together and a
// ratio of at most 200 to 1 per entry. The size of one file is bounded by Limits
// (MaxBytes for the CSV, MaxImageBytes for an image).
func DefaultZipLimits() ZipLimits {
	return ZipLimits{MaxBytes: 1 << 30, MaxEntries: 100_000, MaxTotal: 2 << 30, MaxRatio: 200}
}

func (l ZipLimits) orDefault() ZipLimits {
	d := DefaultZipLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = d.MaxTotal
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	return l
}

// IsZip reports whether data starts like a zip file (a local file header, or the end of
// the central directory of an empty zip).
func IsZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

// ReadZip reads a CSV of cases and its image files from one zip file: exactly one entry
// ending in .csv (any case; folders such as __MACOSX/ and names starting with '.' are
// ignored), parsed by Parse within lim, and image paths in its cells relative to the
// CSV's folder inside the zip. The returned table's Files reads the zip's entries as the
// rows ask for them (Load then reports a missing or oversized file with its row and
// column). The zip's directory is checked against zl first: its size, entry count, the
// total uncompressed size, each entry's compression ratio, and entry names that are not
// plain relative paths.
func ReadZip(data []byte, lim Limits, zl ZipLimits) (*Table, error) {
	lim, zl = lim.orDefault(), zl.orDefault()
	if int64(len(data)) > zl.MaxBytes {
		return nil, fmt.Errorf("casefile: the zip has %d bytes, the limit is %d", len(data), zl.MaxBytes)
	}
	if !IsZip(data) {
		return nil, errors.New("casefile: not a zip file (it does not start with PK\\x03\\x04)")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("casefile: reading the zip: %w", err)
	}
	if len(zr.File) > zl.MaxEntries {
		return nil, fmt.Errorf("casefile: the zip has %d entries, at most %d allowed", len(zr.File), zl.MaxEntries)
	}
	z := &zipFiles{files: make(map[string]*zip.File, len(zr.File)), lim: lim}
	var total uint64
	var csvs []string
	for _, f := range zr.File {
		name := f.Name
		if strings.HasSuffix(name, "/") {
			continue // a folder
		}
		if err := checkZipName(name); err != nil {
			return nil, fmt.Errorf("casefile: zip entry %s: %w", quote(name), err)
		}
		if total += f.UncompressedSize64; total > uint64(zl.MaxTotal) {
			return nil, fmt.Errorf("casefile: the zip's entries hold more than %d bytes uncompressed together, the limit", zl.MaxTotal)
		}
		if u := f.UncompressedSize64; u > ratioFloor && u/max(f.CompressedSize64, 1) > uint64(zl.MaxRatio) {
			return nil, fmt.Errorf("casefile: zip entry %s inflates %d bytes to %d, more than %d to 1: refused as a possible zip bomb",
				quote(name), f.CompressedSize64, u, zl.MaxRatio)
		}
		if _, dup := z.files[name]; dup {
			return nil, fmt.Errorf("casefile: the zip holds %s twice", quote(name))
		}
		z.files[name] = f
		if ignoredZipEntry(name) {
			continue
		}
		if strings.HasSuffix(strings.ToLower(name), ".csv") {
			csvs = append(csvs, name)
		}
	}
	switch len(csvs) {
	case 0:
		return nil, errors.New("casefile: the zip holds no .csv file: put the CSV of cases in it beside its images")
	case 1:
	default:
		sort.Strings(csvs)
		return nil, fmt.Errorf("casefile: the zip holds %d .csv files (%s): put exactly one CSV of cases in it", len(csvs), strings.Join(quoteAll(csvs[:min(len(csvs), 3)]), ", "))
	}
	csvData, err := z.read(csvs[0], lim.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("casefile: the CSV %s in the zip: %w", quote(csvs[0]), err)
	}
	t, err := Parse(csvData, "", lim)
	if err != nil {
		return nil, err
	}
	z.dir = path.Dir(csvs[0])
	t.Path, t.Files = csvs[0], z
	return t, nil
}

// checkZipName refuses entry names that are not plain relative slash-separated paths.
func checkZipName(name string) error {
	switch {
	case name == "":
		return errors.New("an empty name")
	case strings.ContainsRune(name, '\\'):
		return errors.New("a backslash in the name: zip paths use '/'")
	case strings.HasPrefix(name, "/"):
		return errors.New("an absolute path")
	case !fs.ValidPath(name):
		return errors.New("not a plain relative path (an empty, '.' or '..' element)")
	}
	return nil
}

// ignoredZipEntry reports the entries ReadZip never takes for the CSV: a macOS archiver's
// __MACOSX/ folder and hidden files (a name element starting with '.').
func ignoredZipEntry(name string) bool {
	for _, el := range strings.Split(name, "/") {
		if el == "__MACOSX" || strings.HasPrefix(el, ".") {
			return true
		}
	}
	return false
}

// zipFiles are a zip's entries as the fs.FS of a Table: a cell's path is taken relative
// to the CSV's folder dir.
type zipFiles struct {
	files map[string]*zip.File
	dir   string
	lim   Limits
}

// Open opens the entry a CSV cell names, relative to the CSV's folder.
func (z *zipFiles) Open(name string) (fs.File, error) {
	p := strings.TrimSpace(strings.ReplaceAll(name, `\`, "/"))
	if p == "" || strings.HasPrefix(p, "/") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("want a path relative to the CSV inside the zip")}
	}
	full := path.Join(z.dir, p)
	if !fs.ValidPath(full) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("the path leaves the zip")}
	}
	if _, ok := z.files[full]; !ok {
		return nil, fmt.Errorf("not in the zip (looked for %s): put the image files in the zip with paths relative to the CSV", quote(full))
	}
	data, err := z.read(full, z.lim.MaxImageBytes)
	if err != nil {
		return nil, err
	}
	return newUploadFile(full, data), nil
}

// read inflates the entry name, refusing more than limit bytes. Its errors do not repeat
// the name (the caller's do).
func (z *zipFiles) read(name string, limit int64) ([]byte, error) {
	f := z.files[name]
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes uncompressed, the limit is %d", f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("inflates beyond %d bytes, the limit", limit)
	}
	return data, nil
}
