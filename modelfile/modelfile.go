package modelfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Tensor is a named array of float32 values in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is a model: the network's configuration, facts about its training, and its tensors.
type File struct {
	// Config is the network's own configuration, stored as given (compacted). It is
	// opaque to this package; empty means none.
	Config json.RawMessage
	// Meta records how the model came to be.
	Meta Meta
	// Tensors are kept in order; names are unique.
	Tensors []Tensor
	// Stored is set by Decode: how each tensor was stored in the file (int8 and float16
	// values were converted to float32 on reading). Encoders ignore it.
	Stored []Precision
}

// Meta holds the facts of a model's training, for the model card and for reproducing it.
type Meta struct {
	// Kind names what the tensors are, e.g. "fusion" or "autoencoder".
	Kind string `json:"kind,omitempty"`
	// Scenario is the decision function the model was trained for: a JSON string naming
	// a built-in case ("F3") or a full scenario object.
	Scenario json.RawMessage `json:"scenario,omitempty"`
	// DataSource says where the images came from, e.g. "phantom (synthetic)" or
	// "medmnist:organamnist.npz md5 866b832ed4eeba67bfb9edee1d5544e6".
	DataSource string `json:"data_source,omitempty"`
	// Seed is the PCG seed of the training run.
	Seed uint64 `json:"seed"`
	// Epochs is the number of training epochs run.
	Epochs int `json:"epochs,omitempty"`
	// TestAccuracy and TestAUC are measured on the held-out test split, in [0, 1].
	TestAccuracy float64 `json:"test_accuracy,omitempty"`
	TestAUC      float64 `json:"test_auc,omitempty"`
	// Created is when the model was made. It is optional and left out when zero, so
	// that a model file is reproducible byte for byte.
	Created time.Time `json:"created,omitzero"`
	// Command reproduces the model, e.g. "go run ./cmd/train -scenario F3 -seed 1".
	Command string `json:"command,omitempty"`
	// Notes is free text.
	Notes string `json:"notes,omitempty"`
}

// Tensor returns the tensor called name, or nil if there is none.
func (f *File) Tensor(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

// Lookup returns the data of the tensor called name, checking that its shape is shape.
// With no shape given any shape is accepted. It fails with ErrMissing or ErrShape.
func (f *File) Lookup(name string, shape ...int) ([]float32, error) {
	t := f.Tensor(name)
	if t == nil {
		return nil, fmt.Errorf("%w: no tensor %q", ErrMissing, name)
	}
	if len(shape) > 0 && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%w: tensor %q has shape %v, want %v", ErrShape, name, t.Shape, shape)
	}
	return t.Data, nil
}

// Precision is how a tensor's values are stored.
type Precision uint8

const (
	// Float32 stores values exactly.
	Float32 Precision = iota
	// Float16 stores IEEE 754 half precision, rounded to nearest even: relative error at
	// most 2^-11 for magnitudes in [2^-14, 65504]; larger magnitudes become infinities.
	Float16
	// Int8 stores 8-bit integers with one float32 scale per slice along the first
	// dimension: absolute error at most scale/2 where scale = maxabs(slice)/127.
	Int8
)

var precisionNames = [...]string{Float32: "float32", Float16: "float16", Int8: "int8"}

// String returns "float32", "float16" or "int8".
func (p Precision) String() string {
	if int(p) < len(precisionNames) {
		return precisionNames[p]
	}
	return fmt.Sprintf("Precision(%d)", uint8(p))
}

