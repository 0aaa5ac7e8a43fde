package modelfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// paperModel returns tensors shaped like the paper's network (about 281 k values) with
// He-normal weights, small biases and plausible batch-norm parameters.
func paperModel(seed uint64) *File {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	f := &File{
		Config: json.RawMessage(`{"arch":"paper","modalities":["ct_axial","ct_coronal","clinical_a","clinical_b"]}`),
		Meta: Meta{
			Kind:         "fusion",
			Scenario:     json.RawMessage(`"F3"`),
			DataSource:   "phantom (synthetic)",
			Seed:         seed,
			Epochs:       12,
			TestAccuracy: 0.9625,
			TestAUC:      0.991,
			Command:      "go run ./cmd/train -scenario F3 -seed 1",
			Notes:        "test model <&> \u00e9",
		},
	}
	normal := func(name string, std, mean float64, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(mean + std*rng.NormFloat64())
		}
		f.Tensors = append(f.Tensors, Tensor{Name: name, Shape: shape, Data: data})
	}
	bn := func(name string, c int) {
		normal(name+".weight", 0.1, 1, c)
		normal(name+".bias", 0.1, 0, c)
		normal(name+".running_mean", 0.5, 0, c)
		v := make([]float32, c)
		for i := range v {
			v[i] = float32(0.5 + rng.Float64())
		}
		f.Tensors = append(f.Tensors, Tensor{Name: name + ".running_var", Shape: []int{c}, Data: v})
	}
	conv := func(name string, out, in int) {
		normal(name+".weight", math.Sqrt(2/float64(in*9)), 0, out, in, 3, 3)
		normal(name+".bias", 0.01, 0, out)
	}
	dense := func(name string, out, in int) {
		normal(name+".weight", math.Sqrt(2/float64(in)), 0, out, in)
		normal(name+".bias", 0.01, 0, out)
	}
	conv("enc.conv1", 16, 1)
	bn("enc.bn1", 16)
	conv("enc.conv2", 16, 16)
	bn("enc.bn2", 16)
	conv("enc.conv3", 64, 16)
	bn("enc.bn3", 64)
	conv("enc.conv4", 64, 64)
	bn("enc.bn4", 64)
	dense("enc.fc1", 128, 1600)
	dense("enc.fc2", 128, 128)
	dense("enc.fc3", 10, 128)
	bn("enc.bn5", 10)
	dense("head.fc1", 100, 40)
	dense("head.fc2", 50, 100)
	dense("head.fc3", 10, 50)
	dense("head.fc4", 2, 10)
	return f
}

