package fusion

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/schema"
)

// plainHead is the head evaluator as it was before it ran on nn's kernels: scalar loops
// over the dense layers' weights (with nn.Dot for the forward rows), and the same
// gradient of the class scores (scoreGrad). The tests compare
// headEval with it, and BenchmarkHeadReexplain measures both in the same run.
type plainHead struct {
	dense     []*nn.Dense
	act, dAct [][]float32
	prob      []float64
}

func newPlainHead(h *headEval) *plainHead {
	p := &plainHead{dense: h.dense, prob: make([]float64, len(h.prob))}
	for _, d := range h.dense {
		p.act = append(p.act, make([]float32, headRows*d.Out))
		p.dAct = append(p.dAct, make([]float32, headRows*d.Out))
	}
	return p
}

func (h *plainHead) forward(z []float32, n, k int, p []float32) {
	in := z
	last := len(h.dense) - 1
	for i, d := range h.dense {
		out := h.act[i][:n*d.Out]
		for r := range n {
			x := in[r*d.In : (r+1)*d.In]
			o := out[r*d.Out : (r+1)*d.Out]
			for j := range o {
				v := d.Bias.W[j] + nn.Dot(d.Weight.W[j*d.In:(j+1)*d.In], x)
				if i < last {
					v = max(v, 0)
				}
				o[j] = v
			}
		}
		in = out
	}
	c := h.dense[last].Out
	for r := range n {
		p[r] = float32(classProb(in[r*c:(r+1)*c], k, h.prob))
	}
}

func (h *plainHead) grad(z []float32, n, k int, p, g []float32) {
	h.forward(z, n, k, p)
	last := len(h.dense) - 1
	d := h.dAct[last][:h.dense[last].Out*n]
	scoreGrad(d, h.act[last], p, n, k, h.prob)
	for i := last; i >= 0; i-- {
		l := h.dense[i]
		var dIn []float32
		if i > 0 {
			dIn = h.dAct[i-1][:n*l.In]
		} else {
			dIn = g[:n*l.In]
		}
		clear(dIn)
		for r := range n {
			di := dIn[r*l.In : (r+1)*l.In]
			for j, v := range d[r*l.Out : (r+1)*l.Out] {
				if v != 0 {
					w := l.Weight.W[j*l.In : (j+1)*l.In]
					for q := range di {
						di[q] += v * w[q]
					}
				}
			}
			if i > 0 {
				for q, a := range h.act[i-1][r*l.In : (r+1)*l.In] {
					if a <= 0 {
						di[q] = 0
					}
				}
			}
		}
		d = dIn
	}
}

// randomHeadInput fills n fusion vectors with values of the size the encoders give.
func randomHeadInput(n, dim int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 3))
	z := make([]float32, n*dim)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	return z
}

// TestHeadEvalMatchesPlain checks the head evaluator on nn's kernels against the plain
// loops, for batches on both of nn's dense paths (matrix-vector rows and GEMM), every
// class of a two-class and a three-class head, and every kernel nn offers; and checks its
// gradient against central finite differences of its own probabilities.
func TestHeadEvalMatchesPlain(t *testing.T) {
	for _, cfg := range []Config{DefaultConfig(), mustConfig(t, threeInputSchema())} {
		m := mustNet(t, cfg, 1, 5)
		h := m.explain().h
		ref := newPlainHead(h)
		dim, classes := cfg.Dim(), cfg.Classes()
		for _, kern := range nn.Kernels() {
			prev, err := nn.UseKernel(kern)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 3, 17, headRows} {
				z := randomHeadInput(n, dim, uint64(n))
				for k := range classes {
					p, g := make([]float32, n), make([]float32, n*dim)
					pr, gr := make([]float32, n), make([]float32, n*dim)
					h.grad(z, n, k, p, g)
					ref.grad(z, n, k, pr, gr)
					for i := range p {
						if math.Abs(float64(p[i]-pr[i])) > 1e-6 {
							t.Errorf("%s, %d classes, n %d, class %d, row %d: p %v, plain %v", kern, classes, n, k, i, p[i], pr[i])
						}
					}
					if e := relErr(widen64(g), widen64(gr)); e > 1e-5 {
						t.Errorf("%s, %d classes, n %d, class %d: dp/dz relative error %.3g against the plain loops", kern, classes, n, k, e)
					}
					pf := make([]float32, n)
					h.forward(z, n, k, pf)
					for i := range p {
						if pf[i] != p[i] {
							t.Errorf("%s, n %d, class %d, row %d: forward p %v, grad p %v", kern, n, k, i, pf[i], p[i])
						}
					}
				}
			}
			if _, err := nn.UseKernel(prev); err != nil {
				t.Fatal(err)
			}
		}

		// Finite differences of the evaluator's own p, one row, every class.
		const eps = 1e-2
		z := randomHeadInput(1, dim, 99)
		for k := range classes {
			var p [2]float32
			g := make([]float32, dim)
			h.grad(z, 1, k, p[:1], g)
			var num []float64
			zz := make([]float32, dim)
			for j := range dim {
				copy(zz, z)
				zz[j] += eps
				h.forward(zz, 1, k, p[:1])
				zz[j] -= 2 * eps
				h.forward(zz, 1, k, p[1:])
				num = append(num, (float64(p[0])-float64(p[1]))/(2*eps))
			}
			if e := relErr(widen64(g), num); e > 1e-2 {
				t.Errorf("%d classes, class %d: dp/dz relative error %.3g against finite differences", classes, k, e)
			}
		}
	}
}

