package modelfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
)

// Decode reads a model file from r, which must hold exactly one model file and nothing
// after it, within DefaultLimits.
func Decode(r io.Reader) (*File, error) { return DefaultLimits.Decode(r) }

// Read reads the model file at path within DefaultLimits.
func Read(path string) (*File, error) { return DefaultLimits.Read(path) }

// Read reads the model file at path within l.
func (l Limits) Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	defer fh.Close()
	f, err := l.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return f, nil
}

// Decode reads a model file from r within l. Errors about the data wrap one of the
// package's Err values; errors from r are returned wrapped as they are.
func (l Limits) Decode(r io.Reader) (*File, error) {
	l = l.withDefaults()
	var pre [prefixSize]byte
	n, err := io.ReadFull(r, pre[:])
	if !bytes.HasPrefix(pre[:n], []byte(magic)) && !bytes.HasPrefix([]byte(magic), pre[:n]) {
		return nil, fmt.Errorf("%w: starts with %q, want %q", ErrMagic, pre[:min(n, 4)], magic)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("%w: %d bytes, the fixed header alone is %d", ErrTruncated, n, prefixSize)
	}
	if err != nil {
		return nil, fmt.Errorf("modelfile: reading header: %w", err)
	}
	if v := binary.LittleEndian.Uint16(pre[4:]); v != version {
		return nil, fmt.Errorf("%w: file has version %d, this build reads version %d", ErrVersion, v, version)
	}
	if fl := binary.LittleEndian.Uint16(pre[6:]); fl != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#04x", ErrVersion, fl)
	}
	rawLen := binary.LittleEndian.Uint64(pre[8:])
	compLen := binary.LittleEndian.Uint64(pre[16:])
	sum := binary.LittleEndian.Uint32(pre[24:])
	if rawLen > uint64(l.MaxBytes) {
		return nil, fmt.Errorf("%w: body of %d bytes, limit %d", ErrLimit, rawLen, l.MaxBytes)
	}
	if rawLen < 4 {
		return nil, fmt.Errorf("%w: body of %d bytes cannot hold its header length", ErrCorrupt, rawLen)
	}
	// zstd never expands by more than a little, nor shrinks by more than zstdMaxRate.
	if compLen > rawLen+rawLen>>7+1024 || compLen < rawLen/zstdMaxRate {
		return nil, fmt.Errorf("%w: %d compressed bytes cannot hold a %d-byte body", ErrCorrupt, compLen, rawLen)
	}
	// Read what is there, growing as it arrives, rather than trusting compLen.
	comp, err := io.ReadAll(io.LimitReader(r, int64(compLen)+1))
	if err != nil {
		return nil, fmt.Errorf("modelfile: reading body: %w", err)
	}
	if uint64(len(comp)) < compLen {
		return nil, fmt.Errorf("%w: %d of %d compressed bytes present", ErrTruncated, len(comp), compLen)
	}
	if uint64(len(comp)) > compLen {
		return nil, fmt.Errorf("%w: data after the %d compressed bytes", ErrCorrupt, compLen)
	}
	body, err := decompress(comp, rawLen)
	if err != nil {
		return nil, err
	}
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return nil, fmt.Errorf("%w: body CRC-32C %08x, header says %08x", ErrChecksum, got, sum)
	}
	return parseBody(body, l)
}

