package fusion

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestGroupLassoProx checks the proximal step against its optimality conditions: a
// column v that survives becomes w with v - w = t w/|w| (it shrinks along itself by t), a
// column with |v| <= t becomes zero; and the result minimises 1/2 |w - v|^2 + t |w| better
// than nearby points.
func TestGroupLassoProx(t *testing.T) {
	const out, in, step = 6, 5, 0.7
	rng := rand.New(rand.NewPCG(3, 4))
	v := make([]float32, out*in)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	for o := 0; o < out; o++ {
		v[o*in+2] *= 0.1 // a short column, |v| < step
	}
	w := append([]float32(nil), v...)
	groupLassoProx(w, out, in, step)
	col := func(x []float32, j int) []float64 {
		c := make([]float64, out)
		for o := range c {
			c[o] = float64(x[o*in+j])
		}
		return c
	}
	norm := func(c []float64) float64 {
		var s float64
		for _, x := range c {
			s += x * x
		}
		return math.Sqrt(s)
	}
	obj := func(wc, vc []float64) float64 {
		var s float64
		for o := range wc {
			s += (wc[o] - vc[o]) * (wc[o] - vc[o]) / 2
		}
		return s + step*norm(wc)
	}
	for j := 0; j < in; j++ {
		vc, wc := col(v, j), col(w, j)
		if norm(vc) <= step {
			if norm(wc) != 0 {
				t.Errorf("column %d of norm %.3f <= %v: result norm %v, want 0", j, norm(vc), step, norm(wc))
			}
		} else {
			nw := norm(wc)
			for o := range wc {
				if d := vc[o] - wc[o] - step*wc[o]/nw; math.Abs(d) > 1e-5 {
					t.Errorf("column %d row %d: v - w - t w/|w| = %v, want 0", j, o, d)
				}
			}
		}
		best := obj(wc, vc)
		for k := 0; k < 50; k++ {
			p := append([]float64(nil), wc...)
			for o := range p {
				p[o] += 0.05 * rng.NormFloat64()
			}
			if obj(p, vc) < best-1e-6 {
				t.Errorf("column %d: a nearby point has objective %v < %v", j, obj(p, vc), best)
			}
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
		clin := cfg.Dim() - cfg.Clinical() // z index of the first clinical value
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
	sparse, accSparse := ratio(2)
	t.Logf("unused/used column norm: %.3f plain (accuracy %.3f), %.3f with input sparsity (accuracy %.3f)", plain, accPlain, sparse, accSparse)
	if sparse > plain/4 {
		t.Errorf("input sparsity left unused inputs at %.3f of the used ones' weight (plain training %.3f), want at most a quarter", sparse, plain)
	}
	if accSparse < 0.8 {
		t.Errorf("with input sparsity test accuracy is %.3f, want >= 0.8", accSparse)
	}
}

// TestRefitHoldsCutInputs trains with the penalty and a refit: the columns the penalty
// cut stay exactly zero through the refit, the kept ones go on learning, the encoder's
// output scale never moves while the penalty is on, and a refit without the penalty is
// refused.
func TestRefitHoldsCutInputs(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 600, 1), synthData(cfg, 100, 2)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR, o.StopAccuracy = 32, 8, 3e-3, 1
	o.InputSparsity = 4
	m := mustNet(t, cfg, 32, 1)
	scale := append([]float32(nil), m.s.encs[0].outputNorm().Gamma.W...)
	if _, err := Train(context.Background(), m, train, val, o); err != nil {
		t.Fatal(err)
	}
	d := m.s.headInput()
	cut := zeroColumns(d.Weight.W, d.Out, d.In)
	kept := append([]float32(nil), d.Weight.W...)
	if !slices.Contains(cut, true) || !slices.Contains(cut, false) {
		t.Fatalf("the penalty cut inputs %v; the test needs some cut and some kept", cut)
	}

	o.Epochs, o.RefitEpochs, o.Seed = 1, 3, 2 // one more sparse epoch, then the refit
	res, err := Train(context.Background(), m, train, val, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Epochs) != 4 {
		t.Errorf("%d epochs run, want 1 sparse + 3 refit", len(res.Epochs))
	}
	now := zeroColumns(d.Weight.W, d.Out, d.In)
	for j := range cut {
		if cut[j] && !now[j] {
			t.Errorf("input %d was cut by the penalty and is non-zero after the refit", j)
		}
	}
	if slices.Equal(kept, d.Weight.W) {
		t.Error("the refit left the head's first layer unchanged")
	}
	if got := m.s.encs[0].outputNorm().Gamma.W; !slices.Equal(scale, got) {
		t.Errorf("the encoder's output scale moved while input sparsity was on: %v, was %v", got, scale)
	}

	o.InputSparsity = 0
	if _, err = Train(context.Background(), m, train, val, o); err == nil || !strings.Contains(err.Error(), "refit epochs") {
		t.Errorf("refit epochs without input sparsity: %v, want an error naming them", err)
	}
}
