package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/schema"
)

// testNet is a small network of a non-paper shape with weights large enough for int8
// storage to apply (a 1600-value first dense layer).
func testNet(t *testing.T) *fusion.Net {
	t.Helper()
	s := schema.Schema{
		Images:  []schema.Image{{Name: "scan", Size: 20, Channels: 1}},
		Groups:  []schema.Group{{Name: "labs", Variables: []schema.Variable{{Name: "crp", Kind: schema.KindNumeric, Mean: 5, SD: 2, Min: 0, Max: 50}}}},
		Classes: []string{"a", "b", "c"},
	}
	cfg, err := fusion.NewConfig(s, "shared", []fusion.ConvLayer{{Out: 4, Kernel: 3, Pool: true}}, []int{5}, []int{8, 3})
	if err != nil {
		t.Fatal(err)
	}
	m, err := fusion.NewNet(cfg, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tensors(t *testing.T, path string) []modelfile.Tensor {
	t.Helper()
	m, _, err := fusion.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m.File(modelfile.Meta{}).Tensors
}

func equalTensors(a, b []modelfile.Tensor) bool {
	return slices.EqualFunc(a, b, func(x, y modelfile.Tensor) bool {
		return x.Name == y.Name && slices.Equal(x.Shape, y.Shape) && slices.Equal(x.Data, y.Data)
	})
}

// TestRoundTrip converts an int8 model file to safetensors and back: the report says that
// int8 storage becomes float32, the values are those the model file held, and the
// configuration and meta survive both ways.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	flns, st, back := filepath.Join(dir, "m.flns"), filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "back.flns")
	meta := modelfile.Meta{Seed: 9, Epochs: 3, Command: "go run ./cmd/train -seed 9", Notes: "export test"}
	if err := fusion.Save(flns, testNet(t), meta, modelfile.Compact); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-in", flns, "-out", st}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fusionlens model file", "1 int8", "1 tensor(s) stored as int8 become float32", "wrote " + st + ": safetensors", "schema: scan, labs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report does not say %q:\n%s", want, out.String())
		}
	}
	if !equalTensors(tensors(t, flns), tensors(t, st)) {
		t.Fatal("the safetensors values are not those the model file held")
	}
	out.Reset()
	if err := run([]string{"-in", st, "-out", back}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "changes: nothing") || !strings.Contains(out.String(), "safetensors, 16 tensors (16 float32)") {
		t.Errorf("float32 safetensors to a float32 model file should change nothing:\n%s", out.String())
	}
	if !equalTensors(tensors(t, st), tensors(t, back)) {
		t.Fatal("the values changed from safetensors to a model file")
	}
	m, got, err := fusion.Load(back)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seed != meta.Seed || got.Epochs != meta.Epochs || got.Command != meta.Command || got.Notes != meta.Notes || got.Kind != fusion.Kind {
		t.Errorf("meta after the round trip %+v, want %+v", got, meta)
	}
	if m.Config().Classes() != 3 || m.Schema().Images[0].Name != "scan" {
		t.Errorf("configuration lost: %+v", m.Config())
	}
}

// TestRefusesMismatch: a safetensors file missing a tensor is not converted, and the error
// lists what was expected and found.
func TestRefusesMismatch(t *testing.T) {
	dir := t.TempDir()
	f := testNet(t).File(modelfile.Meta{})
	f.Tensors = f.Tensors[1:]
	st := filepath.Join(dir, "bad.safetensors")
	if err := modelfile.WriteSafetensorsAtomic(st, f, modelfile.Float32); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"-in", st, "-out", filepath.Join(dir, "out.flns")}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "missing (1): encoder.0.weight [4 1 3 3]") || !strings.Contains(err.Error(), "expected 16 tensors, found 15") {
		t.Fatalf("error %v: want the missing tensor and the counts", err)
	}
}

// TestFlags: bad flag combinations are errors, not files.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"-in", "x"}, {"-in", "x", "-out", "y.safetensors", "-precision", "int8"}, {"-in", "x", "-out", "y", "-precision", "int4"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("export %v: no error", args)
		}
	}
}

// FuzzSafetensorsDtypes: the header reader never panics, and what it reads is a map of
// the header's tensors.
func FuzzSafetensorsDtypes(f *testing.F) {
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{\"dtype\":1}}"))
	f.Add([]byte("\x02\x00\x00\x00\x00\x00\x00\x00{}"))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := safetensorsDtypes(b)
		if err == nil && d == nil {
			t.Fatal("no error and no map")
		}
	})
}