// ParsePrecision parses "float32", "float16" or "int8".
func ParsePrecision(s string) (Precision, error) {
	for p, name := range precisionNames {
		if s == name {
			return Precision(p), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown precision %q (want float32, float16 or int8)", ErrInvalid, s)
}

// Options chooses how tensors are stored. The zero value stores everything as float32.
type Options struct {
	// Precision is used for tensors with two or more dimensions and at least
	// MinElements elements.
	Precision Precision
	// Small is used for all other tensors: one-dimensional ones (biases, batch-norm
	// parameters), scalars and small ones. It must be Float32 or Float16.
	Small Precision
	// MinElements is the size below which a tensor counts as small. Tensors without
	// elements always count as small.
	MinElements int
}

// Compact stores weight matrices and convolution kernels of 1024 or more elements as int8
// and everything else as float32: the paper's 281 k-parameter network fits in under 300 KB.
var Compact = Options{Precision: Int8, Small: Float32, MinElements: 1024}

// precisionFor returns the storage precision of a tensor with the given shape.
func (o Options) precisionFor(shape []int, n int) Precision {
	if len(shape) >= 2 && n >= max(o.MinElements, 1) {
		return o.Precision
	}
	return o.Small
}

func (o Options) check() error {
	if o.Precision > Int8 {
		return fmt.Errorf("%w: options: unknown precision %v", ErrInvalid, o.Precision)
	}
	if o.Small > Float16 {
		return fmt.Errorf("%w: options: small tensors must be float32 or float16, not %v", ErrInvalid, o.Small)
	}
	if o.MinElements < 0 {
		return fmt.Errorf("%w: options: MinElements %d is negative", ErrInvalid, o.MinElements)
	}
	return nil
}

// Limits bound what a decoder accepts, checked before anything is allocated, so a hostile
// or damaged file cannot make it use much memory. A zero (or negative) field means its
// DefaultLimits value.
type Limits struct {
	// MaxBytes bounds the decompressed body of a model file and the data section of a
	// safetensors file. A model file's body is decompressed before its checksum can be
	// checked, into at most min(MaxBytes, 32768 x the compressed size) bytes (no zstd
	// block of 4 bytes or more yields over 128 KiB); other buffers grow only with the
	// bytes actually read.
	MaxBytes int64
	// MaxHeader bounds the JSON header.
	MaxHeader int64
	// MaxTensors bounds the number of tensors.
	MaxTensors int
	// MaxElements bounds the number of values over all tensors.
	MaxElements int64
}

// DefaultLimits are the limits of Decode, Read, DecodeSafetensors and ReadSafetensors:
// hundreds of times what this project's models need (about 0.3 M values, 1.1 MB as
// float32) yet far from exhausting memory.
var DefaultLimits = Limits{
	MaxBytes:    256 << 20,
	MaxHeader:   16 << 20,
	MaxTensors:  1 << 14,
	MaxElements: 64 << 20,
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxHeader <= 0 {
		l.MaxHeader = DefaultLimits.MaxHeader
	}
	if l.MaxTensors <= 0 {
		l.MaxTensors = DefaultLimits.MaxTensors
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultLimits.MaxElements
	}
	return l
}

// Errors. Every error from this package about the data or the caller's input wraps
// exactly one of them, so callers can tell the cases apart with errors.Is; the message says
// which tensor, field or offset. Errors of the underlying reader, writer or file system
// are wrapped as they come (errors.Is(err, os.ErrNotExist) works).
var (
	// ErrMagic: the data do not start with the model file magic "FLNS".
	ErrMagic = errors.New("modelfile: not a fusionlens model file")
	// ErrVersion: the format version (or flags) is not one this build reads.
	ErrVersion = errors.New("modelfile: unsupported format version")
	// ErrTruncated: the file ends early.
	ErrTruncated = errors.New("modelfile: truncated")
	// ErrChecksum: the body's CRC-32C differs from the stored one.
	ErrChecksum = errors.New("modelfile: checksum mismatch")
	// ErrCorrupt: the data are malformed: undecompressable, trailing bytes, bad JSON.
	ErrCorrupt = errors.New("modelfile: corrupt")
	// ErrLimit: the file asks for more than the decoder's Limits allow.
	ErrLimit = errors.New("modelfile: limit exceeded")
	// ErrShape: a shape disagrees with the data present (or an invalid dimension).
	ErrShape = errors.New("modelfile: shape mismatch")
	// ErrDuplicate: two tensors (or two JSON keys) have the same name.
	ErrDuplicate = errors.New("modelfile: duplicate name")
	// ErrName: a tensor name is empty, not UTF-8, or reserved.
	ErrName = errors.New("modelfile: invalid tensor name")
	// ErrDtype: a tensor's stored type is unknown or unsupported.
	ErrDtype = errors.New("modelfile: unsupported dtype")
	// ErrOffsets: safetensors data offsets are out of range, overlap or leave holes.
	ErrOffsets = errors.New("modelfile: bad data offsets")
	// ErrMissing: Lookup found no tensor of that name.
	ErrMissing = errors.New("modelfile: missing tensor")
	// ErrInvalid: the caller passed something unusable to an encoder: bad options,
	// invalid Config JSON, non-finite values for int8.
	ErrInvalid = errors.New("modelfile: invalid input")
)
