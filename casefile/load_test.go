package casefile

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/internal/testtool"
	"github.com/fusionlens/fusionlens/schema"
)

// fixture writes a CSV of n cases into a new folder: label (classes "benign", "malignant",
// "unclear" in turn), axial (32x32 grey PNG), photo (16x16 RGB PNG), slab (20x20 uint8
// .npy), and the variables age (numeric), sex (categorical) and crp (numeric). edit may
// change a row's cells before it is written. It returns the CSV's path.
func fixture(t testing.TB, n int, edit func(i int, cells map[string]string)) string {
	t.Helper()
	dir := t.TempDir()
	cols := []string{"label", "axial", "photo", "slab", "age", "sex", "crp"}
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for i := range n {
		cells := map[string]string{
			"label": []string{"benign", "malignant", "unclear"}[i%3],
			"axial": fmt.Sprintf("img/a%d.png", i),
			"photo": fmt.Sprintf("img/p%d.png", i),
			"slab":  fmt.Sprintf("npy/s%d.npy", i),
			"age":   fmt.Sprint(40 + i),
			"sex":   []string{"F", "M"}[i%2],
			"crp":   fmt.Sprintf("%.1f", 1.5*float64(i%4)),
		}
		writeFile(t, dir, cells["axial"], pngBytes(t, greyImage(32, i)))
		writeFile(t, dir, cells["photo"], pngBytes(t, rgbImage(16, i)))
		writeFile(t, dir, cells["slab"], npyGrey(t, 20, i))
		if edit != nil {
			edit(i, cells)
		}
		row := make([]string, len(cols))
		for j, c := range cols {
			row[j] = cells[c]
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	p := filepath.Join(dir, "cases.csv")
	writeFile(t, dir, "cases.csv", []byte(b.String()))
	return p
}

func readFixture(t testing.TB, path string) *Table {
	t.Helper()
	tab, err := Read(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestInfer(t *testing.T) {
	tab := readFixture(t, fixture(t, 12, nil))
	train := []int{0, 1, 2, 3, 4, 5, 6, 7} // ages 40..47
	s, err := Infer(tab, InferOptions{Images: []string{"axial", "photo", "slab"}, Train: train})
	if err != nil {
		t.Fatal(err)
	}
	wantImages := []schema.Image{{Name: "axial", Size: 32, Channels: 1}, {Name: "photo", Size: 16, Channels: 3}, {Name: "slab", Size: 20, Channels: 1}}
	if fmt.Sprint(s.Images) != fmt.Sprint(wantImages) {
		t.Errorf("images %+v, want %+v", s.Images, wantImages)
	}
	if !slices.Equal(s.Classes, []string{"benign", "malignant", "unclear"}) {
		t.Errorf("classes %q", s.Classes)
	}
	if len(s.Groups) != 1 || s.Groups[0].Name != TabularGroup || len(s.Groups[0].Variables) != 3 {
		t.Fatalf("groups %+v", s.Groups)
	}
	age, sex, crp := s.Groups[0].Variables[0], s.Groups[0].Variables[1], s.Groups[0].Variables[2]
	// Training ages 40..47: mean 43.5, population SD sqrt(5.25), range widened by 7.
	if age.Name != "age" || age.Kind != schema.KindNumeric || age.Mean != 43.5 || math.Abs(age.SD-math.Sqrt(5.25)) > 1e-12 || age.Min != 33 || age.Max != 54 {
		t.Errorf("age %+v", age)
	}
	if sex.Kind != schema.KindCategorical || !slices.Equal(sex.Levels, []string{"F", "M"}) {
		t.Errorf("sex %+v", sex)
	}
	// crp 0, 1.5, 3, 4.5 repeating: widened range clamped at 0 (no negative value).
	if crp.Kind != schema.KindNumeric || crp.Min != 0 || crp.Max != 9 || crp.Mean != 2.25 {
		t.Errorf("crp %+v", crp)
	}

	// Groups, an image size and a window.
	groups, err := ParseGroups("demo=sex,age;labs=crp")
	if err != nil {
		t.Fatal(err)
	}
	win := &schema.Window{Center: 40, Width: 400}
	s2, err := Infer(tab, InferOptions{Images: []string{"slab", "axial", "photo"}, Groups: groups, ImageSize: 24, Window: win})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Images[0].Name != "slab" || s2.Images[0].Size != 24 || s2.Images[1].Size != 24 || *s2.Images[1].Window != *win {
		t.Errorf("images %+v", s2.Images)
	}
	if got := s2.Modalities(); !slices.Equal(got, []string{"slab", "axial", "photo", "demo", "labs"}) {
		t.Errorf("modalities %q", got)
	}
	if v := s2.Groups[0].Variables; v[0].Name != "sex" || v[1].Name != "age" || v[1].Mean != 45.5 {
		t.Errorf("group demo %+v (all rows train: mean age 45.5)", v)
	}
}

func TestInferClasses(t *testing.T) {
	for _, c := range []struct {
		labels []string
		want   []string
		index  []int // ClassIndex of each label
	}{
		{[]string{"10", "2", "01", "0", "2"}, []string{"0", "1", "2", "10"}, []int{3, 2, 1, 0, 2}},
		{[]string{"b", "a", " c ", "a"}, []string{"a", "b", "c"}, []int{1, 0, 2, 0}},
		{[]string{"1", "x"}, []string{"1", "x"}, []int{0, 1}},
	} {
		tab := readFixture(t, fixture(t, len(c.labels), func(i int, cells map[string]string) { cells["label"] = c.labels[i] }))
		s, err := Infer(tab, InferOptions{Images: all})
		if err != nil {
			t.Fatalf("%q: %v", c.labels, err)
		}
		if !slices.Equal(s.Classes, c.want) {
			t.Errorf("labels %q: classes %q, want %q", c.labels, s.Classes, c.want)
		}
		for i, l := range c.labels {
			if k := ClassIndex(s.Classes, l); k != c.index[i] {
				t.Errorf("ClassIndex(%q) = %d, want %d", l, k, c.index[i])
			}
		}
	}
	tab := readFixture(t, fixture(t, 4, nil))
	classes, labels, err := Labels(tab)
	if err != nil || !slices.Equal(classes, []string{"benign", "malignant", "unclear"}) || !slices.Equal(labels, []int{0, 1, 2, 0}) {
		t.Errorf("Labels = %q %v %v", classes, labels, err)
	}
	if k := ClassIndex([]string{"a", "b"}, "c"); k != -1 {
		t.Errorf("ClassIndex of an unknown class = %d, want -1", k)
	}
}

var all = []string{"axial", "photo", "slab"}

func TestInferErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(i int, cells map[string]string)
		opt    InferOptions
		row    int
		column string
		parts  []string
	}{
		{"other size", func(i int, cells map[string]string) {
			if i == 3 {
				cells["axial"] = "other.png"
			}
		}, InferOptions{Images: all}, 4, "axial", []string{`"other.png" is 40x40`, "row 1", "32x32", "image size"}},
		{"mixed channels", func(i int, cells map[string]string) {
			if i == 2 {
				cells["photo"] = "img/a2.png"
			}
		}, InferOptions{Images: all}, 3, "photo", []string{"1 channel", "(row 1) 3"}},
		{"missing file", func(i int, cells map[string]string) {
			if i == 5 {
				cells["slab"] = "npy/none.npy"
			}
		}, InferOptions{Images: all}, 6, "slab", []string{`"npy/none.npy"`, "no such file"}},
		{"not an image", func(i int, cells map[string]string) {
			if i == 1 {
				cells["axial"] = "cases.csv"
			}
		}, InferOptions{Images: all}, 2, "axial", []string{`"cases.csv"`, "not PNG, JPEG or DICOM"}},
		{"no file named", func(i int, cells map[string]string) {
			if i == 1 {
				cells["axial"] = " "
			}
		}, InferOptions{Images: all}, 2, "axial", []string{"no image file named"}},
		{"missing value", func(i int, cells map[string]string) {
			if i == 4 {
				cells["age"] = ""
			}
		}, InferOptions{Images: all}, 5, "age", []string{"no value"}},
		{"typo in a numeric column", func(i int, cells map[string]string) {
			cells["age"] = fmt.Sprint(20 + i)
			if i == 70 {
				cells["age"] = "7O"
			}
		}, InferOptions{Images: all}, 71, "age", []string{`"7O" is not a number`, "80 distinct values"}},
		{"identifier", func(i int, cells map[string]string) { cells["sex"] = fmt.Sprintf("id%d", i) },
			InferOptions{Images: all}, 0, "sex", []string{"80 distinct values", "identifier"}},
		{"constant", func(i int, cells map[string]string) { cells["crp"] = "3" },
			InferOptions{Images: all}, 0, "crp", []string{"constant"}},
		{"one class", func(i int, cells map[string]string) { cells["label"] = "x" },
			InferOptions{Images: all}, 0, "label", []string{`"x"`, "2..10 classes"}},
		{"eleven classes", func(i int, cells map[string]string) { cells["label"] = fmt.Sprint(i) },
			InferOptions{Images: all}, 11, "label", []string{"more than 10 classes", `"10"`}},
		{"too small", nil, InferOptions{Images: all, ImageSize: 8},
			0, "", []string{"images[0].size is 8"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := 12
			if strings.Contains(c.name, "typo") || c.name == "identifier" {
				n = 80
			}
			dir := fixture(t, n, c.edit)
			if c.name == "other size" {
				writeFile(t, filepath.Dir(dir), "other.png", pngBytes(t, greyImage(40, 1)))
			}
			_, err := Infer(readFixture(t, dir), c.opt)
			if c.row == 0 && c.column == "" {
				wantError(t, err, c.parts...)
				return
			}
			wantCaseError(t, err, c.row, c.column, c.parts...)
		})
	}
	tab := readFixture(t, fixture(t, 4, nil))
	for _, c := range []struct {
		opt   InferOptions
		parts []string
	}{
		{InferOptions{Images: []string{"axial", "photo", "slab"}, Groups: []GroupSpec{{"g", []string{"age", "sex"}}}}, []string{`"crp" is in no group`}},
		{InferOptions{Images: all, Groups: []GroupSpec{{"g", []string{"photo"}}}}, []string{`group "g": column "photo" is an image column`}},
		{InferOptions{Images: all, Groups: []GroupSpec{{"g", []string{"nope"}}}}, []string{`group "g": no column "nope"`}},
		{InferOptions{Images: []string{"axial", "axial"}}, []string{`"axial" is given as an image column but is already an image column`}},
		{InferOptions{Images: []string{"label"}}, []string{"already the class column"}},
		{InferOptions{Images: []string{"x"}}, []string{`no image column "x"`, "label, axial"}},
		{InferOptions{}, []string{"0 image columns"}},
		{InferOptions{Images: []string{"axial"}, Train: []int{1}}, []string{"1 training rows"}},
		{InferOptions{Images: []string{"axial"}, Train: []int{1, 9}}, []string{"index 9 outside 0..3"}},
		{InferOptions{Images: []string{"axial", "photo", "slab"}, Groups: []GroupSpec{{"slab", []string{"age", "sex", "crp"}}}}, []string{"groups[0].name", `"slab"`}},
	} {
		_, err := Infer(tab, c.opt)
		wantError(t, err, c.parts...)
	}
	noLabel, err := Parse([]byte("a,b\n1,2\n"), ".", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Infer(noLabel, InferOptions{Images: []string{"a"}})
	wantError(t, err, `no "label" column`)
}

func TestLoad(t *testing.T) {
	path := fixture(t, 9, nil)
	tab := readFixture(t, path)
	s, err := Infer(tab, InferOptions{Images: []string{"axial", "photo", "slab"}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	c, err := Load(tab, s, LoadOptions{Rows: []int{7, 2}, Progress: func(done, total int) {
		calls++
		if done != calls || total != 2 {
			t.Errorf("progress %d/%d at call %d", done, total, calls)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.N != 2 || !slices.Equal(c.Rows, []int{7, 2}) || !slices.Equal(c.Labels, []int{1, 2}) || calls != 2 {
		t.Fatalf("N %d rows %v labels %v progress calls %d", c.N, c.Rows, c.Labels, calls)
	}
	if len(c.Images) != 3 || len(c.Images[0]) != 2*32*32 || len(c.Images[1]) != 2*3*16*16 || len(c.Images[2]) != 2*20*20 {
		t.Fatalf("image lengths %d %d %d", len(c.Images[0]), len(c.Images[1]), len(c.Images[2]))
	}
	// Case 0 is row 7: every pixel is the file's, scaled to [0, 1].
	const seed = 7
	for _, xy := range [][2]int{{0, 0}, {5, 3}, {31, 31}} {
		x, y := xy[0], xy[1]
		if got, want := c.Images[0][y*32+x], float32((seed+3*x+5*y)%256)/255; got != want {
			t.Errorf("axial (%d,%d) = %v, want %v", x, y, got, want)
		}
		if x < 20 && y < 20 {
			if got, want := c.Images[2][y*20+x], float32((seed+3*x+5*y)%256)/255; got != want {
				t.Errorf("slab (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
		if x < 16 && y < 16 {
			px := c.Images[1][:3*256]
			want := [3]float32{float32((x*7+seed)%256) / 255, float32(y*11%256) / 255, float32(seed) / 255}
			if got := [3]float32{px[y*16+x], px[256+y*16+x], px[512+y*16+x]}; got != want {
				t.Errorf("photo (%d,%d) = %v, want %v (channel-major)", x, y, got, want)
			}
		}
	}
	// Tabular: age standardised, sex one-hot, crp standardised, as schema.Encode does.
	for i, r := range c.Rows {
		row := tab.Rows[r]
		want, err := s.Encode(map[string]string{"age": row[4], "sex": row[5], "crp": row[6]})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Tabular[i*4 : (i+1)*4]; !slices.Equal(got, want) {
			t.Errorf("case %d tabular %v, want %v", i, got, want)
		}
	}
	sub := c.Subset([]int{1})
	if sub.N != 1 || sub.Rows[0] != 2 || sub.Labels[0] != 2 || !slices.Equal(sub.Images[1], c.Images[1][3*256:]) || !slices.Equal(sub.Tabular, c.Tabular[4:]) {
		t.Errorf("Subset: %+v", sub)
	}

	// Resampling: the 32x32 axial images read at 16x16 are 2x2 area means.
	s16 := s.Clone()
	s16.Images[0].Size = 16
	if _, err := Load(tab, s16, LoadOptions{Rows: []int{7}}); err == nil {
		t.Error("a 32x32 image for a 16x16 input loaded without Resize")
	}
	r16, err := Load(tab, s16, LoadOptions{Rows: []int{7}, Resize: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, xy := range [][2]int{{0, 0}, {4, 9}} {
		x, y := xy[0], xy[1]
		var sum float64
		for dy := range 2 {
			for dx := range 2 {
				sum += float64(c.Images[0][(2*y+dy)*32+2*x+dx])
			}
		}
		if got := r16.Images[0][y*16+x]; math.Abs(float64(got)-sum/4) > 1e-6 {
			t.Errorf("resampled (%d,%d) = %v, want the 2x2 mean %v", x, y, got, sum/4)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	base := fixture(t, 6, nil)
	s, err := Infer(readFixture(t, base), InferOptions{Images: []string{"axial", "photo", "slab"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		edit   func(i int, cells map[string]string)
		row    int
		column string
		parts  []string
	}{
		{"unknown class", func(i int, cells map[string]string) {
			if i == 4 {
				cells["label"] = "maybe"
			}
		}, 5, "label", []string{`"maybe" is not a class`, "benign, malignant, unclear"}},
		{"missing class", func(i int, cells map[string]string) {
			if i == 1 {
				cells["label"] = ""
			}
		}, 2, "label", []string{"no class"}},
		{"missing file", func(i int, cells map[string]string) {
			if i == 3 {
				cells["photo"] = "gone.png"
			}
		}, 4, "photo", []string{`"gone.png"`, "no such file"}},
		{"unreadable image", func(i int, cells map[string]string) {
			if i == 2 {
				cells["axial"] = "cases.csv"
			}
		}, 3, "axial", []string{"not PNG, JPEG or DICOM"}},
		{"wrong size", func(i int, cells map[string]string) {
			if i == 0 {
				cells["slab"] = "img/a0.png"
			}
		}, 1, "slab", []string{"is 32x32", `"slab" reads 20x20`}},
		{"wrong channels", func(i int, cells map[string]string) {
			if i == 5 {
				cells["photo"] = "img/a5.png"
			}
		}, 6, "photo", []string{"grey (1 channel(s))", "colour (3)"}},
		{"missing value", func(i int, cells map[string]string) {
			if i == 2 {
				cells["crp"] = " "
			}
		}, 3, "crp", []string{"no value"}},
		{"non-numeric value", func(i int, cells map[string]string) {
			if i == 2 {
				cells["age"] = "sixty-three years and a bit more than that"
			}
		}, 3, "age", []string{`"sixty-three years and a "…`, "not a number"}},
		{"out of range", func(i int, cells map[string]string) {
			if i == 1 {
				cells["age"] = "630"
			}
		}, 2, "age", []string{"outside the plausible range"}},
		{"unknown level", func(i int, cells map[string]string) {
			if i == 1 {
				cells["sex"] = "X"
			}
		}, 2, "sex", []string{`"X" is not one of its 2 levels`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := readFixture(t, fixture(t, 6, c.edit))
			_, err := Load(tab, s, LoadOptions{})
			wantCaseError(t, err, c.row, c.column, c.parts...)
		})
	}
	// Unlabelled cases: no label column at all, or empty cells.
	dir := filepath.Dir(base)
	csv := "axial,photo,slab,age,sex,crp\nimg/a0.png,img/p0.png,npy/s0.npy,41,F,3\n"
	writeFile(t, dir, "unlabelled.csv", []byte(csv))
	tab := readFixture(t, filepath.Join(dir, "unlabelled.csv"))
	if _, err := Load(tab, s, LoadOptions{}); err == nil {
		t.Error("no label column: loaded without Unlabelled")
	}
	c, err := Load(tab, s, LoadOptions{Unlabelled: true})
	if err != nil || c.Labels[0] != -1 {
		t.Fatalf("unlabelled: %v %v", c, err)
	}
	writeFile(t, dir, "nocol.csv", []byte("label,axial,photo,slab,age,sex\nbenign,img/a0.png,img/p0.png,npy/s0.npy,41,F\n"))
	_, err = Load(readFixture(t, filepath.Join(dir, "nocol.csv")), s, LoadOptions{})
	wantError(t, err, `no column "crp"`, `group "tabular"`)
}

// A DICOM column: a real CT slice from pydicom's test files, windowed by the schema's
// window, equals ctimage's planes of the file with that window.
func TestDICOMColumn(t *testing.T) {
	src := testtool.File(t, "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "ct/slice.dcm", data)
	writeFile(t, dir, "cases.csv", []byte("label,ct,age\n0,ct/slice.dcm,50\n1,ct/slice.dcm,60\n"))
	tab := readFixture(t, filepath.Join(dir, "cases.csv"))
	win := &schema.Window{Center: 40, Width: 400}
	s, err := Infer(tab, InferOptions{Images: []string{"ct"}, Window: win, ImageSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	if s.Images[0].Channels != 1 || s.Images[0].Size != 64 {
		t.Fatalf("image input %+v", s.Images[0])
	}
	c, err := Load(tab, s, LoadOptions{Resize: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ctimage.DecodePlanes(data, ctimage.Options{WindowSource: ctimage.WindowCustom, Window: ctimage.Window{Center: 40, Width: 400}})
	if err != nil {
		t.Fatal(err)
	}
	if want := p.Square(64); !slices.Equal(c.Images[0][:64*64], want) || !slices.Equal(c.Images[0][64*64:], want) {
		t.Error("the DICOM column's images differ from ctimage's windowed planes")
	}
	s2, err := Infer(tab, InferOptions{Images: []string{"ct"}})
	if err != nil || s2.Images[0].Size != 128 {
		t.Errorf("CT_small without a size: %+v, %v", s2.Images, err)
	}
}
