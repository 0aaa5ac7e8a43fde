package fusion

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/schema"
)

// familyData makes n labelled cases for cfg (any schema) in the general Dataset form:
// random images whose mean brightness (per input) and the first tabular value decide the
// label among the classes; the tabular values are encoded through the schema, so
// categorical variables are one-hot.
func familyData(t testing.TB, cfg Config, n int, seed uint64) Dataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	s := cfg.Schema
	d := Dataset{N: n, Inputs: make([][]float32, cfg.Images()), Clinical: make([]float32, 0, n*cfg.Clinical()), Labels: make([]int, n)}
	for k := range d.Inputs {
		d.Inputs[k] = make([]float32, n*cfg.InputPixels(k))
	}
	for i := range n {
		score := 0.0
		for k, img := range d.Inputs {
			p := cfg.InputPixels(k)
			amp := rng.Float64()
			for j := range p {
				img[i*p+j] = float32(min(max(amp*0.6+0.3*rng.Float64(), 0), 1))
			}
			score += (amp - 0.5) * float64(k+1)
		}
		values := map[string]string{}
		for _, g := range s.Groups {
			for _, v := range g.Variables {
				if v.Kind == "categorical" {
					values[v.Name] = v.Levels[rng.IntN(len(v.Levels))]
					continue
				}
				x := v.Mean + v.SD*rng.NormFloat64()
				x = min(max(x, v.Min), v.Max)
				values[v.Name] = strings.TrimRight(strings.TrimRight(formatFloat(x), "0"), ".")
				if v.Name == "age" {
					score += 0.5 * (x - v.Mean) / v.SD
				}
			}
		}
		tab, err := s.Encode(values)
		if err != nil {
			t.Fatal(err)
		}
		d.Clinical = append(d.Clinical, tab...)
		k := cfg.Classes()
		c := int(math.Floor((math.Tanh(score)+1)/2*float64(k))) % k
		d.Labels[i] = c
	}
	return d
}

func formatFloat(x float64) string {
	b, _ := json.Marshal(math.Round(x*1000) / 1000)
	return string(b) + ".0"
}

// TestFamilyPixelGradients checks dp(class k)/dpixel of three inputs of different sizes,
// grey and RGB, each with its own encoder, against finite differences, for a class of
// three.
func TestFamilyPixelGradients(t *testing.T) {
	for _, enc := range []string{"separate", "shared"} {
		cfg := threeInputConfig(enc)
		m := mustNet(t, cfg, 2, 21)
		randomizeBN(m, 22)
		data := familyData(t, cfg, 1, 23)
		images := make([][]float32, cfg.Images())
		for k := range images {
			images[k] = slices.Clone(data.Inputs[k])
		}
		const class = 2
		p, sal, err := m.SaliencyClass(class, images, data.Clinical)
		if err != nil {
			t.Fatal(err)
		}
		x, err := m.ExplainClass(class, images, data.Clinical)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(p-x.P)) > 1e-6 || x.Class != class {
			t.Errorf("%s: Saliency p %v, Explain p %v (class %d)", enc, p, x.P, x.Class)
		}
		const eps = 3e-3
		for k := range images {
			if len(sal[k]) != cfg.InputPixels(k) {
				t.Fatalf("%s: input %d saliency has %d values, want %d", enc, k, len(sal[k]), cfg.InputPixels(k))
			}
			ana, num := pixelFD(t, images, k, sal[k], x.P, eps, func() float32 {
				e, _ := m.ExplainClass(class, images, data.Clinical)
				return e.P
			})
			if e := relErr(ana, num); e > 5e-2 {
				t.Errorf("%s: input %q: dp/dpixel relative error %.3g against finite differences, want <= 5e-2", enc, cfg.Schema.Images[k].Name, e)
			}
			if nonzero(ana) == 0 {
				t.Errorf("%s: input %d: saliency is all zero", enc, k)
			}
		}
	}
}