// parseBody decodes the uncompressed body: header length, JSON header, tensor data. It
// checks every size against the bytes present before allocating tensors.
func parseBody(body []byte, l Limits) (*File, error) {
	if len(body) < 4 {
		return nil, fmt.Errorf("%w: body of %d bytes cannot hold its header length", ErrCorrupt, len(body))
	}
	h := uint64(binary.LittleEndian.Uint32(body))
	if h > uint64(l.MaxHeader) {
		return nil, fmt.Errorf("%w: JSON header of %d bytes, limit %d", ErrLimit, h, l.MaxHeader)
	}
	if h > uint64(len(body)-4) {
		return nil, fmt.Errorf("%w: JSON header of %d bytes in a %d-byte body", ErrCorrupt, h, len(body))
	}
	var hdr bodyHeader
	if err := json.Unmarshal(body[4:4+h], &hdr); err != nil {
		return nil, fmt.Errorf("%w: JSON header: %v", ErrCorrupt, err)
	}
	if len(hdr.Tensors) > l.MaxTensors {
		return nil, fmt.Errorf("%w: %d tensors, limit %d", ErrLimit, len(hdr.Tensors), l.MaxTensors)
	}
	data := body[4+h:]
	precs := make([]Precision, len(hdr.Tensors))
	counts := make([]int64, len(hdr.Tensors))
	seen := make(map[string]bool, len(hdr.Tensors))
	var total, need int64
	for i, th := range hdr.Tensors {
		if th.Name == "" {
			return nil, fmt.Errorf("%w: tensor %d has an empty name", ErrName, i)
		}
		if seen[th.Name] {
			return nil, fmt.Errorf("%w: tensor %q appears twice", ErrDuplicate, th.Name)
		}
		seen[th.Name] = true
		p, err := ParsePrecision(th.Dtype)
		if err != nil {
			return nil, fmt.Errorf("%w: tensor %q: dtype %q", ErrDtype, th.Name, th.Dtype)
		}
		if p == Int8 && len(th.Shape) == 0 {
			return nil, fmt.Errorf("%w: tensor %q: int8 needs at least one dimension", ErrShape, th.Name)
		}
		// An int8 tensor has a 4-byte scale per row; with a zero dimension elsewhere the
		// row count alone could be anything, so check it against the bytes present.
		if p == Int8 && th.Shape[0] > len(data)/4 {
			return nil, fmt.Errorf("%w: tensor %q: %d int8 scales need more than the body's %d bytes of data",
				ErrShape, th.Name, th.Shape[0], len(data))
		}
		n, err := elements(th.Name, th.Shape, l.MaxElements-total)
		if errors.Is(err, ErrLimit) {
			return nil, fmt.Errorf("%w: tensor %q: shape %v takes the total over %d elements",
				ErrLimit, th.Name, th.Shape, l.MaxElements)
		}
		if err != nil {
			return nil, err
		}
		total += n
		precs[i], counts[i] = p, n
		need += storedSize(p, th.Shape, n)
		if need > int64(len(data)) {
			return nil, fmt.Errorf("%w: tensor %q: %d %v values end at byte %d, the body has %d bytes of data",
				ErrShape, th.Name, n, p, need, len(data))
		}
	}
	if need != int64(len(data)) {
		return nil, fmt.Errorf("%w: tensors take %d bytes, the body has %d bytes of data", ErrShape, need, len(data))
	}
	meta, err := hdr.Meta.meta()
	if err != nil {
		return nil, fmt.Errorf("%w: JSON header: %v", ErrCorrupt, err)
	}
	f := &File{Config: hdr.Config, Meta: meta, Tensors: make([]Tensor, len(hdr.Tensors)), Stored: precs}
	all := make([]float32, total)
	for i, th := range hdr.Tensors {
		n := counts[i]
		vals := all[:n:n]
		all = all[n:]
		data = readTensor(data, th.Shape, precs[i], vals)
		f.Tensors[i] = Tensor{Name: th.Name, Shape: th.Shape, Data: vals}
		if f.Tensors[i].Shape == nil {
			f.Tensors[i].Shape = []int{}
		}
	}
	return f, nil
}

// readTensor fills vals from the front of data, whose size has been checked, and returns
// the rest of data.
func readTensor(data []byte, shape []int, p Precision, vals []float32) []byte {
	n := len(vals)
	switch p {
	case Float32:
		for i := range vals {
			u := uint32(data[i]) | uint32(data[n+i])<<8 | uint32(data[2*n+i])<<16 | uint32(data[3*n+i])<<24
			vals[i] = math.Float32frombits(u)
		}
		return data[4*n:]
	case Float16:
		for i := range vals {
			vals[i] = fromHalf(uint16(data[i]) | uint16(data[n+i])<<8)
		}
		return data[2*n:]
	}
	rows := shape[0]
	scales := make([]float32, rows)
	for r := range scales {
		scales[r] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*r:]))
	}
	data = data[4*rows:]
	dequantize(data[:n], scales, vals)
	return data[n:]
}
