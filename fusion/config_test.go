package fusion

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/clinical"
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
		{func(c *Config) { c.Schema.Images[0].Size = 8 }, "images[0].size"},
		{func(c *Config) { c.Schema.Images = nil }, "0 images"},
		{func(c *Config) { c.Schema.Groups[1].Variables[2].SD = 0 }, "groups[1].variables[2].sd is 0"},
		{func(c *Config) { c.Encoders[0].Conv[1].Out = 0 }, "encoders[0].conv[1].out"},
		{func(c *Config) { c.Encoders[0].Conv[0].Kernel = 0 }, "encoders[0].conv[0].kernel"},
		{func(c *Config) { c.Encoders[0].Conv[3].Pad = 3 }, "encoders[0].conv[3].pad"},
		{func(c *Config) { c.Encoders[0].Conv[2].Kernel = 13 }, "encoders[0].conv[2]"},
		{func(c *Config) { c.Encoders[0].Dense = nil }, "dense"},
		{func(c *Config) { c.Encoders[0].Dense[1] = -4 }, "encoders[0].dense[1]"},
		{func(c *Config) { c.Encoders[0].Channels = 3 }, "its encoder 0 reads"},
		{func(c *Config) { c.Encoders[0].Size = 32 }, "its encoder 0 reads"},
		{func(c *Config) { c.Encoders = append(c.Encoders, c.Encoders[0]) }, "encoders[1] encodes no image input"},
		{func(c *Config) { c.Encoders = nil }, "0 encoders"},
		{func(c *Config) { c.Encoder[1] = 1 }, "encoder[1] is 1"},
		{func(c *Config) { c.Encoder = c.Encoder[:1] }, "encoder lists 1 image inputs"},
		{func(c *Config) { c.Head[3] = 3 }, "want the schema's 2 classes"},
		{func(c *Config) { c.Head[0] = 0 }, "head[0]"},
		{func(c *Config) { c.Head = nil }, "0 head layers"},
		{func(c *Config) { c.Schema.Images[1].Name = "ct_axial" }, "images[1].name"},
		{func(c *Config) { c.Encoders[0].Dense = []int{4096, 4096, 10} }, "parameters"},
		{func(c *Config) {
			c.Schema.Images[0].Size, c.Schema.Images[1].Size, c.Encoders[0].Size = 256, 256, 256
			c.Encoders[0].Conv = []ConvLayer{{Out: 64, Kernel: 3}, {Out: 64, Kernel: 3}}
		}, "values per image"},
	}
	for _, tc := range cases {
		c := DefaultConfig()
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

// legacyPaperJSON is the configuration JSON the model files of the paper's network held
// before schemas existed (as in weights/).
const legacyPaperJSON = `{"image_size":28,"images":2,"clinical":20,"conv":[{"out":16,"kernel":3,"pad":0},{"out":16,"kernel":3,"pad":0,"pool":true},{"out":64,"kernel":3,"pad":0},{"out":64,"kernel":3,"pad":1,"pool":true}],"dense":[128,128,10],"head":[100,50,10,2],"modalities":[{"name":"ct_axial","width":10},{"name":"ct_coronal","width":10},{"name":"clinical_a","width":10},{"name":"clinical_b","width":10}]}`

func TestParseConfig(t *testing.T) {
	b, err := json.Marshal(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(c)
	if string(b) != string(b2) || c.Modalities()[3].Name != "clinical_b" || !c.Encoders[0].Conv[3].Pool || c.Encoders[0].Conv[3].Pad != 1 {
		t.Errorf("round trip changed the config: %s", b2)
	}
	for _, bad := range []string{
		``, `{`, `[]`, `null`, `{}`,
		strings.Replace(string(b), `"encoders"`, `"encoderz"`, 1),
		strings.Replace(string(b), `"size":28`, `"size":28,"depth":1`, 1),
		string(b) + `{}`,
		strings.Replace(string(b), `"encoder":[0,0]`, `"encoder":["0",0]`, 1),
		strings.Replace(legacyPaperJSON, `"image_size"`, `"image_sise"`, 1),
		strings.Replace(legacyPaperJSON, `"images":2`, `"images":"2"`, 1),
		strings.Replace(legacyPaperJSON, `"clinical":20`, `"clinical":21`, 1),
		strings.Replace(legacyPaperJSON, `"image_size":28`, `"image_size":12`, 1),
		legacyPaperJSON + `{}`,
	} {
		if _, err := ParseConfig([]byte(bad)); err == nil {
			t.Errorf("ParseConfig(%.60q) accepted it", bad)
		}
	}
}

// TestLegacyConfig checks that the configuration JSON of old model files opens as the
// paper's network, with the paper's schema, and that other old layouts convert too.
func TestLegacyConfig(t *testing.T) {
	c, err := ParseConfig([]byte(legacyPaperJSON))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(DefaultConfig())
	got, _ := json.Marshal(c)
	if string(got) != string(want) {
		t.Errorf("the old paper configuration converted to\n%s\nwant\n%s", got, want)
	}
	s := c.Schema
	if s.Images[0].Window == nil || *s.Images[0].Window != PaperWindow || s.Images[1].Channels != 1 || s.Images[1].Size != 28 {
		t.Errorf("images %+v, want two 28x28 grey CT inputs with window W400/L50", s.Images)
	}
	v, g, _, off, ok := s.Lookup("creatinine")
	cv, _ := clinical.Lookup("creatinine")
	if !ok || g != 1 || off != cv.Index || v.Mean != cv.Mean || v.SD != cv.SD || v.Min != cv.Min || v.Max != cv.Max || v.Unit != cv.Unit {
		t.Errorf("creatinine %+v (group %d, offset %d), want package clinical's %+v", v, g, off, cv)
	}
	if strings.Join(s.Classes, ",") != "negative,positive" {
		t.Errorf("classes %v", s.Classes)
	}
	// Another old layout: generic standardised variables.
	sc := smallConfig()
	if n := sc.Schema.Groups[0].Variables[2].Name; n != "clinical_a.2" {
		t.Errorf("generic variable named %q, want clinical_a.2", n)
	}
	if sc.Clinical() != 6 || sc.Dim() != 16 || len(sc.Encoders) != 1 {
		t.Errorf("small legacy config: clinical %d, dim %d, %d encoders", sc.Clinical(), sc.Dim(), len(sc.Encoders))
	}
}

func TestNewConfigEncoders(t *testing.T) {
	s := threeInputSchema()
	shared, err := NewConfig(s, "shared", []ConvLayer{{Out: 4, Kernel: 3, Pool: true}}, []int{6}, []int{8, 3})
	if err != nil {
		t.Fatal(err)
	}
	// 64x64 grey, 32x32 RGB and 28x28 grey: no two alike, so three encoders even shared.
	if len(shared.Encoders) != 3 || shared.Encoders[1].Channels != 3 || shared.Encoders[0].Size != 64 {
		t.Errorf("shared encoders %+v", shared.Encoders)
	}
	s.Images[2].Size = 64
	shared, err = NewConfig(s, "shared", []ConvLayer{{Out: 4, Kernel: 3, Pool: true}}, []int{6}, []int{8, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(shared.Encoders) != 2 || !slices.Equal(shared.Encoder, []int{0, 1, 0}) {
		t.Errorf("two 64x64 grey inputs should share: encoders %d, assignment %v", len(shared.Encoders), shared.Encoder)
	}
	sep, err := NewConfig(s, "separate", []ConvLayer{{Out: 4, Kernel: 3, Pool: true}}, []int{6}, []int{8, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sep.Encoders) != 3 || !slices.Equal(sep.Encoder, []int{0, 1, 2}) {
		t.Errorf("separate: encoders %d, assignment %v", len(sep.Encoders), sep.Encoder)
	}
	if sep.Dim() != 3*6+sep.Clinical() || sep.Clinical() != 5 || sep.Classes() != 3 {
		t.Errorf("dim %d, clinical %d, classes %d", sep.Dim(), sep.Clinical(), sep.Classes())
	}
	if _, err := NewConfig(s, "pooled", nil, []int{6}, []int{3}); err == nil {
		t.Error("NewConfig accepted encoders \"pooled\"")
	}
	if _, err := NewConfig(s, "separate", nil, []int{6}, []int{2}); err == nil {
		t.Error("NewConfig accepted two class scores for three classes")
	}
}

func FuzzParseConfig(f *testing.F) {
	b, _ := json.Marshal(DefaultConfig())
	f.Add(b)
	s, _ := json.Marshal(smallConfig())
	f.Add(s)
	three, _ := json.Marshal(threeInputConfig("separate"))
	f.Add(three)
	f.Add([]byte(legacyPaperJSON))
	f.Add([]byte(`{"image_size":16,"images":1,"clinical":0,"conv":[],"dense":[1],"head":[2],"modalities":[{"name":"a","width":1}]}`))
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
		// What parses round-trips through the new JSON form.
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := ParseConfig(b)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", b, err)
		}
		if b2, _ := json.Marshal(c2); string(b2) != string(b) {
			t.Fatalf("round trip changed the config:\n%s\n%s", b, b2)
		}
	})
}
