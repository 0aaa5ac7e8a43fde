package npz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func mustNew[T Elem](t testing.TB, shape []int, data []T) *Array {
	t.Helper()
	a, err := New(shape, data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func encode(t testing.TB, a *Array) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func roundTrip[T Elem](t *testing.T, shape []int, data []T) {
	t.Helper()
	a := mustNew(t, shape, data)
	got, err := Read(bytes.NewReader(encode(t, a)), Limits{})
	if err != nil {
		t.Fatalf("%s %v: %v", a.DType, shape, err)
	}
	if got.DType != a.DType || !reflect.DeepEqual(got.Shape, a.Shape) {
		t.Fatalf("read %s %v, wrote %s %v", got.DType, got.Shape, a.DType, a.Shape)
	}
	vals, err := Values[T](got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(vals, data) && !(len(vals) == 0 && len(data) == 0) {
		t.Fatalf("%s: read %v, wrote %v", a.DType, vals, data)
	}
}

func TestRoundTripAllTypes(t *testing.T) {
	roundTrip(t, []int{2, 2}, []bool{true, false, false, true})
	roundTrip(t, []int{3}, []int8{-128, 0, 127})
	roundTrip(t, []int{2, 3}, []uint8{0, 1, 2, 253, 254, 255})
	roundTrip(t, []int{2}, []int16{-32768, 32767})
	roundTrip(t, []int{2}, []uint16{0, 65535})
	roundTrip(t, []int{3}, []int32{math.MinInt32, -1, math.MaxInt32})
	roundTrip(t, []int{1, 2}, []uint32{0, math.MaxUint32})
	roundTrip(t, []int{3}, []int64{math.MinInt64, 42, math.MaxInt64})
	roundTrip(t, []int{1}, []uint64{math.MaxUint64})
	roundTrip(t, []int{2, 1, 2}, []float32{-1.5, 0, float32(math.Inf(1)), 3.25})
	roundTrip(t, []int{2}, []float64{math.Pi, -0.0})
	roundTrip(t, []int{}, []float64{7})           // scalar
	roundTrip(t, []int{0, 5}, []float32{})        // empty
	roundTrip(t, []int{5, 0, 1 << 40}, []int64{}) // empty with a huge other dimension
}

// The headers below are numpy 1.24's np.save output, byte for byte.
func TestHeaderMatchesNumpy(t *testing.T) {
	for _, c := range []struct {
		dt    DType
		shape []int
		dict  string
	}{
		{Float32, []int{3, 4}, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"},
		{Int64, []int{5}, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }"},
		{Float64, []int{}, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"},
		{Uint8, []int{2, 28, 28}, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 28, 28), }"},
		{Bool, []int{12345678901, 0}, "{'descr': '|b1', 'fortran_order': False, 'shape': (12345678901, 0), }"},
	} {
		h := encodeHeader(c.dt, c.shape)
		if len(h) != 128 {
			t.Errorf("%s %v: header is %d bytes, numpy writes 128", c.dt, c.shape, len(h))
		}
		want := "\x93NUMPY\x01\x00v\x00" + c.dict
		want += strings.Repeat(" ", 127-len(want)) + "\n"
		if string(h) != want {
			t.Errorf("%s %v:\n got %q\nwant %q", c.dt, c.shape, h, want)
		}
	}
}

// rawNPY builds a .npy stream from a header dict and data, padded as numpy pads.
func rawNPY(dict string, data []byte) []byte {
	b := []byte(magic + "\x01\x00")
	pad := 64 - (10+len(dict)+1)%64
	h := dict + strings.Repeat(" ", pad) + "\n"
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	b = append(b, h...)
	return append(b, data...)
}

func TestBigEndianAndFortran(t *testing.T) {
	// >i4 values 1, 2, 258 and >f8 value 1.5.
	be := rawNPY("{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }",
		[]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 2})
	a, err := Read(bytes.NewReader(be), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := Values[int32](a); !reflect.DeepEqual(v, []int32{1, 2, 258}) {
		t.Errorf(">i4 read as %v", v)
	}
	f := binary.BigEndian.AppendUint64(nil, math.Float64bits(1.5))
	a, err = Read(bytes.NewReader(rawNPY("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", f)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := Values[float64](a); v[0] != 1.5 {
		t.Errorf(">f8 read as %v", v)
	}
	// Fortran order 2x3 matrix [[0 1 2] [3 4 5]] is stored column by column: 0 3 1 4 2 5.
	fo := rawNPY("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", []byte{0, 3, 1, 4, 2, 5})
	a, err = Read(bytes.NewReader(fo), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Data, []byte{0, 1, 2, 3, 4, 5}) {
		t.Errorf("fortran 2x3 read as %v", a.Data)
	}
	// 3-D: element (i,j,k) of shape (2,3,4) at Fortran offset i + 2j + 6k holds 100i+10j+k.
	data := make([]int16, 24)
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				data[i+2*j+6*k] = int16(100*i + 10*j + k)
			}
		}
	}
	raw := mustNew(t, []int{24}, data).Data
	a, err = Read(bytes.NewReader(rawNPY("{'shape': (2, 3, 4), 'fortran_order': True, 'descr': '<i2'}", raw)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Values[int16](a)
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				if v := got[i*12+j*4+k]; v != int16(100*i+10*j+k) {
					t.Fatalf("fortran (2,3,4) at %d,%d,%d = %d", i, j, k, v)
				}
			}
		}
	}
}

func TestVersion2And3Headers(t *testing.T) {
	for _, v := range []byte{2, 3} {
		dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
		b := []byte(magic)
		b = append(b, v, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
		b = append(b, dict...)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(0.5))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(-2))
		a, err := Read(bytes.NewReader(b), Limits{})
		if err != nil {
			t.Fatalf("version %d.0: %v", v, err)
		}
		if x, _ := Values[float32](a); !reflect.DeepEqual(x, []float32{0.5, -2}) {
			t.Errorf("version %d.0 read %v", v, x)
		}
	}
}

func TestMalformed(t *testing.T) {
	good := encode(t, mustNew(t, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}))
	cases := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrTruncated, "after 0 bytes"},
		{"wrong magic", []byte("PK\x03\x04 this is a zip"), ErrMagic, "PK"},
		{"short magic", []byte("\x93NUM"), ErrTruncated, "inside the magic"},
		{"bad version", append([]byte(magic+"\x04\x00"), good[8:]...), ErrVersion, "4.0"},
		{"bad minor", append([]byte(magic+"\x01\x01"), good[8:]...), ErrVersion, "1.1"},
		{"no header length", []byte(magic + "\x01\x00\x76"), ErrTruncated, "header length"},
		{"truncated header", good[:50], ErrTruncated, "header says 118 bytes"},
		{"truncated data", good[:len(good)-3], ErrTruncated, "3 bytes short"},
		{"missing shape", rawNPY("{'descr': '<f4', 'fortran_order': False}", nil), ErrHeader, "missing key 'shape'"},
		{"missing descr", rawNPY("{'fortran_order': False, 'shape': ()}", nil), ErrHeader, "missing key 'descr'"},
		{"missing order", rawNPY("{'descr': '<f4', 'shape': ()}", nil), ErrHeader, "missing key 'fortran_order'"},
		{"extra key", rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", nil), ErrHeader, "unexpected key \"x\""},
		{"duplicate key", rawNPY("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", nil), ErrHeader, "duplicate"},
		{"shape not tuple", rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", nil), ErrHeader, "not a tuple"},
		{"shape int", rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", nil), ErrHeader, "without a comma"},
		{"negative dim", rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", nil), ErrHeader, "non-negative"},
		{"order not bool", rawNPY("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", nil), ErrHeader, "True or False"},
		{"trailing text", rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': ()} x", nil), ErrHeader, "after '}'"},
		{"object", rawNPY("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", nil), ErrUnsupported, "pickle"},
		{"complex", rawNPY("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", nil), ErrUnsupported, "complex"},
		{"unicode", rawNPY("{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}", nil), ErrUnsupported, "string"},
		{"structured", rawNPY("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", nil), ErrUnsupported, "structured"},
		{"no byte order", rawNPY("{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", nil), ErrUnsupported, "byte order"},
		{"too large", rawNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000)}", nil), ErrTooLarge, "MaxBytes"},
		{"dim overflows", rawNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", nil), ErrTooLarge, "too large"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.in), Limits{})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
	}
}

func TestHeaderLimit(t *testing.T) {
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" + strings.Repeat(" ", 3000) + "\n"
	b := binary.LittleEndian.AppendUint32([]byte(magic+"\x02\x00"), uint32(len(dict)))
	b = append(b, dict...)
	b = append(b, 0, 0, 0, 0)
	if _, err := Read(bytes.NewReader(b), Limits{MaxHeaderBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("3 KB header under a 1000-byte limit: got %v", err)
	}
	if _, err := Read(bytes.NewReader(b), Limits{}); err != nil {
		t.Errorf("3 KB header under the default limit: %v", err)
	}
	// A version 2 header claiming 4 GB must fail before it is read or allocated.
	huge := binary.LittleEndian.AppendUint32([]byte(magic+"\x02\x00"), 0xffffffff)
	if _, err := Read(bytes.NewReader(huge), Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("4 GB header: got %v", err)
	}
}

// A header that promises 3 GB over a stream that holds 20 bytes must fail without
// allocating anything near 3 GB.
func TestHostileShapeDoesNotAllocate(t *testing.T) {
	in := rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (750000000,)}", make([]byte, 20))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Read(bytes.NewReader(in), Limits{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "2999999980 bytes short") {
		t.Fatalf("got %v, want truncation 2999999980 bytes short", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("allocated %d bytes for a 20-byte stream", got)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	a := mustNew(t, []int{4, 2}, []int64{1, 2, 3, 4, 5, 6, 7, 8})
	b := encode(t, a)
	p := filepath.Join(dir, "a.npy")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("read %+v, wrote %+v", got, a)
	}
	short := filepath.Join(dir, "short.npy")
	if err := os.WriteFile(short, b[:len(b)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(short, Limits{})
	if !errors.Is(err, ErrSize) || !strings.Contains(err.Error(), "needs 64 data bytes, 56 follow") {
		t.Errorf("short file: %v", err)
	}
}

func TestWriteRejectsInconsistentArray(t *testing.T) {
	bad := &Array{DType: Float32, Shape: []int{2, 2}, Data: make([]byte, 12)}
	if err := Write(&bytes.Buffer{}, bad); !errors.Is(err, ErrSize) {
		t.Errorf("2x2 float32 with 12 bytes: %v", err)
	}
	if err := Write(&bytes.Buffer{}, &Array{DType: "<c8", Shape: []int{1}, Data: make([]byte, 8)}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("complex: %v", err)
	}
	if _, err := New([]int{3}, []float32{1, 2}); !errors.Is(err, ErrSize) {
		t.Errorf("New with 2 values for shape (3,): %v", err)
	}
}

func TestConversions(t *testing.T) {
	a := mustNew(t, []int{3}, []uint8{0, 7, 255})
	if _, err := Values[float32](a); err == nil || !strings.Contains(err.Error(), "|u1") {
		t.Errorf("reading |u1 as float32 should fail naming the dtype, got %v", err)
	}
	f, _ := a.Float64s()
	i, _ := a.Int64s()
	if !reflect.DeepEqual(f, []float64{0, 7, 255}) || !reflect.DeepEqual(i, []int64{0, 7, 255}) {
		t.Errorf("u1 -> %v, %v", f, i)
	}
	if _, err := mustNew(t, []int{1}, []float32{1.5}).Int64s(); err == nil {
		t.Error("1.5 converted to int64 without error")
	}
	if _, err := mustNew(t, []int{1}, []uint64{math.MaxUint64}).Int64s(); err == nil {
		t.Error("MaxUint64 converted to int64 without error")
	}
	if i, _ := mustNew(t, []int{2}, []int64{math.MinInt64, 3}).Int64s(); i[0] != math.MinInt64 {
		t.Errorf("MinInt64 became %d", i[0])
	}
	// float16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), -(2^-14 - 2^-24)
	// (largest negative subnormal), +Inf.
	half := &Array{DType: Float16, Shape: []int{6}}
	for _, h := range []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x83ff, 0x7c00} {
		half.Data = binary.LittleEndian.AppendUint16(half.Data, h)
	}
	f, err := half.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, -2, 65504, math.Ldexp(1, -24), -(math.Ldexp(1, -14) - math.Ldexp(1, -24)), math.Inf(1)}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("float16 -> %v, want %v", f, want)
	}
}
