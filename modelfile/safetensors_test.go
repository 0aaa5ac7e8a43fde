package modelfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/testtool"
)

func encodeST(t testing.TB, f *File, p Precision) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeSafetensors(&buf, f, p); err != nil {
		t.Fatalf("EncodeSafetensors: %v", err)
	}
	return buf.Bytes()
}

// stFile assembles a safetensors file from a header and a data buffer.
func stFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestSafetensorsRoundTrip(t *testing.T) {
	want := paperModel(10)
	want.Tensors = append(want.Tensors, smallModel().Tensors...)
	b := encodeST(t, want, Float32)

	// The layout follows the spec: 8-byte length, JSON header padded to 8 bytes.
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 || b[8] != '{' {
		t.Fatalf("header of %d bytes starting %q", n, b[8])
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	var md map[string]string
	if err := json.Unmarshal(hdr["__metadata__"], &md); err != nil || md["format"] != "pt" {
		t.Fatalf("metadata %v, %v", md, err)
	}
	if md[MetaKeyConfig] != string(want.Config) {
		t.Fatalf("config in metadata %q", md[MetaKeyConfig])
	}

	got, err := DecodeSafetensors(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	checkSameButData(t, got, want)
	for i, w := range want.Tensors {
		if !slices.Equal(got.Tensors[i].Data, w.Data) {
			t.Fatalf("%s changed in the float32 round trip", w.Name)
		}
	}

	// float16: each value becomes its nearest half.
	got, err = DecodeSafetensors(bytes.NewReader(encodeST(t, want, Float16)))
	if err != nil {
		t.Fatal(err)
	}
	checkSameButData(t, got, want)
	for i, w := range want.Tensors {
		for j, x := range w.Data {
			if got.Tensors[i].Data[j] != fromHalf(toHalf(x)) {
				t.Fatalf("%s[%d] = %v, want %v", w.Name, j, got.Tensors[i].Data[j], fromHalf(toHalf(x)))
			}
		}
	}

	// fusionlens -> safetensors -> fusionlens keeps everything, byte for byte.
	fl := encode(t, want, Options{})
	via, err := DecodeSafetensors(bytes.NewReader(encodeST(t, decode(t, fl), Float32)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encode(t, via, Options{}), fl) {
		t.Fatal("model file differs after a trip through safetensors")
	}
	// Deterministic.
	if !bytes.Equal(encodeST(t, want, Float16), encodeST(t, want, Float16)) {
		t.Fatal("two safetensors encodings differ")
	}
}

func TestSafetensorsFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	want := smallModel()
	if err := WriteSafetensorsAtomic(path, want, Float32); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	checkSameButData(t, got, want)
	if _, err := ReadSafetensors(path + ".absent"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSafetensorsDtypes(t *testing.T) {
	le := binary.LittleEndian
	var data []byte
	data = le.AppendUint64(data, math.Float64bits(-1.5))          // F64 [1]      0..8
	data = le.AppendUint16(data, uint16(math.Float32bits(3)>>16)) // BF16 [1]     8..10
	data = le.AppendUint16(data, toHalf(0.25))                    // F16 [1]      10..12
	data = le.AppendUint64(data, uint64(1<<62))                   // U64 [1]      12..20
	data = le.AppendUint64(data, uint64(math.MaxUint64-6))        // I64 = -7     20..28
	data = le.AppendUint32(data, uint32(0xfffffffe))              // I32 = -2     28..32
	data = le.AppendUint16(data, uint16(0xfffd))                  // I16 = -3     32..34
	data = append(data, 0xfc, 200, 0, 1, 7)                       // I8 -4, U8 200, BOOL 0 1 7
	data = le.AppendUint32(data, 40000)                           // U32          39..43
	data = le.AppendUint16(data, 60000)                           // U16          43..45
	hdr := `{"f64":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},
		"bf16":{"dtype":"BF16","shape":[],"data_offsets":[8,10]},
		"f16":{"dtype":"F16","shape":[1,1],"data_offsets":[10,12]},
		"u64":{"dtype":"U64","shape":[1],"data_offsets":[12,20]},
		"num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[20,28]},
		"i32":{"dtype":"I32","shape":[1],"data_offsets":[28,32]},
		"i16":{"dtype":"I16","shape":[1],"data_offsets":[32,34]},
		"i8":{"dtype":"I8","shape":[1],"data_offsets":[34,35]},
		"u8":{"dtype":"U8","shape":[1],"data_offsets":[35,36]},
		"bool":{"dtype":"BOOL","shape":[3],"data_offsets":[36,39]},
		"u32":{"dtype":"U32","shape":[1],"data_offsets":[39,43]},
		"u16":{"dtype":"U16","shape":[1],"data_offsets":[43,45]},
		"none":{"dtype":"F32","shape":[0,4],"data_offsets":[45,45]}}`
	f, err := DecodeSafetensors(bytes.NewReader(stFile(hdr, data)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{"f64": {-1.5}, "bf16": {3}, "f16": {0.25}, "u64": {1 << 62},
		"num_batches_tracked": {-7}, "i32": {-2}, "i16": {-3}, "i8": {-4}, "u8": {200},
		"bool": {0, 1, 1}, "u32": {40000}, "u16": {60000}, "none": {}}
	var order []string
	for _, tt := range f.Tensors {
		order = append(order, tt.Name)
		if !slices.Equal(tt.Data, want[tt.Name]) {
			t.Errorf("%s = %v, want %v", tt.Name, tt.Data, want[tt.Name])
		}
	}
	if strings.Join(order, " ") != "f64 bf16 f16 u64 num_batches_tracked i32 i16 i8 u8 bool u32 u16 none" {
		t.Errorf("tensors not in data order: %v", order)
	}
	if s := f.Tensor("bf16").Shape; s == nil || len(s) != 0 {
		t.Errorf("scalar shape %v", s)
	}
	if f.Config != nil || f.Meta.Kind != "" {
		t.Errorf("foreign file got config %s, meta %+v", f.Config, f.Meta)
	}
}

func TestSafetensorsErrors(t *testing.T) {
	valid := encodeST(t, smallModel(), Float32)
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	big := binary.LittleEndian.AppendUint64(nil, 1<<40)
	cases := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, Limits{}, ErrTruncated},
		{"length cut", valid[:5], Limits{}, ErrTruncated},
		{"header cut", valid[:20], Limits{}, ErrTruncated},
		{"data cut", valid[:len(valid)-1], Limits{}, ErrTruncated},
		{"trailing data", append(bytes.Clone(valid), 0), Limits{}, ErrOffsets},
		{"header too big", append(bytes.Clone(big), '{'), Limits{}, ErrLimit},
		{"header over limit", valid, Limits{MaxHeader: 16}, ErrLimit},
		{"data over limit", valid, Limits{MaxBytes: 8}, ErrLimit},
		{"too many tensors", valid, Limits{MaxTensors: 2}, ErrLimit},
		{"too many elements", valid, Limits{MaxElements: 10}, ErrLimit},
		{"not an object", stFile(`[1,2]`, nil), Limits{}, ErrCorrupt},
		{"bad JSON", stFile(`{"a":{`, nil), Limits{}, ErrCorrupt},
		{"two values", stFile(`{} {}`, nil), Limits{}, ErrCorrupt},
		{"empty header", stFile(``, nil), Limits{}, ErrCorrupt},
		{"metadata not strings", stFile(`{"__metadata__":{"a":1}}`, nil), Limits{}, ErrCorrupt},
		{"bad meta JSON", stFile(`{"__metadata__":{"fusionlens.meta":"{"}}`, nil), Limits{}, ErrCorrupt},
		{"bad config JSON", stFile(`{"__metadata__":{"fusionlens.config":"{"}}`, nil), Limits{}, ErrCorrupt},
		{"missing field", stFile(`{"a":{"dtype":"F32","shape":[1]}}`, f32(1)), Limits{}, ErrCorrupt},
		{"entry not object", stFile(`{"a":[]}`, nil), Limits{}, ErrCorrupt},
		{"shape not ints", stFile(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, f32(1)), Limits{}, ErrCorrupt},
		{"empty name", stFile(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1)), Limits{}, ErrName},
		{"duplicate", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)),
			Limits{}, ErrDuplicate},
		{"duplicate metadata", stFile(`{"__metadata__":{},"__metadata__":{}}`, nil), Limits{}, ErrDuplicate},
		{"dtype", stFile(`{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), Limits{}, ErrDtype},
		{"negative dim", stFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, f32(1)), Limits{}, ErrShape},
		{"size mismatch", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, f32(1)), Limits{}, ErrShape},
		{"three offsets", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, f32(1)), Limits{}, ErrOffsets},
		{"reversed", stFile(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, f32(1)), Limits{}, ErrOffsets},
		{"negative offset", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, f32(1)), Limits{}, ErrOffsets},
		{"past limit", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[1099511627776,1099511627780]}}`, nil), Limits{}, ErrLimit},
		{"hole at start", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), Limits{}, ErrOffsets},
		{"hole", stFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32(3)),
			Limits{}, ErrOffsets},
		{"overlap", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)),
			Limits{}, ErrOffsets},
	}
	for _, c := range cases {
		f, err := c.lim.DecodeSafetensors(bytes.NewReader(c.data))
		if f != nil {
			t.Errorf("%s: got a File with the error %v", c.name, err)
		}
		checkErr(t, c.name, err, c.want)
	}
	for n := range len(valid) {
		if _, err := DecodeSafetensors(bytes.NewReader(valid[:n])); err == nil {
			t.Fatalf("cut at %d of %d bytes: no error", n, len(valid))
		}
	}

	// Export errors.
	var buf bytes.Buffer
	checkErr(t, "int8 export", EncodeSafetensors(&buf, smallModel(), Int8), ErrInvalid)
	checkErr(t, "nil export", EncodeSafetensors(&buf, nil, Float32), ErrInvalid)
	checkErr(t, "reserved name", EncodeSafetensors(&buf, &File{Tensors: []Tensor{{"__metadata__", []int{1}, []float32{1}}}}, Float32), ErrName)
	checkErr(t, "duplicate export", EncodeSafetensors(&buf, &File{Tensors: []Tensor{{"a", nil, []float32{1}}, {"a", nil, []float32{1}}}}, Float32), ErrDuplicate)
	checkErr(t, "bad config export", EncodeSafetensors(&buf, &File{Config: json.RawMessage("x")}, Float32), ErrInvalid)
	if buf.Len() != 0 {
		t.Errorf("%d bytes written by failed exports", buf.Len())
	}
}