// smallModel has one tensor of each kind, including a scalar and an empty tensor.
func smallModel() *File {
	rng := rand.New(rand.NewPCG(7, 8))
	w := make([]float32, 4*3*2)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	return &File{
		Config: json.RawMessage(`{"layers":[3,4]}`),
		Meta:   Meta{Kind: "autoencoder", Seed: 42, Notes: "small"},
		Tensors: []Tensor{
			{Name: "w", Shape: []int{4, 3, 2}, Data: w},
			{Name: "b", Shape: []int{4}, Data: []float32{0.5, -1.25, 3, 1e-3}},
			{Name: "scale", Shape: []int{}, Data: []float32{2.5}},
			{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
			{Name: "zero rows", Shape: []int{2, 2}, Data: []float32{0, 0, 1, -1}},
		},
	}
}

func encode(t testing.TB, f *File, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f, opt); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func decode(t testing.TB, b []byte) *File {
	t.Helper()
	f, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return f
}

// checkSameButData checks everything but tensor values.
func checkSameButData(t *testing.T, got, want *File) {
	t.Helper()
	if !bytes.Equal(got.Config, want.Config) {
		t.Errorf("config %s, want %s", got.Config, want.Config)
	}
	gm, wm := got.Meta, want.Meta
	if !gm.Created.Equal(wm.Created) {
		t.Errorf("created %v, want %v", gm.Created, wm.Created)
	}
	gm.Created, wm.Created = time.Time{}, time.Time{}
	if !bytes.Equal(gm.Scenario, wm.Scenario) {
		t.Errorf("scenario %s, want %s", gm.Scenario, wm.Scenario)
	}
	gm.Scenario, wm.Scenario = nil, nil
	if !reflect.DeepEqual(gm, wm) {
		t.Errorf("meta %+v, want %+v", gm, wm)
	}
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("%d tensors, want %d", len(got.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		if g.Name != w.Name || !slices.Equal(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
			t.Fatalf("tensor %d is %q %v (%d values), want %q %v (%d values)",
				i, g.Name, g.Shape, len(g.Data), w.Name, w.Shape, len(w.Data))
		}
	}
}

func TestRoundTripFloat32IsExact(t *testing.T) {
	want := paperModel(1)
	want.Meta.Created = time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	want.Tensors = append(want.Tensors, smallModel().Tensors...)
	want.Tensors = append(want.Tensors, Tensor{Name: "special", Shape: []int{2, 4}, Data: []float32{
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)),
		math.SmallestNonzeroFloat32, math.MaxFloat32, math.Float32frombits(0x7fc01234), 1}})
	got := decode(t, encode(t, want, Options{}))
	checkSameButData(t, got, want)
	for i, w := range want.Tensors {
		for j, x := range w.Data {
			if math.Float32bits(got.Tensors[i].Data[j]) != math.Float32bits(x) {
				t.Fatalf("%s[%d] = %v, want %v bit for bit", w.Name, j, got.Tensors[i].Data[j], x)
			}
		}
	}
}

func TestRoundTripFloat16(t *testing.T) {
	want := paperModel(2)
	got := decode(t, encode(t, want, Options{Precision: Float16}))
	checkSameButData(t, got, want)
	for i, w := range want.Tensors {
		g := got.Tensors[i].Data
		for j, x := range w.Data {
			if len(w.Shape) < 2 { // Small defaults to float32
				if g[j] != x {
					t.Fatalf("1-d %s[%d] = %v, want exactly %v", w.Name, j, g[j], x)
				}
				continue
			}
			if a := math.Abs(float64(x)); a >= 0x1p-14 && math.Abs(float64(g[j]-x)) > 0x1p-11*a {
				t.Fatalf("%s[%d] = %v, want %v within 2^-11 relative", w.Name, j, g[j], x)
			}
			if g[j] != fromHalf(toHalf(x)) {
				t.Fatalf("%s[%d] = %v, want the nearest half %v", w.Name, j, g[j], fromHalf(toHalf(x)))
			}
		}
	}
	// Small: Float16 stores biases as halves too.
	got = decode(t, encode(t, want, Options{Precision: Float16, Small: Float16}))
	b := want.Tensor("enc.fc1.bias").Data
	gb, _ := got.Lookup("enc.fc1.bias", 128)
	for j := range b {
		if gb[j] != fromHalf(toHalf(b[j])) {
			t.Fatalf("half bias [%d] = %v, want %v", j, gb[j], fromHalf(toHalf(b[j])))
		}
	}
}

