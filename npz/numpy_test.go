package npz

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/testtool"
)

// numpyPython returns a python3 that can import numpy (Debian's python3-numpy lives under
// /usr/bin/python3, which a pyenv python3 earlier on PATH would hide).
func numpyPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			if exec.Command(path, "-c", "import numpy").Run() == nil {
				return path
			}
		}
	}
	testtool.Missing(t, "python3 with numpy (apt-get install python3-numpy)")
	return ""
}

func runPython(t *testing.T, py, dir, script string) string {
	t.Helper()
	cmd := exec.Command(py, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python failed: %v\n%s", err, out)
	}
	return string(out)
}

// The arrays both sides build: np.arange(prod(shape)).reshape(shape).astype(dtype),
// with every element type we support.
var crossCases = []struct {
	name  string
	dtype DType
	shape []int
}{
	{"b1", Bool, []int{2, 3}},
	{"i1", Int8, []int{5}},
	{"u1", Uint8, []int{3, 28, 28}},
	{"i2", Int16, []int{2, 2}},
	{"u2", Uint16, []int{4}},
	{"i4", Int32, []int{2, 3, 4}},
	{"u4", Uint32, []int{3}},
	{"i8", Int64, []int{6, 1}},
	{"u8", Uint64, []int{2}},
	{"f2", Float16, []int{3}},
	{"f4", Float32, []int{7, 3}},
	{"f8", Float64, []int{}},
	{"empty", Float32, []int{0, 4}},
}

