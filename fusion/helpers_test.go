package fusion

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/schema"
)

// smallConfig is a tiny network with every kind of stage (padding, pooling, several dense
// layers, two clinical groups) for fast gradient checks and training tests.
func smallConfig() Config {
	return mustConvert(LegacyConfig{
		ImageSize: 16, Images: 2, Clinical: 6,
		Conv: []ConvLayer{
			{Out: 4, Kernel: 3},
			{Out: 4, Kernel: 3, Pool: true},
			{Out: 6, Kernel: 3, Pad: 1, Pool: true},
		},
		Dense: []int{8, 5},
		Head:  []int{12, 7, 2},
		Modalities: []Modality{
			{Name: "ct_axial", Width: 5}, {Name: "ct_coronal", Width: 5},
			{Name: "clinical_a", Width: 3}, {Name: "clinical_b", Width: 3},
		},
	})
}

// mustConvert converts an old-style configuration or panics.
func mustConvert(l LegacyConfig) Config {
	c, err := l.Convert()
	if err != nil {
		panic(err)
	}
	return c
}

// synthData makes n labelled cases for cfg: each image is a noisy background with a blob
// whose brightness is the case's hidden image value; the label says whether a weighted
// sum of the two hidden values and the first clinical values is above its median.
func synthData(cfg Config, n int, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	s, p, c := cfg.ImageSize(), cfg.Pixels(), cfg.Clinical()
	d := Dataset{N: n, Axial: make([]float32, n*p), Coronal: make([]float32, n*p),
		Clinical: make([]float32, n*c), Labels: make([]int, n)}
	score := make([]float64, n)
	for i := range n {
		for k, img := range [][]float32{d.Axial[i*p : (i+1)*p], d.Coronal[i*p : (i+1)*p]} {
			amp := rng.Float64()
			cx := float64(s)/2 + rng.NormFloat64()*float64(s)/10
			cy := float64(s)/2 + rng.NormFloat64()*float64(s)/10
			r := float64(s) / 5
			for y := range s {
				for x := range s {
					dx, dy := float64(x)-cx, float64(y)-cy
					v := 0.15 + 0.7*amp*math.Exp(-(dx*dx+dy*dy)/(2*r*r)) + 0.04*rng.NormFloat64()
					img[y*s+x] = float32(min(max(v, 0), 1))
				}
			}
			score[i] += 2.5 * (amp - 0.5) * float64(1+k) / 1.5
		}
		for j := range c {
			v := rng.NormFloat64()
			d.Clinical[i*c+j] = float32(v)
			if j < 2 {
				score[i] += 0.5 * v
			}
		}
	}
	sorted := append([]float64(nil), score...)
	sort.Float64s(sorted)
	med := sorted[n/2]
	for i, v := range score {
		if v >= med {
			d.Labels[i] = 1
		}
	}
	return d
}

// randomizeBN gives every batch-norm layer random scale, shift and running statistics, so
// that inference-mode checks do not see identity normalisations.
func randomizeBN(m *Net, seed uint64) {
	rng := nn.NewRand(seed)
	for _, r := range m.s.refs {
		if r.bn == nil || !r.mean {
			continue
		}
		bn := r.bn
		for c := range bn.C {
			bn.Gamma.W[c] = float32(0.5 + rng.Float64())
			bn.Beta.W[c] = float32(0.2 * rng.NormFloat64())
			bn.RunningMean[c] = float32(0.2 * rng.NormFloat64())
			bn.RunningVar[c] = float32(0.3 + rng.Float64())
		}
	}
}

// relErr is ||a - b|| / max(||b||, tiny).
func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / max(den, 1e-30))
}

func mustNet(t testing.TB, cfg Config, maxN int, seed uint64) *Net {
	t.Helper()
	m, err := NewNet(cfg, maxN, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// threeInputSchema is the example: three image inputs (64x64 grey, 32x32 RGB,
// 28x28 grey), two tabular groups, one with a categorical variable, and three classes.
func threeInputSchema() schema.Schema {
	return schema.Schema{
		Images: []schema.Image{
			{Name: "mri", Size: 64, Channels: 1},
			{Name: "photo", Size: 32, Channels: 3},
			{Name: "xray", Size: 28, Channels: 1, Window: &schema.Window{Center: 40, Width: 350}},
		},
		Groups: []schema.Group{
			{Name: "vitals", Variables: []schema.Variable{
				{Name: "age", Unit: "years", Kind: schema.KindNumeric, Mean: 50, SD: 15, Min: 0, Max: 120},
				{Name: "smoker", Kind: schema.KindCategorical, Levels: []string{"never", "former", "current"}},
			}},
			{Name: "labs", Variables: []schema.Variable{
				{Name: "crp", Unit: "mg/L", Kind: schema.KindNumeric, Mean: 5, SD: 4, Min: 0, Max: 500},
			}},
		},
		Classes: []string{"none", "mild", "severe"},
	}
}

// threeInputConfig is a small network for threeInputSchema: encoders "shared" or
// "separate".
func threeInputConfig(encoders string) Config {
	c, err := NewConfig(threeInputSchema(), encoders,
		[]ConvLayer{{Out: 3, Kernel: 3, Pool: true}, {Out: 4, Kernel: 3, Pad: 1, Pool: true}},
		[]int{7, 4}, []int{9, 3})
	if err != nil {
		panic(err)
	}
	return c
}

// pixelFD returns the analytic gradient ana (as float64) and central finite differences
// of f with respect to each pixel of images[k] (f at the unperturbed images is f0),
// leaving out the pixels whose step crosses a ReLU or max-pool kink: there the forward
// and backward one-sided differences disagree, and the central difference measures
// neither side's slope. It fails the test when more than a tenth of the pixels are left
// out, so the check still covers most of the image.
func pixelFD(t *testing.T, images [][]float32, k int, grad []float32, f0, eps float32, f func() float32) (ana, num []float64) {
	t.Helper()
	skipped := 0
	var scale float64 // the largest |gradient|: disagreements far below it are rounding
	for _, g := range grad {
		scale = max(scale, math.Abs(float64(g)))
	}
	for j := range images[k] {
		old := images[k][j]
		images[k][j] = old + eps
		hi := float64(f())
		images[k][j] = old - eps
		lo := float64(f())
		images[k][j] = old
		fwd, bwd := (hi-float64(f0))/float64(eps), (float64(f0)-lo)/float64(eps)
		if math.Abs(fwd-bwd) > 0.2*max(math.Abs(fwd), math.Abs(bwd))+0.05*scale {
			skipped++
			continue
		}
		num = append(num, (hi-lo)/(2*float64(eps)))
		ana = append(ana, float64(grad[j]))
	}
	if skipped*10 > len(images[k]) {
		t.Errorf("image %d: %d of %d pixels cross a kink within ±%g; the check covers too few", k, skipped, len(images[k]), eps)
	}
	return ana, num
}
