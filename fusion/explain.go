package fusion

import (
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/nn"
)

// headRows is how many fusion vectors the head evaluator processes at once.
const headRows = 64

// explainer is the inference path for explanations: a batch-1 stack in inference mode
// that shares the Net's weights, and a head evaluator over chunks of fusion vectors.
type explainer struct {
	s *stack
	// enc holds, per encoder, the layers of s's encoder with each convolution, its batch
	// norm and its ReLU folded into one pass (nn.FoldBatchNorm): explanations run these;
	// s's own sequences stay unfolded for naming a layer that overflows (sanity.go).
	enc   []*nn.Sequential
	h     *headEval
	imgs  [][]float32 // per encoder, one image per user
	z     []float32   // Dim
	dFeat [][]float32 // per encoder, features per user
	dLogp []float32   // Classes
	feat  [][]float32
}

// explain returns the Net's batch-1 inference path, building it on first use.
func (m *Net) explain() *explainer {
	if m.ex == nil {
		s := buildStack(m.cfg, 1, nil) // shares the Net's weights: nothing to draw
		s.share(m.s)
		s.setTraining(false)
		// Explaining needs gradients with respect to inputs only; skipping the parameter
		// gradients halves the backward pass of the saliency.
		s.setSkipParamGrad(true)
		e := &explainer{s: s,
			h: newHeadEval(m.cfg, s.head), z: make([]float32, m.cfg.Dim()),
			dLogp: make([]float32, m.cfg.Classes()), feat: make([][]float32, m.lay.images()+1)}
		for _, es := range s.encs {
			e.enc = append(e.enc, nn.FoldBatchNorm(es.seq))
		}
		for i, u := range m.lay.users {
			e.imgs = append(e.imgs, make([]float32, len(u)*m.cfg.Encoders[i].Pixels()))
			e.dFeat = append(e.dFeat, make([]float32, len(u)*m.cfg.Encoders[i].Features()))
		}
		m.ex = e
	}
	return m.ex
}

// headEval computes p(class k) and dp(class k)/dz of the head directly from its dense
// layers' weights, without touching their gradients or activation buffers.
type headEval struct {
	dense     []*nn.Dense
	act, dAct [][]float32 // per layer, headRows x width: outputs and their gradients
	dz        []float32   // headRows x Dim
	prob      []float64   // Classes: one row's class probabilities
}

func newHeadEval(cfg Config, head *nn.Sequential) *headEval {
	h := &headEval{dz: make([]float32, headRows*cfg.Dim()), prob: make([]float64, cfg.Classes())}
	for _, l := range head.Layers {
		if d, ok := l.(*nn.Dense); ok {
			h.dense = append(h.dense, d)
			h.act = append(h.act, make([]float32, headRows*d.Out))
			h.dAct = append(h.dAct, make([]float32, headRows*d.Out))
		}
	}
	return h
}

// classProb returns softmax(s)[k] for one row of class scores s, in float64. For two
// classes it is logistic(s_k - s_other), computed as the paper's code always has.
func classProb(s []float32, k int, prob []float64) float64 {
	if len(s) == 2 {
		return 1 / (1 + math.Exp(float64(s[1-k]-s[k])))
	}
	mx := s[0]
	for _, v := range s {
		mx = max(mx, v)
	}
	var sum float64
	for j, v := range s {
		prob[j] = math.Exp(float64(v - mx))
		sum += prob[j]
	}
	for j := range prob {
		prob[j] /= sum
	}
	return prob[k]
}

// scores runs the head's dense layers (ReLU between them) on n <= headRows rows of z
// and returns the class scores, n x Classes, in h's buffers. The layers run on nn's
// dense kernels: dot products per output for a few rows, its GEMM for more, both on the
// vector helpers (AVX natively, Float32x4 under GOEXPERIMENT=simd in wasm).
func (h *headEval) scores(z []float32, n int) []float32 {
	in := z
	last := len(h.dense) - 1
	for i, d := range h.dense {
		out := h.act[i][:n*d.Out]
		nn.DenseForward(out, in[:n*d.In], d.Weight.W, d.Bias.W, n, d.In, d.Out)
		if i < last {
			nn.ReLUForward(out, out, n*d.Out)
		}
		in = out
	}
	return in
}

