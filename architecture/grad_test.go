package architecture

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randomRows returns n rows of dim values drawn from N(0, 1) with seed.
func randomRows(n, dim int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n*dim)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// checkClose fails unless a and b agree within tol relative to max(1, |b|).
func checkClose(t *testing.T, what string, a, b, tol float64) {
	t.Helper()
	if math.Abs(a-b) > tol*math.Max(1, math.Abs(b)) {
		t.Errorf("%s: analytic %.6g, finite difference %.6g", what, a, b)
	}
}

// TestMLPGradients checks the MLP's parameter gradients of the loss and its input
// gradient of p(class) against central finite differences (float64 sums of float32 nets,
// so the step is large and the tolerance loose).
func TestMLPGradients(t *testing.T) {
	const n, in, k = 5, 6, 3
	m := newMLP(in, []int{8, 4}, k, 16, 3)
	x := randomRows(n, in, 1)
	y := []int{0, 2, 1, 1, 0}
	for _, p := range m.seq.Params() {
		clear(p.G)
	}
	m.loss(x, y, n, true)
	const h = 1e-2
	for pi, p := range m.seq.Params() {
		for _, j := range []int{0, len(p.W) / 2, len(p.W) - 1} {
			w := p.W[j]
			p.W[j] = w + h
			lp := float64(m.loss(x, y, n, false))
			p.W[j] = w - h
			lm := float64(m.loss(x, y, n, false))
			p.W[j] = w
			checkClose(t, fmt.Sprintf("mlp param %d[%d]", pi, j), float64(p.G[j]), (lp-lm)/(2*h), 2e-2)
		}
	}
	head := &mlpHead{net: m, class: 2}
	p, g := make([]float32, n), make([]float32, n*in)
	head.Grad(x, n, p, g)
	q := make([]float32, n)
	head.Prob(x, n, q)
	for i := range p {
		if p[i] != q[i] {
			t.Fatalf("Grad's p[%d] = %v, Prob's %v", i, p[i], q[i])
		}
	}
	pp, pm := make([]float32, n), make([]float32, n)
	for i := range n {
		for j := range in {
			v := x[i*in+j]
			x[i*in+j] = v + h
			head.Prob(x, n, pp)
			x[i*in+j] = v - h
			head.Prob(x, n, pm)
			x[i*in+j] = v
			checkClose(t, "mlp dp/dx", float64(g[i*in+j]), (float64(pp[i])-float64(pm[i]))/(2*h), 2e-2)
		}
	}
}

// TestCombinerGradients checks the late combination's loss gradient (w and b) and its
// head's dp/dr against central finite differences.
func TestCombinerGradients(t *testing.T) {
	const n, m, k = 7, 3, 3
	c := newCombiner(m, k)
	r := randomRows(n, m*k, 2)
	for i := range c.w.W {
		c.w.W[i] = 0.5 + 0.3*float32(i)
	}
	c.b.W[1] = 0.2
	y := []int{0, 1, 2, 1, 0, 2, 2}
	p := make([]float64, n*k)
	c.loss(r, y, n, p)
	gw, gb := append([]float32(nil), c.w.G...), append([]float32(nil), c.b.G...)
	const h = 1e-3
	for _, pr := range []struct {
		name string
		w, g []float32
	}{{"w", c.w.W, gw}, {"b", c.b.W, gb}} {
		for j := range pr.w {
			v := pr.w[j]
			pr.w[j] = v + h
			lp := c.loss(r, y, n, p)
			pr.w[j] = v - h
			lm := c.loss(r, y, n, p)
			pr.w[j] = v
			checkClose(t, "combiner "+pr.name, float64(pr.g[j]), (lp-lm)/(2*h), 1e-2)
		}
	}
	head := &combinerHead{c: c, class: 1}
	pv, g := make([]float32, n), make([]float32, n*m*k)
	head.Grad(r, n, pv, g)
	pp, pm := make([]float32, n), make([]float32, n)
	dim := m * k
	for i := range n {
		for j := range dim {
			v := r[i*dim+j]
			r[i*dim+j] = v + h
			head.Prob(r, n, pp)
			r[i*dim+j] = v - h
			head.Prob(r, n, pm)
			r[i*dim+j] = v
			checkClose(t, "combiner dp/dr", float64(g[i*dim+j]), (float64(pp[i])-float64(pm[i]))/(2*h), 1e-2)
		}
	}
	// Fitting lowers the loss.
	before := c.loss(r, y, n, p)
	c.fit(r, y, n)
	if after := c.loss(r, y, n, p); !(after < before) {
		t.Errorf("fit: loss %v, before %v", after, before)
	}
}