// pythonWithNumpy returns a python3 that can import numpy, or skips (fails under CI).
func pythonWithNumpy(t *testing.T) string {
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(name)
		if err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	testtool.Missing(t, "python3 with numpy")
	return ""
}

// readST is a safetensors reader in a few lines of numpy, independent of ours. It prints
// every tensor's float32 bit patterns (exact, NaN-safe) and the metadata as JSON.
const readST = `
import json, struct, sys
import numpy as np
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
md = h.pop('__metadata__', {})
buf = b[8 + n:]
types = {'F32': '<f4', 'F16': '<f2'}
out = {'metadata': md, 'tensors': {}}
for name, e in h.items():
    s, t = e['data_offsets']
    a = np.frombuffer(buf[s:t], dtype=types[e['dtype']]).reshape(e['shape'])
    out['tensors'][name] = {'shape': list(a.shape), 'bits': a.astype('<f4').view('<u4').ravel().tolist()}
json.dump(out, sys.stdout)
`

// writeST writes, with numpy's own float16 rounding, a float32 tensor of awkward values
// (every tie between neighbouring halves, subnormals, overflow, random normals) and the
// same values as F16, plus a PyTorch-style int64 scalar, in the order PyTorch would.
const writeST = `
import json, struct, sys
import numpy as np
h = np.arange(0, 0x7bff, dtype=np.uint16).view(np.float16).astype(np.float32)
mids = ((h[:-1].astype(np.float64) + h[1:]) / 2).astype(np.float32)
rng = np.random.default_rng(1)
x = np.concatenate([h, mids, np.nextafter(mids, np.float32(0)), np.nextafter(mids, np.float32(1e9)),
    np.array([65504, 65519.996, 65520, 1e6, 2**-25, 2**-26, 3 * 2**-25], np.float32),
    (rng.standard_normal(4000) * 10.0 ** rng.integers(-8, 5, 4000)).astype(np.float32)])
x = np.concatenate([x, -x]).astype(np.float32)
with np.errstate(over='ignore'):
    x16 = x.astype(np.float16)
step = np.array(1234, dtype='<i8')
blobs = [('step', 'I64', step.reshape(()), step.tobytes()),
         ('x', 'F32', x, x.astype('<f4').tobytes()),
         ('x16', 'F16', x16, x16.astype('<f2').tobytes())]
hdr, off, data = {'__metadata__': {'format': 'pt'}}, 0, b''
for name, dt, a, raw in blobs:
    hdr[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [off, off + len(raw)]}
    off += len(raw)
    data += raw
js = json.dumps(hdr).encode()
js += b' ' * (-len(js) % 8)
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(js)) + js + data)
`

