package medmnist

import (
	"archive/zip"
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/npz"
)

// fixture describes one split of a synthetic MedMNIST-shaped file.
type fixture struct {
	images *npz.Array
	labels *npz.Array
}

func mustArray[T npz.Elem](t testing.TB, shape []int, v []T) *npz.Array {
	t.Helper()
	a, err := npz.New(shape, v)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// randomSplit returns n random images of h x w (x c when c > 1) and labels below k.
func randomSplit(t testing.TB, rng *rand.Rand, n, h, w, c, k int) fixture {
	px := make([]uint8, n*h*w*max(c, 1))
	for i := range px {
		px[i] = uint8(rng.IntN(256))
	}
	lab := make([]uint8, n)
	for i := range lab {
		lab[i] = uint8(rng.IntN(k))
	}
	shape := []int{n, h, w}
	if c > 1 {
		shape = append(shape, c)
	}
	return fixture{mustArray(t, shape, px), mustArray(t, []int{n, 1}, lab)}
}

// writeFile writes a MedMNIST-layout npz (compressed, as the official files are).
func writeFile(t testing.TB, path string, splits map[Split]fixture) {
	t.Helper()
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	w.Deflate = true
	for _, s := range []Split{Train, Val, Test} {
		f, ok := splits[s]
		if !ok {
			continue
		}
		if err := w.Add(string(s)+"_images", f.images); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(string(s)+"_labels", f.labels); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad28(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	path := filepath.Join(dir, "organamnist.npz")
	splits := map[Split]fixture{
		Train: randomSplit(t, rng, 7, 28, 28, 1, 11),
		Val:   randomSplit(t, rng, 3, 28, 28, 1, 11),
		Test:  randomSplit(t, rng, 4, 28, 28, 1, 11),
	}
	writeFile(t, path, splits)
	for split, f := range splits {
		s, err := Load(path, split, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.N != f.images.Shape[0] || s.Height != 28 || s.Width != 28 || s.LabelWidth != 1 || s.Name != "organamnist" {
			t.Fatalf("%s: got N=%d %dx%d labelwidth %d name %q", split, s.N, s.Height, s.Width, s.LabelWidth, s.Name)
		}
		if len(s.Classes) != 11 || s.Classes[0] != "bladder" || s.Classes[10] != "spleen" {
			t.Errorf("classes %v", s.Classes)
		}
		for i, v := range f.images.Data {
			if s.Images[i] != float32(v)/255 {
				t.Fatalf("%s pixel %d: %v, want %v/255", split, i, s.Images[i], v)
			}
		}
		for i, v := range f.labels.Data {
			if s.Label(i) != int(v) {
				t.Fatalf("%s label %d: %d, want %d", split, i, s.Label(i), v)
			}
		}
	}
	s, err := Load(path, Train, Options{Max: 2})
	if err != nil || s.N != 2 || len(s.Images) != 2*784 || len(s.Labels) != 2 {
		t.Errorf("Max 2: %+v, %v", s, err)
	}
}

// areaReference computes the area average of src (sh x sw) onto d x d by integrating
// over the plane in float64, independently of boxTaps.
func areaReference(src []float32, sh, sw, d int) []float64 {
	out := make([]float64, d*d)
	fy, fx := float64(sh)/float64(d), float64(sw)/float64(d)
	for oy := range d {
		for ox := range d {
			y0, y1 := float64(oy)*fy, float64(oy+1)*fy
			x0, x1 := float64(ox)*fx, float64(ox+1)*fx
			var s float64
			for y := int(y0); float64(y) < y1; y++ {
				hy := math.Min(y1, float64(y+1)) - math.Max(y0, float64(y))
				for x := int(x0); float64(x) < x1; x++ {
					hx := math.Min(x1, float64(x+1)) - math.Max(x0, float64(x))
					s += hy * hx * float64(src[y*sw+x])
				}
			}
			out[oy*d+ox] = s / (fy * fx)
		}
	}
	return out
}

func TestResampleAllSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	for _, side := range []int{28, 64, 128, 224} {
		path := filepath.Join(dir, "organcmnist_"+itoa(side)+".npz")
		f := randomSplit(t, rng, 2, side, side, 1, 11)
		writeFile(t, path, map[Split]fixture{Test: f})
		s, err := Load(path, Test, Options{Side: 28})
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "organcmnist" || s.SourceHeight != side || s.Height != 28 || len(s.Images) != 2*784 {
			t.Fatalf("side %d: name %q source %d out %d, %d values", side, s.Name, s.SourceHeight, s.Height, len(s.Images))
		}
		for i := range s.N {
			src := make([]float32, side*side)
			for k := range src {
				src[k] = float32(f.images.Data[i*side*side+k]) / 255
			}
			want := areaReference(src, side, side, 28)
			var sumIn, sumOut float64
			for k, v := range s.Image(i) {
				if math.Abs(float64(v)-want[k]) > 2e-6 {
					t.Fatalf("side %d image %d pixel %d: %v, reference %v", side, i, k, v, want[k])
				}
				sumOut += float64(v)
			}
			for _, v := range src {
				sumIn += float64(v)
			}
			// Area averaging preserves the mean brightness.
			if m1, m2 := sumIn/float64(side*side), sumOut/784; math.Abs(m1-m2) > 1e-5 {
				t.Errorf("side %d: mean %v became %v", side, m1, m2)
			}
		}
	}
}

func TestResampleBlocksExact(t *testing.T) {
	// 224 = 8 x 28: each 8x8 block of one value must become exactly that value.
	src := make([]float32, 224*224)
	for y := range 224 {
		for x := range 224 {
			src[y*224+x] = float32((y/8)*28+x/8) / 784
		}
	}
	dst := make([]float32, 784)
	rs, err := ctimage.NewResampler(224, 224, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	rs.Resample(dst, src)
	for k, v := range dst {
		if math.Abs(float64(v)-float64(k)/784) > 1e-6 {
			t.Fatalf("pixel %d: %v, want %v", k, v, float32(k)/784)
		}
	}
}

func TestRGBToLuma(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bloodmnist.npz")
	px := []uint8{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255} // red, green, blue, white
	writeFile(t, path, map[Split]fixture{Train: {mustArray(t, []int{1, 2, 2, 3}, px), mustArray(t, []int{1, 1}, []uint8{7})}})
	s, err := Load(path, Train, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0.299, 0.587, 0.114, 1}
	for i, v := range s.Images {
		if math.Abs(float64(v-want[i])) > 1e-6 {
			t.Errorf("pixel %d: %v, want %v", i, v, want[i])
		}
	}
	if s.SourceChannels != 3 || s.Classes != nil || s.Label(0) != 7 {
		t.Errorf("channels %d classes %v label %d", s.SourceChannels, s.Classes, s.Label(0))
	}
}

func TestMultiLabel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chestmnist.npz")
	lab := make([]uint8, 2*14)
	lab[3], lab[14+13] = 1, 1
	writeFile(t, path, map[Split]fixture{Val: {mustArray(t, []int{2, 28, 28}, make([]uint8, 2*784)), mustArray(t, []int{2, 14}, lab)}})
	s, err := Load(path, Val, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.LabelWidth != 14 || s.Labels[3] != 1 || s.Labels[27] != 1 || s.Labels[0] != 0 {
		t.Errorf("label width %d labels %v", s.LabelWidth, s.Labels)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	imgs := mustArray(t, []int{3, 28, 28}, make([]uint8, 3*784))
	cases := []struct {
		name   string
		file   string
		splits map[Split]fixture
		split  Split
		want   string
	}{
		{"label count", "organamnist.npz", map[Split]fixture{Train: {imgs, mustArray(t, []int{2, 1}, []uint8{1, 2})}}, Train,
			"holds 3 images but train_labels holds 2 labels"},
		{"float images", "organamnist.npz", map[Split]fixture{Train: {mustArray(t, []int{1, 2, 2}, []float32{0, 0, 0, 0}), mustArray(t, []int{1, 1}, []uint8{1})}}, Train,
			"train_images is <f4, MedMNIST images are uint8"},
		{"volume", "organmnist3d.npz", map[Split]fixture{Train: {mustArray(t, []int{1, 4, 4, 4}, make([]uint8, 64)), mustArray(t, []int{1, 1}, []uint8{1})}}, Train,
			"3-D (volume) set"},
		{"label range", "organsmnist.npz", map[Split]fixture{Train: {imgs, mustArray(t, []int{3, 1}, []uint8{1, 11, 2})}}, Train,
			"train_labels[1] = 11, outside 0..10 (11 classes"},
		{"label range, unknown name", "mydata.npz", map[Split]fixture{Train: {imgs, mustArray(t, []int{3, 1}, []int64{1, 205, 2})}}, Train,
			"train_labels[1] = 205, outside 0..10 (11 classes: the classes the caller reads)"},
		{"negative label, unknown name", "mydata2.npz", map[Split]fixture{Train: {imgs, mustArray(t, []int{3, 1}, []int64{1, -1, 2})}}, Train,
			"train_labels[1] = -1, outside"},
		{"missing split", "organamnist.npz", map[Split]fixture{Train: {imgs, mustArray(t, []int{3, 1}, []uint8{1, 1, 2})}}, Test,
			"no such array: \"test_labels\""},
		{"bad split name", "organamnist.npz", map[Split]fixture{Train: {imgs, mustArray(t, []int{3, 1}, []uint8{1, 1, 2})}}, "training",
			"not train, val or test"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name, c.file)
		os.MkdirAll(filepath.Dir(path), 0o755)
		writeFile(t, path, c.splits)
		_, err := Load(path, c.split, Options{Classes: 11})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	// A truncated download: the zip directory at the end is gone.
	good := filepath.Join(dir, "label count", "organamnist.npz")
	b, _ := os.ReadFile(good)
	cut := filepath.Join(dir, "organamnist.npz")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	if _, err := Load(cut, Train, Options{}); err == nil || !strings.Contains(err.Error(), "truncated download") {
		t.Errorf("truncated file: %v", err)
	}
}

func TestOfficialTable(t *testing.T) {
	hexRE := regexp.MustCompile(`^[0-9a-f]{32}$`)
	nameRE := regexp.MustCompile(`^[a-z]+mnist(_64|_128|_224)?\.npz$`)
	seen := map[string]bool{}
	for _, f := range Official {
		if !hexRE.MatchString(f.MD5) || !nameRE.MatchString(f.Name) || (f.Release != "v2" && f.Release != "v3") {
			t.Errorf("malformed entry %+v", f)
		}
		if seen[f.Name+f.Release] || seen[f.MD5] {
			t.Errorf("duplicate entry %+v", f)
		}
		seen[f.Name+f.Release], seen[f.MD5] = true, true
	}
	// The MD5 MedMNIST publishes for the official organamnist.npz (v2).
	found := false
	for _, k := range KnownMD5s("/data/organamnist.npz") {
		found = found || k.MD5 == "866b832ed4eeba67bfb9edee1d5544e6" && k.Release == "v2"
	}
	if !found {
		t.Error("organamnist.npz v2 MD5 866b832ed4eeba67bfb9edee1d5544e6 missing")
	}
	if n := len(KnownMD5s("organamnist_224.npz")); n != 1 {
		t.Errorf("organamnist_224.npz has %d entries", n)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	partial := filepath.Join(dir, "organamnist.npz")
	os.WriteFile(partial, []byte("the first bytes of a download that stopped"), 0o644)
	_, err := Verify(partial)
	if !errors.Is(err, ErrMD5Mismatch) {
		t.Fatalf("partial file: %v", err)
	}
	for _, want := range []string{"partial download?", "866b832ed4eeba67bfb9edee1d5544e6", "zenodo.org/records/10519652", "42 bytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("mismatch message lacks %q: %v", want, err)
		}
	}
	other := filepath.Join(dir, "my_organs.npz")
	os.WriteFile(other, []byte("x"), 0o644)
	if _, err := Verify(other); !errors.Is(err, ErrUnknownFile) {
		t.Errorf("unknown name: %v", err)
	}
	// A file whose MD5 is in the table verifies (the entry is added for this test only).
	sum, err := FileMD5(other)
	if err != nil {
		t.Fatal(err)
	}
	saved := Official
	defer func() { Official = saved }()
	Official = append(append([]OfficialFile{}, saved...), OfficialFile{"my_organs.npz", sum, "test"})
	if f, err := Verify(other); err != nil || f.Release != "test" {
		t.Errorf("matching file: %+v, %v", f, err)
	}
	if sum != "9dd4e461268c8034f5c8564e155c67a6" { // md5("x")
		t.Errorf("FileMD5(\"x\") = %s", sum)
	}
}

func TestFortranOrderImages(t *testing.T) {
	// Build a Fortran-ordered (2,2,2) uint8 image array by hand: element (n,y,x) at
	// offset n + 2y + 4x.
	c := make([]uint8, 8)
	f := make([]uint8, 8)
	for n := range 2 {
		for y := range 2 {
			for x := range 2 {
				v := uint8(100*n + 10*y + x)
				c[n*4+y*2+x] = v
				f[n+2*y+4*x] = v
			}
		}
	}
	var npy bytes.Buffer
	npy.WriteString("\x93NUMPY\x01\x00")
	dict := "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 2), }\n"
	npy.Write([]byte{byte(len(dict)), 0})
	npy.WriteString(dict)
	npy.Write(f)
	var lab bytes.Buffer
	if err := npz.Write(&lab, mustArray(t, []int{2, 1}, []uint8{0, 1})); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for name, data := range map[string][]byte{"train_images.npy": npy.Bytes(), "train_labels.npy": lab.Bytes()} {
		fw, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	zw.Close()
	zbuf := zb.Bytes()
	ar, err := npz.NewArchive(bytes.NewReader(zbuf), int64(len(zbuf)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadArchive(ar, "organamnist", Train, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range c {
		if s.Images[i] != float32(v)/255 {
			t.Fatalf("pixel %d: %v, want %v/255", i, s.Images[i]*255, v)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestLabelsCheckedForEveryName: labels outside the class range are refused whatever the
// file is called; without Options.Classes a file of unknown classes is bounded by
// MaxClasses.
func TestLabelsCheckedForEveryName(t *testing.T) {
	dir := t.TempDir()
	imgs := mustArray(t, []int{3, 28, 28}, make([]uint8, 3*784))
	path := filepath.Join(dir, "renamed.npz")
	writeFile(t, path, map[Split]fixture{Train: {imgs, mustArray(t, []int{3, 1}, []int64{200, 210, 1000})}})
	_, err := Load(path, Train, Options{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "train_labels[2] = 1000, outside 0..255") {
		t.Errorf("label 1000 without Options.Classes: %v", err)
	}
	_, err = Load(path, Train, Options{Classes: 11})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "train_labels[0] = 200, outside 0..10") {
		t.Errorf("label 200 with 11 classes: %v", err)
	}
}
