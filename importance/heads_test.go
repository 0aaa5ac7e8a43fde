package importance

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/nn"
)

// Analytic heads for the tests: their gradients are written by hand, checked against
// finite differences below, and the importances they imply are known in closed form.

// logistic is p = nn.Logistic(w.z + b); dp/dz = p(1-p) w.
type logistic struct {
	w []float64
	b float64
}

func (h logistic) Dim() int { return len(h.w) }

func (h logistic) Prob(z []float32, n int, p []float32) { h.Grad(z, n, p, nil) }

func (h logistic) Grad(z []float32, n int, p, g []float32) {
	d := len(h.w)
	for i := 0; i < n; i++ {
		s := h.b
		for j, w := range h.w {
			s += w * float64(z[i*d+j])
		}
		q := nn.Logistic(s)
		p[i] = float32(q)
		if g != nil {
			for j, w := range h.w {
				g[i*d+j] = float32(q * (1 - q) * w)
			}
		}
	}
}

// interaction is p = nn.Logistic(w.z + b + c z_a z_b): the gradient depends on the case.
type interaction struct {
	logistic
	c    float64
	a, k int
}

func (h interaction) Prob(z []float32, n int, p []float32) { h.Grad(z, n, p, nil) }

func (h interaction) Grad(z []float32, n int, p, g []float32) {
	d := len(h.w)
	for i := 0; i < n; i++ {
		r := z[i*d : (i+1)*d]
		s := h.b + h.c*float64(r[h.a])*float64(r[h.k])
		for j, w := range h.w {
			s += w * float64(r[j])
		}
		q := nn.Logistic(s)
		p[i] = float32(q)
		if g != nil {
			for j, w := range h.w {
				g[i*d+j] = float32(q * (1 - q) * w)
			}
			g[i*d+h.a] += float32(q * (1 - q) * h.c * float64(r[h.k]))
			g[i*d+h.k] += float32(q * (1 - q) * h.c * float64(r[h.a]))
		}
	}
}

// linear is "p" = w.z + b, not a probability: additive, so Shapley values, integrated
// gradients, occlusion and LIME have exact closed forms.
type linear struct {
	w []float64
	b float64
}

func (h linear) Dim() int { return len(h.w) }

func (h linear) Prob(z []float32, n int, p []float32) { h.Grad(z, n, p, nil) }

func (h linear) Grad(z []float32, n int, p, g []float32) {
	d := len(h.w)
	for i := 0; i < n; i++ {
		s := h.b
		for j, w := range h.w {
			s += w * float64(z[i*d+j])
			if g != nil {
				g[i*d+j] = float32(w)
			}
		}
		p[i] = float32(s)
	}
}

// product is p = z_a * z_k: a pure interaction of two features.
type product struct{ dim, a, k int }

func (h product) Dim() int { return h.dim }

func (h product) Prob(z []float32, n int, p []float32) { h.Grad(z, n, p, nil) }

func (h product) Grad(z []float32, n int, p, g []float32) {
	for i := 0; i < n; i++ {
		r := z[i*h.dim : (i+1)*h.dim]
		p[i] = r[h.a] * r[h.k]
		if g != nil {
			clear(g[i*h.dim : (i+1)*h.dim])
			g[i*h.dim+h.a] = r[h.k]
			g[i*h.dim+h.k] = r[h.a]
		}
	}
}

// mlp is a tanh network with a sigmoid output, the shape of the paper's head when built
// as 40-100-50-10-1: a realistic cost per row and a nonlinear gradient.
type mlp struct {
	sizes []int
	w     [][]float64 // w[l] is sizes[l+1] x sizes[l]
	b     [][]float64
}

func newMLP(seed uint64, sizes ...int) *mlp {
	rng := rand.New(rand.NewPCG(seed, 99))
	m := &mlp{sizes: sizes}
	for l := 0; l+1 < len(sizes); l++ {
		w := make([]float64, sizes[l+1]*sizes[l])
		sd := 1.5 / math.Sqrt(float64(sizes[l]))
		for i := range w {
			w[i] = sd * rng.NormFloat64()
		}
		b := make([]float64, sizes[l+1])
		for i := range b {
			b[i] = 0.1 * rng.NormFloat64()
		}
		m.w, m.b = append(m.w, w), append(m.b, b)
	}
	return m
}

func (m *mlp) Dim() int { return m.sizes[0] }

func (m *mlp) Prob(z []float32, n int, p []float32) { m.Grad(z, n, p, nil) }

