package explainer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/importance"
)

// A reference file holds a model's reference fusion vectors, encoded ahead of time (the
// site's build writes one beside each shipped model), so that the page need not encode
// the reference cohort itself. Layout, little-endian:
//
//	magic "FLRF", version uint32 (1)
//	N uint32, Dim uint32: the cases and the length of a fusion vector
//	Seed uint64: the cohort's seed (Options.ReferenceSeed)
//	Model uint64: FNV-1a 64 of the model file the vectors were encoded with
//	N*Dim float32: the fusion vectors, case after case
const (
	refMagic   = "FLRF"
	refVersion = 1
	refHeader  = 4 + 4 + 4 + 4 + 8 + 8
	// maxRefValues bounds N*Dim, so a header cannot ask for more than the data holds.
	maxRefValues = 1 << 24
)

// ReferenceFile is a decoded reference file.
type ReferenceFile struct {
	N, Dim int
	Seed   uint64
	Model  uint64    // ModelHash of the model file
	Z      []float32 // N*Dim fusion vectors, case after case
}

// ModelHash is the FNV-1a 64 hash of a model file, which a reference file names so that
// it is never used with another model.
func ModelHash(data []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range data {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return h
}

// EncodeReferenceFile writes r in the reference file layout. It refuses an r whose Z is
// not N*Dim values.
func EncodeReferenceFile(r ReferenceFile) ([]byte, error) {
	if r.N < 1 || r.Dim < 1 || len(r.Z) != r.N*r.Dim || r.N*r.Dim > maxRefValues {
		return nil, fmt.Errorf("explainer: reference file of %d cases of %d values needs %d values (at most %d); have %d", r.N, r.Dim, r.N*r.Dim, maxRefValues, len(r.Z))
	}
	b := make([]byte, refHeader, refHeader+4*len(r.Z))
	copy(b, refMagic)
	binary.LittleEndian.PutUint32(b[4:], refVersion)
	binary.LittleEndian.PutUint32(b[8:], uint32(r.N))
	binary.LittleEndian.PutUint32(b[12:], uint32(r.Dim))
	binary.LittleEndian.PutUint64(b[16:], r.Seed)
	binary.LittleEndian.PutUint64(b[24:], r.Model)
	for _, v := range r.Z {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b, nil
}

// DecodeReferenceFile reads a reference file. It refuses a file that is not one, of
// another version, whose size is not what its header says, or that holds a value that is
// not finite.
func DecodeReferenceFile(data []byte) (ReferenceFile, error) {
	if len(data) < refHeader || string(data[:4]) != refMagic {
		return ReferenceFile{}, errors.New("explainer: not a reference file (no FLRF header)")
	}
	if v := binary.LittleEndian.Uint32(data[4:]); v != refVersion {
		return ReferenceFile{}, fmt.Errorf("explainer: reference file version %d; this build reads version %d", v, refVersion)
	}
	n, dim := binary.LittleEndian.Uint32(data[8:]), binary.LittleEndian.Uint32(data[12:])
	if n < 1 || dim < 1 || uint64(n)*uint64(dim) > maxRefValues {
		return ReferenceFile{}, fmt.Errorf("explainer: reference file of %d cases of %d values; want 1 to %d values in all", n, dim, maxRefValues)
	}
	values := int(n) * int(dim)
	if want := refHeader + 4*values; len(data) != want {
		return ReferenceFile{}, fmt.Errorf("explainer: reference file of %d cases of %d values is %d bytes; want %d", n, dim, len(data), want)
	}
	r := ReferenceFile{N: int(n), Dim: int(dim), Seed: binary.LittleEndian.Uint64(data[16:]),
		Model: binary.LittleEndian.Uint64(data[24:]), Z: make([]float32, values)}
	for i := range r.Z {
		v := math.Float32frombits(binary.LittleEndian.Uint32(data[refHeader+4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return ReferenceFile{}, fmt.Errorf("explainer: reference file value %d (case %d, element %d) is %v; want a finite number", i, i/int(dim), i%int(dim), v)
		}
		r.Z[i] = v
	}
	return r, nil
}

// ReferenceFile returns the engine's reference cohort as a reference file, for a build
// to ship beside the model. The cohort must be complete (Prepare).
func (e *Engine) ReferenceFile() ([]byte, error) {
	e.mu.Lock()
	ref, refN := e.ref, e.refN
	e.mu.Unlock()
	if refN == 0 {
		return nil, errors.New("explainer: this model's layout has no reference cohort")
	}
	if ref.N != refN {
		return nil, fmt.Errorf("explainer: the reference cohort has %d of %d cases encoded; Prepare it first", ref.N, refN)
	}
	return EncodeReferenceFile(ReferenceFile{N: ref.N, Dim: e.dense.Dim(), Seed: e.opt.ReferenceSeed, Model: ModelHash(e.data), Z: ref.Z})
}

// SetReference installs a reference file's fusion vectors as the engine's reference
// cohort, so Prepare has nothing left to do. It refuses a file made for another model
// file, cohort size, seed or fusion vector length, and one that is not a valid reference
// file, leaving the engine as it was; the engine then encodes the cohort itself.
func (e *Engine) SetReference(data []byte) error {
	r, err := DecodeReferenceFile(data)
	if err != nil {
		return err
	}
	if e.refN == 0 {
		return errors.New("explainer: this model's layout has no reference cohort")
	}
	switch dim := e.dense.Dim(); {
	case r.N != e.refN:
		return fmt.Errorf("explainer: reference file of %d cases; this engine's reference cohort has %d", r.N, e.refN)
	case r.Dim != dim:
		return fmt.Errorf("explainer: reference file of %d-value fusion vectors; this model's are %d", r.Dim, dim)
	case r.Seed != e.opt.ReferenceSeed:
		return fmt.Errorf("explainer: reference file drawn from seed %d; this engine's reference cohort uses seed %d", r.Seed, e.opt.ReferenceSeed)
	case r.Model != ModelHash(e.data):
		return fmt.Errorf("explainer: reference file made for another model file (hash %016x; %s hashes to %016x)", r.Model, e.file, ModelHash(e.data))
	}
	// Prepare holds work while it encodes; a cohort in progress is left to finish.
	if !e.work.TryLock() {
		return errors.New("explainer: the reference cohort is being encoded")
	}
	defer e.work.Unlock()
	e.mu.Lock()
	e.ref = importance.Cohort{Z: r.Z, N: r.N}
	e.mu.Unlock()
	return nil
}