func TestRoundTripInt8(t *testing.T) {
	want := paperModel(3)
	want.Tensors = append(want.Tensors, smallModel().Tensors...)
	opt := Compact
	got := decode(t, encode(t, want, opt))
	checkSameButData(t, got, want)
	quantised := 0
	for i, w := range want.Tensors {
		g := got.Tensors[i].Data
		if len(w.Shape) < 2 || len(w.Data) < opt.MinElements {
			if !slices.Equal(g, w.Data) {
				t.Fatalf("%s is small and should be float32-exact", w.Name)
			}
			continue
		}
		quantised++
		rows := w.Shape[0]
		n := len(w.Data) / rows
		worst := 0.0
		for r := range rows {
			var maxabs float64
			for _, x := range w.Data[r*n : (r+1)*n] {
				maxabs = max(maxabs, math.Abs(float64(x)))
			}
			scale := float64(float32(maxabs) / 127)
			for j := r * n; j < (r+1)*n; j++ {
				e := math.Abs(float64(g[j]) - float64(w.Data[j]))
				// scale/2 plus the float32 rounding of q*scale.
				if e > scale/2+math.Abs(float64(w.Data[j]))*0x1p-23 {
					t.Fatalf("%s[%d] = %v, want %v within scale/2 = %g", w.Name, j, g[j], w.Data[j], scale/2)
				}
				worst = max(worst, e/scale)
			}
		}
		if worst < 0.45 { // round-to-nearest errors of random data reach close to scale/2
			t.Errorf("%s: worst error only %.3f scales: not quantised?", w.Name, worst)
		}
	}
	if quantised != 8 {
		t.Errorf("%d tensors quantised, want 8 (the weights of >= 1024 values)", quantised)
	}
	// Int8 for every tensor of two or more dimensions, however small.
	got = decode(t, encode(t, smallModel(), Options{Precision: Int8}))
	w := smallModel().Tensor("w")
	g := got.Tensor("w").Data
	if slices.Equal(g, w.Data) {
		t.Fatal("w came back exact: not quantised")
	}
	for r := range 4 {
		row := w.Data[r*6 : (r+1)*6]
		var maxabs float32
		for _, x := range row {
			maxabs = max(maxabs, float32(math.Abs(float64(x))))
		}
		for j, x := range row {
			if math.Abs(float64(g[r*6+j]-x)) > float64(maxabs/127)/2*1.0001 {
				t.Fatalf("w row %d [%d] = %v, want %v within scale/2", r, j, g[r*6+j], x)
			}
		}
	}
	if zr := got.Tensor("zero rows").Data; !slices.Equal(zr, []float32{0, 0, 1, -1}) {
		t.Fatalf("all-zero row and ±maxabs row came back as %v", zr)
	}
}

func TestSizes(t *testing.T) {
	f := paperModel(4)
	params := 0
	for _, t := range f.Tensors {
		params += len(t.Data)
	}
	if params < 280000 || params > 283000 {
		t.Fatalf("paper model has %d values, want about 281 k", params)
	}
	for _, c := range []struct {
		name string
		opt  Options
		max  int
	}{
		{"float32", Options{}, 4 * params},
		{"float16", Options{Precision: Float16}, 2 * params},
		{"int8", Compact, 300_000},
	} {
		n := len(encode(t, f, c.opt))
		t.Logf("%d-value model as %s: %d bytes (%.1f bits per value)", params, c.name, n, 8*float64(n)/float64(params))
		if n > c.max {
			t.Errorf("%s: %d bytes, want at most %d", c.name, n, c.max)
		}
	}
}

func TestDeterministicBytes(t *testing.T) {
	for _, opt := range []Options{{}, {Precision: Float16}, Compact} {
		a := encode(t, paperModel(5), opt)
		b := encode(t, paperModel(5), opt)
		if !bytes.Equal(a, b) {
			t.Fatalf("%v: two encodings differ", opt.Precision)
		}
		if bytes.Contains(a[prefixSize:], []byte("created")) {
			t.Fatalf("zero Created written")
		}
	}
	// float32 is lossless, so decode and encode again give the same bytes.
	a := encode(t, paperModel(6), Options{})
	if b := encode(t, decode(t, a), Options{}); !bytes.Equal(a, b) {
		t.Fatal("float32 re-encoding differs")
	}
	// Quantised values are fixed points of quantisation only up to rounding; the
	// file's structure must still be the same size.
	a = encode(t, paperModel(6), Compact)
	if b := encode(t, decode(t, a), Compact); len(b) > len(a)+len(a)/100 {
		t.Fatalf("int8 re-encoding grew from %d to %d bytes", len(a), len(b))
	}
}

