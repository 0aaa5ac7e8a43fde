package python_test

import (
	"path/filepath"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/schema"
)

// shapes are network configurations of several schema shapes: the paper's, and three of
// users' kinds (RGB and grey of different sizes with separate encoders and three classes,
// categorical values; two small grey images sharing an encoder, no tabular values, four
// classes; an encoder without convolutions).
func shapes(t *testing.T) map[string]fusion.Config {
	t.Helper()
	must := func(c fusion.Config, err error) fusion.Config {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	age := schema.Variable{Name: "age", Kind: schema.KindNumeric, Unit: "years", Mean: 55, SD: 12, Min: 0, Max: 120}
	sex := schema.Variable{Name: "sex", Kind: schema.KindCategorical, Levels: []string{"F", "M", "X"}}
	crp := schema.Variable{Name: "crp", Kind: schema.KindNumeric, Mean: 10, SD: 4, Min: 0, Max: 300}
	return map[string]fusion.Config{
		"paper": fusion.DefaultConfig(),
		"rgb32-grey20-separate-3classes": must(fusion.NewConfig(schema.Schema{
			Images:  []schema.Image{{Name: "photo", Size: 32, Channels: 3}, {Name: "scan", Size: 20, Channels: 1}},
			Groups:  []schema.Group{{Name: "vitals", Variables: []schema.Variable{age, sex}}, {Name: "labs", Variables: []schema.Variable{crp}}},
			Classes: []string{"a", "b", "c"},
		}, "separate", []fusion.ConvLayer{{Out: 6, Kernel: 3, Pool: true}, {Out: 8, Kernel: 3, Pad: 1}}, []int{16, 6}, []int{12, 3})),
		"grey16x2-shared-notabular-4classes": must(fusion.NewConfig(schema.Schema{
			Images:  []schema.Image{{Name: "left", Size: 16, Channels: 1}, {Name: "right", Size: 16, Channels: 1}},
			Classes: []string{"w", "x", "y", "z"},
		}, "shared", []fusion.ConvLayer{{Out: 4, Kernel: 5, Pad: 2, Pool: true}, {Out: 6, Kernel: 3}}, []int{5}, []int{8, 4})),
		"rgb16-dense-only": must(fusion.NewConfig(schema.Schema{
			Images:  []schema.Image{{Name: "patch", Size: 16, Channels: 3}},
			Groups:  []schema.Group{{Name: "vitals", Variables: []schema.Variable{age}}},
			Classes: []string{"no", "yes"},
		}, "shared", nil, []int{9, 4}, []int{6, 2})),
	}
}

// TestGoModelInTorch trains networks of every shape a few steps in fusionlens, writes
// them as safetensors, and loads them in PyTorch (load_state_dict(strict=True) on the
// module fusionlens_torch builds from the file's configuration): the state_dict keys are
// the tensor names, and p, the probabilities, z, dp/dz and the pixel gradients agree with
// torch autograd in float64, for every class.
func TestGoModelInTorch(t *testing.T) {
	requireTorch(t)
	for name, cfg := range shapes(t) {
		t.Run(name, func(t *testing.T) {
			m := trainGo(t, cfg, 3)
			path := filepath.Join(t.TempDir(), "model.safetensors")
			if err := fusion.SaveSafetensors(path, m, modelfile.Meta{Seed: 3, Notes: "bridge test"}); err != nil {
				t.Fatal(err)
			}
			checkAgainstTorch(t, path, m, randomCases(cfg, 2, 5))
		})
	}
}
