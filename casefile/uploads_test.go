package casefile

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUploadsLoad checks that a CSV whose image files come as uploads (by base name, by a
// folder-prefixed path, by the exact path) loads the same arrays as from the disk.
func TestUploadsLoad(t *testing.T) {
	path := fixture(t, 6, nil)
	disk := readFixture(t, path)
	s, err := Infer(disk, InferOptions{Images: []string{"axial", "photo", "slab"}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load(disk, s, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	for _, naming := range []string{"base", "folder", "exact"} {
		t.Run(naming, func(t *testing.T) {
			var u Uploads
			for _, sub := range []string{"img", "npy"} {
				ents, err := os.ReadDir(filepath.Join(dir, sub))
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range ents {
					data, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
					if err != nil {
						t.Fatal(err)
					}
					name := map[string]string{"base": e.Name(), "folder": "mydata/" + sub + "/" + e.Name(), "exact": sub + `\` + e.Name()}[naming]
					u.Add(name, data)
				}
			}
			tab, err := Parse(csv, "", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			tab.Files = &u
			got, err := Load(tab, s, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for k := range want.Images {
				if !slices.Equal(got.Images[k], want.Images[k]) {
					t.Errorf("image input %d differs from the disk's", k)
				}
			}
			if !slices.Equal(got.Tabular, want.Tabular) || !slices.Equal(got.Labels, want.Labels) {
				t.Errorf("tabular or labels differ from the disk's")
			}
		})
	}
}

// TestUploadsErrors checks a missing and an ambiguous upload: errors naming the row, the
// column and the files.
func TestUploadsErrors(t *testing.T) {
	path := fixture(t, 3, nil)
	disk := readFixture(t, path)
	s, err := Infer(disk, InferOptions{Images: []string{"axial", "photo", "slab"}})
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(path)
	dir := filepath.Dir(path)
	build := func(skip string, extra map[string]string) *Table {
		var u Uploads
		for _, sub := range []string{"img", "npy"} {
			ents, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, e := range ents {
				if e.Name() == skip {
					continue
				}
				data, _ := os.ReadFile(filepath.Join(dir, sub, e.Name()))
				u.Add(e.Name(), data)
			}
		}
		for name, from := range extra {
			data, _ := os.ReadFile(filepath.Join(dir, from))
			u.Add(name, data)
		}
		tab, err := Parse(csv, "", Limits{})
		if err != nil {
			t.Fatal(err)
		}
		tab.Files = &u
		return tab
	}
	_, err = Load(build("p1.png", nil), s, LoadOptions{})
	wantCaseError(t, err, 2, "photo", `"img/p1.png" is not among the 8 files`)
	_, err = Load(build("a2.png", map[string]string{"x/a2.png": "img/a0.png", "y/a2.png": "img/a1.png"}), s, LoadOptions{})
	wantCaseError(t, err, 3, "axial", `matches 2 of the chosen files`, `"x/a2.png"`, `"y/a2.png"`)

	var u Uploads
	u.Add("a.png", []byte("x"))
	if _, err := u.Open(" "); err == nil {
		t.Error("an empty name opened a file")
	}
	f, err := u.Open("./sub/../a.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	st, _ := f.Stat()
	if string(b) != "x" || st.Size() != 1 || st.Name() != "a.png" || st.IsDir() || u.Len() != 1 {
		t.Errorf("read %q, stat %v %d", b, st.Name(), st.Size())
	}
	if !strings.Contains(cleanUpload(`a\b\..\c.png`), "a/c.png") {
		t.Errorf("cleanUpload = %q", cleanUpload(`a\b\..\c.png`))
	}
}
