package npz

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/x448/float16"
)

// Elem is a Go element type with a numpy counterpart.
type Elem interface {
	bool | int8 | uint8 | int16 | uint16 | int32 | uint32 | int64 | uint64 | float32 | float64
}

// DTypeOf returns the DType numpy uses for T.
func DTypeOf[T Elem]() DType {
	var z T
	switch any(z).(type) {
	case bool:
		return Bool
	case int8:
		return Int8
	case uint8:
		return Uint8
	case int16:
		return Int16
	case uint16:
		return Uint16
	case int32:
		return Int32
	case uint32:
		return Uint32
	case int64:
		return Int64
	case uint64:
		return Uint64
	case float32:
		return Float32
	default: // float64, the only type left in Elem
		return Float64
	}
}

// New returns an Array of the given shape holding a copy of data.
func New[T Elem](shape []int, data []T) (*Array, error) {
	a := &Array{DType: DTypeOf[T](), Shape: append([]int{}, shape...)}
	le := binary.LittleEndian
	var b []byte
	switch v := any(data).(type) {
	case []bool:
		b = make([]byte, len(v))
		for i, x := range v {
			if x {
				b[i] = 1
			}
		}
	case []int8:
		b = make([]byte, len(v))
		for i, x := range v {
			b[i] = byte(x)
		}
	case []uint8:
		b = append([]byte{}, v...)
	case []int16:
		for _, x := range v {
			b = le.AppendUint16(b, uint16(x))
		}
	case []uint16:
		for _, x := range v {
			b = le.AppendUint16(b, x)
		}
	case []int32:
		for _, x := range v {
			b = le.AppendUint32(b, uint32(x))
		}
	case []uint32:
		for _, x := range v {
			b = le.AppendUint32(b, x)
		}
	case []int64:
		for _, x := range v {
			b = le.AppendUint64(b, uint64(x))
		}
	case []uint64:
		for _, x := range v {
			b = le.AppendUint64(b, x)
		}
	case []float32:
		for _, x := range v {
			b = le.AppendUint32(b, math.Float32bits(x))
		}
	case []float64:
		for _, x := range v {
			b = le.AppendUint64(b, math.Float64bits(x))
		}
	}
	if b == nil {
		b = []byte{}
	}
	a.Data = b
	if err := a.check(); err != nil {
		return nil, err
	}
	return a, nil
}

// Values returns the elements of a as a []T; T must match a.DType exactly.
func Values[T Elem](a *Array) ([]T, error) {
	want := DTypeOf[T]()
	if a.DType != want {
		return nil, fmt.Errorf("npz: array of %s with shape %s read as %s", a.DType, shapeString(a.Shape), want)
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	out := make([]T, a.Len())
	b := a.Data
	le := binary.LittleEndian
	switch o := any(out).(type) {
	case []bool:
		for i := range o {
			o[i] = b[i] != 0
		}
	case []int8:
		for i := range o {
			o[i] = int8(b[i])
		}
	case []uint8:
		copy(o, b)
	case []int16:
		for i := range o {
			o[i] = int16(le.Uint16(b[2*i:]))
		}
	case []uint16:
		for i := range o {
			o[i] = le.Uint16(b[2*i:])
		}
	case []int32:
		for i := range o {
			o[i] = int32(le.Uint32(b[4*i:]))
		}
	case []uint32:
		for i := range o {
			o[i] = le.Uint32(b[4*i:])
		}
	case []int64:
		for i := range o {
			o[i] = int64(le.Uint64(b[8*i:]))
		}
	case []uint64:
		for i := range o {
			o[i] = le.Uint64(b[8*i:])
		}
	case []float32:
		for i := range o {
			o[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case []float64:
		for i := range o {
			o[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	}
	return out, nil
}

// Float64s converts any supported dtype to float64 (int64 and uint64 values beyond 2^53
// are rounded).
func (a *Array) Float64s() ([]float64, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	out := make([]float64, a.Len())
	for i := range out {
		out[i] = a.float64At(i)
	}
	return out, nil
}

// Int64s converts any integer or bool dtype to int64. Float arrays are accepted only if
// every value is an integer within int64 range; uint64 values above MaxInt64 are errors.
func (a *Array) Int64s() ([]int64, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	out := make([]int64, a.Len())
	le := binary.LittleEndian
	for i := range out {
		switch a.DType {
		case Uint64:
			u := le.Uint64(a.Data[8*i:])
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("npz: element %d of %s array is %d, beyond int64", i, a.DType, u)
			}
			out[i] = int64(u)
		case Float16, Float32, Float64:
			f := a.float64At(i)
			if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
				return nil, fmt.Errorf("npz: element %d of %s array is %v, not an integer", i, a.DType, f)
			}
			out[i] = int64(f)
		case Int64:
			out[i] = int64(le.Uint64(a.Data[8*i:]))
		default:
			out[i] = int64(a.float64At(i)) // exact for all integer types up to 32 bits
		}
	}
	return out, nil
}

// float64At returns element i as a float64; a.check() must have passed.
func (a *Array) float64At(i int) float64 {
	b, le := a.Data, binary.LittleEndian
	switch a.DType {
	case Bool, Uint8:
		return float64(b[i])
	case Int8:
		return float64(int8(b[i]))
	case Int16:
		return float64(int16(le.Uint16(b[2*i:])))
	case Uint16:
		return float64(le.Uint16(b[2*i:]))
	case Float16:
		return float64(float16.Frombits(le.Uint16(b[2*i:])).Float32())
	case Int32:
		return float64(int32(le.Uint32(b[4*i:])))
	case Uint32:
		return float64(le.Uint32(b[4*i:]))
	case Float32:
		return float64(math.Float32frombits(le.Uint32(b[4*i:])))
	case Int64:
		return float64(int64(le.Uint64(b[8*i:])))
	case Uint64:
		return float64(le.Uint64(b[8*i:]))
	case Float64:
		return math.Float64frombits(le.Uint64(b[8*i:]))
	}
	return math.NaN()
}
