package fusion

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
)

func TestDefaultConfig(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Flat() != 1600 || cfg.Dim() != 40 || cfg.Features() != 10 || cfg.Pixels() != 784 {
		t.Errorf("flat %d, dim %d, features %d, pixels %d; want 1600, 40, 10, 784", cfg.Flat(), cfg.Dim(), cfg.Features(), cfg.Pixels())
	}
	// The paper's network has about 281 k parameters.
	if p := cfg.NumParams(); p != 281440 {
		t.Errorf("NumParams %d, want 281440", p)
	}
	m := mustNet(t, cfg, 1, 1)
	if p := nn.NumParams(m.Params()); p != cfg.NumParams() {
		t.Errorf("the Net has %d parameters, its Config says %d", p, cfg.NumParams())
	}
	want := [][2]int{{0, 10}, {10, 20}, {20, 30}, {30, 40}}
	for i, b := range cfg.Blocks() {
		if b != want[i] {
			t.Errorf("block %d is %v, want %v", i, b, want[i])
		}
	}
	names := m.TensorNames()
	for _, n := range []string{"encoder.0.weight", "encoder.1.running_var", "encoder.10.weight", "encoder.15.weight", "encoder.20.running_mean", "head.0.weight", "head.6.bias"} {
		found := false
		for _, x := range names {
			found = found || x == n
		}
		if !found {
			t.Errorf("no tensor %q among %v", n, names)
		}
	}
}

func TestConfigValidateErrors(t *testing.T) {
	cases := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.ImageSize = 1 }, "image_size"},
		{func(c *Config) { c.Images = 0 }, "images"},
		{func(c *Config) { c.Clinical = -1 }, "clinical"},
		{func(c *Config) { c.Conv[1].Out = 0 }, "conv[1].out"},
		{func(c *Config) { c.Conv[0].Kernel = 0 }, "conv[0].kernel"},
		{func(c *Config) { c.Conv[3].Pad = 3 }, "conv[3].pad"},
		{func(c *Config) { c.ImageSize = 8 }, "conv[2]"},
		{func(c *Config) { c.Dense = nil }, "dense"},
		{func(c *Config) { c.Dense[1] = -4 }, "dense[1]"},
		{func(c *Config) { c.Head[3] = 3 }, "want 2"},
		{func(c *Config) { c.Head[0] = 0 }, "head[0]"},
		{func(c *Config) { c.Modalities = c.Modalities[:1] }, "modalities"},
		{func(c *Config) { c.Modalities[1].Name = "ct_axial" }, "used twice"},
		{func(c *Config) { c.Modalities[0].Width = 9 }, "ct_axial"},
		{func(c *Config) { c.Modalities[2].Name = "" }, "modalities[2].name"},
		{func(c *Config) { c.Modalities[3].Width = 0 }, "clinical_b"},
		{func(c *Config) { c.Clinical = 21 }, "clinical = 21"},
		{func(c *Config) { c.ImageSize = 256 }, "values per image"},
		{func(c *Config) { c.Dense = []int{4096, 4096, 10} }, "parameters"},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		c.Conv = append([]ConvLayer(nil), c.Conv...)
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error mentioning %q, got %v", tc.want, err)
		}
		if _, err := NewNet(c, 1, 1); err == nil {
			t.Errorf("NewNet accepted a config Validate rejects (%s)", tc.want)
		}
	}
}

func TestParseConfig(t *testing.T) {
	b, err := json.Marshal(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParams() != DefaultConfig().NumParams() || c.Modalities[3].Name != "clinical_b" || !c.Conv[3].Pool || c.Conv[3].Pad != 1 {
		t.Errorf("round trip changed the config: %+v", c)
	}
	for _, bad := range []string{
		``, `{`, `[]`, `null`,
		strings.Replace(string(b), `"image_size"`, `"image_sise"`, 1),
		string(b) + `{}`,
		strings.Replace(string(b), `"images":2`, `"images":"2"`, 1),
	} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("ParseConfig(%.60q) accepted it", bad)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	b, _ := json.Marshal(DefaultConfig())
	f.Add(b)
	s, _ := json.Marshal(smallConfig())
	f.Add(s)
	f.Add([]byte(`{"image_size":4,"images":1,"clinical":0,"conv":[],"dense":[1],"head":[2],"modalities":[{"name":"a","width":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig returned an invalid config: %v", err)
		}
		if c.NumParams() <= 0 || c.Dim() <= 0 {
			t.Fatalf("valid config with %d params, dim %d", c.NumParams(), c.Dim())
		}
	})
}
