// Package casefile reads a CSV of cases: a user's own data for a fused network, one row a
// case.
//
// The CSV has a header row. The column named "label" holds each case's class, as a name
// or a number. Each image input has a column holding a file path, relative to the CSV's
// folder (absolute paths are taken as they are), of a PNG, JPEG, DICOM or .npy image.
// Every other column is a tabular variable: numeric when every value is a plain number,
// categorical otherwise. Column names are schema names: letters, digits, '_', '.' and '-'.
//
//	label,axial,coronal,age,sex,crp
//	malignant,img/001a.png,img/001c.dcm,63,F,12.5
//	benign,img/002a.png,img/002c.dcm,48,M,3.1
//
// Read parses the CSV within Limits; ParseGroups reads a group spec such as
// "vitals=age,bmi;labs=crp,wbc"; Infer derives a schema.Schema from a table (image sizes
// and channels from the files' headers, numeric statistics from the training rows only,
// categorical levels, class names); Load turns rows into the arrays a network reads,
// decoding each image once. Every error about the data is an *Error naming the row and
// the column, and quotes at most a short prefix of a bad cell.
package casefile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fusionlens/fusionlens/schema"
)

// Limits bound what Read and Load accept. Zero fields take their DefaultLimits values.
type Limits struct {
	MaxBytes      int64 // size of the CSV file
	MaxRows       int   // data rows (cases), the header not counted
	MaxColumns    int   // columns
	MaxCell       int   // bytes of one cell
	MaxImageBytes int64 // size of one image file
	MaxPixels     int   // width x height of one image
}

// DefaultLimits returns 256 MiB of CSV, 1,000,000 rows, 1,024 columns, 4,096 bytes a cell,
// and images of at most 64 MiB and 4096 x 4096 pixels.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 256 << 20, MaxRows: 1_000_000, MaxColumns: 1024, MaxCell: 4096,
		MaxImageBytes: 64 << 20, MaxPixels: 4096 * 4096}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = d.MaxColumns
	}
	if l.MaxCell <= 0 {
		l.MaxCell = d.MaxCell
	}
	if l.MaxImageBytes <= 0 {
		l.MaxImageBytes = d.MaxImageBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	return l
}

// Table is a parsed CSV of cases.
type Table struct {
	Path   string     // the CSV file, or "" when parsed from bytes
	Dir    string     // the folder relative image paths start from
	Header []string   // column names, unique
	Rows   [][]string // data rows, each len(Header) cells
	Lines  []int      // the line of the file each row starts on (the header is on line 1, or later after blank lines)
	// Files, when not nil, holds the image files: a cell's path is looked up in it (as a
	// slash-separated path, relative to the CSV; Dir is then ignored) instead of on the
	// disk. A browser's uploaded files come in this way (see Uploads).
	Files fs.FS
}

// Column returns the index of the named column, or -1.
func (t *Table) Column(name string) int {
	for i, h := range t.Header {
		if h == name {
			return i
		}
	}
	return -1
}

// Error is a problem with the data: Row is the 1-based data row (the header is row 0) and
// Line its line in the file, Column the column's name; either is zero or empty when the
// problem is not in one row or one column.
type Error struct {
	Row    int
	Line   int
	Column string
	Err    error
}

