package fusion

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modelfile"
)

func weights(m *Net) []float32 {
	var w []float32
	for _, r := range m.s.refs {
		w = append(w, r.data()...)
	}
	return w
}

func TestSaveLoadRoundTrip(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 4, 7)
	randomizeBN(m, 8)
	dir := t.TempDir()
	meta := modelfile.Meta{Seed: 7, Epochs: 3, TestAccuracy: 0.9, Notes: "round trip"}

	path := filepath.Join(dir, "m.flns")
	if err := Save(path, m, meta, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "m.safetensors")
	if err := SaveSafetensors(st, m, meta); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, st} {
		got, gm, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(weights(got), weights(m)) {
			t.Errorf("%s: weights changed in the round trip", filepath.Base(p))
		}
		if gm.Kind != Kind || gm.Seed != 7 || gm.Notes != "round trip" {
			t.Errorf("%s: meta %+v", filepath.Base(p), gm)
		}
		if got.Training() || got.MaxBatch() != 1 {
			t.Errorf("%s: loaded net training %v, max batch %d", filepath.Base(p), got.Training(), got.MaxBatch())
		}
		if !slices.Equal(got.TensorNames(), m.TensorNames()) {
			t.Errorf("%s: tensor names differ", filepath.Base(p))
		}
		// Same predictions as the original in inference mode.
		d := synthData(cfg, 3, 9)
		m.SetTraining(false)
		_, p1, _ := m.Embed(d)
		_, p2, _ := got.Clone(m.MaxBatch()).Embed(d) // same batch, same kernels: same bits
		if !slices.Equal(p1, p2) {
			t.Errorf("%s: predictions %v, original %v", filepath.Base(p), p2, p1)
		}
	}
	if _, _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// file returns m's model file decoded back, for the tests to break.