// forward sets p[i] = p(class k | z row i) for n <= headRows rows.
func (h *headEval) forward(z []float32, n, k int, p []float32) {
	s := h.scores(z, n)
	c := h.dense[len(h.dense)-1].Out
	for r := range n {
		p[r] = float32(classProb(s[r*c:(r+1)*c], k, h.prob))
	}
}

// probs sets out[k] = p(class k | z) for one fusion vector z and every class, in one
// pass of the head.
func (h *headEval) probs(z, out []float32) {
	s := h.scores(z, 1)
	for k := range out {
		out[k] = float32(classProb(s, k, h.prob))
	}
}

// grad sets p as forward does and g = dp(class k)/dz for n <= headRows rows.
func (h *headEval) grad(z []float32, n, k int, p, g []float32) {
	h.forward(z, n, k, p)
	h.backward(z, n, k, p, g)
}

// backward sets g = dp(class k)/dz for the n rows of z of the last forward (or scores),
// whose p(class k) are p.
func (h *headEval) backward(z []float32, n, k int, p, g []float32) {
	last := len(h.dense) - 1
	d := h.dAct[last][:h.dense[last].Out*n]
	scoreGrad(d, h.act[last], p, n, k, h.prob)
	for i := last; i >= 0; i-- {
		l := h.dense[i]
		in, dIn := z, g // the layer's input and its gradient
		if i > 0 {
			in, dIn = h.act[i-1], h.dAct[i-1]
		}
		in, dIn = in[:n*l.In], dIn[:n*l.In]
		// Input gradient only: nil weight and bias gradients are skipped.
		nn.DenseBackward(dIn, nil, nil, d, in, l.Weight.W, n, l.In, l.Out)
		if i > 0 { // through the ReLU before this layer
			nn.ReLUBackward(dIn, dIn, in, n*l.In)
		}
		d = dIn
	}
}

// scoreGrad sets d (n x c) = dp(class k)/dscores for n rows of class scores s, whose
// p(class k) are p; prob is scratch of c values.
func scoreGrad(d, s, p []float32, n, k int, prob []float64) {
	c := len(prob)
	for r := range n {
		row := d[r*c : (r+1)*c]
		if c == 2 {
			// dp_k/ds_k = p_k p_other and dp_k/ds_other = -p_k p_other.
			q := p[r] * (1 - p[r])
			row[k], row[1-k] = q, -q
			continue
		}
		// dp_k/ds_j = p_k (delta_jk - p_j), with the probabilities in float64.
		classProb(s[r*c:(r+1)*c], k, prob)
		for j := range row {
			v := -prob[k] * prob[j]
			if j == k {
				v += prob[k]
			}
			row[j] = float32(v)
		}
	}
}

// Dim is the length of the fusion vector (40 for the paper's network). With Prob and Grad
// it makes a Net an importance.Head.
func (m *Net) Dim() int { return m.cfg.Dim() }

// Prob sets p[i] = p(class 1 | z row i) for the n x Dim row-major fusion vectors z, using
// only the head (microseconds per row). It panics if z or p is too short. ClassHead gives
// the probability of another class.
func (m *Net) Prob(z []float32, n int, p []float32) { m.prob(1, z, n, p) }

// Grad sets p as Prob does and g = dp(class 1)/dz (n x Dim, row-major), the gradient at
// the fusion layer that the paper's importance is made of. It panics if a buffer is too
// short.
func (m *Net) Grad(z []float32, n int, p, g []float32) { m.grad(1, z, n, p, g) }

func (m *Net) prob(k int, z []float32, n int, p []float32) {
	m.checkHead("Prob", z, n, p, nil)
	h, d := m.explain().h, m.cfg.Dim()
	for lo := 0; lo < n; lo += headRows {
		r := min(headRows, n-lo)
		h.forward(z[lo*d:], r, k, p[lo:])
	}
}

