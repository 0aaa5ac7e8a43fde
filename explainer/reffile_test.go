package explainer

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
)

// TestReferenceFile checks that a reference file written from one engine's Prepare gives
// another engine of the same model the same reference cohort, with nothing left for
// Prepare to do, and that files made for another model, cohort or seed, of the wrong
// size or with a value that is not finite are refused with the engine left as it was.
func TestReferenceFile(t *testing.T) {
	const n = 12
	src := untrained(t, Options{ReferenceN: n, ReferenceSeed: 3})
	if _, err := src.ReferenceFile(); err == nil || !strings.Contains(err.Error(), "0 of 12") {
		t.Errorf("ReferenceFile before Prepare: %v; want an error naming 0 of 12 cases", err)
	}
	if err := src.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	file, err := src.ReferenceFile()
	if err != nil {
		t.Fatal(err)
	}
	dim := src.dense.Dim()
	if want := refHeader + 4*n*dim; len(file) != want {
		t.Fatalf("reference file of %d bytes; want %d", len(file), want)
	}

	dst := untrained(t, Options{ReferenceN: n, ReferenceSeed: 3})
	if err := dst.SetReference(file); err != nil {
		t.Fatal(err)
	}
	if !dst.ReferenceReady() {
		t.Fatal("not ReferenceReady after SetReference")
	}
	if got, want := dst.Reference(), src.Reference(); got.N != n || !slices.Equal(got.Z, want.Z) {
		t.Fatalf("SetReference gave %d cases, %d values; Prepare %d, %d (or different values)", got.N, len(got.Z), want.N, len(want.Z))
	}
	if err := dst.Prepare(func(p engine.Progress) error {
		t.Errorf("Prepare after SetReference paced %+v: it had work left", p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	refuse := func(name string, e *Engine, data []byte, want string) {
		t.Helper()
		err := e.SetReference(data)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: SetReference = %v; want an error containing %q", name, err, want)
		}
		if e.Reference().N != 0 {
			t.Errorf("%s: the refused file left %d reference cases", name, e.Reference().N)
		}
	}
	fresh := func(o Options) *Engine { return untrained(t, o) }
	base := Options{ReferenceN: n, ReferenceSeed: 3}
	refuse("other cohort size", fresh(Options{ReferenceN: n + 1, ReferenceSeed: 3}), file, "12 cases")
	refuse("other seed", fresh(Options{ReferenceN: n, ReferenceSeed: 4}), file, "seed 3")
	refuse("truncated", fresh(base), file[:len(file)-4], "bytes")
	refuse("one value more", fresh(base), append(slices.Clone(file), 0, 0, 0, 0), "bytes")
	refuse("empty", fresh(base), nil, "not a reference file")
	nan := slices.Clone(file)
	binary.LittleEndian.PutUint32(nan[refHeader+4*(dim+2):], math.Float32bits(float32(math.NaN())))
	refuse("NaN", fresh(base), nan, "case 1, element 2")
	inf := slices.Clone(file)
	binary.LittleEndian.PutUint32(inf[refHeader:], math.Float32bits(float32(math.Inf(1))))
	refuse("Inf", fresh(base), inf, "finite")
	other := slices.Clone(file)
	binary.LittleEndian.PutUint64(other[24:], ModelHash([]byte("another model")))
	refuse("other model", fresh(base), other, "another model file")
	short := slices.Clone(file)
	binary.LittleEndian.PutUint32(short[12:], uint32(dim-1))
	short = short[:refHeader+4*n*(dim-1)]
	refuse("other fusion size", fresh(base), short, "39-value")
	version := slices.Clone(file)
	binary.LittleEndian.PutUint32(version[4:], 2)
	refuse("other version", fresh(base), version, "version 2")
}

// TestEncodeReferenceFileRefuses checks that a cohort whose values do not fill N x Dim is
// not written.
func TestEncodeReferenceFileRefuses(t *testing.T) {
	for _, r := range []ReferenceFile{{N: 2, Dim: 3, Z: make([]float32, 5)}, {N: 0, Dim: 3}, {N: 2, Dim: 0}} {
		if _, err := EncodeReferenceFile(r); err == nil {
			t.Errorf("EncodeReferenceFile(N %d, Dim %d, %d values) wrote a file", r.N, r.Dim, len(r.Z))
		}
	}
}

// FuzzDecodeReferenceFile checks that DecodeReferenceFile never panics, and that what it
// accepts has N*Dim finite values and encodes back to the same bytes.
func FuzzDecodeReferenceFile(f *testing.F) {
	good, err := EncodeReferenceFile(ReferenceFile{N: 2, Dim: 3, Seed: 1, Model: 7, Z: []float32{1, -2, 3, 0.5, 0, 6}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:refHeader])
	f.Add([]byte("FLRF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeReferenceFile(data)
		if err != nil {
			return
		}
		if len(r.Z) != r.N*r.Dim || !finite(r.Z) {
			t.Fatalf("accepted %d cases of %d values with %d values (finite %v)", r.N, r.Dim, len(r.Z), finite(r.Z))
		}
		back, err := EncodeReferenceFile(r)
		if err != nil || !slices.Equal(back, data) {
			t.Fatalf("re-encoding an accepted file: %v (same bytes %v)", err, slices.Equal(back, data))
		}
	})
}
