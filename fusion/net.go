package fusion

import (
	"fmt"
	"math/rand/v2"

	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/schema"
)

// encStack is one image encoder of a stack.
type encStack struct {
	seq   *nn.Sequential
	first *nn.Conv2D // the first convolution (or nil without conv stages)
	dense *nn.Dense  // the first dense layer
}

// stack is one set of layers for the whole network, with activation buffers for a
// maximum batch. Several stacks may share the same weights (see share).
type stack struct {
	encs []*encStack    // the image encoders; encoder e runs over len(Users()[e])*maxN images
	head *nn.Sequential // fusion vector -> log-probabilities
	refs []tensorRef    // every stored tensor, in file order
}

// tensorRef names one stored tensor of a stack: a parameter or a batch-norm running
// statistic. Names follow PyTorch's state_dict of the module in the package doc.
type tensorRef struct {
	name  string
	shape []int
	param *nn.Param     // set for parameters
	bn    *nn.BatchNorm // set for running statistics
	mean  bool          // which statistic: running_mean (true) or running_var
}

// data returns the tensor's values (the live slice, not a copy).
func (r tensorRef) data() []float32 {
	switch {
	case r.param != nil:
		return r.param.W
	case r.mean:
		return r.bn.RunningMean
	default:
		return r.bn.RunningVar
	}
}

// encoderPrefix is the tensor-name prefix of encoder e: "encoder" when the network has one
// encoder (the paper's names), else "encoders.<e>" (a PyTorch nn.ModuleList).
func encoderPrefix(cfg Config, e int) string {
	if len(cfg.Encoders) == 1 {
		return "encoder"
	}
	return fmt.Sprintf("encoders.%d", e)
}

// buildStack makes a stack for cfg (already validated) with buffers for maxN cases,
// drawing initial weights from rng in a fixed order: the encoders in order, then the head.
// A nil rng draws nothing (the weights stay zero): for a stack whose weights a model file
// or another stack (share) is about to replace.
func buildStack(cfg Config, maxN int, rng *rand.Rand) *stack {
	s := &stack{}
	var layers []nn.Layer
	idx := 0 // PyTorch module index in nn.Sequential (Flatten counts)
	prefix := ""
	addParams := func(l nn.Layer) {
		for _, p := range l.Params() {
			s.refs = append(s.refs, tensorRef{name: fmt.Sprintf("%s.%d.%s", prefix, idx, p.Name), shape: p.Shape, param: p})
		}
	}
	add := func(l nn.Layer) {
		addParams(l)
		if bn, ok := l.(*nn.BatchNorm); ok {
			s.refs = append(s.refs,
				tensorRef{name: fmt.Sprintf("%s.%d.running_mean", prefix, idx), shape: []int{bn.C}, bn: bn, mean: true},
				tensorRef{name: fmt.Sprintf("%s.%d.running_var", prefix, idx), shape: []int{bn.C}, bn: bn})
		}
		layers = append(layers, l)
		idx++
	}
	for e, users := range cfg.Users() {
		enc := cfg.Encoders[e]
		es := &encStack{}
		layers, idx, prefix = nil, 0, encoderPrefix(cfg, e)
		maxImg := len(users) * maxN
		ch, h := enc.Channels, enc.Size
		for _, c := range enc.Conv {
			conv := nn.NewConv2D(ch, c.Out, h, h, c.Kernel, c.Pad, maxImg, rng)
			if es.first == nil {
				es.first = conv
			}
			add(conv)
			ch, h = c.Out, conv.OutH
			add(nn.NewBatchNorm(maxImg, ch, h, h))
			add(nn.NewReLU(maxImg, ch, h, h))
			if c.Pool {
				add(nn.NewMaxPool2(ch, h, h, maxImg))
				h /= 2
			}
		}
		if len(enc.Conv) > 0 {
			idx++ // nn.Flatten
		}
		in := ch * h * h
		for i, w := range enc.Dense {
			d := nn.NewDense(in, w, maxImg, rng)
			if es.dense == nil {
				es.dense = d
			}
			add(d)
			if i < len(enc.Dense)-1 {
				add(nn.NewReLU(maxImg, w))
			}
			in = w
		}
		add(nn.NewBatchNorm(maxImg, in))
		es.seq = nn.NewSequential(layers...)
		s.encs = append(s.encs, es)
	}

	layers, idx, prefix = nil, 0, "head"
	in := cfg.Dim()
	for i, w := range cfg.Head {
		d := nn.NewDense(in, w, maxN, rng)
		addParams(d)
		layers = append(layers, d)
		idx++
		if i < len(cfg.Head)-1 {
			layers = append(layers, nn.NewReLU(maxN, w))
			idx++
		}
		in = w
	}
	layers = append(layers, nn.NewLogSoftmax(in, maxN))
	s.head = nn.NewSequential(layers...)
	return s
}

