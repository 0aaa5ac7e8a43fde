package main

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/fusion"
)

func TestIndex(t *testing.T) {
	ae, aeFile, err := testmodel.Autoencoder(40, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, model, err := testmodel.Fusion("F2", ae, 60, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	weights, out := t.TempDir(), filepath.Join(t.TempDir(), "models")
	files := map[string][]byte{
		"b-F2.flns": model, "a-ae.flns": aeFile, "validation.json": []byte(`{"methods":[]}`),
		"README.md": []byte("docs"), "weights.go": []byte("package weights"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(weights, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := run(weights, out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Models) != 1 || idx.Models[0].File != "b-F2.flns" || !strings.HasPrefix(idx.Models[0].Name, "F2: b-F2 · ") || idx.Autoencoder != "a-ae.flns" {
		t.Errorf("index %+v", idx)
	}
	var back Index
	b, _ := os.ReadFile(filepath.Join(out, "index.json"))
	if err := json.Unmarshal(b, &back); err != nil || back.Autoencoder != "a-ae.flns" {
		t.Errorf("index.json %s: %v", b, err)
	}
	for _, want := range []string{"b-F2.flns", "a-ae.flns", "validation.json"} {
		if _, err := os.Stat(filepath.Join(out, want)); err != nil {
			t.Errorf("%s not copied: %v", want, err)
		}
	}
	checkReference(t, model, idx.Models[0], out)
	for _, not := range []string{"README.md", "weights.go"} {
		if _, err := os.Stat(filepath.Join(out, not)); err == nil {
			t.Errorf("%s copied into the site", not)
		}
	}
	// A model file that does not decode stops the build, naming it.
	if err := os.WriteFile(filepath.Join(weights, "c-broken.flns"), model[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(weights, out, io.Discard); err == nil || !strings.Contains(err.Error(), "c-broken.flns") {
		t.Errorf("broken model: %v", err)
	}
	// No weights folder: an empty list.
	idx, err = run(filepath.Join(weights, "none"), filepath.Join(t.TempDir(), "m"), io.Discard)
	if err != nil || len(idx.Models) != 0 || idx.Autoencoder != "" {
		t.Errorf("no weights: %+v, %v", idx, err)
	}
}

// checkReference checks that the reference file written for a model holds the fusion
// vectors the explainer encodes for the default reference cohort (ReferenceCohort, at
// once; the page's Prepare encodes the same a slice at a time), and that the engine
// takes it.
func checkReference(t *testing.T, model []byte, m Entry, out string) {
	t.Helper()
	if m.Reference != m.File+".ref" {
		t.Fatalf("model %s lists reference file %q; want %q", m.File, m.Reference, m.File+".ref")
	}
	data, err := os.ReadFile(filepath.Join(out, m.Reference))
	if err != nil {
		t.Fatal(err)
	}
	r, err := explainer.DecodeReferenceFile(data)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := fusion.LoadBytes(model)
	if err != nil {
		t.Fatal(err)
	}
	want, err := explainer.ReferenceCohort(net, explainer.DefaultReferenceN, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.N != want.N || r.Seed != 1 || r.Model != explainer.ModelHash(model) || len(r.Z) != len(want.Z) {
		t.Fatalf("reference file: %d cases of %d, seed %d, model %x; want %d cases (%d values), seed 1, model %x",
			r.N, r.Dim, r.Seed, r.Model, want.N, len(want.Z), explainer.ModelHash(model))
	}
	for i := range r.Z {
		if d := math.Abs(float64(r.Z[i] - want.Z[i])); d > 1e-5*math.Max(1, math.Abs(float64(want.Z[i]))) {
			t.Fatalf("reference z[%d] = %v in the file, %v encoded at once", i, r.Z[i], want.Z[i])
		}
	}
	e, err := explainer.Open(m.File, model, explainer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetReference(data); err != nil || !e.ReferenceReady() {
		t.Fatalf("SetReference: %v (ready %v)", err, e.ReferenceReady())
	}
}
