package nn

import (
	"math"
	"testing"
)

func TestAdamMatchesReference(t *testing.T) {
	p := NewParam("w", 9000) // large enough to be split over workers
	copy(p.W, randSlice(9000, 3))
	w := to64(p.W)
	m, v := make([]float64, len(w)), make([]float64, len(w))
	opt := NewAdam([]*Param{p}, 0.01)
	opt.WeightDecay = 0.1
	for step := 1; step <= 3; step++ {
		opt.ZeroGrad()
		for j := range p.G {
			p.G[j] = float32(j%5-2) * float32(step) * 0.3
		}
		g := to64(p.G)
		opt.Step()
		// torch.optim.Adam: g += wd*w; m, v moments; w -= lr * mhat / (sqrt(vhat) + eps).
		for j := range w {
			gj := g[j] + 0.1*w[j]
			m[j] = 0.9*m[j] + 0.1*gj
			v[j] = 0.999*v[j] + 0.001*gj*gj
			mh := m[j] / (1 - math.Pow(0.9, float64(step)))
			vh := v[j] / (1 - math.Pow(0.999, float64(step)))
			w[j] -= 0.01 * mh / (math.Sqrt(vh) + 1e-8)
		}
	}
	for j := range w {
		if math.Abs(float64(p.W[j])-w[j]) > 2e-6 {
			t.Fatalf("Adam w[%d] = %.8g, reference %.8g", j, p.W[j], w[j])
		}
	}

	// SGD with momentum and weight decay.
	q := NewParam("q", 2)
	copy(q.W, []float32{1, -2})
	sgd := NewSGD([]*Param{q}, 0.1, 0.9)
	sgd.WeightDecay = 0.01
	wq, buf := []float64{1, -2}, []float64{0, 0}
	for step := 0; step < 3; step++ {
		q.G[0], q.G[1] = 0.5, -0.25
		sgd.Step()
		for j := range wq {
			buf[j] = 0.9*buf[j] + []float64{0.5, -0.25}[j] + 0.01*wq[j]
			wq[j] -= 0.1 * buf[j]
		}
	}
	for j := range wq {
		if math.Abs(float64(q.W[j])-wq[j]) > 1e-6 {
			t.Fatalf("SGD w[%d] = %.8g, reference %.8g", j, q.W[j], wq[j])
		}
	}
}

// TestNilRandDrawsNothing: layers built with a nil rng (weights about to be replaced)
// have zero weights and leave the caller's slices untouched, and a seed still draws the
// same weights as before.
func TestNilRandDrawsNothing(t *testing.T) {
	c := NewConv2D(2, 3, 5, 5, 3, 1, 1, nil)
	d := NewDense(4, 6, 1, nil)
	for _, p := range append(c.Params(), d.Params()...) {
		for i, v := range p.W {
			if v != 0 {
				t.Fatalf("%s[%d] = %v with a nil rng, want 0", p.Name, i, v)
			}
		}
	}
	w := []float32{1, 2, 3}
	InitHeUniform(w, 3, nil)
	if w[0] != 1 || w[1] != 2 || w[2] != 3 {
		t.Errorf("InitHeUniform with a nil rng changed w to %v", w)
	}
	a, b := NewDense(4, 6, 1, NewRand(3)), NewDense(4, 6, 1, NewRand(3))
	nonzero := false
	for i, v := range a.Weight.W {
		nonzero = nonzero || v != 0
		if v != b.Weight.W[i] {
			t.Fatalf("weight %d: %v and %v from the same seed", i, v, b.Weight.W[i])
		}
	}
	if !nonzero {
		t.Error("a seeded layer has zero weights")
	}
}
