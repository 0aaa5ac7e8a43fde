package npz

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func buildNPZ(t testing.TB, deflate bool, names []string, arrays []*Array) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Deflate = deflate
	for i, a := range arrays {
		if err := w.Add(names[i], a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestArchiveRoundTrip(t *testing.T) {
	imgs := mustNew(t, []int{2, 2, 3}, []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	labels := mustNew(t, []int{2, 1}, []int64{3, 9})
	for _, deflate := range []bool{false, true} {
		b := buildNPZ(t, deflate, []string{"train_images", "train_labels"}, []*Array{imgs, labels})
		ar, err := NewArchive(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if k := ar.Keys(); !reflect.DeepEqual(k, []string{"train_images", "train_labels"}) {
			t.Errorf("keys %v", k)
		}
		h, err := ar.Header("train_images")
		if err != nil || !reflect.DeepEqual(h.Shape, []int{2, 2, 3}) || h.DType != Uint8 {
			t.Errorf("header %+v, %v", h, err)
		}
		got, err := ar.Read("train_labels")
		if err != nil || !reflect.DeepEqual(got, labels) {
			t.Errorf("deflate=%v: labels %+v, %v", deflate, got, err)
		}
		// Streaming in pieces gives the same bytes.
		d, err := ar.Stream("train_images")
		if err != nil {
			t.Fatal(err)
		}
		var all []byte
		piece := make([]byte, 5)
		for {
			n, err := d.Read(piece)
			all = append(all, piece[:n]...)
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatal(err)
				}
				break
			}
		}
		d.Close()
		if !bytes.Equal(all, imgs.Data) {
			t.Errorf("streamed %v, want %v", all, imgs.Data)
		}
		if _, err := ar.Read("val_images"); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "train_images, train_labels") {
			t.Errorf("missing key: %v", err)
		}
	}
}

func TestWriterDeterministicAndRejectsDuplicates(t *testing.T) {
	a := mustNew(t, []int{2}, []float64{1, 2})
	b1 := buildNPZ(t, false, []string{"x"}, []*Array{a})
	b2 := buildNPZ(t, false, []string{"x"}, []*Array{a})
	if !bytes.Equal(b1, b2) {
		t.Error("equal arrays gave different archives")
	}
	w := NewWriter(&bytes.Buffer{})
	if err := w.Add("x", a); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("x", a); err == nil {
		t.Error("duplicate name accepted")
	}
}

func TestArchiveErrors(t *testing.T) {
	a := mustNew(t, []int{100}, make([]float32, 100))
	good := buildNPZ(t, false, []string{"x"}, []*Array{a})
	// A truncated download loses the central directory at the end of the zip.
	if _, err := NewArchive(bytes.NewReader(good[:len(good)-30]), int64(len(good)-30)); err == nil ||
		!strings.Contains(err.Error(), "truncated download") {
		t.Errorf("truncated zip: %v", err)
	}
	// An entry whose .npy header claims more data than the entry holds.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, _ := zw.Create("y.npy")
	fw.Write(rawNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,)}", make([]byte, 400)))
	zw.Close()
	ar, err := NewArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ar.Read("y"); !errors.Is(err, ErrSize) || !strings.Contains(err.Error(), "needs 4000 data bytes, 400 follow") {
		t.Errorf("short entry: %v", err)
	}
	// An entry that is not a .npy at all.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	fw, _ = zw.Create("z.npy")
	fw.Write([]byte("hello"))
	zw.Close()
	ar, _ = NewArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if _, err := ar.Read("z"); !errors.Is(err, ErrMagic) {
		t.Errorf("non-npy entry: %v", err)
	}
	// Corrupted stored data fails the zip checksum when read to the end.
	bad := append([]byte{}, good...)
	i := bytes.Index(bad, []byte(magic))
	bad[i+200] ^= 0xff
	ar, _ = NewArchive(bytes.NewReader(bad), int64(len(bad)))
	if _, err := ar.Read("x"); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupt entry: %v", err)
	}
}