func (m *Net) grad(k int, z []float32, n int, p, g []float32) {
	m.checkHead("Grad", z, n, p, g)
	h, d := m.explain().h, m.cfg.Dim()
	for lo := 0; lo < n; lo += headRows {
		r := min(headRows, n-lo)
		h.grad(z[lo*d:], r, k, p[lo:], g[lo*d:])
	}
}

// ClassHead is a Net's head for one class: an importance.Head whose Prob and Grad are
// p(class k) and dp(class k)/dz. It shares the Net (and is not safe for concurrent use).
type ClassHead struct {
	net   *Net
	class int
}

// ClassHead returns the head for class k (0..Classes-1), or an error naming the range.
func (m *Net) ClassHead(k int) (*ClassHead, error) {
	if k < 0 || k >= m.cfg.Classes() {
		return nil, fmt.Errorf("fusion: class %d, the network has classes 0..%d", k, m.cfg.Classes()-1)
	}
	return &ClassHead{net: m, class: k}, nil
}

// Class is the class whose probability h gives.
func (h *ClassHead) Class() int { return h.class }

// Dim is the length of the fusion vector.
func (h *ClassHead) Dim() int { return h.net.Dim() }

// Prob sets p[i] = p(class k | z row i).
func (h *ClassHead) Prob(z []float32, n int, p []float32) { h.net.prob(h.class, z, n, p) }

// Grad sets p as Prob does and g = dp(class k)/dz (n x Dim).
func (h *ClassHead) Grad(z []float32, n int, p, g []float32) { h.net.grad(h.class, z, n, p, g) }

// Probs returns every class probability for one fusion vector z (a new slice).
func (m *Net) Probs(z []float32) ([]float32, error) {
	if len(z) != m.cfg.Dim() {
		return nil, fmt.Errorf("fusion: Probs: fusion vector of %d values, want %d", len(z), m.cfg.Dim())
	}
	if i := nonFinite(z); i >= 0 {
		return nil, fmt.Errorf("fusion: Probs: fusion feature %d is %v", i, z[i])
	}
	out := make([]float32, m.cfg.Classes())
	m.explain().h.probs(z, out)
	return out, nil
}

// ExplainFused is ExplainClass's head part for a fusion vector z (Dim values, finite):
// every class probability into probs (Classes values) and, for class k (-1: the
// predicted one), dp(k)/dz into dz (Dim values), from one pass of the head forward and
// one back, allocating nothing. It returns the class explained and its probability. A
// non-finite result is left for the caller to find (CheckHead names the layer). It
// panics if k or a buffer's length is wrong.
func (m *Net) ExplainFused(k int, z, probs, dz []float32) (class int, p float32) {
	d, c := m.cfg.Dim(), m.cfg.Classes()
	if k < -1 || k >= c || len(z) != d || len(probs) != c || len(dz) != d {
		panic(fmt.Sprintf("fusion: ExplainFused: class %d of %d, z of %d, probs of %d, dz of %d values; want z and dz of %d, probs of %d",
			k, c, len(z), len(probs), len(dz), d, c))
	}
	h := m.explain().h
	s := h.scores(z, 1)
	for j := range probs {
		probs[j] = float32(classProb(s, j, h.prob))
	}
	if k < 0 {
		k = PredictedClass(probs)
	}
	pk := [1]float32{probs[k]}
	h.backward(z, 1, k, pk[:], dz)
	return k, pk[0]
}

func (m *Net) checkHead(op string, z []float32, n int, p, g []float32) {
	d := m.cfg.Dim()
	if n < 0 || len(z) < n*d || len(p) < n || (g != nil && len(g) < n*d) {
		panic(fmt.Sprintf("fusion: %s: n=%d fusion vectors of %d need z, p, g of %d, %d, %d values; have %d, %d, %d",
			op, n, d, n*d, n, n*d, len(z), len(p), len(g)))
	}
}