func TestSafetensorsAgainstNumpy(t *testing.T) {
	py := pythonWithNumpy(t)
	dir := t.TempDir()

	// Ours -> numpy.
	want := smallModel()
	want.Tensors = append(want.Tensors, paperModel(11).Tensors[:6]...)
	want.Tensors[0].Data[0] = float32(math.Inf(-1))
	want.Tensors[0].Data[1] = 1e-6 // a half subnormal
	for _, p := range []Precision{Float32, Float16} {
		path := filepath.Join(dir, p.String()+".safetensors")
		if err := WriteSafetensorsAtomic(path, want, p); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "-c", readST, path).Output()
		if err != nil {
			t.Fatalf("numpy reader: %v", err)
		}
		var got struct {
			Metadata map[string]string
			Tensors  map[string]struct {
				Shape []int
				Bits  []uint32
			}
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		var meta Meta
		if err := json.Unmarshal([]byte(got.Metadata[MetaKeyMeta]), &meta); err != nil || meta.Seed != 42 {
			t.Fatalf("numpy sees meta %q: %v", got.Metadata[MetaKeyMeta], err)
		}
		if len(got.Tensors) != len(want.Tensors) {
			t.Fatalf("numpy sees %d tensors, want %d", len(got.Tensors), len(want.Tensors))
		}
		for _, w := range want.Tensors {
			g := got.Tensors[w.Name]
			if !slices.Equal(g.Shape, w.Shape) {
				t.Fatalf("%v: numpy sees %s with shape %v, want %v", p, w.Name, g.Shape, w.Shape)
			}
			for j, x := range w.Data {
				if p == Float16 {
					x = fromHalf(toHalf(x))
				}
				if g.Bits[j] != math.Float32bits(x) {
					t.Fatalf("%v: numpy reads %s[%d] as %v, want %v", p, w.Name, j,
						math.Float32frombits(g.Bits[j]), x)
				}
			}
		}
	}

	// numpy -> ours; numpy's float16 rounding must agree with toHalf everywhere.
	path := filepath.Join(dir, "numpy.safetensors")
	if out, err := exec.Command(py, "-c", writeST, path).CombinedOutput(); err != nil {
		t.Fatalf("numpy writer: %v\n%s", err, out)
	}
	f, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := f.Lookup("step"); err != nil || d[0] != 1234 {
		t.Fatalf("step = %v, %v", d, err)
	}
	x, err := f.Lookup("x")
	if err != nil {
		t.Fatal(err)
	}
	x16, err := f.Lookup("x16", len(x))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if math.Float32bits(fromHalf(toHalf(v))) != math.Float32bits(x16[i]) {
			t.Fatalf("x[%d] = %v (%#08x): numpy rounds to half %v, we to %v",
				i, v, math.Float32bits(v), x16[i], fromHalf(toHalf(v)))
		}
	}
	t.Logf("numpy and toHalf agree on %d values", len(x))
}