func file(t *testing.T, m *Net) *modelfile.File {
	var b bytes.Buffer
	if err := modelfile.Encode(&b, m.File(modelfile.Meta{}), modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadRejects(t *testing.T) {
	m := mustNet(t, smallConfig(), 1, 1)
	for _, tc := range []struct {
		edit func(f *modelfile.File)
		want string
	}{
		{func(f *modelfile.File) {
			f.Tensors[0].Shape = []int{4, 1, 3, 4}
			f.Tensors[0].Data = append(f.Tensors[0].Data, f.Tensors[0].Data[:12]...)
		}, "shape"},
		{func(f *modelfile.File) { f.Tensors = f.Tensors[1:] }, "encoder.0.weight"},
		{func(f *modelfile.File) {
			f.Tensors = append(f.Tensors, modelfile.Tensor{Name: "head.9.weight", Shape: []int{1}, Data: []float32{0}})
		}, "head.9.weight"},
		{func(f *modelfile.File) { f.Config = []byte(`{"image_size":12}`) }, "config"},
		{func(f *modelfile.File) {
			f.Config = []byte(strings.Replace(string(f.Config), `"head":[12,7,2]`, `"head":[12,8,2]`, 1))
		}, "shape"},
		{func(f *modelfile.File) { f.Meta.Kind = "autoencoder" }, "autoencoder"},
		{func(f *modelfile.File) { f.Tensors[3].Data[1] = float32(math.NaN()) }, "NaN"},
		{func(f *modelfile.File) {
			for i := range f.Tensors {
				if strings.HasSuffix(f.Tensors[i].Name, "running_var") {
					f.Tensors[i].Data[0] = -1
					return
				}
			}
		}, "negative variance"},
	} {
		f := file(t, m)
		tc.edit(f)
		_, err := FromFile(f, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error mentioning %q, got %v", tc.want, err)
		}
	}
	// A PyTorch state_dict: no config (the default is assumed), batch counters ignored.
	d := mustNet(t, DefaultConfig(), 1, 2)
	f := d.File(modelfile.Meta{})
	f.Config, f.Meta.Kind = nil, ""
	f.Tensors = append(f.Tensors, modelfile.Tensor{Name: "encoder.1.num_batches_tracked", Shape: []int{}, Data: []float32{100}})
	if got, err := FromFile(f, 1); err != nil || !slices.Equal(weights(got), weights(d)) {
		t.Errorf("loading a PyTorch-style state_dict: %v", err)
	}
	for _, b := range [][]byte{nil, []byte("FLNS"), []byte("garbage bytes here")} {
		if _, _, err := LoadBytes(b); err == nil {
			t.Errorf("LoadBytes(%q) succeeded", b)
		}
	}
}

// tinyConfig is the smallest network worth fuzzing with: few tensors, few bytes.
func tinyConfig() Config {
	return mustConvert(LegacyConfig{ImageSize: 16, Images: 2, Clinical: 1,
		Conv: []ConvLayer{{Out: 1, Kernel: 3, Pool: true}}, Dense: []int{2}, Head: []int{2},
		Modalities: []Modality{{Name: "a", Width: 2}, {Name: "b", Width: 2}, {Name: "c", Width: 1}}})
}

func FuzzLoadBytes(f *testing.F) {
	m, err := NewNet(tinyConfig(), 1, 1)
	if err != nil {
		f.Fatal(err)
	}
	var b bytes.Buffer
	if err := modelfile.Encode(&b, m.File(modelfile.Meta{}), modelfile.Options{}); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	b.Reset()
	if err := modelfile.EncodeSafetensors(&b, m.File(modelfile.Meta{}), modelfile.Float32); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	// Seeds for the value checks: an absurd weight, a negative running variance, and
	// weights within the bounds that overflow (refused by the probe).
	for _, edit := range []func(mf *modelfile.File){
		func(mf *modelfile.File) { mf.Tensors[0].Data[0] = 3.4e38 },
		func(mf *modelfile.File) {
			for i := range mf.Tensors {
				if strings.HasSuffix(mf.Tensors[i].Name, "running_var") {
					mf.Tensors[i].Data[0] = -1
				}
			}
		},
		func(mf *modelfile.File) { *mf = *overflowing(f, tinyConfig()) },
	} {
		mf := m.File(modelfile.Meta{})
		edit(mf)
		b.Reset()
		if err := modelfile.Encode(&b, mf, modelfile.Options{}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _, err := LoadBytes(data)
		if err != nil {
			return
		}
		// Whatever loads holds values within the bounds and must run; if a case still
		// overflows, the error blames the model.
		for _, r := range m.s.refs {
			if err := checkValues(r, r.data()); err != nil {
				t.Fatalf("loaded a model that fails its own checks: %v", err)
			}
		}
		cfg := m.Config()
		imgs := make([][]float32, cfg.Images())
		for k := range imgs {
			imgs[k] = make([]float32, cfg.InputPixels(k))
		}
		x, err := m.ExplainClass(-1, imgs, make([]float32, cfg.Clinical()))
		var ae *ActivationError
		switch {
		case errors.As(err, &ae):
		case err != nil:
			t.Fatal(err)
		case nonFinite(x.Probs) >= 0 || nonFinite(x.DZ) >= 0:
			t.Fatalf("ExplainClass gave p = %v, dz %v without an error", x.Probs, x.DZ)
		}
	})
}

// TestInt8Tolerance trains the paper's network briefly on synthetic 28x28 cases and
// compares the int8 model file (modelfile.Compact) with the float32 one. Stated tolerance:
// every test case's p(class 1) within 0.02, and the gradient modality importances
// (importance.Gradient over the test cases, each model on its own fusion vectors) within
// an RMSE of 0.02.
func TestInt8Tolerance(t *testing.T) {
	cfg := DefaultConfig()
	train, test := synthData(cfg, 768, 1), synthData(cfg, 200, 2)
	m := mustNet(t, cfg, 64, 1)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs = 64, 2
	if _, err := Train(context.Background(), m, train, Dataset{}, o); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f32, i8 := filepath.Join(dir, "f32.flns"), filepath.Join(dir, "int8.flns")
	if err := Save(f32, m, modelfile.Meta{}, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Save(i8, m, modelfile.Meta{}, modelfile.Compact); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(i8)
	if st.Size() > 300<<10 {
		t.Errorf("int8 model file is %d bytes, want at most 300 KB", st.Size())
	}
	a, _, err := Load(f32)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Load(i8)
	if err != nil {
		t.Fatal(err)
	}
	a, b = a.Clone(64), b.Clone(64)
	za, pa, _ := a.Embed(test)
	zb, pb, _ := b.Embed(test)
	mt, _ := Score(pa, test.Labels)
	var maxDP float64
	for i := range pa {
		maxDP = max(maxDP, math.Abs(float64(pa[i]-pb[i])))
	}
	mods := importance.DefaultModalities()
	ia, err := importance.Gradient(a, mods, importance.Cohort{Z: za, N: test.N}, importance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ib, err := importance.Gradient(b, mods, importance.Cohort{Z: zb, N: test.N}, importance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rmse, err := importance.RMSE(ia.Modalities, ib.Modalities)
	if err != nil {
		t.Fatal(err)
	}
	var mean, sd float64
	for _, v := range pa {
		mean += float64(v) / float64(len(pa))
	}
	for _, v := range pa {
		sd += (float64(v) - mean) * (float64(v) - mean) / float64(len(pa))
	}
	sd = math.Sqrt(sd)
	t.Logf("int8 file %d bytes; float32 test accuracy %.3f, AUC %.3f, SD of p %.3f; max |dp| %.4f; modality importance %v vs %v, RMSE %.4f",
		st.Size(), mt.Accuracy, mt.AUC, sd, maxDP, ia.Modalities, ib.Modalities, rmse)
	// A fair comparison needs a network whose outputs mean something and spread out.
	if mt.AUC < 0.65 || sd < 0.1 {
		t.Errorf("the float32 network reached test AUC %.3f with p spread %.3f: not trained enough for a fair comparison", mt.AUC, sd)
	}
	if maxDP > 0.02 {
		t.Errorf("int8 probabilities differ by up to %.4f, tolerance 0.02", maxDP)
	}
	if rmse > 0.02 {
		t.Errorf("int8 modality importance RMSE %.4f, tolerance 0.02", rmse)
	}
}