// TestProbsOneForward checks Probs (one pass of the head for every class) against each
// class's Prob.
func TestProbsOneForward(t *testing.T) {
	cfg := mustConfig(t, threeInputSchema())
	m := mustNet(t, cfg, 1, 6)
	z := randomHeadInput(1, cfg.Dim(), 4)
	probs, err := m.Probs(z)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for k, v := range probs {
		h, err := m.ClassHead(k)
		if err != nil {
			t.Fatal(err)
		}
		var p [1]float32
		h.Prob(z, 1, p[:])
		if p[0] != v {
			t.Errorf("class %d: Probs %v, Prob %v", k, v, p[0])
		}
		sum += float64(v)
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("probabilities sum to %v", sum)
	}
}

// TestExplainFused checks the one-pass head explanation against Probs and each class
// head's Grad (the same numbers, bit for bit: the same kernels), with k = -1 explaining
// the predicted class, and that it allocates nothing.
func TestExplainFused(t *testing.T) {
	for _, cfg := range []Config{DefaultConfig(), mustConfig(t, threeInputSchema())} {
		m := mustNet(t, cfg, 1, 7)
		z := randomHeadInput(1, cfg.Dim(), 8)
		want, err := m.Probs(z)
		if err != nil {
			t.Fatal(err)
		}
		probs, dz := make([]float32, cfg.Classes()), make([]float32, cfg.Dim())
		for k := -1; k < cfg.Classes(); k++ {
			class, p := m.ExplainFused(k, z, probs, dz)
			if k >= 0 && class != k || k < 0 && class != PredictedClass(want) {
				t.Fatalf("class %d: explained class %d (probabilities %v)", k, class, want)
			}
			if !slices.Equal(probs, want) {
				t.Errorf("class %d: probabilities %v, Probs %v", k, probs, want)
			}
			h, _ := m.ClassHead(class)
			var hp [1]float32
			g := make([]float32, cfg.Dim())
			h.Grad(z, 1, hp[:], g)
			if p != hp[0] || !slices.Equal(dz, g) {
				t.Errorf("class %d: p %v dp/dz %v; the class head's Grad: %v %v", k, p, dz, hp[0], g)
			}
		}
		if a := testing.AllocsPerRun(10, func() { m.ExplainFused(1, z, probs, dz) }); a != 0 {
			t.Errorf("%v allocations per call", a)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a short dz did not panic")
				}
			}()
			m.ExplainFused(0, z, probs, dz[1:])
		}()
	}
}

func widen64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// BenchmarkHeadReexplain measures what the page does after a clinical edit, with the
// image features cached: every class probability, then p and dp/dz of the explained
// class (the paper's network, one case), on the head evaluator (nn's kernels) and, as its
// peer in the same run, on the plain loops it replaced. Report the ratio:
//
//	go test -run '^$' -bench HeadReexplain -count 5 ./fusion
func BenchmarkHeadReexplain(b *testing.B) {
	cfg := DefaultConfig()
	m := mustNet(b, cfg, 1, 1)
	h := m.explain().h
	ref := newPlainHead(h)
	dim, classes := cfg.Dim(), cfg.Classes()
	z := randomHeadInput(1, dim, 1)
	probs, p, g := make([]float32, classes), make([]float32, 1), make([]float32, dim)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for k := range probs {
				ref.forward(z, 1, k, probs[k:k+1])
			}
			ref.grad(z, 1, 1, p, g)
		}
	})
	b.Run("nn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.probs(z, probs)
			h.grad(z, 1, 1, p, g)
		}
	})
	// Both in alternating blocks of 100 re-explanations, so that a busy machine slows
	// both alike: plain-ns and nn-ns per re-explanation, and their ratio.
	b.Run("alternating", func(b *testing.B) {
		var tPlain, tNN time.Duration
		for b.Loop() {
			t0 := time.Now()
			for range 100 {
				for k := range probs {
					ref.forward(z, 1, k, probs[k:k+1])
				}
				ref.grad(z, 1, 1, p, g)
			}
			t1 := time.Now()
			for range 100 {
				h.probs(z, probs)
				h.grad(z, 1, 1, p, g)
			}
			tPlain, tNN = tPlain+t1.Sub(t0), tNN+time.Since(t1)
		}
		b.ReportMetric(float64(tPlain.Nanoseconds())/float64(100*b.N), "plain-ns")
		b.ReportMetric(float64(tNN.Nanoseconds())/float64(100*b.N), "nn-ns")
		b.ReportMetric(float64(tPlain)/float64(tNN), "speedup")
	})
}

// mustConfig is a small network of schema s with a three-layer head (two ReLUs).
func mustConfig(t testing.TB, s schema.Schema) Config {
	t.Helper()
	cfg, err := NewConfig(s, "shared", []ConvLayer{{Out: 4, Kernel: 3, Pool: true}}, []int{6}, []int{40, 20, len(s.Classes)})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