func (m *mlp) Grad(z []float32, n int, p, g []float32) {
	d := m.sizes[0]
	L := len(m.w)
	acts := make([][]float64, L+1)
	for i := 0; i < n; i++ {
		acts[0] = to64(z[i*d : (i+1)*d])
		for l := 0; l < L; l++ {
			in, out := m.sizes[l], m.sizes[l+1]
			a := make([]float64, out)
			for o := 0; o < out; o++ {
				s := m.b[l][o]
				row := m.w[l][o*in : (o+1)*in]
				for k, v := range acts[l] {
					s += row[k] * v
				}
				if l < L-1 {
					a[o] = math.Tanh(s)
				} else {
					a[o] = nn.Logistic(s)
				}
			}
			acts[l+1] = a
		}
		q := acts[L][0]
		p[i] = float32(q)
		if g == nil {
			continue
		}
		delta := []float64{q * (1 - q)} // dp/d(pre-activation) of the output
		for l := L - 1; l >= 0; l-- {
			in, out := m.sizes[l], m.sizes[l+1]
			prev := make([]float64, in)
			for o := 0; o < out; o++ {
				row := m.w[l][o*in : (o+1)*in]
				for k := range prev {
					prev[k] += row[k] * delta[o]
				}
			}
			if l > 0 {
				for k, a := range acts[l] {
					prev[k] *= 1 - a*a
				}
			}
			delta = prev
		}
		for j, v := range delta {
			g[i*d+j] = float32(v)
		}
	}
}

// fdHead replaces a head's gradient by central finite differences of its Prob, so a
// method run on it checks the method's gradient-based parts against finite differences.
type fdHead struct {
	Head
	eps float32
}

func (h fdHead) Grad(z []float32, n int, p, g []float32) {
	d := h.Dim()
	h.Prob(z, n, p)
	work := append([]float32(nil), z...)
	plus, minus := make([]float32, n), make([]float32, n)
	for j := 0; j < d; j++ {
		for i := 0; i < n; i++ {
			work[i*d+j] = z[i*d+j] + h.eps
		}
		h.Prob(work, n, plus)
		for i := 0; i < n; i++ {
			work[i*d+j] = z[i*d+j] - h.eps
		}
		h.Prob(work, n, minus)
		for i := 0; i < n; i++ {
			step := float64(z[i*d+j]+h.eps) - float64(z[i*d+j]-h.eps) // the float32 step actually taken
			g[i*d+j] = float32((float64(plus[i]) - float64(minus[i])) / step)
			work[i*d+j] = z[i*d+j]
		}
	}
}

// cohort draws n standard-normal fusion vectors and labels drawn from h's p.
func cohort(h Head, n int, seed uint64) Cohort {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := h.Dim()
	z := make([]float32, n*d)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	p := make([]float32, n)
	h.Prob(z, n, p)
	y := make([]int, n)
	for i, q := range p {
		if rng.Float64() < float64(q) {
			y[i] = 1
		}
	}
	return Cohort{Z: z, N: n, Labels: y}
}

// concentrated returns weights that are large on modality k, small elsewhere (zero when
// small == 0), with a deterministic spread of magnitudes and signs.
func concentrated(k int, big, small float64) []float64 {
	w := make([]float64, 40)
	for j := range w {
		s := small
		if j/10 == k {
			s = big
		}
		w[j] = s * (0.5 + float64(j%5)/4)
		if j%3 == 1 {
			w[j] = -w[j]
		}
	}
	return w
}

func TestHeadGradientsMatchFiniteDifferences(t *testing.T) {
	heads := map[string]Head{
		"logistic":    logistic{w: concentrated(1, 0.8, 0.2), b: 0.3},
		"interaction": interaction{logistic: logistic{w: concentrated(2, 0.5, 0.1), b: -0.2}, c: 0.7, a: 3, k: 25},
		"linear":      linear{w: concentrated(0, 1, 0.3), b: 0.1},
		"product":     product{dim: 40, a: 4, k: 17},
		"mlp":         newMLP(1, 40, 12, 6, 1),
	}
	for name, h := range heads {
		c := cohort(logistic{w: make([]float64, 40)}, 8, 3)
		p, g := make([]float32, c.N), make([]float32, c.N*40)
		h.Grad(c.Z, c.N, p, g)
		pf, gf := make([]float32, c.N), make([]float32, c.N*40)
		fdHead{h, 1e-2}.Grad(c.Z, c.N, pf, gf)
		var scale float64
		for _, v := range g {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range g {
			if d := math.Abs(float64(g[i] - gf[i])); d > 2e-3*scale+1e-5 {
				t.Errorf("%s: dp/dz case %d feature %d: analytic %v, finite difference %v", name, i/40, i%40, g[i], gf[i])
			}
		}
		for i := range p {
			if p[i] != pf[i] {
				t.Errorf("%s: Grad's p[%d] = %v differs from Prob's %v", name, i, p[i], pf[i])
			}
		}
	}
}

// linearHead makes a fusion.DenseHead whose log-odds are w.z + b exactly (one layer).
func linearHead(w []float32, b float32) *fusion.DenseHead {
	d := len(w)
	l := fusion.DenseLayer{In: d, Out: 2, W: make([]float32, 2*d), B: []float32{0, b}}
	copy(l.W[d:], w)
	return &fusion.DenseHead{Layers: []fusion.DenseLayer{l}}
}

// plainHead hides fusion.DenseHead's GradLogit.
type plainHead struct{ h *fusion.DenseHead }

func (p plainHead) Dim() int                                { return p.h.Dim() }
func (p plainHead) Prob(z []float32, n int, q []float32)    { p.h.Prob(z, n, q) }
func (p plainHead) Grad(z []float32, n int, q, g []float32) { p.h.Grad(z, n, q, g) }