// outputNorm returns the encoder's last layer, the batch norm whose output is an image's
// part of the fusion vector.
func (e *encStack) outputNorm() *nn.BatchNorm {
	return e.seq.Layers[len(e.seq.Layers)-1].(*nn.BatchNorm)
}

// headInput returns the head's first dense layer, which reads the fusion vector.
func (s *stack) headInput() *nn.Dense {
	return s.head.Layers[0].(*nn.Dense)
}

// share makes s use the weights and running statistics of src (same configuration):
// updates through either are seen by both. Gradients stay separate.
func (s *stack) share(src *stack) {
	for i, r := range s.refs {
		o := src.refs[i]
		switch {
		case r.param != nil:
			r.param.W = o.param.W
		case r.mean:
			r.bn.RunningMean = o.bn.RunningMean
		default:
			r.bn.RunningVar = o.bn.RunningVar
		}
	}
}

func (s *stack) setTraining(training bool) {
	for _, e := range s.encs {
		e.seq.SetTraining(training)
	}
	s.head.SetTraining(training)
}

// setSkipParamGrad turns parameter gradients off (or on) in every layer.
func (s *stack) setSkipParamGrad(skip bool) {
	for _, e := range s.encs {
		e.seq.SetSkipParamGrad(skip)
	}
	s.head.SetSkipParamGrad(skip)
}

// layout is where each input's values go: which encoder reads each image input and in
// which slot of its batch, and the widths of the fusion vector's parts.
type layout struct {
	users  [][]int // per encoder, its image inputs in order
	enc    []int   // per image input, its encoder
	slot   []int   // per image input, its position in users[enc]
	pixels []int   // per image input, values per image
	widths []int   // per image input its features, then the tabular width
	dim    int
}

func newLayout(cfg Config) layout {
	l := layout{users: cfg.Users(), enc: cfg.Encoder, dim: cfg.Dim()}
	l.slot = make([]int, len(cfg.Encoder))
	for _, u := range l.users {
		for j, k := range u {
			l.slot[k] = j
		}
	}
	for k := range cfg.Encoder {
		l.pixels = append(l.pixels, cfg.InputPixels(k))
		l.widths = append(l.widths, cfg.InputFeatures(k))
	}
	l.widths = append(l.widths, cfg.Clinical())
	return l
}

// images is the number of image inputs.
func (l layout) images() int { return len(l.enc) }

// Net is the hybrid fusion network: one encoder per entry of Config.Encoders (the paper's
// shares one by both images), the fusion vector z = [enc(image 1), ..., enc(image K),
// tabular values], and the head that maps z to the class log-probabilities.
//
// A Net owns buffers for batches of up to MaxBatch cases, allocated once. Forward and
// Backward use them; the explanation methods (Encode, Prob, Grad, Explain, Saliency) use
// a separate batch-1 set that shares the weights, so they never disturb a training step's
// buffers. A Net is not safe for concurrent use; Clone gives another view of the same
// weights for another goroutine (while nothing trains).
type Net struct {
	cfg  Config
	lay  layout
	maxN int
	s    *stack

	imgs    [][]float32 // per encoder, len(users)*maxN images staged, input-major
	feat    [][]float32 // per image input its features, then the tabular values
	z       []float32   // maxN*Dim fusion vectors
	dFeat   [][]float32 // per encoder, len(users)*maxN*features: dL/d(encoder outputs)
	dImages [][]float32
	n       int // batch of the last Forward

	ex *explainer // lazily built batch-1 path
}