// TestFamilyClassHeads checks dp(class k)/dz of a three-class head against finite
// differences for every class, through the Net's ClassHead and through DenseHead.ForClass,
// and that the class probabilities sum to one.
func TestFamilyClassHeads(t *testing.T) {
	cfg := threeInputConfig("separate")
	m := mustNet(t, cfg, 4, 31)
	randomizeBN(m, 32)
	data := familyData(t, cfg, 4, 33)
	z, probs, err := m.Clone(4).EmbedProbs(data)
	if err != nil {
		t.Fatal(err)
	}
	d, n := cfg.Dim(), data.N
	dense, err := HeadOf(m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var sum float64
		for c := range 3 {
			sum += float64(probs[i*3+c])
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("case %d: class probabilities sum to %v", i, sum)
		}
	}
	for k := range 3 {
		h, err := m.ClassHead(k)
		if err != nil {
			t.Fatal(err)
		}
		dh, err := dense.ForClass(k)
		if err != nil {
			t.Fatal(err)
		}
		p, g := make([]float32, n), make([]float32, n*d)
		h.Grad(z, n, p, g)
		p2, g2 := make([]float32, n), make([]float32, n*d)
		dh.Grad(z, n, p2, g2)
		if !close32(p, p2, 1e-5) || !close32(g, g2, 1e-4) {
			t.Errorf("class %d: DenseHead and ClassHead disagree", k)
		}
		for i := range n {
			if math.Abs(float64(p[i]-probs[i*3+k])) > 1e-5 {
				t.Errorf("class %d case %d: head p %v, forward p %v", k, i, p[i], probs[i*3+k])
			}
		}
		const eps = 1e-2
		var ana, num []float64
		zz := make([]float32, d)
		var pp [2]float32
		for i := range n {
			for j := range d {
				copy(zz, z[i*d:(i+1)*d])
				zz[j] += eps
				h.Prob(zz, 1, pp[:1])
				zz[j] -= 2 * eps
				h.Prob(zz, 1, pp[1:])
				num = append(num, (float64(pp[0])-float64(pp[1]))/(2*eps))
				ana = append(ana, float64(g[i*d+j]))
			}
		}
		if e := relErr(ana, num); e > 1e-2 {
			t.Errorf("class %d: dp/dz relative error %.3g against finite differences", k, e)
		}
		// The log-odds of class k and its gradient.
		s, gs := make([]float32, n), make([]float32, n*d)
		dh.GradLogit(z, n, s, gs)
		ana, num = nil, nil
		for i := range n {
			if want := math.Log(float64(p[i]) / (1 - float64(p[i]))); math.Abs(float64(s[i])-want) > 1e-3 {
				t.Errorf("class %d case %d: logit %v, want ln(p/(1-p)) = %v", k, i, s[i], want)
			}
			for j := range d {
				copy(zz, z[i*d:(i+1)*d])
				zz[j] += eps
				dh.Logit(zz, 1, pp[:1])
				zz[j] -= 2 * eps
				dh.Logit(zz, 1, pp[1:])
				num = append(num, (float64(pp[0])-float64(pp[1]))/(2*eps))
				ana = append(ana, float64(gs[i*d+j]))
			}
		}
		if e := relErr(ana, num); e > 1e-2 {
			t.Errorf("class %d: dlogit/dz relative error %.3g against finite differences", k, e)
		}
	}
	if _, err := m.ClassHead(3); err == nil {
		t.Error("ClassHead(3) of a three-class network succeeded")
	}
	if _, err := dense.ForClass(-1); err == nil {
		t.Error("ForClass(-1) succeeded")
	}
	// The tabular part of dp/dz includes the one-hot positions of the categorical
	// variable: each is checked above as a coordinate of z; here, ExplainClass's dz agrees
	// with the head's at the case's own fusion vector.
	x, err := m.ExplainClass(-1, [][]float32{data.Inputs[0][:cfg.InputPixels(0)], data.Inputs[1][:cfg.InputPixels(1)], data.Inputs[2][:cfg.InputPixels(2)]}, data.Clinical[:cfg.Clinical()])
	if err != nil {
		t.Fatal(err)
	}
	if want := PredictedClass(probs[:3]); x.Class != want {
		t.Errorf("ExplainClass(-1) explained class %d, the predicted one is %d", x.Class, want)
	}
}

