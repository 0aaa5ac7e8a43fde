package casefile

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fusionlens/fusionlens/schema"
)

// zipOf writes a zip holding files (name -> contents, in sorted order), deflated unless
// stored is set.
func zipOf(t testing.TB, files map[string][]byte, stored bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate}
		if stored {
			h.Method = zip.Store
		}
		f, err := w.CreateHeader(h)
		require.NoError(t, err)
		_, err = f.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.Bytes()
}

// fixtureZip zips the fixture of n cases with the CSV in folder prefix (ending in '/', or
// "" for the top) and every image below it, as a user's folder zipped.
func fixtureZip(t testing.TB, n int, prefix string, extra map[string][]byte) (path string, data []byte) {
	t.Helper()
	path = fixture(t, n, nil)
	dir := filepath.Dir(path)
	files := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[prefix+filepath.ToSlash(rel)] = b
		return err
	}))
	for k, v := range extra {
		files[k] = v
	}
	return path, zipOf(t, files, false)
}

// TestReadZip checks that a zip of the CSV and its images (at the top or in a folder, with
// a macOS archiver's leftovers beside them) loads the same arrays as the files on disk.
func TestReadZip(t *testing.T) {
	for _, prefix := range []string{"", "study/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			path, data := fixtureZip(t, 5, prefix, map[string][]byte{"__MACOSX/" + prefix + "._cases.csv": []byte("junk"), ".hidden.csv": []byte("x")})
			disk := readFixture(t, path)
			s, err := Infer(disk, InferOptions{Images: []string{"axial", "photo", "slab"}})
			require.NoError(t, err)
			want, err := Load(disk, s, LoadOptions{})
			require.NoError(t, err)
			tab, err := ReadZip(data, Limits{}, ZipLimits{})
			require.NoError(t, err)
			require.Equal(t, prefix+"cases.csv", tab.Path)
			require.Equal(t, disk.Header, tab.Header)
			got, err := Load(tab, s, LoadOptions{})
			require.NoError(t, err)
			require.Equal(t, want.Labels, got.Labels)
			require.Equal(t, want.Tabular, got.Tabular)
			for k := range want.Images {
				require.True(t, slices.Equal(want.Images[k], got.Images[k]), "image input %d differs from the disk's", k)
			}
		})
	}
}

// TestReadZipErrors checks the refusals: no CSV, two, not a zip, entries over the
// limits, a zip bomb, a path leaving the zip; and that a missing or oversized image is
// an error naming its row and column.
func TestReadZipErrors(t *testing.T) {
	csv := []byte("label,axial,age\nx,img/a.png,3\ny,img/b.png,4\n")
	img := pngBytes(t, greyImage(16, 1))
	base := map[string][]byte{"cases.csv": csv, "img/a.png": img, "img/b.png": img}
	with := func(k string, v []byte) map[string][]byte {
		m := map[string][]byte{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	zeros := make([]byte, 3<<20) // deflates about 1000 to 1
	for _, tc := range []struct {
		name  string
		data  []byte
		zl    ZipLimits
		parts []string
	}{
		{"not a zip", []byte("label,a\n1,2\n"), ZipLimits{}, []string{"not a zip"}},
		{"truncated", zipOf(t, base, false)[:40], ZipLimits{}, []string{"reading the zip"}},
		{"no csv", zipOf(t, map[string][]byte{"img/a.png": img}, false), ZipLimits{}, []string{"no .csv"}},
		{"two csv", zipOf(t, with("b/other.csv", csv), false), ZipLimits{}, []string{"2 .csv files", `"b/other.csv"`, `"cases.csv"`}},
		{"entries", zipOf(t, base, false), ZipLimits{MaxEntries: 2}, []string{"3 entries", "at most 2"}},
		{"total", zipOf(t, base, true), ZipLimits{MaxTotal: int64(len(csv) + len(img))}, []string{"uncompressed together"}},
		{"size", zipOf(t, base, true), ZipLimits{MaxBytes: 100}, []string{"the limit is 100"}},
		{"bomb", zipOf(t, with("img/c.png", zeros), false), ZipLimits{}, []string{`"img/c.png"`, "zip bomb"}},
		{"dotdot", zipOf(t, with("../evil.png", img), true), ZipLimits{}, []string{`"../evil.png"`, "plain relative path"}},
		{"backslash", zipOf(t, with(`img\c.png`, img), true), ZipLimits{}, []string{"backslash"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadZip(tc.data, Limits{}, tc.zl)
			wantError(t, err, tc.parts...)
			require.LessOrEqual(t, len(err.Error()), 400)
		})
	}

	// Cells that name a file the zip lacks, or one over the image limit, or a path
	// leaving the CSV's folder upwards out of the zip: Load names the row and column.
	s := readSchema(t, zipOf(t, base, false))
	for _, tc := range []struct {
		name, cell string
		lim        Limits
		row        int
		parts      []string
	}{
		{"missing", "img/zzz.png", Limits{}, 2, []string{`"img/zzz.png"`, "not in the zip"}},
		{"leaves", "../../a.png", Limits{}, 2, []string{"leaves the zip"}},
		{"too big", "img/b.png", Limits{MaxImageBytes: 10}, 1, []string{`"img/a.png"`, "the limit is 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(csv), "img/b.png", tc.cell, 1)
			tab, err := ReadZip(zipOf(t, with("cases.csv", []byte(bad)), false), tc.lim, ZipLimits{})
			require.NoError(t, err)
			_, err = Load(tab, s, LoadOptions{Limits: tc.lim})
			wantCaseError(t, err, tc.row, "axial", tc.parts...)
		})
	}
}

// readSchema infers the schema of a zipped table whose image column is "axial".
func readSchema(t *testing.T, data []byte) schema.Schema {
	t.Helper()
	tab, err := ReadZip(data, Limits{}, ZipLimits{})
	require.NoError(t, err)
	s, err := Infer(tab, InferOptions{Images: []string{"axial"}})
	require.NoError(t, err)
	return s
}

// FuzzReadZip: ReadZip never panics; it fails with a short error or returns a table
// with a header and rows whose every cell's file either opens within the limits or
// fails with an error.
func FuzzReadZip(f *testing.F) {
	img := pngBytes(f, greyImage(8, 1))
	f.Add(zipOf(f, map[string][]byte{"cases.csv": []byte("label,axial\nx,a.png\n"), "a.png": img}, false))
	f.Add(zipOf(f, map[string][]byte{"d/cases.csv": []byte("label,axial\nx,../a.png\n"), "a.png": img}, true))
	f.Add(zipOf(f, map[string][]byte{"a.csv": []byte("l\n1\n"), "b.CSV": []byte("l\n1\n")}, false))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte("PK\x03\x04"))
	lim := Limits{MaxBytes: 1 << 16, MaxRows: 50, MaxColumns: 20, MaxCell: 64, MaxImageBytes: 1 << 16}
	zl := ZipLimits{MaxBytes: 1 << 20, MaxEntries: 64, MaxTotal: 1 << 20, MaxRatio: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadZip(data, lim, zl)
		if err != nil {
			require.LessOrEqual(t, len(err.Error()), 400, "error %q is too long", err)
			return
		}
		require.NotEmpty(t, tab.Header)
		require.NotEmpty(t, tab.Rows)
		require.NotNil(t, tab.Files)
		for _, row := range tab.Rows {
			for _, cell := range row {
				if _, _, err := tab.readImageFile(cell, lim.orDefault()); err != nil {
					require.LessOrEqual(t, len(err.Error()), 400, "error %q is too long", err)
				}
			}
		}
	})
}
