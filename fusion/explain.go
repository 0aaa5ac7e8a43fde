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
	s     *stack
	h     *headEval
	imgs  []float32 // Images*Pixels
	z     []float32 // Dim
	dFeat []float32 // Images*Features
	dLogp []float32 // 2
	feat  [][]float32
}

// explain returns the Net's batch-1 inference path, building it on first use.
func (m *Net) explain() *explainer {
	if m.ex == nil {
		s := buildStack(m.cfg, 1, nn.NewRand(0))
		s.share(m.s)
		s.setTraining(false)
		// Explaining needs gradients with respect to inputs only; skipping the parameter
		// gradients halves the backward pass of the saliency.
		s.enc.SetSkipParamGrad(true)
		s.head.SetSkipParamGrad(true)
		e := &explainer{s: s,
			h:    newHeadEval(m.cfg, s.head),
			imgs: make([]float32, m.cfg.Images*m.cfg.Pixels()), z: make([]float32, m.cfg.Dim()),
			dFeat: make([]float32, m.cfg.Images*m.cfg.Features()), dLogp: make([]float32, 2),
			feat: make([][]float32, m.cfg.Images+1)}
		m.ex = e
	}
	return m.ex
}

// headEval computes p(class 1) and dp/dz of the head directly from its dense layers'
// weights, without touching their gradients or activation buffers.
type headEval struct {
	dense     []*nn.Dense
	act, dAct [][]float32 // per layer, headRows x width: outputs and their gradients
	dz        []float32   // headRows x Dim
}

func newHeadEval(cfg Config, head *nn.Sequential) *headEval {
	h := &headEval{dz: make([]float32, headRows*cfg.Dim())}
	for _, l := range head.Layers {
		if d, ok := l.(*nn.Dense); ok {
			h.dense = append(h.dense, d)
			h.act = append(h.act, make([]float32, headRows*d.Out))
			h.dAct = append(h.dAct, make([]float32, headRows*d.Out))
		}
	}
	return h
}

// forward sets p[i] = p(class 1 | z row i) for n <= headRows rows.
func (h *headEval) forward(z []float32, n int, p []float32) {
	in := z
	last := len(h.dense) - 1
	for i, d := range h.dense {
		out := h.act[i][:n*d.Out]
		// Plain loops: the head is too small for a packed GEMM to pay off.
		for r := range n {
			x := in[r*d.In : (r+1)*d.In]
			o := out[r*d.Out : (r+1)*d.Out]
			for j := range o {
				v := d.Bias.W[j] + dot(d.Weight.W[j*d.In:(j+1)*d.In], x)
				if i < last {
					v = max(v, 0)
				}
				o[j] = v
			}
		}
		in = out
	}
	for r := range n {
		// p1 = softmax(s)[1] = logistic(s1 - s0), computed in float64.
		p[r] = float32(1 / (1 + math.Exp(float64(in[2*r]-in[2*r+1]))))
	}
}

// grad sets p as forward does and g = dp/dz for n <= headRows rows.
func (h *headEval) grad(z []float32, n int, p, g []float32) {
	h.forward(z, n, p)
	last := len(h.dense) - 1
	d := h.dAct[last][:2*n]
	for r := range n {
		// dp1/ds1 = p1 p0 and dp1/ds0 = -p1 p0.
		q := p[r] * (1 - p[r])
		d[2*r], d[2*r+1] = -q, q
	}
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
					axpy(di, l.Weight.W[j*l.In:(j+1)*l.In], v)
				}
			}
			if i > 0 { // through the ReLU before this layer
				for k, a := range h.act[i-1][r*l.In : (r+1)*l.In] {
					if a <= 0 {
						di[k] = 0
					}
				}
			}
		}
		d = dIn
	}
}