// NewNet returns a network for cfg with buffers for batches of up to maxBatch cases and
// weights drawn from PCG(seed): He-uniform weights, zero biases, batch-norm scale 1 and
// shift 0, running statistics 0 and 1.
func NewNet(cfg Config, maxBatch int, seed uint64) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if maxBatch < 1 {
		return nil, fmt.Errorf("fusion: maximum batch %d, want at least 1", maxBatch)
	}
	cfg = cfg.clone()
	return newNet(cfg, maxBatch, buildStack(cfg, maxBatch, nn.NewRand(seed))), nil
}

func newNet(cfg Config, maxN int, s *stack) *Net {
	lay := newLayout(cfg)
	m := &Net{cfg: cfg, lay: lay, maxN: maxN, s: s, z: make([]float32, maxN*cfg.Dim())}
	for e, u := range lay.users {
		m.imgs = append(m.imgs, make([]float32, len(u)*maxN*cfg.Encoders[e].Pixels()))
		m.dFeat = append(m.dFeat, make([]float32, len(u)*maxN*cfg.Encoders[e].Features()))
	}
	m.feat = make([][]float32, lay.images()+1)
	m.dImages = make([][]float32, lay.images())
	return m
}

// Clone returns a Net with its own buffers for batches of up to maxBatch cases that shares
// m's weights and running statistics (changes through either are seen by both).
func (m *Net) Clone(maxBatch int) *Net {
	if maxBatch < 1 {
		maxBatch = 1
	}
	s := buildStack(m.cfg, maxBatch, nil) // shares m's weights: nothing to draw
	s.share(m.s)
	c := newNet(m.cfg, maxBatch, s)
	c.SetTraining(m.Training())
	return c
}

// Config returns (a copy of) the network's configuration.
func (m *Net) Config() Config { return m.cfg.clone() }

// Schema returns (a copy of) the network's schema: what it reads and decides.
func (m *Net) Schema() schema.Schema { return m.cfg.Schema.Clone() }

// MaxBatch is the largest batch Forward accepts.
func (m *Net) MaxBatch() int { return m.maxN }

// Params returns the trainable parameters: the encoders' in order, then the head's.
func (m *Net) Params() []*nn.Param {
	var p []*nn.Param
	for _, e := range m.s.encs {
		p = append(p, e.seq.Params()...)
	}
	return append(p, m.s.head.Params()...)
}

// SetTraining switches batch normalisation between training mode (batch statistics,
// running averages updated) and inference mode (running averages). A new Net trains.
func (m *Net) SetTraining(training bool) { m.s.setTraining(training) }

// Training reports whether the network is in training mode.
func (m *Net) Training() bool {
	return m.s.encs[0].outputNorm().Training
}

// checkInputs panics unless images and clinical hold n cases: wrong sizes are programming
// errors, as in package nn.
func (m *Net) checkInputs(op string, images [][]float32, clinical []float32, n int) {
	if n < 1 || n > m.maxN {
		panic(fmt.Sprintf("fusion: %s: batch %d outside 1..%d (the maximum the Net was built for)", op, n, m.maxN))
	}
	if len(images) != m.lay.images() {
		panic(fmt.Sprintf("fusion: %s: %d image inputs, want %d", op, len(images), m.lay.images()))
	}
	for k, img := range images {
		if len(img) < n*m.lay.pixels[k] {
			panic(fmt.Sprintf("fusion: %s: image input %d has %d values, want n=%d x %d", op, k, len(img), n, m.lay.pixels[k]))
		}
	}
	if c := m.cfg.Clinical(); len(clinical) < n*c {
		panic(fmt.Sprintf("fusion: %s: %d tabular values, want n=%d x %d", op, len(clinical), n, c))
	}
}

// stage copies case i of image input k (one image, src) into slot j of the batch of n
// staged for its encoder.
func (m *Net) stage(k, j, n int, src []float32) {
	e, p := m.lay.enc[k], m.lay.pixels[k]
	at := (m.lay.slot[k]*n + j) * p
	copy(m.imgs[e][at:at+p], src[:p])
}