func TestLookup(t *testing.T) {
	f := smallModel()
	if d, err := f.Lookup("w", 4, 3, 2); err != nil || len(d) != 24 {
		t.Fatalf("Lookup(w) = %d values, %v", len(d), err)
	}
	if d, err := f.Lookup("b"); err != nil || d[1] != -1.25 {
		t.Fatalf("Lookup(b) = %v, %v", d, err)
	}
	if _, err := f.Lookup("w", 4, 6); !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "[4 3 2]") {
		t.Fatalf("wrong shape: %v", err)
	}
	if _, err := f.Lookup("nope"); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("missing: %v", err)
	}
	if f.Tensor("nope") != nil || f.Tensor("scale").Data[0] != 2.5 {
		t.Fatal("Tensor lookup wrong")
	}
}

func TestPrecisionNames(t *testing.T) {
	for _, p := range []Precision{Float32, Float16, Int8} {
		q, err := ParsePrecision(p.String())
		if err != nil || q != p {
			t.Errorf("ParsePrecision(%q) = %v, %v", p.String(), q, err)
		}
	}
	if _, err := ParsePrecision("fp8"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParsePrecision(fp8): %v", err)
	}
	if s := Precision(9).String(); s != "Precision(9)" {
		t.Errorf("String of 9 = %q", s)
	}
}

// sentinels are all the package's errors; each failure must wrap exactly one.
var sentinels = []error{ErrMagic, ErrVersion, ErrTruncated, ErrChecksum, ErrCorrupt, ErrLimit,
	ErrShape, ErrDuplicate, ErrName, ErrDtype, ErrOffsets, ErrMissing, ErrInvalid}

func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, want)
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: error %q does not wrap %q", what, err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Errorf("%s: error %q also wraps %q", what, err, s)
		}
	}
}

// frame builds a model file around any body, with the given prefix fields.
func frame(t testing.TB, body []byte, ver, flags uint16, sum uint32) []byte {
	t.Helper()
	out := make([]byte, prefixSize)
	copy(out, magic)
	binary.LittleEndian.PutUint16(out[4:], ver)
	binary.LittleEndian.PutUint16(out[6:], flags)
	binary.LittleEndian.PutUint64(out[8:], uint64(len(body)))
	binary.LittleEndian.PutUint32(out[24:], sum)
	out, err := compress(out, body)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(out[16:], uint64(len(out)-prefixSize))
	return out
}

