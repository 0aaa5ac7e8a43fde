package modelfile

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// Keys of our entries in the safetensors __metadata__ (string to string).
const (
	// MetaKeyConfig holds File.Config.
	MetaKeyConfig = "fusionlens.config"
	// MetaKeyMeta holds File.Meta as JSON.
	MetaKeyMeta = "fusionlens.meta"
)

const stMetadata = "__metadata__"

// stDtypeSize gives the element size of each safetensors dtype this package reads. All
// are converted to float32: integers beyond 2^24 and float64 values lose precision.
var stDtypeSize = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1,
	"U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
}

// EncodeSafetensors writes f to w as safetensors, every tensor as F32 (p = Float32) or F16
// (p = Float16). Config and Meta go into __metadata__ as JSON strings under MetaKeyConfig
// and MetaKeyMeta, beside "format": "pt". Tensors keep their order in the data buffer.
func EncodeSafetensors(w io.Writer, f *File, p Precision) error {
	b, err := marshalSafetensors(f, p)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteSafetensorsAtomic writes f to path as safetensors, as EncodeSafetensors does, by
// way of a synced temporary file and a rename as in WriteFileAtomic.
func WriteSafetensorsAtomic(path string, f *File, p Precision) error {
	return writeAtomic(path, func(w io.Writer) error { return EncodeSafetensors(w, f, p) })
}

func marshalSafetensors(f *File, p Precision) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil File", ErrInvalid)
	}
	var dtype string
	var size int
	switch p {
	case Float32:
		dtype, size = "F32", 4
	case Float16:
		dtype, size = "F16", 2
	default:
		return nil, fmt.Errorf("%w: safetensors export takes float32 or float16, not %v", ErrInvalid, p)
	}
	if err := checkTensors(f.Tensors); err != nil {
		return nil, err
	}
	if f.Tensor(stMetadata) != nil {
		return nil, fmt.Errorf("%w: %q is reserved in safetensors", ErrName, stMetadata)
	}
	config, err := compactJSON("config", f.Config)
	if err != nil {
		return nil, err
	}
	meta, err := f.Meta.wire()
	if err != nil {
		return nil, err
	}
	if meta.Scenario, err = compactJSON("meta scenario", meta.Scenario); err != nil {
		return nil, err
	}
	metaJSON, err := marshalJSON(meta)
	if err != nil {
		return nil, fmt.Errorf("%w: meta: %v", ErrInvalid, err)
	}
	md := map[string]string{"format": "pt", MetaKeyMeta: string(metaJSON)}
	if len(config) > 0 {
		md[MetaKeyConfig] = string(config)
	}
	mdJSON, err := marshalJSON(md) // maps marshal with sorted keys: deterministic
	if err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrInvalid, err)
	}

	// Write the header by hand to keep the tensors in order.
	var hdr bytes.Buffer
	hdr.WriteString(`{"` + stMetadata + `":`)
	hdr.Write(mdJSON)
	var off int64
	for _, t := range f.Tensors {
		name, err := marshalJSON(t.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: tensor name %q: %v", ErrName, t.Name, err)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		shapeJSON, _ := marshalJSON(shape) // []int always marshals
		end := off + int64(size*len(t.Data))
		fmt.Fprintf(&hdr, `,%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, dtype, shapeJSON, off, end)
		off = end
	}
	hdr.WriteByte('}')
	// Pad with spaces so the data start 8-byte aligned, as the Python writer does.
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}

	out := make([]byte, 8, 8+int64(hdr.Len())+off)
	binary.LittleEndian.PutUint64(out, uint64(hdr.Len()))
	out = append(out, hdr.Bytes()...)
	for _, t := range f.Tensors {
		for _, x := range t.Data {
			if p == Float16 {
				out = binary.LittleEndian.AppendUint16(out, toHalf(x))
			} else {
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
			}
		}
	}
	return out, nil
}

// DecodeSafetensors reads a safetensors file from r within DefaultLimits.
func DecodeSafetensors(r io.Reader) (*File, error) { return DefaultLimits.DecodeSafetensors(r) }

// ReadSafetensors reads the safetensors file at path within DefaultLimits.
func ReadSafetensors(path string) (*File, error) { return DefaultLimits.ReadSafetensors(path) }

// ReadSafetensors reads the safetensors file at path within l.
func (l Limits) ReadSafetensors(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	defer fh.Close()
	f, err := l.DecodeSafetensors(fh)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return f, nil
}

// stEntry is one tensor of a safetensors header.
type stEntry struct {
	name       string
	dtype      string
	shape      []int
	n          int64
	begin, end int64
	order      int
}

// DecodeSafetensors reads a safetensors file from r within l: every tensor is converted
// to float32 (F64, F32, F16, BF16 and the integer and bool dtypes are read), tensors come
// in the order of their data, and Config and Meta are restored from __metadata__ when
// present (other metadata are dropped). It checks that the data offsets match each
// dtype and shape and tile the data buffer exactly, as the format requires.
func (l Limits) DecodeSafetensors(r io.Reader) (*File, error) {
	l = l.withDefaults()
	var lenb [8]byte
	n, err := io.ReadFull(r, lenb[:])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("%w: safetensors: %d bytes, the header length alone is 8", ErrTruncated, n)
	}
	if err != nil {
		return nil, fmt.Errorf("modelfile: safetensors: reading header length: %w", err)
	}
	hl := binary.LittleEndian.Uint64(lenb[:])
	if hl > uint64(l.MaxHeader) {
		return nil, fmt.Errorf("%w: safetensors: JSON header of %d bytes, limit %d", ErrLimit, hl, l.MaxHeader)
	}
	hdr, err := io.ReadAll(io.LimitReader(r, int64(hl)))
	if err != nil {
		return nil, fmt.Errorf("modelfile: safetensors: reading header: %w", err)
	}
	if uint64(len(hdr)) < hl {
		return nil, fmt.Errorf("%w: safetensors: %d of %d header bytes present", ErrTruncated, len(hdr), hl)
	}
	entries, md, err := parseSafetensorsHeader(hdr, l)
	if err != nil {
		return nil, err
	}
	var total int64
	if len(entries) > 0 {
		total = entries[len(entries)-1].end
	}
	data, err := io.ReadAll(io.LimitReader(r, total+1))
	if err != nil {
		return nil, fmt.Errorf("modelfile: safetensors: reading data: %w", err)
	}
	if int64(len(data)) < total {
		return nil, fmt.Errorf("%w: safetensors: %d of %d data bytes present", ErrTruncated, len(data), total)
	}
	if int64(len(data)) > total {
		return nil, fmt.Errorf("%w: safetensors: data after the last tensor, which ends at byte %d", ErrOffsets, total)
	}

	f := &File{Tensors: make([]Tensor, len(entries))}
	if s, ok := md[MetaKeyMeta]; ok {
		var w metaWire
		err := json.Unmarshal([]byte(s), &w)
		if err == nil {
			f.Meta, err = w.meta()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: safetensors: __metadata__ %q: %v", ErrCorrupt, MetaKeyMeta, err)
		}
	}
	if s, ok := md[MetaKeyConfig]; ok {
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("%w: safetensors: __metadata__ %q is not valid JSON", ErrCorrupt, MetaKeyConfig)
		}
		f.Config = json.RawMessage(s)
	}
	for i, e := range entries {
		vals := make([]float32, e.n)
		if err := convertST(data[e.begin:e.end], e.dtype, vals); err != nil {
			return nil, err
		}
		f.Tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: vals}
	}
	return f, nil
}

// parseSafetensorsHeader parses and checks the JSON header; it returns the tensors sorted
// by data offset and the metadata.
func parseSafetensorsHeader(hdr []byte, l Limits) ([]stEntry, map[string]string, error) {
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, nil, fmt.Errorf("%w: safetensors: header does not start with '{'", ErrCorrupt)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: safetensors: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if _, err := dec.Token(); err != nil {
		return nil, nil, bad("header: %v", err)
	}
	var entries []stEntry
	var md map[string]string
	seen := map[string]bool{}
	var elems int64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, bad("header: %v", err)
		}
		key, _ := tok.(string) // inside an object a token is always a key here
		if seen[key] {
			return nil, nil, fmt.Errorf("%w: safetensors: key %q appears twice in the header", ErrDuplicate, key)
		}
		seen[key] = true
		if key == stMetadata {
			if err := dec.Decode(&md); err != nil {
				return nil, nil, bad("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		if len(entries) == l.MaxTensors {
			return nil, nil, fmt.Errorf("%w: safetensors: more than %d tensors", ErrLimit, l.MaxTensors)
		}
		var raw struct {
			Dtype   *string  `json:"dtype"`
			Shape   *[]int   `json:"shape"`
			Offsets *[]int64 `json:"data_offsets"`
		}
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, bad("tensor %q: %v", key, err)
		}
		if raw.Dtype == nil || raw.Shape == nil || raw.Offsets == nil {
			return nil, nil, bad("tensor %q needs dtype, shape and data_offsets", key)
		}
		if key == "" {
			return nil, nil, fmt.Errorf("%w: safetensors: empty tensor name", ErrName)
		}
		e := stEntry{name: key, dtype: *raw.Dtype, shape: *raw.Shape, order: len(entries)}
		size, ok := stDtypeSize[e.dtype]
		if !ok {
			return nil, nil, fmt.Errorf("%w: safetensors: tensor %q has dtype %q", ErrDtype, key, e.dtype)
		}
		if e.n, err = elements(key, e.shape, l.MaxElements-elems); err != nil {
			if errors.Is(err, ErrLimit) {
				return nil, nil, fmt.Errorf("%w: safetensors: tensor %q: shape %v takes the total over %d elements",
					ErrLimit, key, e.shape, l.MaxElements)
			}
			return nil, nil, err
		}
		elems += e.n
		if len(*raw.Offsets) != 2 {
			return nil, nil, fmt.Errorf("%w: safetensors: tensor %q: data_offsets has %d numbers, want 2",
				ErrOffsets, key, len(*raw.Offsets))
		}
		e.begin, e.end = (*raw.Offsets)[0], (*raw.Offsets)[1]
		if e.begin < 0 || e.end < e.begin {
			return nil, nil, fmt.Errorf("%w: safetensors: tensor %q: data_offsets [%d, %d]",
				ErrOffsets, key, e.begin, e.end)
		}
		if e.end > l.MaxBytes {
			return nil, nil, fmt.Errorf("%w: safetensors: tensor %q: data end at byte %d, limit %d",
				ErrLimit, key, e.end, l.MaxBytes)
		}
		if want := e.n * int64(size); e.end-e.begin != want {
			return nil, nil, fmt.Errorf("%w: safetensors: tensor %q: %s %v needs %d bytes, data_offsets [%d, %d] hold %d",
				ErrShape, key, e.dtype, e.shape, want, e.begin, e.end, e.end-e.begin)
		}
		if e.shape == nil {
			e.shape = []int{}
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, bad("header: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, bad("header has more than one JSON value")
	}
	slices.SortStableFunc(entries, func(a, b stEntry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var at int64
	for _, e := range entries {
		if e.begin != at {
			what := "leaves a hole after"
			if e.begin < at {
				what = "overlaps"
			}
			return nil, nil, fmt.Errorf("%w: safetensors: tensor %q starts at byte %d, which %s the data before it (ending at %d)",
				ErrOffsets, e.name, e.begin, what, at)
		}
		at = e.end
	}
	return entries, md, nil
}

// convertST converts little-endian safetensors values of a dtype to float32.
func convertST(b []byte, dtype string, out []float32) error {
	le := binary.LittleEndian
	var at func(i int) float32
	switch dtype {
	case "F64":
		at = func(i int) float32 { return float32(math.Float64frombits(le.Uint64(b[8*i:]))) }
	case "F32":
		at = func(i int) float32 { return math.Float32frombits(le.Uint32(b[4*i:])) }
	case "F16":
		at = func(i int) float32 { return fromHalf(le.Uint16(b[2*i:])) }
	case "BF16":
		at = func(i int) float32 { return fromBfloat16(le.Uint16(b[2*i:])) }
	case "I64":
		at = func(i int) float32 { return float32(int64(le.Uint64(b[8*i:]))) }
	case "I32":
		at = func(i int) float32 { return float32(int32(le.Uint32(b[4*i:]))) }
	case "I16":
		at = func(i int) float32 { return float32(int16(le.Uint16(b[2*i:]))) }
	case "I8":
		at = func(i int) float32 { return float32(int8(b[i])) }
	case "U64":
		at = func(i int) float32 { return float32(le.Uint64(b[8*i:])) }
	case "U32":
		at = func(i int) float32 { return float32(le.Uint32(b[4*i:])) }
	case "U16":
		at = func(i int) float32 { return float32(le.Uint16(b[2*i:])) }
	case "U8":
		at = func(i int) float32 { return float32(b[i]) }
	case "BOOL":
		at = func(i int) float32 { return float32(min(b[i], 1)) }
	default:
		return fmt.Errorf("%w: safetensors: dtype %q", ErrDtype, dtype)
	}
	for i := range out {
		out[i] = at(i)
	}
	return nil
}
