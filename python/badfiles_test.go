package python_test

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/schema"
)

// TestBadFilesRefused: safetensors whose tensors do not match their configuration are
// refused by fusion.Load, and the message names the configuration, the numbers of
// tensors expected and found, and each missing, misshaped or unused tensor with its
// shape.
func TestBadFilesRefused(t *testing.T) {
	cfg := shapes(t)["rgb32-grey20-separate-3classes"]
	m, err := fusion.NewNet(cfg, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	good := func() *modelfile.File { return m.File(modelfile.Meta{}) }
	// A schema with one more numeric variable: the head's first layer reads one more value.
	wider := cfg
	wider.Schema = cfg.Schema.Clone()
	wider.Schema.Groups[1].Variables = append(wider.Schema.Groups[1].Variables,
		schema.Variable{Name: "wbc", Kind: schema.KindNumeric, Mean: 7, SD: 2, Min: 0, Max: 50})
	widerJSON, err := json.Marshal(wider)
	if err != nil {
		t.Fatal(err)
	}
	n := len(good().Tensors)
	for _, c := range []struct {
		name string
		edit func(f *modelfile.File)
		want []string
	}{
		{"missing", func(f *modelfile.File) { f.Tensors = append(f.Tensors[:2:2], f.Tensors[4:]...) },
			[]string{"found " + strconv.Itoa(n-2), "missing (2): encoders.0.1.weight [6], encoders.0.1.bias [6]"}},
		{"extra", func(f *modelfile.File) {
			f.Tensors = append(f.Tensors, modelfile.Tensor{Name: "head.9.weight", Shape: []int{2, 2}, Data: make([]float32, 4)})
		}, []string{"found " + strconv.Itoa(n+1), "not used by the configuration (1): head.9.weight [2 2]"}},
		{"wrong shape", func(f *modelfile.File) {
			f.Tensors[0].Shape = []int{3, 6, 3, 3}
			f.Tensors[0].Data = f.Tensors[0].Data[:3*6*9]
		}, []string{"found " + strconv.Itoa(n), "wrong shape (1): encoders.0.0.weight is [3 6 3 3], want [6 3 3 3]"}},
		{"schema does not match", func(f *modelfile.File) { f.Config = widerJSON },
			[]string{"6 tabular values", "wrong shape (1): head.0.weight is [12 17], want [12 18]"}},
		{"num_batches_tracked is allowed, but not its weight", func(f *modelfile.File) {
			f.Tensors = append(f.Tensors,
				modelfile.Tensor{Name: "head.0.num_batches_tracked", Shape: []int{}, Data: []float32{3}},
				modelfile.Tensor{Name: "encoders.1.1.weight_orig", Shape: []int{6}, Data: make([]float32, 6)})
		}, []string{"found " + strconv.Itoa(n+1), "not used by the configuration (1): encoders.1.1.weight_orig [6]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := good()
			c.edit(f)
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := modelfile.WriteSafetensorsAtomic(path, f, modelfile.Float32); err != nil {
				t.Fatal(err)
			}
			_, _, err := fusion.Load(path)
			if err == nil {
				t.Fatal("the file was accepted")
			}
			for _, w := range append(c.want, "do not match its configuration (images photo 3x32x32 by encoder 0, scan 1x20x20 by encoder 1",
				"expected "+strconv.Itoa(n)+" tensors") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not say %q", err, w)
				}
			}
		})
	}
	// The good file loads.
	path := filepath.Join(t.TempDir(), "good.safetensors")
	if err := fusion.SaveSafetensors(path, m, modelfile.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fusion.Load(path); err != nil {
		t.Fatalf("the unedited file: %v", err)
	}
}
