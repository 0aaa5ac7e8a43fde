package fusion

import (
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/nn"
)

// DenseLayer is one fully connected layer of a head: out = W in + B, W Out x In
// (PyTorch's Linear layout), row-major.
type DenseLayer struct {
	In, Out int
	W, B    []float32
}

// DenseHead is a post-fusion head as a plain stack of dense layers with ReLU between
// them, ending in K class scores s (2..10): p(class k) = softmax(s)_k, for two classes
// p(class 1) = logistic(s1 - s0). It reports the probability of one class, Class (class 1,
// the paper's positive class, unless ForClass chose another). It is an importance.Head and
// a LogitHead. It holds no buffers, so one DenseHead may serve several goroutines at once.
type DenseHead struct {
	Layers []DenseLayer

	class    int  // the class reported, when chosen
	hasClass bool // whether ForClass chose class; otherwise class 1
}

// headChunk is how many fusion vectors a DenseHead evaluates per pass, which bounds the
// memory of one call.
const headChunk = 256

// NewDenseHead checks that the layers chain (each In is the previous Out), end in 2..10
// class scores and hold finite weights of the stated sizes, and returns them as a head.
// The layers are used as given, not copied.
func NewDenseHead(layers []DenseLayer) (*DenseHead, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("fusion: head has no layers")
	}
	for i, l := range layers {
		if l.In <= 0 || l.Out <= 0 {
			return nil, fmt.Errorf("fusion: head layer %d maps %d to %d features", i, l.In, l.Out)
		}
		if i > 0 && l.In != layers[i-1].Out {
			return nil, fmt.Errorf("fusion: head layer %d reads %d features, layer %d gives %d", i, l.In, i-1, layers[i-1].Out)
		}
		if len(l.W) != l.In*l.Out || len(l.B) != l.Out {
			return nil, fmt.Errorf("fusion: head layer %d (%d -> %d) has %d weights and %d biases, want %d and %d",
				i, l.In, l.Out, len(l.W), len(l.B), l.In*l.Out, l.Out)
		}
		for _, v := range [][]float32{l.W, l.B} {
			for k, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					return nil, fmt.Errorf("fusion: head layer %d parameter %d is %v", i, k, x)
				}
			}
		}
	}
	if out := layers[len(layers)-1].Out; out < 2 || out > maxClasses {
		return nil, fmt.Errorf("fusion: head ends in %d scores, want 2..%d classes", out, maxClasses)
	}
	return &DenseHead{Layers: layers}, nil
}

// maxClasses is the most classes a head may score.
const maxClasses = 10

// Classes is the number of class scores the head ends in.
func (h *DenseHead) Classes() int { return h.Layers[len(h.Layers)-1].Out }

// Class is the class whose probability the head reports.
func (h *DenseHead) Class() int {
	if h.hasClass {
		return h.class
	}
	return 1
}

// ForClass returns a head with the same layers (shared, not copied) that reports p(class
// k), or an error naming the range of classes.
func (h *DenseHead) ForClass(k int) (*DenseHead, error) {
	if k < 0 || k >= h.Classes() {
		return nil, fmt.Errorf("fusion: class %d, the head scores classes 0..%d", k, h.Classes()-1)
	}
	return &DenseHead{Layers: h.Layers, class: k, hasClass: true}, nil
}

// HeadOf copies the head of a fusion network: the dense layers after the fusion vector.
// The copy computes the same p(class 1) as net.Prob and does not change when net does;
// ForClass gives another class's.
func HeadOf(net *Net) (*DenseHead, error) {
	cfg := net.Config()
	params := net.Params()
	k := len(cfg.Head)
	if len(params) < 2*k {
		return nil, fmt.Errorf("fusion: network has %d parameter tensors, fewer than the head's %d", len(params), 2*k)
	}
	hp := params[len(params)-2*k:]
	layers := make([]DenseLayer, k)
	in := cfg.Dim()
	for i, out := range cfg.Head {
		w, b := hp[2*i], hp[2*i+1]
		if len(w.Shape) != 2 || w.Shape[0] != out || w.Shape[1] != in || len(b.Shape) != 1 || b.Shape[0] != out {
			return nil, fmt.Errorf("fusion: head layer %d has weight shape %v and bias shape %v, want [%d %d] and [%d]",
				i, w.Shape, b.Shape, out, in, out)
		}
		layers[i] = DenseLayer{In: in, Out: out, W: append([]float32(nil), w.W...), B: append([]float32(nil), b.W...)}
		in = out
	}
	return NewDenseHead(layers)
}

