package fusion

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
)

// smallConfig is a tiny network with every kind of stage (padding, pooling, several dense
// layers, two clinical groups) for fast gradient checks and training tests.
func smallConfig() Config {
	return Config{
		ImageSize: 12, Images: 2, Clinical: 6,
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
	}
}

// synthData makes n labelled cases for cfg: each image is a noisy background with a blob
// whose brightness is the case's hidden image value; the label says whether a weighted
// sum of the two hidden values and the first clinical values is above its median.
func synthData(cfg Config, n int, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	s, p, c := cfg.ImageSize, cfg.Pixels(), cfg.Clinical
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