// dot returns the inner product of w and x (len(x) >= len(w)).
func dot(w, x []float32) float32 {
	x = x[:len(w)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += w[i] * x[i]
		s1 += w[i+1] * x[i+1]
		s2 += w[i+2] * x[i+2]
		s3 += w[i+3] * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += w[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy sets y += a*x (len(x) >= len(y)).
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

// Dim is the length of the fusion vector (40 for the paper's network). With Prob and Grad
// it makes a Net an importance.Head.
func (m *Net) Dim() int { return m.cfg.Dim() }

// Prob sets p[i] = p(class 1 | z row i) for the n x Dim row-major fusion vectors z, using
// only the head (microseconds per row). It panics if z or p is too short.
func (m *Net) Prob(z []float32, n int, p []float32) {
	m.checkHead("Prob", z, n, p, nil)
	h, d := m.explain().h, m.cfg.Dim()
	for lo := 0; lo < n; lo += headRows {
		k := min(headRows, n-lo)
		h.forward(z[lo*d:], k, p[lo:])
	}
}

// Grad sets p as Prob does and g = dp(class 1)/dz (n x Dim, row-major), the gradient at
// the fusion layer that the paper's importance is made of. It panics if a buffer is too
// short.
func (m *Net) Grad(z []float32, n int, p, g []float32) {
	m.checkHead("Grad", z, n, p, g)
	h, d := m.explain().h, m.cfg.Dim()
	for lo := 0; lo < n; lo += headRows {
		k := min(headRows, n-lo)
		h.grad(z[lo*d:], k, p[lo:], g[lo*d:])
	}
}

func (m *Net) checkHead(op string, z []float32, n int, p, g []float32) {
	d := m.cfg.Dim()
	if n < 0 || len(z) < n*d || len(p) < n || (g != nil && len(g) < n*d) {
		panic(fmt.Sprintf("fusion: %s: n=%d fusion vectors of %d need z, p, g of %d, %d, %d values; have %d, %d, %d",
			op, n, d, n*d, n, n*d, len(z), len(p), len(g)))
	}
}

// Encode returns the encoder's features of one image (Pixels values, row-major) in
// inference mode: Features() values, a new slice the caller may keep. Explainers cache
// them, so that a change of clinical values costs only the head. It panics if img does
// not hold exactly one image.
func (m *Net) Encode(img []float32) []float32 {
	if len(img) != m.cfg.Pixels() {
		panic(fmt.Sprintf("fusion: Encode: image has %d values, want %dx%d = %d", len(img), m.cfg.ImageSize, m.cfg.ImageSize, m.cfg.Pixels()))
	}
	e := m.explain()
	copy(e.imgs, img)
	return append([]float32(nil), e.s.enc.Forward(e.imgs[:len(img)], 1)...)
}

// checkCase reports what is wrong with one case's inputs, naming the modality.
func (m *Net) checkCase(images [][]float32, clinical []float32) error {
	if len(images) != m.cfg.Images {
		return fmt.Errorf("fusion: %d images given, the network reads %d", len(images), m.cfg.Images)
	}
	for k, img := range images {
		if len(img) != m.cfg.Pixels() {
			return fmt.Errorf("fusion: image %q has %d values, want %dx%d = %d", m.cfg.Modalities[k].Name, len(img), m.cfg.ImageSize, m.cfg.ImageSize, m.cfg.Pixels())
		}
		if i := nonFinite(img); i >= 0 {
			return fmt.Errorf("fusion: image %q pixel %d is %v", m.cfg.Modalities[k].Name, i, img[i])
		}
	}
	if len(clinical) != m.cfg.Clinical {
		return fmt.Errorf("fusion: %d clinical values given, want %d", len(clinical), m.cfg.Clinical)
	}
	if i := nonFinite(clinical); i >= 0 {
		return fmt.Errorf("fusion: clinical value %d is %v", i, clinical[i])
	}
	return nil
}

// Fuse returns the fusion vector of one case from its image features (one Encode result
// per image modality) and its clinical values.
func (m *Net) Fuse(features [][]float32, clinical []float32) ([]float32, error) {
	f := m.cfg.Features()
	if len(features) != m.cfg.Images {
		return nil, fmt.Errorf("fusion: Fuse: %d feature vectors given, want %d", len(features), m.cfg.Images)
	}
	for k, v := range features {
		if len(v) != f {
			return nil, fmt.Errorf("fusion: Fuse: features of image %q have %d values, want %d", m.cfg.Modalities[k].Name, len(v), f)
		}
	}
	if len(clinical) != m.cfg.Clinical {
		return nil, fmt.Errorf("fusion: Fuse: %d clinical values given, want %d", len(clinical), m.cfg.Clinical)
	}
	z := make([]float32, m.cfg.Dim())
	concat(z, append(append([][]float32(nil), features...), clinical), m.cfg, 1)
	return z, nil
}

// Explanation is one case's prediction and its gradient at the fusion layer.
type Explanation struct {
	P  float32   // p(class 1)
	Z  []float32 // the fusion vector (Dim values)
	DZ []float32 // dp(class 1)/dz (Dim values)
}

// Explain runs one case (one image per modality, Pixels values each, and the clinical
// values) through both encoders and the head in inference mode and returns p(class 1),
// the fusion vector and dp/dz.
func (m *Net) Explain(images [][]float32, clinical []float32) (Explanation, error) {
	if err := m.checkCase(images, clinical); err != nil {
		return Explanation{}, err
	}
	e := m.explain()
	z := e.fuse(m.cfg, images, clinical)
	if nonFinite(z) >= 0 { // the case is finite (checkCase): blame the weights
		return Explanation{}, m.encoderFault(e.imgs, m.cfg.Images)
	}
	x := Explanation{Z: append([]float32(nil), z...), DZ: make([]float32, len(z))}
	var p [1]float32
	e.h.grad(x.Z, 1, p[:], x.DZ)
	x.P = p[0]
	if nonFinite(p[:]) >= 0 || nonFinite(x.DZ) >= 0 {
		return Explanation{}, m.CheckHead(x.Z)
	}
	return x, nil
}

// fuse encodes one case's images in one batch and fills e.z.
func (e *explainer) fuse(cfg Config, images [][]float32, clinical []float32) []float32 {
	k, p, f := cfg.Images, cfg.Pixels(), cfg.Features()
	for j, img := range images {
		copy(e.imgs[j*p:(j+1)*p], img)
	}
	out := e.s.enc.Forward(e.imgs, k)
	for j := range k {
		e.feat[j] = out[j*f : (j+1)*f]
	}
	e.feat[k] = clinical
	concat(e.z, e.feat, cfg, 1)
	return e.z
}

// Saliency returns p(class 1) for one case and dp(class 1)/dpixel for each of its images
// (Pixels values per image modality, new slices), in inference mode.
func (m *Net) Saliency(images [][]float32, clinical []float32) (float32, [][]float32, error) {
	if err := m.checkCase(images, clinical); err != nil {
		return 0, nil, err
	}
	e := m.explain()
	k, px := m.cfg.Images, m.cfg.Pixels()
	z := e.fuse(m.cfg, images, clinical)
	logp := e.s.head.Forward(z, 1)
	p := float32(math.Exp(float64(logp[1])))
	// dp1/dlogp = (0, p1); the log-softmax backward turns it into dp1/dscores.
	e.dLogp[0], e.dLogp[1] = 0, p
	dz := e.s.head.Backward(e.dLogp, 1)
	split(e.dFeat, dz, m.cfg, 1)
	m.setPixelGrad(e.s, true)
	d := e.s.enc.Backward(e.dFeat, k)
	sal := make([][]float32, k)
	for j := range k {
		sal[j] = append([]float32(nil), d[j*px:(j+1)*px]...)
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