// TestFamilyParamGradients checks the training-loss gradient of every parameter tensor
// (a few entries each) of separate and of shared encoders against finite differences.
func TestFamilyParamGradients(t *testing.T) {
	s := threeInputSchema()
	s.Images[2].Size, s.Images[2].Channels = 32, 3 // inputs 1 and 2 alike: shared shares them
	for _, enc := range []string{"separate", "shared"} {
		cfg, err := NewConfig(s, enc, []ConvLayer{{Out: 3, Kernel: 3, Pool: true}, {Out: 4, Kernel: 3, Pad: 1, Pool: true}}, []int{7, 4}, []int{9, 3})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"separate": 3, "shared": 2}[enc]; len(cfg.Encoders) != want {
			t.Fatalf("%s: %d encoders, want %d", enc, len(cfg.Encoders), want)
		}
		const n = 5
		m := mustNet(t, cfg, n, 41)
		randomizeBN(m, 42)
		m.SetTraining(true)
		data := familyData(t, cfg, n, 43)
		loss := func() float64 {
			_, logp := m.Forward(data.Images(), data.Clinical, n)
			return float64(nn.NLLLossForward(logp, data.Labels, n, 3))
		}
		dLogp := make([]float32, 3*n)
		params := m.Params()
		nn.ZeroGrad(params)
		loss()
		nn.NLLLossBackward(dLogp, data.Labels, n, 3)
		m.Backward(dLogp, false)
		// A tiny batch through BatchNorm, ReLU and max-pool is kinky: entries whose step
		// crosses a kink (the one-sided differences disagree) are left out, at most a
		// tenth of them.
		const eps = 1e-3
		l0 := loss()
		var ana, num []float64
		skipped := 0
		for _, prm := range params {
			for _, j := range []int{0, len(prm.W) / 2, len(prm.W) - 1} {
				old := prm.W[j]
				prm.W[j] = old + eps
				hi := loss()
				prm.W[j] = old - eps
				lo := loss()
				prm.W[j] = old
				fwd, bwd := (hi-l0)/eps, (l0-lo)/eps
				if math.Abs(fwd-bwd) > 0.2*max(math.Abs(fwd), math.Abs(bwd))+1e-2 {
					skipped++
					continue
				}
				ana = append(ana, float64(prm.G[j]))
				num = append(num, (hi-lo)/(2*eps))
			}
		}
		if skipped*10 > len(ana)+skipped {
			t.Errorf("%s: %d of %d entries cross a kink", enc, skipped, len(ana)+skipped)
		}
		if e := relErr(ana, num); e > 2e-2 {
			t.Errorf("%s: training loss gradient relative error %.3g over %d entries, want <= 2e-2", enc, e, len(ana))
		}
	}
}