// arange builds the expected Array without numpy: element i is i (bool: i != 0,
// float16: i in binary16, exact for small i).
func arange(dt DType, shape []int) *Array {
	a := &Array{DType: dt, Shape: shape}
	for i := range a.Len() {
		a.Data = append(a.Data, encodeInt(dt, i)...)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return a
}

func encodeInt(dt DType, i int) []byte {
	switch dt {
	case Bool:
		if i != 0 {
			return []byte{1}
		}
		return []byte{0}
	case Float16:
		// Exact binary16 for 0 <= i < 2048.
		if i == 0 {
			return []byte{0, 0}
		}
		e, m := 0, i
		for m >= 2048 || m < 1024 {
			if m < 1024 {
				m <<= 1
				e--
			}
		}
		h := uint16(e+10+15)<<10 | uint16(m-1024)
		return []byte{byte(h), byte(h >> 8)}
	case Float32:
		a, _ := New([]int{1}, []float32{float32(i)})
		return a.Data
	case Float64:
		a, _ := New([]int{1}, []float64{float64(i)})
		return a.Data
	}
	b := make([]byte, dt.Size())
	for k := range b {
		b[k] = byte(i >> (8 * k))
	}
	return b
}

func pyShape(shape []int) string { return shapeString(shape) }

func TestNumpyCrossCheck(t *testing.T) {
	py := numpyPython(t)
	dir := t.TempDir()

	// Ours -> numpy: numpy must load every file and find the expected values, and its own
	// np.save of the same array must be byte-identical to ours.
	var script strings.Builder
	script.WriteString("import numpy as np, io\n")
	var arrays []*Array
	var names []string
	for _, c := range crossCases {
		a := arange(c.dtype, c.shape)
		arrays, names = append(arrays, a), append(names, c.name)
		if err := os.WriteFile(filepath.Join(dir, c.name+".npy"), encode(t, a), 0o644); err != nil {
			t.Fatal(err)
		}
		want := "np.arange(" + itoa(a.Len()) + ").reshape(" + pyShape(c.shape) + ").astype('" + string(c.dtype) + "')"
		script.WriteString("a = np.load('" + c.name + ".npy'); w = " + want + "\n")
		script.WriteString("assert a.dtype == w.dtype and a.shape == w.shape and (a == w).all(), '" + c.name + "'\n")
		script.WriteString("b = io.BytesIO(); np.save(b, w); assert b.getvalue() == open('" + c.name + ".npy', 'rb').read(), 'bytes differ: " + c.name + "'\n")
	}
	for _, deflate := range []bool{false, true} {
		file := "ours_stored.npz"
		if deflate {
			file = "ours_deflated.npz"
		}
		if err := os.WriteFile(filepath.Join(dir, file), buildNPZ(t, deflate, names, arrays), 0o644); err != nil {
			t.Fatal(err)
		}
		script.WriteString("z = np.load('" + file + "'); assert z.files == " + pyList(names) + ", z.files\n")
		for i, c := range crossCases {
			script.WriteString("assert (z['" + c.name + "'] == np.arange(" + itoa(arrays[i].Len()) + ").reshape(" + pyShape(c.shape) + ").astype('" + string(c.dtype) + "')).all()\n")
		}
	}
	// Numpy -> ours: plain, big-endian and Fortran-ordered .npy, savez and savez_compressed.
	script.WriteString(`
d = {}
for name, dt, shape in ` + pyCases() + `:
    d[name] = np.arange(int(np.prod(shape))).reshape(shape).astype(dt)
    np.save('np_' + name + '.npy', d[name])
    np.save('np_be_' + name + '.npy', d[name].astype(np.dtype(dt).newbyteorder('>')))
    np.save('np_f_' + name + '.npy', np.asfortranarray(d[name]) if d[name].ndim else d[name])
np.savez('np.npz', **d)
np.savez_compressed('np_c.npz', **d)
print('ok')
`)
	if out := runPython(t, py, dir, script.String()); strings.TrimSpace(out) != "ok" {
		t.Fatalf("python said %q", out)
	}
	bigEndian, fortran := 0, 0 // files whose header needs the conversions
	for _, c := range crossCases {
		want := arange(c.dtype, c.shape)
		for _, prefix := range []string{"np_", "np_be_", "np_f_"} {
			if f, err := os.Open(filepath.Join(dir, prefix+c.name+".npy")); err == nil {
				h, _ := ReadHeader(f, Limits{})
				f.Close()
				if h.BigEndian {
					bigEndian++
				}
				if h.FortranOrder {
					fortran++
				}
			}
			got, err := ReadFile(filepath.Join(dir, prefix+c.name+".npy"), Limits{})
			if err != nil {
				t.Errorf("%s%s: %v", prefix, c.name, err)
				continue
			}
			if !reflect.DeepEqual(got.Shape, want.Shape) || got.DType != want.DType || !bytes.Equal(got.Data, want.Data) {
				t.Errorf("%s%s: read %s %v %v, want %s %v %v", prefix, c.name, got.DType, got.Shape, clipBytes(got.Data), want.DType, want.Shape, clipBytes(want.Data))
			}
		}
		for _, file := range []string{"np.npz", "np_c.npz"} {
			ar, err := Open(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ar.Read(c.name)
			ar.Close()
			if err != nil {
				t.Errorf("%s %s: %v", file, c.name, err)
				continue
			}
			if !bytes.Equal(got.Data, want.Data) || !reflect.DeepEqual(got.Shape, want.Shape) {
				t.Errorf("%s %s: read %v %v", file, c.name, got.Shape, clipBytes(got.Data))
			}
		}
	}
	if bigEndian < 8 || fortran < 3 {
		t.Errorf("numpy wrote %d big-endian and %d Fortran-order files; the test meant to read more", bigEndian, fortran)
	}
}

func clipBytes(b []byte) []byte { return b[:min(len(b), 16)] }

func itoa(i int) string { return strconv.Itoa(i) }

func pyList(names []string) string {
	return "['" + strings.Join(names, "', '") + "']"
}

func pyCases() string {
	var b strings.Builder
	b.WriteString("[")
	for _, c := range crossCases {
		b.WriteString("('" + c.name + "', '" + string(c.dtype) + "', " + pyShape(c.shape) + "), ")
	}
	b.WriteString("]")
	return b.String()
}
