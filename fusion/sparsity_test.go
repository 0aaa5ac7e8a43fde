package fusion

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGroupLassoGradient checks GroupLassoBackward against central differences of
// GroupLassoForward, with one all-zero column (subgradient 0) left out of the check.
func TestGroupLassoGradient(t *testing.T) {
	const out, in, lambda = 7, 5, 0.3
	rng := rand.New(rand.NewPCG(3, 4))
	w := make([]float32, out*in)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	for o := 0; o < out; o++ {
		w[o*in+2] = 0
	}
	g := make([]float32, out*in)
	GroupLassoBackward(w, g, out, in, lambda)
	const eps = 1e-3
	for i := range w {
		if i%in == 2 {
			if g[i] != 0 {
				t.Errorf("zero column: gradient %v at %d, want 0", g[i], i)
			}
			continue
		}
		old := w[i]
		w[i] = old + eps
		hi := GroupLassoForward(w, out, in, lambda)
		w[i] = old - eps
		lo := GroupLassoForward(w, out, in, lambda)
		w[i] = old
		fd := (hi - lo) / (float64(old+eps) - float64(old-eps))
		if math.Abs(fd-float64(g[i])) > 1e-3*math.Max(1, math.Abs(fd)) {
			t.Errorf("weight %d: gradient %v, finite difference %v", i, g[i], fd)
		}
	}
}

// TestInputSparsityPrunesUnusedInputs trains the small network with and without the
// penalty on data whose label ignores four of the six clinical values: with it, the
// head's weights on those inputs must shrink well below the used ones', and the network
// must still learn.
func TestInputSparsityPrunesUnusedInputs(t *testing.T) {
	cfg := smallConfig()
	train, val, test := synthData(cfg, 1200, 1), synthData(cfg, 200, 2), synthData(cfg, 400, 3)
	ratio := func(lambda float32) (float64, float64) {
		m := mustNet(t, cfg, 32, 1)
		o := DefaultTrainOptions()
		o.Batch, o.Epochs, o.LR, o.StopAccuracy = 32, 12, 3e-3, 1
		o.InputSparsity = lambda
		if _, err := Train(context.Background(), m, train, val, o); err != nil {
			t.Fatal(err)
		}
		d := m.s.headInput()
		norm := func(j int) float64 {
			var ss float64
			for r := 0; r < d.Out; r++ {
				v := float64(d.Weight.W[r*d.In+j])
				ss += v * v
			}
			return math.Sqrt(ss)
		}
		clin := cfg.Dim() - cfg.Clinical // z index of the first clinical value
		used := (norm(clin) + norm(clin+1)) / 2
		var unused float64
		for j := clin + 2; j < cfg.Dim(); j++ {
			unused += norm(j) / float64(cfg.Dim()-clin-2)
		}
		mt, err := m.Evaluate(test)
		if err != nil {
			t.Fatal(err)
		}
		return unused / used, mt.Accuracy
	}
	plain, accPlain := ratio(0)
	sparse, accSparse := ratio(0.02)
	t.Logf("unused/used column norm: %.3f plain (accuracy %.3f), %.3f with input sparsity (accuracy %.3f)", plain, accPlain, sparse, accSparse)
	if sparse > plain/4 {
		t.Errorf("input sparsity left unused inputs at %.3f of the used ones' weight (plain training %.3f), want at most a quarter", sparse, plain)
	}
	if accSparse < 0.8 {
		t.Errorf("with input sparsity test accuracy is %.3f, want >= 0.8", accSparse)
	}
}