// TestFamilyTrainSaveLoad builds the network (three image inputs: 64x64 grey,
// 32x32 RGB, 28x28 grey; two tabular groups, one with a categorical variable; three
// classes; separate encoders), trains it a few epochs on random data, saves it as a model
// file (float32 and int8) and loads it back with the same schema and probabilities.
func TestFamilyTrainSaveLoad(t *testing.T) {
	cfg := threeInputConfig("separate")
	m := mustNet(t, cfg, 16, 51)
	train := familyData(t, cfg, 64, 52)
	val := familyData(t, cfg, 16, 53)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.StopAccuracy, o.LR = 16, 6, 2, 3e-3
	res, err := Train(context.Background(), m, train, val, o)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Epochs[0].Loss, res.Epochs[len(res.Epochs)-1].Loss
	if !(last < first) {
		t.Errorf("training loss went from %.4f to %.4f, want a decrease", first, last)
	}
	if v := res.Epochs[0].Val; v.N != 16 || math.IsNaN(v.LogLoss) {
		t.Errorf("validation metrics %+v", v)
	}
	names := m.TensorNames()
	for _, want := range []string{"encoders.0.0.weight", "encoders.1.0.weight", "encoders.2.1.running_var", "head.0.weight"} {
		if !slices.Contains(names, want) {
			t.Errorf("no tensor %q among %v", want, names)
		}
	}
	if w := m.s.encs[1].first.Weight.Shape; w[1] != 3 {
		t.Errorf("the RGB encoder's first convolution reads %d channels, want 3", w[1])
	}
	dir := t.TempDir()
	_, want, err := m.EmbedProbs(val)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opt  modelfile.Options
		tol  float64
	}{{"float32", modelfile.Options{}, 0}, {"int8", modelfile.Compact, 0.05}} {
		path := filepath.Join(dir, c.name+".flns")
		if err := Save(path, m, modelfile.Meta{Notes: "three inputs"}, c.opt); err != nil {
			t.Fatal(err)
		}
		got, _, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(got.Schema())
		b, _ := json.Marshal(cfg.Schema)
		if string(a) != string(b) {
			t.Errorf("%s: schema changed:\n%s\n%s", c.name, a, b)
		}
		_, probs, err := got.Clone(16).EmbedProbs(val)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range probs {
			worst = math.Max(worst, math.Abs(float64(probs[i]-want[i])))
		}
		if worst > c.tol {
			t.Errorf("%s: probabilities differ by up to %.3g after loading, want <= %g", c.name, worst, c.tol)
		}
	}
}

// TestPaperTensorNames checks that the paper's network, built from its schema, keeps the
// tensor names of the files written before schemas existed.
func TestPaperTensorNames(t *testing.T) {
	m := mustNet(t, DefaultConfig(), 1, 1)
	names := m.TensorNames()
	if names[0] != "encoder.0.weight" || names[len(names)-1] != "head.6.bias" {
		t.Errorf("paper tensor names %s .. %s", names[0], names[len(names)-1])
	}
	for _, n := range names {
		if strings.HasPrefix(n, "encoders.") {
			t.Errorf("the paper's network has tensor %q", n)
		}
	}
}

// TestFamilySafetensorsCarriesSchema checks that a safetensors export of the issue's
// network carries its schema in the header's __metadata__ (inside the configuration under
// modelfile.MetaKeyConfig, readable without fusionlens: 8-byte length, JSON header) and
// loads back with the same schema, tensor names and probabilities.
func TestFamilySafetensorsCarriesSchema(t *testing.T) {
	cfg := threeInputConfig("separate")
	m := mustNet(t, cfg, 4, 61)
	randomizeBN(m, 62)
	m.SetTraining(false)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := SaveSafetensors(path, m, modelfile.Meta{Notes: "st"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b[:8])
	var header struct {
		Metadata map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Schema schema.Schema `json:"schema"`
	}
	if err := json.Unmarshal([]byte(header.Metadata[modelfile.MetaKeyConfig]), &stored); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(cfg.Schema)
	if got, _ := json.Marshal(stored.Schema); string(got) != string(want) {
		t.Errorf("schema in the safetensors metadata:\n%s\nwant\n%s", got, want)
	}
	got, _, err := LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := json.Marshal(got.Schema()); string(s) != string(want) {
		t.Errorf("loaded schema %s", s)
	}
	if !slices.Equal(got.TensorNames(), m.TensorNames()) {
		t.Error("tensor names changed")
	}
	d := familyData(t, cfg, 4, 63)
	_, p1, _ := m.EmbedProbs(d)
	_, p2, _ := got.Clone(4).EmbedProbs(d)
	if !slices.Equal(p1, p2) {
		t.Errorf("probabilities %v, original %v", p2, p1)
	}
}
