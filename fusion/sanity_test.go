package fusion

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/nn"
	shipped "github.com/fusionlens/fusionlens/weights"
)

// TestLoadRefusesUntrainableValues: values no trained network holds are refused at load,
// naming the tensor, while every shipped model is far inside the bounds.
func TestLoadRefusesUntrainableValues(t *testing.T) {
	m := mustNet(t, smallConfig(), 1, 1)
	setFirst := func(suffix string, v float32) func(f *modelfile.File) string {
		return func(f *modelfile.File) string {
			for i := range f.Tensors {
				if strings.HasSuffix(f.Tensors[i].Name, suffix) {
					f.Tensors[i].Data[0] = v
					return f.Tensors[i].Name
				}
			}
			t.Fatalf("no tensor ending in %s", suffix)
			return ""
		}
	}
	for _, tc := range []struct {
		edit func(f *modelfile.File) string
		want string
	}{
		{setFirst("encoder.0.weight", 3.4e38), "beyond the 1e+04"},
		{setFirst("head.0.bias", -2e4), "beyond the 1e+04"},
		{setFirst("running_mean", 1e7), "beyond the 1e+06"},
		{setFirst("running_var", 1e9), "beyond the 1e+08"},
		{setFirst("running_var", float32(math.Inf(1))), "+Inf"},
		{setFirst("running_var", float32(math.NaN())), "NaN"},
		{setFirst("running_var", -0.5), "negative variance"},
	} {
		f := file(t, m)
		name := tc.edit(f)
		_, err := FromFile(f, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"`+name+`"`) {
			t.Errorf("%s: want an error naming the tensor and %q, got %v", name, tc.want, err)
		}
	}
	for _, sm := range shipped.List() {
		b, err := shipped.Open(sm.File)
		if err != nil {
			t.Fatal(err)
		}
		f, err := modelfile.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for _, tn := range f.Tensors {
			bound := MaxAbsWeight
			switch {
			case strings.HasSuffix(tn.Name, "running_mean"):
				bound = MaxAbsRunningMean
			case strings.HasSuffix(tn.Name, "running_var"):
				bound = MaxRunningVar
			}
			for _, v := range tn.Data {
				worst = max(worst, math.Abs(float64(v))/bound)
			}
		}
		// "Far inside": every value at most a tenth of its bound.
		if worst > 0.1 {
			t.Errorf("shipped %s has a value at %.2f of its bound", sm.File, worst)
		}
	}
}

// TestCopyValues checks that copying a tensor with its check in one pass refuses exactly
// what checkValues refuses, with the same error (the first bad value's index), copies
// every value of a good tensor, and allows the bounds themselves and -0 variances.
func TestCopyValues(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	bn := &nn.BatchNorm{}
	for _, r := range []tensorRef{{name: "w"}, {name: "m", bn: bn, mean: true}, {name: "v", bn: bn}} {
		for _, bad := range []float32{nan, inf, -inf, -0.5, 1e4, 1.0001e4, -1e4, -2e4, 1e6, 1.5e6, -1e6, 1e8, 2e8, float32(math.Copysign(0, -1))} {
			src := []float32{0.25, 0.125, bad, 3}
			dst := make([]float32, len(src))
			want := checkValues(r, src)
			got := copyValues(r, dst, src)
			if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Errorf("%s with %v: copyValues %v; checkValues %v", r.name, bad, got, want)
			}
			if got == nil && !slices.Equal(dst, src) {
				t.Errorf("%s with %v: copied %v; want %v", r.name, bad, dst, src)
			}
			if got != nil && !strings.Contains(got.Error(), "value 2 ") {
				t.Errorf("%s with %v: error %q does not name value 2", r.name, bad, got)
			}
		}
	}
}

// overflowing returns a model file of cfg whose values are all within the bounds yet
// overflow float32 within a few layers: every parameter 1e4, running means 0, running
// variances 0.
func overflowing(t testing.TB, cfg Config) *modelfile.File {
	t.Helper()
	m, err := NewNet(cfg, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := m.File(modelfile.Meta{})
	for i := range f.Tensors {
		v := float32(MaxAbsWeight)
		if strings.Contains(f.Tensors[i].Name, "running_") {
			v = 0
		}
		for j := range f.Tensors[i].Data {
			f.Tensors[i].Data[j] = v
		}
	}
	return f
}

// TestNonFiniteActivationsBlameTheModel: weights within the bounds that still overflow
// are refused at load by the probe, and a network that overflows on a case (weights
// changed after loading) gives an ActivationError naming the layer, not a case error.
func TestNonFiniteActivationsBlameTheModel(t *testing.T) {
	cfg := smallConfig()
	_, err := FromFile(overflowing(t, cfg), 1)
	var ae *ActivationError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "the weights are unusable") || !strings.Contains(ae.Layer, "encoder.") {
		t.Fatalf("loading an overflowing model: %v, want an ActivationError in the encoder", err)
	}

	m := mustNet(t, cfg, 1, 3)
	img := make([]float32, cfg.Pixels())
	for i := range img {
		img[i] = 0.5
	}
	if _, err := m.EncodeChecked(img); err != nil {
		t.Fatalf("EncodeChecked on a sane network: %v", err)
	}
	m.s.encs[0].first.Params()[0].W[0] = 3e38 // the first kernel, as in the report
	m.s.encs[0].first.Params()[0].W[1] = 3e38
	_, err = m.EncodeChecked(img)
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.Layer, "encoder.") {
		t.Errorf("EncodeChecked: %v, want an ActivationError in the encoder", err)
	}
	_, err = m.Explain([][]float32{img, img}, make([]float32, cfg.Clinical()))
	if !errors.As(err, &ae) {
		t.Errorf("Explain: %v, want an ActivationError", err)
	}

	// A head that overflows is named as such.
	h := mustNet(t, cfg, 1, 4)
	for _, p := range h.s.head.Params() {
		for j := range p.W {
			p.W[j] = 1e30
		}
	}
	z := make([]float32, cfg.Dim())
	for i := range z {
		z[i] = 1e10
	}
	err = h.CheckHead(z)
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.Layer, "head.") {
		t.Errorf("CheckHead: %v, want an ActivationError in the head", err)
	}
	if err := mustNet(t, cfg, 1, 5).CheckHead(make([]float32, cfg.Dim())); err != nil {
		t.Errorf("CheckHead on a sane network: %v", err)
	}
}

// TestLoadBytesNamesOtherFormats: a file that is not a model says what it looks like
// instead of being read as a safetensors header of absurd length.
func TestLoadBytesNamesOtherFormats(t *testing.T) {
	for data, want := range map[string]string{
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10": "(looks like PNG)",
		"PK\x03\x04\x14\x00\x00\x00\x08\x00":                  "(looks like zip or npz)",
		"age=63, crp=12":                                      "(looks like text)",
	} {
		_, _, err := LoadBytes([]byte(data))
		if !errors.Is(err, modelfile.ErrNotModel) || !strings.Contains(err.Error(), "not a fusionlens model or safetensors file "+want) {
			t.Errorf("LoadBytes(%q): %v, want %q", data, err, want)
		}
	}
}

// TestEncodeInputsChecked: encoding a case's images at once (one batch per shared
// encoder) gives each image's EncodeInput features, skips nil entries, names the input
// that is wrong, and blames the model for an encoder that overflows.
func TestEncodeInputsChecked(t *testing.T) {
	for _, cfg := range []Config{smallConfig(), threeInputConfig("separate")} {
		m := mustNet(t, cfg, 1, 5)
		randomizeBN(m, 6)
		imgs := make([][]float32, len(cfg.Schema.Images))
		for k := range imgs {
			imgs[k] = make([]float32, cfg.Schema.Images[k].Pixels())
			for i := range imgs[k] {
				imgs[k][i] = float32((i*7+k*13)%17) / 16
			}
		}
		got, err := m.EncodeInputsChecked(imgs)
		if err != nil {
			t.Fatal(err)
		}
		for k := range imgs {
			want := m.EncodeInput(k, imgs[k])
			if !slices.Equal(got[k], want) {
				t.Fatalf("%d inputs: image %d at once %v, alone %v", len(imgs), k, got[k], want)
			}
		}
		part := slices.Clone(imgs)
		part[0] = nil
		got, err = m.EncodeInputsChecked(part)
		if err != nil || got[0] != nil || !slices.Equal(got[1], m.EncodeInput(1, imgs[1])) {
			t.Fatalf("with image 0 left out: %v, %v; want no features for it and image 1's", got, err)
		}
		bad := slices.Clone(imgs)
		bad[1] = slices.Clone(imgs[1])
		bad[1][3] = float32(math.Inf(1))
		if _, err := m.EncodeInputsChecked(bad); err == nil || !strings.Contains(err.Error(), cfg.Schema.Images[1].Name) || !strings.Contains(err.Error(), "pixel 3") {
			t.Errorf("an infinite pixel: %v, want an error naming the input and pixel", err)
		}
		bad[1] = imgs[1][1:]
		if _, err := m.EncodeInputsChecked(bad); err == nil || !strings.Contains(err.Error(), cfg.Schema.Images[1].Name) {
			t.Errorf("a short image: %v, want an error naming the input", err)
		}
		if _, err := m.EncodeInputChecked(1, nil); err == nil || !strings.Contains(err.Error(), cfg.Schema.Images[1].Name) {
			t.Errorf("no image: %v, want an error naming the input", err)
		}
		if f, err := m.EncodeInputChecked(1, imgs[1]); err != nil || !slices.Equal(f, m.EncodeInput(1, imgs[1])) {
			t.Errorf("EncodeInputChecked: %v, %v; want EncodeInput's features", f, err)
		}
		if _, err := m.EncodeInputsChecked(imgs[1:]); err == nil {
			t.Error("one image too few: no error")
		}
		m.s.encs[0].first.Params()[0].W[0] = 3e38
		m.s.encs[0].first.Params()[0].W[1] = 3e38
		var ae *ActivationError
		if _, err := m.EncodeInputsChecked(imgs); !errors.As(err, &ae) || !strings.Contains(ae.Layer, "encoder") {
			t.Errorf("an overflowing encoder: %v, want an ActivationError naming it", err)
		}
	}
}