// Forward runs n cases through the network: images[k] holds the n images of input k
// (n x Pixels of the input, each channel-major), clinical the n x Clinical() tabular
// values. It returns the fusion vectors z (n x Dim) and the class log-probabilities
// (n x Classes), both the Net's own buffers, valid until the next Forward. Inputs of the
// wrong size panic.
func (m *Net) Forward(images [][]float32, clinical []float32, n int) (z, logp []float32) {
	m.checkInputs("Forward", images, clinical, n)
	for k, img := range images {
		p := m.lay.pixels[k]
		at := m.lay.slot[k] * n * p
		copy(m.imgs[m.lay.enc[k]][at:at+n*p], img[:n*p])
	}
	return m.forwardStaged(clinical, n)
}

// forwardStaged is Forward once the images are in m.imgs.
func (m *Net) forwardStaged(clinical []float32, n int) (z, logp []float32) {
	// One pass of each encoder over all the images it reads: batch statistics (in
	// training) are those of every image of the batch it encodes.
	for e, u := range m.lay.users {
		p, f := m.cfg.Encoders[e].Pixels(), m.cfg.Encoders[e].Features()
		out := m.s.encs[e].seq.Forward(m.imgs[e][:len(u)*n*p], len(u)*n)
		for j, k := range u {
			m.feat[k] = out[j*n*f : (j+1)*n*f]
		}
	}
	m.feat[m.lay.images()] = clinical[:n*m.cfg.Clinical()]
	z = m.z[:n*m.lay.dim]
	concat(z, m.feat, m.lay.widths, n)
	m.n = n
	return z, m.s.head.Forward(z, n)
}

// concat writes the fusion vectors of n cases from their parts: parts[k] is n x widths[k]
// (the image inputs' features, then the tabular values).
func concat(z []float32, parts [][]float32, widths []int, n int) {
	d := 0
	for _, w := range widths {
		d += w
	}
	for i := range n {
		at := i * d
		for k, w := range widths {
			copy(z[at:at+w], parts[k][i*w:(i+1)*w])
			at += w
		}
	}
}

// split is concat's backward for the image parts: it copies each case's image blocks of
// dz into dFeat[encoder], laid out as that encoder's output (slot-major: input j of the
// encoder's users holds cases j*n..j*n+n-1). The tabular part needs no copy: it is dz's
// tail.
func split(dFeat [][]float32, dz []float32, lay layout, n int) {
	for i := range n {
		at := i * lay.dim
		for k := range lay.enc {
			f := lay.widths[k]
			r := lay.slot[k]*n + i
			copy(dFeat[lay.enc[k]][r*f:(r+1)*f], dz[at:at+f])
			at += f
		}
	}
}

// Backward back-propagates dL/dlogp (n x Classes, n from the last Forward) through the
// network, accumulating parameter gradients (call ZeroGrad between steps). It returns
// dL/dz (n x Dim) and, when pixels is set, dL/dpixel for each image input (dImages[k] is
// n x Pixels of input k); otherwise dImages is nil and the encoders' first layers skip
// their input gradients, as in training. The returned slices are the Net's buffers.
func (m *Net) Backward(dLogp []float32, pixels bool) (dz []float32, dImages [][]float32) {
	n := m.n
	if n == 0 {
		panic("fusion: Backward before Forward")
	}
	if len(dLogp) < n*m.cfg.Classes() {
		panic(fmt.Sprintf("fusion: Backward: %d gradient values, want n=%d x %d classes", len(dLogp), n, m.cfg.Classes()))
	}
	dz = m.s.head.Backward(dLogp[:n*m.cfg.Classes()], n)
	split(m.dFeat, dz, m.lay, n)
	for e, u := range m.lay.users {
		f, p := m.cfg.Encoders[e].Features(), m.cfg.Encoders[e].Pixels()
		setPixelGrad(m.s.encs[e], pixels)
		d := m.s.encs[e].seq.Backward(m.dFeat[e][:len(u)*n*f], len(u)*n)
		if pixels {
			for j, k := range u {
				m.dImages[k] = d[j*n*p : (j+1)*n*p]
			}
		}
	}
	if !pixels {
		return dz, nil
	}
	return dz, m.dImages
}

// setPixelGrad asks the encoder's first layer for its input gradient or not.
func setPixelGrad(e *encStack, on bool) {
	if e.first != nil {
		e.first.SkipInputGrad = !on
	} else {
		e.dense.SkipInputGrad = !on
	}
}
