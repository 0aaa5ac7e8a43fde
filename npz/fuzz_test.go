package npz

import (
	"bytes"
	"reflect"
	"testing"
)

// fuzzLimits keep each fuzz input cheap.
var fuzzLimits = Limits{MaxHeaderBytes: 4096, MaxBytes: 1 << 20}

func FuzzReadNPY(f *testing.F) {
	f.Add(encode(f, mustNew(f, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})))
	f.Add(encode(f, mustNew(f, []int{4}, []uint8{1, 2, 3, 4})))
	f.Add(encode(f, mustNew(f, []int{}, []int64{-7})))
	f.Add(rawNPY("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 1), }", []byte{0, 0, 0, 1, 0, 0, 0, 2}))
	f.Add(rawNPY("{'descr': '<f2', 'fortran_order': False, 'shape': (1L,), }", []byte{0, 0x3c}))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := Read(bytes.NewReader(in), fuzzLimits)
		if err != nil {
			return
		}
		// Whatever was read must write back and read again unchanged.
		var b bytes.Buffer
		if err := Write(&b, a); err != nil {
			t.Fatalf("read %s %v but cannot write it: %v", a.DType, a.Shape, err)
		}
		again, err := Read(&b, fuzzLimits)
		if err != nil {
			t.Fatalf("re-reading our own output: %v", err)
		}
		if !reflect.DeepEqual(a, again) {
			t.Fatalf("round trip changed %+v into %+v", a, again)
		}
		if _, err := a.Float64s(); err != nil {
			t.Fatalf("Float64s on a valid array: %v", err)
		}
	})
}

func FuzzReadNPZ(f *testing.F) {
	imgs := mustNew(f, []int{2, 2, 2}, []uint8{1, 2, 3, 4, 5, 6, 7, 8})
	labels := mustNew(f, []int{2, 1}, []int64{0, 10})
	f.Add(buildNPZ(f, false, []string{"train_images", "train_labels"}, []*Array{imgs, labels}))
	f.Add(buildNPZ(f, true, []string{"train_images", "train_labels"}, []*Array{imgs, labels}))
	f.Fuzz(func(t *testing.T, in []byte) {
		ar, err := NewArchive(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		ar.Limits = fuzzLimits
		for _, k := range ar.Keys() {
			a, err := ar.Read(k)
			if err != nil {
				continue
			}
			if err := a.check(); err != nil {
				t.Fatalf("array %q read without error is inconsistent: %v", k, err)
			}
		}
	})
}