// Dim is the length of a fusion vector.
func (h *DenseHead) Dim() int { return h.Layers[0].In }

// Randomised returns a copy of h with freshly initialised parameters, drawn as package nn
// initialises a new dense layer (He-uniform weights, zero biases) from PCG(seed): the
// model-randomisation sanity check of Adebayo et al. (2018) applied to the head.
func (h *DenseHead) Randomised(seed uint64) *DenseHead {
	rng := nn.NewRand(seed)
	out := &DenseHead{Layers: make([]DenseLayer, len(h.Layers)), class: h.class, hasClass: h.hasClass}
	for i, l := range h.Layers {
		r := DenseLayer{In: l.In, Out: l.Out, W: make([]float32, len(l.W)), B: make([]float32, len(l.B))}
		nn.InitHeUniform(r.W, l.In, rng)
		out.Layers[i] = r
	}
	return out
}

// checkRows panics unless z, out and g (when not nil) hold n rows: wrong sizes are
// programming errors, as for importance.Head.
func (h *DenseHead) checkRows(op string, z []float32, n int, out, g []float32) {
	d := h.Dim()
	if n < 0 || len(z) < n*d || len(out) < n || (g != nil && len(g) < n*d) {
		panic(fmt.Sprintf("fusion: DenseHead.%s: n=%d rows of %d need z, out, g of %d, %d, %d values; have %d, %d, %d",
			op, n, d, n*d, n, n*d, len(z), len(out), len(g)))
	}
}

// buffers holds one call's activations.
type buffers struct {
	act [][]float32 // per layer, rows x Out (rows: at most headChunk)
	d   [][]float32 // per layer, rows x In: gradient with respect to the layer's input
}

func (h *DenseHead) buffers(grad bool, rows int) *buffers {
	b := &buffers{act: make([][]float32, len(h.Layers))}
	for i, l := range h.Layers {
		b.act[i] = make([]float32, rows*l.Out)
	}
	if grad {
		b.d = make([][]float32, len(h.Layers))
		for i, l := range h.Layers {
			if i > 0 {
				b.d[i] = make([]float32, rows*l.In)
			}
		}
	}
	return b
}

// scores runs n <= headChunk rows through the layers; the last activation holds the
// class scores per row (n x Classes).
func (h *DenseHead) scores(b *buffers, z []float32, n int) []float32 {
	in := z[:n*h.Dim()]
	last := len(h.Layers) - 1
	for i, l := range h.Layers {
		out := b.act[i][:n*l.Out]
		nn.DenseForward(out, in, l.W, l.B, n, l.In, l.Out)
		if i < last {
			nn.ReLUForward(out, out, n*l.Out)
		}
		in = out
	}
	return in
}

// backward sets g (n x Dim) to the gradient with respect to z of sum over rows r and
// classes j of d[r, j] s_j(z_r), given the activations of the last scores call; d is
// n x Classes.
func (h *DenseHead) backward(b *buffers, d []float32, n int, g []float32) {
	for i := len(h.Layers) - 1; i >= 0; i-- {
		l := h.Layers[i]
		var dIn []float32
		if i > 0 {
			dIn = b.d[i][:n*l.In]
		} else {
			dIn = g[:n*l.In]
		}
		nn.Sgemm(false, false, n, l.In, l.Out, 1, d, l.Out, l.W, l.In, 0, dIn, l.In)
		if i > 0 {
			nn.ReLUBackward(dIn, dIn, b.act[i-1][:n*l.In], n*l.In)
		}
		d = dIn
	}
}