// Encode returns the encoder's features of one image, for networks whose image inputs all
// share one encoder (the paper's): EncodeInput(0, img). It panics otherwise, and if img
// does not hold exactly one image.
func (m *Net) Encode(img []float32) []float32 {
	if len(m.cfg.Encoders) != 1 {
		panic(fmt.Sprintf("fusion: Encode: the network has %d encoders; use EncodeInput", len(m.cfg.Encoders)))
	}
	return m.EncodeInput(0, img)
}

// EncodeInput returns the features of one image of input k (InputPixels(k) values,
// channel-major) in inference mode: InputFeatures(k) values, a new slice the caller may
// keep. Explainers cache them, so that a change of tabular values costs only the head. It
// panics if k is out of range or img does not hold exactly one image.
func (m *Net) EncodeInput(k int, img []float32) []float32 {
	if k < 0 || k >= m.lay.images() {
		panic(fmt.Sprintf("fusion: EncodeInput: input %d, the network has %d image inputs", k, m.lay.images()))
	}
	if len(img) != m.lay.pixels[k] {
		panic(fmt.Sprintf("fusion: EncodeInput: image has %d values, input %q wants %d", len(img), m.cfg.Schema.Images[k].Name, m.lay.pixels[k]))
	}
	e, enc := m.explain(), m.lay.enc[k]
	buf := e.imgs[enc][:len(img)]
	copy(buf, img)
	return append([]float32(nil), e.enc[enc].Forward(buf, 1)...)
}

// checkCase reports what is wrong with one case's inputs, naming the input.
func (m *Net) checkCase(images [][]float32, clinical []float32) error {
	if len(images) != m.lay.images() {
		return fmt.Errorf("fusion: %d images given, the network reads %d", len(images), m.lay.images())
	}
	for k, img := range images {
		if err := m.checkImage(k, img); err != nil {
			return err
		}
	}
	if len(clinical) != m.cfg.Clinical() {
		return fmt.Errorf("fusion: %d tabular values given, want %d", len(clinical), m.cfg.Clinical())
	}
	if i := nonFinite(clinical); i >= 0 {
		return fmt.Errorf("fusion: tabular value %d is %v", i, clinical[i])
	}
	return nil
}

// checkImage reports what is wrong with an image of input k, naming the input.
func (m *Net) checkImage(k int, img []float32) error {
	im := m.cfg.Schema.Images[k]
	if len(img) != m.lay.pixels[k] {
		return fmt.Errorf("fusion: image %q has %d values, want %d x %dx%d = %d", im.Name, len(img), im.Channels, im.Size, im.Size, m.lay.pixels[k])
	}
	if i := nonFinite(img); i >= 0 {
		return fmt.Errorf("fusion: image %q pixel %d is %v", im.Name, i, img[i])
	}
	return nil
}

// Fuse returns the fusion vector of one case from its image features (one EncodeInput
// result per image input) and its tabular values.
func (m *Net) Fuse(features [][]float32, clinical []float32) ([]float32, error) {
	if len(features) != m.lay.images() {
		return nil, fmt.Errorf("fusion: Fuse: %d feature vectors given, want %d", len(features), m.lay.images())
	}
	for k, v := range features {
		if len(v) != m.lay.widths[k] {
			return nil, fmt.Errorf("fusion: Fuse: features of image %q have %d values, want %d", m.cfg.Schema.Images[k].Name, len(v), m.lay.widths[k])
		}
	}
	if len(clinical) != m.cfg.Clinical() {
		return nil, fmt.Errorf("fusion: Fuse: %d tabular values given, want %d", len(clinical), m.cfg.Clinical())
	}
	z := make([]float32, m.cfg.Dim())
	concat(z, append(append([][]float32(nil), features...), clinical), m.lay.widths, 1)
	return z, nil
}

// Explanation is one case's prediction and its gradient at the fusion layer.
type Explanation struct {
	Class int       // the class explained
	P     float32   // p(Class)
	Probs []float32 // every class probability
	Z     []float32 // the fusion vector (Dim values)
	DZ    []float32 // dp(Class)/dz (Dim values)
}