// bodyWith builds a body from a JSON header and raw tensor data.
func bodyWith(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// good frames a body with the right checksum.
func good(t testing.TB, body []byte) []byte {
	return frame(t, body, version, 0, crc32.Checksum(body, castagnoli))
}

func TestDecodeErrors(t *testing.T) {
	valid := encode(t, smallModel(), Options{})
	body, err := marshalBody(smallModel(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	patch := func(off int, v []byte) []byte {
		b := bytes.Clone(valid)
		copy(b[off:], v)
		return b
	}
	le64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	f32 := func(xs ...float32) []byte {
		var b []byte
		for _, x := range xs {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	corruptBody := bytes.Clone(body)
	corruptBody[len(corruptBody)-3] ^= 0x40

	cases := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, Limits{}, ErrTruncated},
		{"magic only", []byte("FLN"), Limits{}, ErrTruncated},
		{"wrong magic", append([]byte("PK\x03\x04"), valid[4:]...), Limits{}, ErrMagic},
		{"short wrong magic", []byte("{"), Limits{}, ErrMagic},
		{"version 2", patch(4, []byte{2, 0}), Limits{}, ErrVersion},
		{"version 0", patch(4, []byte{0, 0}), Limits{}, ErrVersion},
		{"flags", patch(6, []byte{1, 0}), Limits{}, ErrVersion},
		{"prefix cut", valid[:prefixSize-1], Limits{}, ErrTruncated},
		{"body cut", valid[:len(valid)-1], Limits{}, ErrTruncated},
		{"body missing", valid[:prefixSize], Limits{}, ErrTruncated},
		{"trailing byte", append(bytes.Clone(valid), 0), Limits{}, ErrCorrupt},
		{"stored checksum", patch(24, []byte{^valid[24]}), Limits{}, ErrChecksum},
		{"body changed", frame(t, corruptBody, version, 0, crc32.Checksum(body, castagnoli)), Limits{}, ErrChecksum},
		{"zstd damaged", patch(prefixSize, []byte{0, 0, 0, 0}), Limits{}, ErrCorrupt},
		{"body length lies", patch(8, le64(uint64(len(body)+1))), Limits{}, ErrCorrupt},
		{"body length tiny", patch(8, le64(2)), Limits{}, ErrCorrupt},
		{"compressed length huge", patch(16, le64(1<<40)), Limits{}, ErrCorrupt},
		{"ratio impossible", patch(8, le64(1<<29)), Limits{MaxBytes: 1 << 30}, ErrCorrupt},
		{"body over limit", valid, Limits{MaxBytes: int64(len(body)) - 1}, ErrLimit},
		{"header over limit", valid, Limits{MaxHeader: 10}, ErrLimit},
		{"too many tensors", valid, Limits{MaxTensors: 4}, ErrLimit},
		{"too many elements", valid, Limits{MaxElements: 30}, ErrLimit},
		{"header length past body", good(t, []byte{200, 0, 0, 0, '{', '}'}), Limits{}, ErrCorrupt},
		{"bad JSON", good(t, bodyWith(`{"tensors":[`, nil)), Limits{}, ErrCorrupt},
		{"JSON wrong type", good(t, bodyWith(`{"tensors":{}}`, nil)), Limits{}, ErrCorrupt},
		{"duplicate names", good(t, bodyWith(
			`{"tensors":[{"name":"a","dtype":"float32","shape":[1]},{"name":"a","dtype":"float32","shape":[1]}]}`,
			f32(1, 2))), Limits{}, ErrDuplicate},
		{"empty name", good(t, bodyWith(`{"tensors":[{"name":"","dtype":"float32","shape":[1]}]}`, f32(1))),
			Limits{}, ErrName},
		{"unknown dtype", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"bfloat16","shape":[1]}]}`, f32(1))),
			Limits{}, ErrDtype},
		{"negative dim", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"float32","shape":[-1]}]}`, f32(1))),
			Limits{}, ErrShape},
		{"too many dims", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"float32","shape":[1,1,1,1,1,1,1,1,1]}]}`, f32(1))),
			Limits{}, ErrShape},
		{"int8 scalar", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"int8","shape":[]}]}`, f32(1))),
			Limits{}, ErrShape},
		{"fewer bytes than shape", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"float32","shape":[3]}]}`, f32(1, 2))),
			Limits{}, ErrShape},
		{"more bytes than shape", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"float32","shape":[1]}]}`, f32(1, 2))),
			Limits{}, ErrShape},
		{"int8 rows beyond data", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"int8","shape":[1000000000000000000,0]}]}`, nil)),
			Limits{}, ErrShape},
		{"int8 scales missing", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"int8","shape":[2,2]}]}`, []byte{1, 2, 3, 4})),
			Limits{}, ErrShape},
		{"overflowing shape", good(t, bodyWith(`{"tensors":[{"name":"a","dtype":"float32","shape":[4294967296,4294967296,4294967296]}]}`, nil)),
			Limits{}, ErrLimit},
	}
	for _, c := range cases {
		f, err := c.lim.Decode(bytes.NewReader(c.data))
		if f != nil {
			t.Errorf("%s: got a File with the error %v", c.name, err)
		}
		checkErr(t, c.name, err, c.want)
	}
	// Every truncation is reported as such.
	for n := range len(valid) {
		_, err := Decode(bytes.NewReader(valid[:n]))
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d of %d bytes: %v", n, len(valid), err)
		}
	}
	// Any damage to the compressed data is caught one way or another.
	for i := prefixSize + 8; i < len(valid); i++ {
		b := bytes.Clone(valid)
		b[i] ^= 0x10
		_, err := Decode(bytes.NewReader(b))
		if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	one := []float32{1}
	cases := []struct {
		name string
		f    *File
		opt  Options
		want error
	}{
		{"nil", nil, Options{}, ErrInvalid},
		{"duplicate", &File{Tensors: []Tensor{{"a", []int{1}, one}, {"a", []int{1}, one}}}, Options{}, ErrDuplicate},
		{"empty name", &File{Tensors: []Tensor{{"", []int{1}, one}}}, Options{}, ErrName},
		{"bad UTF-8", &File{Tensors: []Tensor{{"\xff", []int{1}, one}}}, Options{}, ErrName},
		{"shape mismatch", &File{Tensors: []Tensor{{"a", []int{2, 2}, one}}}, Options{}, ErrShape},
		{"negative dim", &File{Tensors: []Tensor{{"a", []int{-1, -1}, one}}}, Options{}, ErrShape},
		{"overflow", &File{Tensors: []Tensor{{"a", []int{1 << 40, 1 << 40, 1 << 40}, one}}}, Options{}, ErrShape},
		{"nine dims", &File{Tensors: []Tensor{{"a", []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, one}}}, Options{}, ErrShape},
		{"bad config", &File{Config: json.RawMessage(`{"a":`)}, Options{}, ErrInvalid},
		{"bad scenario", &File{Meta: Meta{Scenario: json.RawMessage(`F3`)}}, Options{}, ErrInvalid},
		{"NaN accuracy", &File{Meta: Meta{TestAccuracy: math.NaN()}}, Options{}, ErrInvalid},
		{"int8 small", &File{}, Options{Small: Int8}, ErrInvalid},
		{"bad precision", &File{}, Options{Precision: 7}, ErrInvalid},
		{"negative MinElements", &File{}, Options{MinElements: -1}, ErrInvalid},
		{"int8 NaN", &File{Tensors: []Tensor{{"a", []int{1, 2}, []float32{1, float32(math.NaN())}}}},
			Options{Precision: Int8}, ErrInvalid},
		{"int8 Inf", &File{Tensors: []Tensor{{"a", []int{1, 2}, []float32{float32(math.Inf(1)), 1}}}},
			Options{Precision: Int8}, ErrInvalid},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Encode(&buf, c.f, c.opt)
		checkErr(t, c.name, err, c.want)
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written despite the error", c.name, buf.Len())
		}
	}
	// A tensor without elements is never int8, whatever its first dimension.
	empty := &File{Tensors: []Tensor{{"e", []int{1 << 50, 0}, nil}}}
	if g := decode(t, encode(t, empty, Options{Precision: Int8})).Tensors[0]; len(g.Data) != 0 || g.Shape[0] != 1<<50 {
		t.Errorf("empty tensor came back as %v with %d values", g.Shape, len(g.Data))
	}
	// Non-finite values are fine in float32 and float16.
	f := &File{Tensors: []Tensor{{"a", []int{1, 2}, []float32{float32(math.Inf(1)), float32(math.NaN())}}}}
	for _, opt := range []Options{{}, {Precision: Float16}} {
		if g := decode(t, encode(t, f, opt)).Tensors[0].Data; !math.IsInf(float64(g[0]), 1) || !math.IsNaN(float64(g[1])) {
			t.Errorf("%v: Inf, NaN came back as %v", opt.Precision, g)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.flns")
	want := smallModel()
	if err := WriteFileAtomic(path, want, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	checkSameButData(t, got, want)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", fi.Mode(), err)
	}

	// Overwrite with another model.
	other := paperModel(9)
	if err := WriteFileAtomic(path, other, Compact); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	// A failing encode writes nothing; a write that fails half-way leaves the old file
	// and no temporary file.
	if err := WriteFileAtomic(path, &File{Tensors: []Tensor{{Name: ""}}}, Options{}); !errors.Is(err, ErrName) {
		t.Fatalf("bad file: %v", err)
	}
	boom := errors.New("interrupted")
	err = writeAtomic(path, func(w io.Writer) error {
		w.Write(before[:len(before)/2])
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("interrupted write returned %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("interrupted write changed the model")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after the failures, want 1", len(entries))
	}
	if err := WriteFileAtomic(filepath.Join(dir, "no such dir", "m.flns"), want, Options{}); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
	if _, err := Read(filepath.Join(dir, "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Read of a missing file: %v", err)
	}
}
