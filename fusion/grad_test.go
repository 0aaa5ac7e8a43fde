package fusion

import (
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
)

// The gradients are checked against central finite differences in float32, so the step
// is large enough (1e-2) for rounding to stay far below the tolerances, and the checks
// compare whole gradient vectors (relative L2 error): a ReLU or max-pool kink crossed by
// one step spoils a single coordinate a little, not the vector.

func TestGradAtFusionVector(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 5, 3)
	randomizeBN(m, 4)
	m.SetTraining(false)
	data := synthData(cfg, 5, 9)
	z, _, err := m.Clone(2).Embed(data) // batches of 2, 2 and 1
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Dim()
	p := make([]float32, data.N)
	g := make([]float32, data.N*d)
	m.Grad(z, data.N, p, g)
	const eps = 1e-2
	var ana, num []float64
	zz := make([]float32, d)
	var pp [2]float32
	for i := range data.N {
		for j := range d {
			copy(zz, z[i*d:(i+1)*d])
			zz[j] += eps
			m.Prob(zz, 1, pp[:1])
			zz[j] -= 2 * eps
			m.Prob(zz, 1, pp[1:])
			num = append(num, (float64(pp[0])-float64(pp[1]))/(2*eps))
			ana = append(ana, float64(g[i*d+j]))
		}
	}
	if e := relErr(ana, num); e > 1e-2 {
		t.Errorf("dp/dz relative error %.3g against finite differences, want <= 1e-2", e)
	}
	// Grad's p is Prob's p and the training forward's exp(logp[1]).
	p2 := make([]float32, data.N)
	m.Prob(z, data.N, p2)
	_, logp := m.Forward(data.Images(), data.Clinical, data.N)
	for i := range p {
		if p[i] != p2[i] || math.Abs(float64(p[i])-math.Exp(float64(logp[2*i+1]))) > 1e-5 {
			t.Errorf("case %d: Grad p %v, Prob p %v, Forward p %v", i, p[i], p2[i], math.Exp(float64(logp[2*i+1])))
		}
	}
}

func TestSaliencyAgainstFiniteDifferences(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 2, 5)
	randomizeBN(m, 6)
	data := synthData(cfg, 1, 11)
	images := [][]float32{append([]float32(nil), data.Axial...), append([]float32(nil), data.Coronal...)}
	p, sal, err := m.Saliency(images, data.Clinical)
	if err != nil {
		t.Fatal(err)
	}
	x, err := m.Explain(images, data.Clinical)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(p-x.P)) > 1e-6 {
		t.Errorf("Saliency p %v, Explain p %v", p, x.P)
	}
	// A smaller step than elsewhere: at 16x16 a 1e-2 step crosses max-pool kinks in
	// about a tenth of the pixels. pixelFD leaves out the pixels where it still does.
	const eps = 3e-3
	for k := range images {
		ana, num := pixelFD(t, images, k, sal[k], x.P, eps, func() float32 {
			e, _ := m.Explain(images, data.Clinical)
			return e.P
		})
		if e := relErr(ana, num); e > 5e-2 {
			t.Errorf("image %d: dp/dpixel relative error %.3g against finite differences, want <= 5e-2", k, e)
		}
		if nonzero(ana) == 0 {
			t.Errorf("image %d: saliency is all zero", k)
		}
	}
}

func nonzero(v []float64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// TestTrainingLossGradient checks the training-mode gradient (batch statistics) of the
// mean NLL loss with respect to a few entries of every parameter tensor.
func TestTrainingLossGradient(t *testing.T) {
	cfg := smallConfig()
	const n = 6
	m := mustNet(t, cfg, n, 8)
	randomizeBN(m, 2)
	m.SetTraining(true)
	data := synthData(cfg, n, 13)
	loss := func() float64 {
		_, logp := m.Forward(data.Images(), data.Clinical, n)
		return float64(nn.NLLLossForward(logp, data.Labels, n, 2))
	}
	dLogp := make([]float32, 2*n)
	params := m.Params()
	nn.ZeroGrad(params)
	loss()
	nn.NLLLossBackward(dLogp, data.Labels, n, 2)
	m.Backward(dLogp, false)
	// A tiny batch through BatchNorm, ReLU and max-pool is kinky: the step is smaller here.
	const eps = 1e-3
	var ana, num []float64
	for pi, prm := range params {
		for _, j := range []int{0, len(prm.W) / 2, len(prm.W) - 1} {
			old := prm.W[j]
			prm.W[j] = old + eps
			hi := loss()
			prm.W[j] = old - eps
			lo := loss()
			prm.W[j] = old
			fd := (hi - lo) / (2 * eps)
			ana = append(ana, float64(prm.G[j]))
			num = append(num, fd)
			if math.Abs(fd-float64(prm.G[j])) > 5e-3+0.1*math.Abs(fd) {
				t.Logf("param %d (%s) [%d]: analytic %.5g, numeric %.5g", pi, prm.Name, j, prm.G[j], fd)
			}
		}
	}
	if e := relErr(ana, num); e > 2e-2 {
		t.Errorf("training loss gradient relative error %.3g over %d entries, want <= 2e-2", e, len(ana))
	} else {
		t.Logf("training loss gradient relative error %.3g over %d entries", e, len(ana))
	}
}

// TestBackwardPixelsMatchesSaliency checks the batch path's pixel gradients (inference
// mode) against the batch-1 explanation path.
func TestBackwardPixelsMatchesSaliency(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 3, 21)
	randomizeBN(m, 22)
	m.SetTraining(false)
	data := synthData(cfg, 3, 23)
	_, logp := m.Forward(data.Images(), data.Clinical, 3)
	d := make([]float32, 6)
	for i := range 3 {
		d[2*i+1] = float32(math.Exp(float64(logp[2*i+1]))) // dp1/dlogp1
	}
	_, dImg := m.Backward(d, true)
	px := cfg.Pixels()
	for i := range 3 {
		images := [][]float32{data.Axial[i*px : (i+1)*px], data.Coronal[i*px : (i+1)*px]}
		_, sal, err := m.Saliency(images, data.Clinical[i*cfg.Clinical():(i+1)*cfg.Clinical()])
		if err != nil {
			t.Fatal(err)
		}
		for k := range 2 {
			for j := range px {
				if a, b := dImg[k][i*px+j], sal[k][j]; math.Abs(float64(a-b)) > 1e-6+1e-4*math.Abs(float64(b)) {
					t.Fatalf("case %d image %d pixel %d: batch gradient %v, saliency %v", i, k, j, a, b)
				}
			}
		}
	}
}