// Explain runs one case (one image per input and the tabular values) through the
// encoders and the head in inference mode and returns p(class 1), the fusion vector and
// dp(class 1)/dz: ExplainClass(1, ...).
func (m *Net) Explain(images [][]float32, clinical []float32) (Explanation, error) {
	return m.ExplainClass(1, images, clinical)
}

// ExplainClass is Explain for class k; k = -1 explains the predicted class (the most
// probable, the first of equals).
func (m *Net) ExplainClass(k int, images [][]float32, clinical []float32) (Explanation, error) {
	if k < -1 || k >= m.cfg.Classes() {
		return Explanation{}, fmt.Errorf("fusion: class %d, the network has classes 0..%d (or -1, the predicted one)", k, m.cfg.Classes()-1)
	}
	if err := m.checkCase(images, clinical); err != nil {
		return Explanation{}, err
	}
	e := m.explain()
	z := e.fuse(m, images, clinical)
	if nonFinite(z) >= 0 { // the case is finite (checkCase): blame the weights
		return Explanation{}, m.casesFault()
	}
	x := Explanation{Z: append([]float32(nil), z...), DZ: make([]float32, len(z)), Probs: make([]float32, m.cfg.Classes())}
	x.Class, x.P = m.ExplainFused(k, x.Z, x.Probs, x.DZ)
	if nonFinite(x.Probs) >= 0 || nonFinite(x.DZ) >= 0 {
		return Explanation{}, m.CheckHead(x.Z)
	}
	return x, nil
}

// PredictedClass returns the class a row of class probabilities (or scores, or
// log-probabilities) predicts: the index of the largest value, the first of equals.
func PredictedClass(v []float32) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

// fuse encodes one case's images (each encoder in one batch) and fills e.z.
func (e *explainer) fuse(m *Net, images [][]float32, clinical []float32) []float32 {
	for k, img := range images {
		p := m.lay.pixels[k]
		copy(e.imgs[m.lay.enc[k]][m.lay.slot[k]*p:], img[:p])
	}
	for i, u := range m.lay.users {
		f := m.cfg.Encoders[i].Features()
		out := e.enc[i].Forward(e.imgs[i], len(u))
		for j, k := range u {
			e.feat[k] = out[j*f : (j+1)*f]
		}
	}
	e.feat[m.lay.images()] = clinical
	concat(e.z, e.feat, m.lay.widths, 1)
	return e.z
}

// Saliency returns p(class 1) for one case and dp(class 1)/dpixel for each of its images
// (one slice per image input, new), in inference mode: SaliencyClass(1, ...).
func (m *Net) Saliency(images [][]float32, clinical []float32) (float32, [][]float32, error) {
	return m.SaliencyClass(1, images, clinical)
}

// SaliencyClass is Saliency for class k (0..Classes-1).
func (m *Net) SaliencyClass(k int, images [][]float32, clinical []float32) (float32, [][]float32, error) {
	if k < 0 || k >= m.cfg.Classes() {
		return 0, nil, fmt.Errorf("fusion: class %d, the network has classes 0..%d", k, m.cfg.Classes()-1)
	}
	if err := m.checkCase(images, clinical); err != nil {
		return 0, nil, err
	}
	e := m.explain()
	z := e.fuse(m, images, clinical)
	logp := e.s.head.Forward(z, 1)
	p := float32(math.Exp(float64(logp[k])))
	// dp_k/dlogp = p_k at k, 0 elsewhere; the log-softmax backward turns it into
	// dp_k/dscores.
	clear(e.dLogp)
	e.dLogp[k] = p
	dz := e.s.head.Backward(e.dLogp, 1)
	split(e.dFeat, dz, m.lay, 1)
	sal := make([][]float32, m.lay.images())
	for i, u := range m.lay.users {
		setPixelGrad(e.s.encs[i], true)
		d := e.enc[i].Backward(e.dFeat[i], len(u))
		for j, kk := range u {
			px := m.lay.pixels[kk]
			sal[kk] = append([]float32(nil), d[j*px:(j+1)*px]...)
		}
	}
	return p, sal, nil
}

// nonFinite returns the index of the first NaN or infinity in v, or -1.
func nonFinite(v []float32) int {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}
