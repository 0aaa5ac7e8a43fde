package nn

import (
	"fmt"
	"math"
)

// Adam is the Adam optimiser with PyTorch's semantics: WeightDecay is L2 regularisation
// added to the gradient (g += WeightDecay*w) before the moment updates, as torch.optim.Adam
// does (not AdamW's decoupled decay), and bias correction uses the step count.
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32

	params []*Param
	m, v   [][]float32
	t      int
}

// NewAdam returns Adam over params with learning rate lr, betas 0.9 and 0.999, eps 1e-8 and
// no weight decay (set the fields to change them).
func NewAdam(params []*Param, lr float32) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, params: params}
	for _, p := range params {
		a.m = append(a.m, make([]float32, len(p.W)))
		a.v = append(a.v, make([]float32, len(p.W)))
	}
	return a
}

// Step updates every parameter from its gradient.
func (a *Adam) Step() {
	a.t++
	bc1 := 1 - math.Pow(float64(a.Beta1), float64(a.t))
	bc2 := 1 - math.Pow(float64(a.Beta2), float64(a.t))
	stepSize := float32(float64(a.LR) / bc1)
	rbc2 := float32(1 / math.Sqrt(bc2))
	b1, b2, eps, wd := a.Beta1, a.Beta2, a.Eps, a.WeightDecay
	for i, p := range a.params {
		if len(p.G) != len(p.W) {
			panic(fmt.Sprintf("nn: Adam step: param %s has %d weights but %d gradients", p.Name, len(p.W), len(p.G)))
		}
		w, g, m, v := p.W, p.G[:len(p.W)], a.m[i][:len(p.W)], a.v[i][:len(p.W)]
		rowsParallel(len(w), 16, func(lo, hi int) {
			w, g, m, v := w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]
			for j := range w {
				gj := g[j] + wd*w[j]
				m[j] = b1*m[j] + (1-b1)*gj
				v[j] = b2*v[j] + (1-b2)*gj*gj
				// PyTorch: w -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
				w[j] -= stepSize * m[j] / (sqrt32(v[j])*rbc2 + eps)
			}
		})
	}
}

// ZeroGrad zeroes the gradients of the optimiser's parameters.
func (a *Adam) ZeroGrad() { ZeroGrad(a.params) }

// SGD is stochastic gradient descent with momentum and L2 weight decay, as torch.optim.SGD
// (dampening 0, not Nesterov): b = Momentum*b + (g + WeightDecay*w); w -= LR*b.
type SGD struct {
	LR, Momentum, WeightDecay float32

	params []*Param
	buf    [][]float32
}

// NewSGD returns SGD over params with the given learning rate and momentum (0 for none).
func NewSGD(params []*Param, lr, momentum float32) *SGD {
	s := &SGD{LR: lr, Momentum: momentum, params: params}
	for _, p := range params {
		s.buf = append(s.buf, make([]float32, len(p.W)))
	}
	return s
}

// Step updates every parameter from its gradient.
func (s *SGD) Step() {
	for i, p := range s.params {
		if len(p.G) != len(p.W) {
			panic(fmt.Sprintf("nn: SGD step: param %s has %d weights but %d gradients", p.Name, len(p.W), len(p.G)))
		}
		w, g, b := p.W, p.G[:len(p.W)], s.buf[i][:len(p.W)]
		for j := range w {
			gj := g[j] + s.WeightDecay*w[j]
			b[j] = s.Momentum*b[j] + gj
			w[j] -= s.LR * b[j]
		}
	}
}

// ZeroGrad zeroes the gradients of the optimiser's parameters.
func (s *SGD) ZeroGrad() { ZeroGrad(s.params) }

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
