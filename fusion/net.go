package fusion

import (
	"fmt"
	"math/rand/v2"

	"github.com/fusionlens/fusionlens/nn"
)

// stack is one set of layers for the whole network, with activation buffers for a
// maximum batch. Several stacks may share the same weights (see share).
type stack struct {
	enc   *nn.Sequential // the shared image encoder, batches of up to Images*maxN images
	head  *nn.Sequential // fusion vector -> log-probabilities
	first *nn.Conv2D     // the encoder's first convolution (or nil without conv stages)
	dense *nn.Dense      // the encoder's first dense layer (first layer without conv stages)
	refs  []tensorRef    // every stored tensor, in file order
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

// buildStack makes a stack for cfg (already validated) with buffers for maxN cases,
// drawing initial weights from rng in a fixed order.
func buildStack(cfg Config, maxN int, rng *rand.Rand) *stack {
	s := &stack{}
	maxImg := cfg.Images * maxN
	var layers []nn.Layer
	idx := 0 // PyTorch module index in nn.Sequential (Flatten counts)
	addParams := func(prefix string, l nn.Layer) {
		for _, p := range l.Params() {
			s.refs = append(s.refs, tensorRef{name: fmt.Sprintf("%s.%d.%s", prefix, idx, p.Name), shape: p.Shape, param: p})
		}
	}
	add := func(l nn.Layer) {
		addParams("encoder", l)
		if bn, ok := l.(*nn.BatchNorm); ok {
			s.refs = append(s.refs,
				tensorRef{name: fmt.Sprintf("encoder.%d.running_mean", idx), shape: []int{bn.C}, bn: bn, mean: true},
				tensorRef{name: fmt.Sprintf("encoder.%d.running_var", idx), shape: []int{bn.C}, bn: bn})
		}
		layers = append(layers, l)
		idx++
	}
	ch, h := 1, cfg.ImageSize
	for _, c := range cfg.Conv {
		conv := nn.NewConv2D(ch, c.Out, h, h, c.Kernel, c.Pad, maxImg, rng)
		if s.first == nil {
			s.first = conv
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
	if len(cfg.Conv) > 0 {
		idx++ // nn.Flatten
	}
	in := ch * h * h
	for i, w := range cfg.Dense {
		d := nn.NewDense(in, w, maxImg, rng)
		if s.dense == nil {
			s.dense = d
		}
		add(d)
		if i < len(cfg.Dense)-1 {
			add(nn.NewReLU(maxImg, w))
		}
		in = w
	}
	add(nn.NewBatchNorm(maxImg, in))
	s.enc = nn.NewSequential(layers...)

	layers, idx = nil, 0
	in = cfg.Dim()
	for i, w := range cfg.Head {
		d := nn.NewDense(in, w, maxN, rng)
		addParams("head", d)
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

// encoderOutputNorm returns the encoder's last layer, the batch norm whose output is an
// image's part of the fusion vector.
func (s *stack) encoderOutputNorm() *nn.BatchNorm {
	return s.enc.Layers[len(s.enc.Layers)-1].(*nn.BatchNorm)
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
	s.enc.SetTraining(training)
	s.head.SetTraining(training)
}

// Net is the hybrid fusion network: one image encoder shared by all images, the fusion
// vector z = [enc(image 1), ..., enc(image K), clinical values], and the head that maps z
// to two class log-probabilities.
//
// A Net owns buffers for batches of up to MaxBatch cases, allocated once. Forward and
// Backward use them; the explanation methods (Encode, Prob, Grad, Explain, Saliency) use
// a separate batch-1 set that shares the weights, so they never disturb a training step's
// buffers. A Net is not safe for concurrent use; Clone gives another view of the same
// weights for another goroutine (while nothing trains).
type Net struct {
	cfg  Config
	maxN int
	s    *stack

	imgs    []float32 // Images*maxN*Pixels staged images, image-major
	feat    [][]float32
	z       []float32 // maxN*Dim fusion vectors
	dFeat   []float32 // Images*maxN*Features: dL/d(encoder outputs)
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
	k, f, p := cfg.Images, cfg.Features(), cfg.Pixels()
	m := &Net{cfg: cfg, maxN: maxN, s: s,
		imgs: make([]float32, k*maxN*p), z: make([]float32, maxN*cfg.Dim()),
		dFeat: make([]float32, k*maxN*f)}
	m.feat = make([][]float32, k+1)
	m.dImages = make([][]float32, k)
	return m
}

// Clone returns a Net with its own buffers for batches of up to maxBatch cases that shares
// m's weights and running statistics (changes through either are seen by both).
func (m *Net) Clone(maxBatch int) *Net {
	if maxBatch < 1 {
		maxBatch = 1
	}
	s := buildStack(m.cfg, maxBatch, nn.NewRand(0))
	s.share(m.s)
	c := newNet(m.cfg, maxBatch, s)
	c.SetTraining(m.Training())
	return c
}

// Config returns (a copy of) the network's configuration.
func (m *Net) Config() Config { return m.cfg.clone() }

// MaxBatch is the largest batch Forward accepts.
func (m *Net) MaxBatch() int { return m.maxN }

// Params returns the trainable parameters: the encoder's, then the head's.
func (m *Net) Params() []*nn.Param {
	return append(m.s.enc.Params(), m.s.head.Params()...)
}

// SetTraining switches batch normalisation between training mode (batch statistics,
// running averages updated) and inference mode (running averages). A new Net trains.
func (m *Net) SetTraining(training bool) { m.s.setTraining(training) }

// Training reports whether the network is in training mode.
func (m *Net) Training() bool {
	for _, l := range m.s.enc.Layers {
		if bn, ok := l.(*nn.BatchNorm); ok {
			return bn.Training
		}
	}
	return false
}

// checkInputs panics unless images and clinical hold n cases: wrong sizes are programming
// errors, as in package nn.
func (m *Net) checkInputs(op string, images [][]float32, clinical []float32, n int) {
	if n < 1 || n > m.maxN {
		panic(fmt.Sprintf("fusion: %s: batch %d outside 1..%d (the maximum the Net was built for)", op, n, m.maxN))
	}
	if len(images) != m.cfg.Images {
		panic(fmt.Sprintf("fusion: %s: %d image modalities, want %d", op, len(images), m.cfg.Images))
	}
	for k, img := range images {
		if len(img) < n*m.cfg.Pixels() {
			panic(fmt.Sprintf("fusion: %s: image modality %d has %d values, want n=%d x %d pixels", op, k, len(img), n, m.cfg.Pixels()))
		}
	}
	if len(clinical) < n*m.cfg.Clinical {
		panic(fmt.Sprintf("fusion: %s: %d clinical values, want n=%d x %d", op, len(clinical), n, m.cfg.Clinical))
	}
}

// Forward runs n cases through the network: images[k] holds the n images of modality k
// (n x Pixels, row-major), clinical the n x Clinical values. It returns the fusion vectors
// z (n x Dim) and the class log-probabilities (n x 2), both the Net's own buffers, valid
// until the next Forward. Inputs of the wrong size panic.
func (m *Net) Forward(images [][]float32, clinical []float32, n int) (z, logp []float32) {
	m.checkInputs("Forward", images, clinical, n)
	p := m.cfg.Pixels()
	for k, img := range images {
		copy(m.imgs[k*n*p:(k+1)*n*p], img[:n*p])
	}
	return m.forwardStaged(clinical, n)
}

// forwardStaged is Forward once the images are in m.imgs (image-major).
func (m *Net) forwardStaged(clinical []float32, n int) (z, logp []float32) {
	k, f := m.cfg.Images, m.cfg.Features()
	// One pass of the shared encoder over all K*n images: batch statistics (in training)
	// are those of every image in the batch.
	out := m.s.enc.Forward(m.imgs[:k*n*m.cfg.Pixels()], k*n)
	for j := range k {
		m.feat[j] = out[j*n*f : (j+1)*n*f]
	}
	m.feat[k] = clinical[:n*m.cfg.Clinical]
	z = m.z[:n*m.cfg.Dim()]
	concat(z, m.feat, m.cfg, n)
	m.n = n
	return z, m.s.head.Forward(z, n)
}

// concat writes the fusion vectors of n cases from the image features and clinical values
// (parts[k] is n x Features for the images, parts[Images] n x Clinical).
func concat(z []float32, parts [][]float32, cfg Config, n int) {
	f, c, d := cfg.Features(), cfg.Clinical, cfg.Dim()
	for i := range n {
		row := z[i*d : (i+1)*d]
		for k := range cfg.Images {
			copy(row[k*f:(k+1)*f], parts[k][i*f:(i+1)*f])
		}
		copy(row[cfg.Images*f:], parts[cfg.Images][i*c:(i+1)*c])
	}
}

// split is concat's backward for the image parts: it copies each case's image blocks of
// dz into dFeat, image-major (K x n x Features) as the encoder's output is laid out. The
// clinical part needs no copy: it is dz's tail.
func split(dFeat, dz []float32, cfg Config, n int) {
	f, d := cfg.Features(), cfg.Dim()
	for i := range n {
		row := dz[i*d : (i+1)*d]
		for k := range cfg.Images {
			copy(dFeat[(k*n+i)*f:(k*n+i+1)*f], row[k*f:(k+1)*f])
		}
	}
}

// Backward back-propagates dL/dlogp (n x 2, n from the last Forward) through the network,
// accumulating parameter gradients (call ZeroGrad between steps). It returns dL/dz
// (n x Dim) and, when pixels is set, dL/dpixel for each image modality (dImages[k] is
// n x Pixels); otherwise dImages is nil and the encoder's first layer skips its input
// gradient, as in training. The returned slices are the Net's buffers.
func (m *Net) Backward(dLogp []float32, pixels bool) (dz []float32, dImages [][]float32) {
	n := m.n
	if n == 0 {
		panic("fusion: Backward before Forward")
	}
	if len(dLogp) < n*m.cfg.Classes() {
		panic(fmt.Sprintf("fusion: Backward: %d gradient values, want n=%d x %d classes", len(dLogp), n, m.cfg.Classes()))
	}
	k, f := m.cfg.Images, m.cfg.Features()
	dz = m.s.head.Backward(dLogp[:n*m.cfg.Classes()], n)
	split(m.dFeat, dz, m.cfg, n)
	m.setPixelGrad(m.s, pixels)
	d := m.s.enc.Backward(m.dFeat[:k*n*f], k*n)
	if !pixels {
		return dz, nil
	}
	p := m.cfg.Pixels()
	for j := range k {
		m.dImages[j] = d[j*n*p : (j+1)*n*p]
	}
	return dz, m.dImages
}

// setPixelGrad asks the encoder's first layer for its input gradient or not.
func (m *Net) setPixelGrad(s *stack, on bool) {
	if s.first != nil {
		s.first.SkipInputGrad = !on
	} else {
		s.dense.SkipInputGrad = !on
	}
}
