package modelfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"unicode/utf8"
)

const (
	magic       = "FLNS"
	version     = 1
	prefixSize  = 28 // magic, version, flags, body length, compressed length, CRC-32C
	maxDims     = 8
	zstdMaxRate = 128 << 10 / 4 // a zstd block of at least 4 bytes yields at most 128 KiB
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// bodyHeader is the JSON header inside the body.
type bodyHeader struct {
	Config  json.RawMessage `json:"config,omitempty"`
	Meta    metaWire        `json:"meta"`
	Tensors []tensorHeader  `json:"tensors"`
}

type tensorHeader struct {
	Name  string `json:"name"`
	Dtype string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Encode writes f to w as a model file, storing tensors as opt says.
func Encode(w io.Writer, f *File, opt Options) error {
	b, err := marshal(f, opt)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFileAtomic writes f to path as a model file, as Encode does: it writes a temporary
// file in the same directory, syncs it to disk and renames it over path, so an
// interrupted write never leaves a half-written model at path.
func WriteFileAtomic(path string, f *File, opt Options) error {
	return writeAtomic(path, func(w io.Writer) error { return Encode(w, f, opt) })
}

// writeAtomic creates path with the bytes write produces, by way of a synced temporary
// file and a rename: the one atomic write behind WriteFileAtomic and
// WriteSafetensorsAtomic. On failure the temporary file is removed and path is untouched.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("modelfile: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("modelfile: writing %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	// CreateTemp makes the file private; a model is an ordinary readable file.
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every file system can sync a directory, and
	// the file is complete either way, so this is best effort.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// marshal returns the complete model file.
func marshal(f *File, opt Options) ([]byte, error) {
	body, err := marshalBody(f, opt)
	if err != nil {
		return nil, err
	}
	out := make([]byte, prefixSize, prefixSize+len(body)/2)
	copy(out, magic)
	binary.LittleEndian.PutUint16(out[4:], version)
	binary.LittleEndian.PutUint16(out[6:], 0)
	binary.LittleEndian.PutUint64(out[8:], uint64(len(body)))
	binary.LittleEndian.PutUint32(out[24:], crc32.Checksum(body, castagnoli))
	if out, err = compress(out, body); err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint64(out[16:], uint64(len(out)-prefixSize))
	return out, nil
}

// marshalBody returns the uncompressed body: header length, JSON header, tensor data.
func marshalBody(f *File, opt Options) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil File", ErrInvalid)
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	if err := checkTensors(f.Tensors); err != nil {
		return nil, err
	}
	config, err := compactJSON("config", f.Config)
	if err != nil {
		return nil, err
	}
	meta, err := f.Meta.wire()
	if err != nil {
		return nil, err
	}
	hdr := bodyHeader{Config: config, Meta: meta, Tensors: make([]tensorHeader, len(f.Tensors))}
	precs := make([]Precision, len(f.Tensors))
	var size int64
	for i, t := range f.Tensors {
		p := opt.precisionFor(t.Shape, len(t.Data))
		precs[i] = p
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		hdr.Tensors[i] = tensorHeader{Name: t.Name, Dtype: p.String(), Shape: shape}
		size += storedSize(p, t.Shape, int64(len(t.Data)))
	}
	if hdr.Meta.Scenario, err = compactJSON("meta scenario", f.Meta.Scenario); err != nil {
		return nil, err
	}
	js, err := marshalJSON(hdr)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrInvalid, err)
	}
	body := make([]byte, 4, 4+int64(len(js))+size)
	binary.LittleEndian.PutUint32(body, uint32(len(js)))
	body = append(body, js...)
	for i, t := range f.Tensors {
		if body, err = appendTensor(body, t, precs[i]); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// storedSize is the number of data bytes a tensor of n values takes at precision p.
func storedSize(p Precision, shape []int, n int64) int64 {
	switch p {
	case Float16:
		return 2 * n
	case Int8:
		return 4*int64(shape[0]) + n
	}
	return 4 * n
}

// appendTensor appends t's data stored at precision p (see the package documentation).
func appendTensor(b []byte, t Tensor, p Precision) ([]byte, error) {
	n := len(t.Data)
	switch p {
	case Float32:
		start := len(b)
		b = append(b, make([]byte, 4*n)...)
		planes := b[start:]
		for i, x := range t.Data {
			u := math.Float32bits(x)
			planes[i], planes[n+i], planes[2*n+i], planes[3*n+i] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		}
	case Float16:
		start := len(b)
		b = append(b, make([]byte, 2*n)...)
		planes := b[start:]
		for i, x := range t.Data {
			h := toHalf(x)
			planes[i], planes[n+i] = byte(h), byte(h>>8)
		}
	case Int8:
		rows := t.Shape[0]
		start := len(b)
		b = append(b, make([]byte, 4*rows+n)...)
		scales := make([]float32, rows)
		if err := quantize(t.Name, t.Data, rows, b[start+4*rows:], scales); err != nil {
			return nil, err
		}
		for r, s := range scales {
			binary.LittleEndian.PutUint32(b[start+4*r:], math.Float32bits(s))
		}
	}
	return b, nil
}

// checkTensors checks names (non-empty UTF-8, unique) and that each shape matches its data.
func checkTensors(ts []Tensor) error {
	seen := make(map[string]bool, len(ts))
	for i, t := range ts {
		if t.Name == "" || !utf8.ValidString(t.Name) {
			return fmt.Errorf("%w: tensor %d: name %q must be non-empty UTF-8", ErrName, i, t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("%w: tensor %q appears twice", ErrDuplicate, t.Name)
		}
		seen[t.Name] = true
		// Capping the product at the data length keeps it from overflowing.
		n, err := elements(t.Name, t.Shape, int64(len(t.Data)))
		if err != nil && !errors.Is(err, ErrLimit) {
			return err
		}
		if err != nil || n != int64(len(t.Data)) {
			return fmt.Errorf("%w: tensor %q: shape %v does not hold its %d values",
				ErrShape, t.Name, t.Shape, len(t.Data))
		}
	}
	return nil
}

// elements returns the product of the shape of the tensor called name. It fails with
// ErrShape if shape has a negative dimension or more than maxDims of them, and with
// ErrLimit if the product exceeds limit.
func elements(name string, shape []int, limit int64) (int64, error) {
	if len(shape) > maxDims {
		return 0, fmt.Errorf("%w: tensor %q: %d dimensions, at most %d allowed",
			ErrShape, name, len(shape), maxDims)
	}
	zero := false
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: tensor %q: dimension %d is %d", ErrShape, name, i, d)
		}
		zero = zero || d == 0
	}
	if zero {
		return 0, nil
	}
	n := int64(1)
	for _, d := range shape {
		if int64(d) > limit/n {
			return 0, fmt.Errorf("%w: tensor %q: shape %v has more than %d elements",
				ErrLimit, name, shape, limit)
		}
		n *= int64(d)
	}
	return n, nil
}

// compactJSON validates and compacts raw JSON; empty stays empty.
func compactJSON(what string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid JSON: %v", ErrInvalid, what, err)
	}
	return buf.Bytes(), nil
}

// marshalJSON is json.Marshal without HTML escaping, so strings read as written.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