// Error returns "casefile: row R (line L), column "C": what was wrong".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("casefile: ")
	switch {
	case e.Row > 0:
		fmt.Fprintf(&b, "row %d (line %d)", e.Row, e.Line)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d", e.Line)
	}
	if e.Column != "" {
		if e.Row > 0 || e.Line > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "column %q", e.Column)
	}
	if e.Row > 0 || e.Line > 0 || e.Column != "" {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// at returns an *Error about row index r (0-based into Rows; -1 for none) and column c (-1
// for none).
func (t *Table) at(r, c int, format string, args ...any) *Error {
	e := &Error{Err: fmt.Errorf(format, args...)}
	if r >= 0 {
		e.Row, e.Line = r+1, t.Lines[r]
	}
	if c >= 0 {
		e.Column = t.Header[c]
	}
	return e
}

// maxQuote is how many bytes of a bad cell an error repeats.
const maxQuote = 24

// quote returns s quoted, cut to its first maxQuote bytes (on a rune boundary) with "…"
// after it when longer.
func quote(s string) string {
	if len(s) <= maxQuote {
		return strconv.Quote(s)
	}
	cut := maxQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// Read reads the CSV file at path within lim (see Parse); image paths are relative to the
// file's folder.
func Read(path string, lim Limits) (*Table, error) {
	lim = lim.orDefault()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("casefile: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("casefile: reading %s: %w", path, err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("casefile: %s is larger than %d bytes, the limit", path, lim.MaxBytes)
	}
	t, err := Parse(data, filepath.Dir(path), lim)
	if err != nil {
		return nil, err
	}
	t.Path = path
	return t, nil
}

// Parse reads a CSV of cases from data (RFC 4180: comma-separated, fields with commas,
// quotes or line breaks in double quotes; a leading UTF-8 byte order mark is ignored).
// The header names the columns: each a schema name, all different. Every row has a cell
// for every column; blank lines are skipped. dir is the folder relative image paths start
// from. It fails when data is over lim.MaxBytes, has no data rows or more than lim.MaxRows,
// more than lim.MaxColumns columns, or a cell longer than lim.MaxCell bytes or not valid
// UTF-8.
func Parse(data []byte, dir string, lim Limits) (*Table, error) {
	lim = lim.orDefault()
	if int64(len(data)) > lim.MaxBytes {
		return nil, fmt.Errorf("casefile: the CSV has %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	t := &Table{Dir: dir}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &Error{Line: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
			}
			return nil, fmt.Errorf("casefile: %w", err)
		}
		line, _ := r.FieldPos(0)
		if t.Header == nil {
			if err := t.setHeader(rec, line, lim); err != nil {
				return nil, err
			}
			continue
		}
		if len(t.Rows) == lim.MaxRows {
			return nil, &Error{Line: line, Err: fmt.Errorf("more than %d rows of cases, the limit", lim.MaxRows)}
		}
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
		ri := len(t.Rows) - 1
		if len(rec) != len(t.Header) {
			return nil, t.at(ri, -1, "%d cells, the header has %d columns", len(rec), len(t.Header))
		}
		for c, cell := range rec {
			if err := checkCell(cell, lim); err != nil {
				return nil, t.at(ri, c, "%w", err)
			}
		}
	}
	if t.Header == nil {
		return nil, fmt.Errorf("casefile: the CSV is empty: want a header row and one row per case")
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("casefile: the CSV has a header but no rows of cases")
	}
	return t, nil
}

func checkCell(s string, lim Limits) error {
	if len(s) > lim.MaxCell {
		return fmt.Errorf("the cell %s has %d bytes, at most %d allowed", quote(s), len(s), lim.MaxCell)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("the cell %s is not valid UTF-8", quote(s))
	}
	return nil
}

func (t *Table) setHeader(rec []string, line int, lim Limits) error {
	if len(rec) > lim.MaxColumns {
		return &Error{Line: line, Err: fmt.Errorf("the header has %d columns, at most %d allowed", len(rec), lim.MaxColumns)}
	}
	seen := make(map[string]int, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(h)
		if err := checkName(h); err != nil {
			return &Error{Line: line, Err: fmt.Errorf("header column %d: %w", i+1, err)}
		}
		if j, ok := seen[h]; ok {
			return &Error{Line: line, Err: fmt.Errorf("header columns %d and %d are both %q", j+1, i+1, h)}
		}
		seen[h] = i
		rec[i] = h
	}
	t.Header = rec
	return nil
}

// checkName reports what is wrong with a column, group or image name: it must be
// 1..schema.MaxNameLen bytes of letters, digits, '_', '.' and '-'.
func checkName(name string) error {
	if name == "" || len(name) > schema.MaxNameLen {
		return fmt.Errorf("the name %s is not 1..%d characters", quote(name), schema.MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("the name %s has %q at byte %d: use only letters, digits, '_', '.' and '-'", quote(name), rune(c), i)
		}
	}
	return nil
}

// GroupSpec is one tabular group of a spec: its name and its columns, in order.
type GroupSpec struct {
	Name    string
	Columns []string
}

// maxSpec bounds the length of a group spec.
const maxSpec = 1 << 16

// ParseGroups reads a group spec: groups separated by ';', each a name, '=' and its
// columns separated by ','; white space around names is ignored, and so are empty groups
// (a trailing ';'). For example "vitals=age,bmi;labs=crp,wbc". Names are schema names;
// group names are all different, and no column is in two groups. At most
// schema.MaxGroups groups of schema.MaxVariables columns.
func ParseGroups(spec string) ([]GroupSpec, error) {
	if len(spec) > maxSpec {
		return nil, fmt.Errorf("casefile: the group spec has %d bytes, at most %d allowed", len(spec), maxSpec)
	}
	var out []GroupSpec
	groupOf := map[string]string{}
	names := map[string]bool{}
	for i, part := range strings.Split(spec, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, cols, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("casefile: group %d %s has no '=': want name=column,column,...", i+1, quote(strings.TrimSpace(part)))
		}
		name = strings.TrimSpace(name)
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("casefile: group %d: %w", i+1, err)
		}
		if names[name] {
			return nil, fmt.Errorf("casefile: group %q is named twice", name)
		}
		names[name] = true
		g := GroupSpec{Name: name}
		for _, c := range strings.Split(cols, ",") {
			c = strings.TrimSpace(c)
			if err := checkName(c); err != nil {
				return nil, fmt.Errorf("casefile: group %q: column %w", name, err)
			}
			if other, ok := groupOf[c]; ok {
				return nil, fmt.Errorf("casefile: column %q is in group %q and in group %q", c, other, name)
			}
			groupOf[c] = name
			g.Columns = append(g.Columns, c)
		}
		if len(g.Columns) > schema.MaxVariables {
			return nil, fmt.Errorf("casefile: group %q has %d columns, at most %d allowed", name, len(g.Columns), schema.MaxVariables)
		}
		out = append(out, g)
		if len(out) > schema.MaxGroups {
			return nil, fmt.Errorf("casefile: more than %d groups", schema.MaxGroups)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("casefile: the group spec %s names no group: want name=column,column;name=...", quote(spec))
	}
	return out, nil
}