// logit returns ln(p_k/(1-p_k)) = s_k - ln sum_{j != k} exp(s_j) for one row of scores s,
// and sets w to its gradient with respect to s (w may be nil). For two classes it is
// s_k - s_other.
func logit(s []float32, k int, w []float32) float64 {
	if len(s) == 2 {
		if w != nil {
			w[k], w[1-k] = 1, -1
		}
		return float64(s[k]) - float64(s[1-k])
	}
	mx := math.Inf(-1)
	for j, v := range s {
		if j != k {
			mx = math.Max(mx, float64(v))
		}
	}
	var sum float64
	for j, v := range s {
		if j != k {
			sum += math.Exp(float64(v) - mx)
		}
	}
	if w != nil {
		for j, v := range s {
			w[j] = float32(-math.Exp(float64(v)-mx) / sum)
		}
		w[k] = 1
	}
	return float64(s[k]) - mx - math.Log(sum)
}

// Logit sets s[i] = ln(p/(1-p)) of the head's class for each row i of z (n x Dim); for
// two classes and class 1, s1 - s0.
func (h *DenseHead) Logit(z []float32, n int, s []float32) { h.rows("Logit", logit, z, n, s, nil) }

// GradLogit sets s as Logit does and g = ds/dz (n x Dim).
func (h *DenseHead) GradLogit(z []float32, n int, s, g []float32) {
	h.rows("GradLogit", logit, z, n, s, g)
}

// prob returns p(class k) for one row of scores s and sets w, when not nil, to
// dp/ds. For two classes p is logistic(s_k - s_other) and dp/ds_k = p(1-p).
func prob(s []float32, k int, w []float32) float64 {
	if len(s) == 2 {
		v := nn.Logistic(float64(s[k]) - float64(s[1-k]))
		if w != nil {
			q := float32(v * (1 - v))
			w[k], w[1-k] = q, -q
		}
		return v
	}
	mx := math.Inf(-1)
	for _, v := range s {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range s {
		sum += math.Exp(float64(v) - mx)
	}
	pk := math.Exp(float64(s[k])-mx) / sum
	if w != nil {
		for j, v := range s {
			w[j] = float32(-pk * math.Exp(float64(v)-mx) / sum)
		}
		w[k] = float32(pk * (1 - pk))
	}
	return pk
}

// Prob sets p[i] = p(class | row i of z) for the head's class.
func (h *DenseHead) Prob(z []float32, n int, p []float32) { h.rows("Prob", prob, z, n, p, nil) }

// Grad sets p as Prob does and g = dp/dz.
func (h *DenseHead) Grad(z []float32, n int, p, g []float32) { h.rows("Grad", prob, z, n, p, g) }

// rows sets out[i] = f of row i's class scores (logit or prob) for the head's class and,
// when g is not nil, g = dout/dz, from f's derivative with respect to the scores.
func (h *DenseHead) rows(name string, f func(s []float32, k int, w []float32) float64, z []float32, n int, out, g []float32) {
	h.checkRows(name, z, n, out, g)
	d, c, k := h.Dim(), h.Classes(), h.Class()
	var w []float32
	if g != nil {
		w = make([]float32, min(n, headChunk)*c)
	}
	h.each(z, n, func(b *buffers, zc []float32, r, lo int) {
		sc := h.scores(b, zc, r)
		for i := range r {
			var wi []float32
			if w != nil {
				wi = w[i*c : (i+1)*c]
			}
			out[lo+i] = float32(f(sc[i*c:(i+1)*c], k, wi))
		}
		if g != nil {
			h.backward(b, w[:r*c], r, g[lo*d:])
		}
	}, g != nil)
}

// each calls fn on consecutive chunks of at most headChunk rows of z.
func (h *DenseHead) each(z []float32, n int, fn func(b *buffers, zc []float32, k, lo int), grad bool) {
	if n == 0 {
		return
	}
	b := h.buffers(grad, min(n, headChunk)) // a single case needs one row, not a chunk's
	d := h.Dim()
	for lo := 0; lo < n; lo += headChunk {
		k := min(headChunk, n-lo)
		fn(b, z[lo*d:(lo+k)*d], k, lo)
	}
}
