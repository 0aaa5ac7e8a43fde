package nn

import (
	"fmt"
	"math/rand/v2"
)

// Layer is one step of a network that owns its parameters and activation buffers.
// Forward and Backward take n samples (n <= the layer's maximum batch) as flat buffers of
// n * the per-sample size. Forward returns the layer's own output buffer (valid until the
// next Forward) and remembers in for the backward, so in must not change in between.
// Backward takes dL/dout and returns dL/din (the layer's own buffer), accumulating
// parameter gradients into Params()[i].G.
type Layer interface {
	Forward(in []float32, n int) []float32
	Backward(dOut []float32, n int) []float32
	Params() []*Param
	// InShape and OutShape are the per-sample shapes: {C, H, W} for images, {F} for
	// features.
	InShape() []int
	OutShape() []int
	// Shared returns a layer of the same kind and shape with its own activation buffers
	// for batches up to maxN that shares this layer's parameters (the same *Param, so both
	// accumulate into one gradient) and running statistics: one encoder applied to two
	// images, as with a PyTorch module called twice.
	Shared(maxN int) Layer
}

// Flatten reshapes C x H x W images to C*H*W features (NCHW is already flat, so it copies
// nothing). It exists so that a Sequential can mirror a PyTorch nn.Sequential index for
// index; Sequential also accepts an image layer feeding a feature layer directly.
type Flatten struct {
	Shape []int
}

// NewFlatten returns a flatten of per-sample shape shape.
func NewFlatten(shape ...int) *Flatten {
	if size(shape) <= 0 {
		panic(fmt.Sprintf("nn: NewFlatten: shape %v", shape))
	}
	return &Flatten{Shape: append([]int(nil), shape...)}
}

// Forward implements Layer: it returns in itself.
func (l *Flatten) Forward(in []float32, n int) []float32 { return in[:n*size(l.Shape)] }

// Backward implements Layer: it returns dOut itself.
func (l *Flatten) Backward(dOut []float32, n int) []float32 { return dOut[:n*size(l.Shape)] }

// Params implements Layer: none.
func (l *Flatten) Params() []*Param { return nil }

// InShape implements Layer.
func (l *Flatten) InShape() []int { return l.Shape }

// OutShape implements Layer.
func (l *Flatten) OutShape() []int { return []int{size(l.Shape)} }

// Shared implements Layer.
func (l *Flatten) Shared(maxN int) Layer { return NewFlatten(l.Shape...) }

// Trainer is implemented by layers that behave differently in training and inference
// (BatchNorm).
type Trainer interface {
	SetTraining(training bool)
}

func size(shape []int) int {
	s := 1
	for _, d := range shape {
		s *= d
	}
	return s
}

// shapeString prints a shape as CxHxW.
func shapeString(shape []int) string {
	s := ""
	for i, d := range shape {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(d)
	}
	return s
}

// checkBatch panics unless 0 < n <= maxN and buf holds n samples of shape.
func checkBatch(op string, buf []float32, n, maxN int, shape []int) {
	if n <= 0 || n > maxN {
		panic(fmt.Sprintf("nn: %s: batch %d outside 1..%d (the maximum the layer was built for)", op, n, maxN))
	}
	if len(buf) < n*size(shape) {
		panic(fmt.Sprintf("nn: %s: buffer has %d values, need n=%d x %s = %d", op, len(buf), n, shapeString(shape), n*size(shape)))
	}
}

// Sequential chains layers: each one's output feeds the next. A CxHxW output may feed a
// layer expecting C*H*W features (flatten is a reshape of the NCHW buffer).
type Sequential struct {
	Layers []Layer
}

// NewSequential chains layers, checking that each layer's input shape matches the
// previous layer's output (or is its flattening).
func NewSequential(layers ...Layer) *Sequential {
	for i := 1; i < len(layers); i++ {
		out, in := layers[i-1].OutShape(), layers[i].InShape()
		if shapeString(out) == shapeString(in) || (len(in) == 1 && size(out) == in[0]) {
			continue
		}
		if len(out) == 3 && len(in) == 3 && out[0] != in[0] {
			panic(fmt.Sprintf("nn: Sequential: layer %d (%T) outputs %d channels, layer %d (%T) expects %d",
				i-1, layers[i-1], out[0], i, layers[i], in[0]))
		}
		panic(fmt.Sprintf("nn: Sequential: layer %d (%T) outputs %s, layer %d (%T) expects %s",
			i-1, layers[i-1], shapeString(out), i, layers[i], shapeString(in)))
	}
	return &Sequential{Layers: layers}
}

// Forward runs every layer in turn.
func (s *Sequential) Forward(in []float32, n int) []float32 {
	for _, l := range s.Layers {
		in = l.Forward(in, n)
	}
	return in
}

// Backward runs every layer's backward in reverse and returns dL/din of the first layer
// (nil if that layer skips its input gradient).
func (s *Sequential) Backward(dOut []float32, n int) []float32 {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dOut = s.Layers[i].Backward(dOut, n)
	}
	return dOut
}

// Params returns every layer's parameters in order.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// InShape is the first layer's input shape.
func (s *Sequential) InShape() []int { return s.Layers[0].InShape() }

// OutShape is the last layer's output shape.
func (s *Sequential) OutShape() []int { return s.Layers[len(s.Layers)-1].OutShape() }

// SetTraining switches every layer that has modes (BatchNorm) to training or inference.
func (s *Sequential) SetTraining(training bool) {
	for _, l := range s.Layers {
		if t, ok := l.(Trainer); ok {
			t.SetTraining(training)
		}
	}
}

// Shared implements Layer: a Sequential of every layer's Shared.
func (s *Sequential) Shared(maxN int) Layer {
	layers := make([]Layer, len(s.Layers))
	for i, l := range s.Layers {
		layers[i] = l.Shared(maxN)
	}
	return &Sequential{Layers: layers}
}

// NamedTensor is a named piece of a network's state, for saving and loading.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32 // the layer's own slice: writing to it sets the state
}

// State lists the parameters and running statistics of every layer under PyTorch's
// state_dict names for the same nn.Sequential ("3.weight", "4.running_var", ...; nested
// Sequentials as "2.0.weight"), so that weights move between the two by name. Shapes
// and layouts match PyTorch's (conv weights out x in x k x k, dense weights out x in).
// PyTorch's BatchNorm also saves num_batches_tracked, which is not kept here.
func (s *Sequential) State() []NamedTensor {
	var st []NamedTensor
	for i, l := range s.Layers {
		prefix := fmt.Sprintf("%d.", i)
		switch l := l.(type) {
		case *Sequential:
			for _, t := range l.State() {
				t.Name = prefix + t.Name
				st = append(st, t)
			}
		case *BatchNorm:
			st = append(st,
				NamedTensor{prefix + "weight", l.Gamma.Shape, l.Gamma.W},
				NamedTensor{prefix + "bias", l.Beta.Shape, l.Beta.W},
				NamedTensor{prefix + "running_mean", []int{l.C}, l.RunningMean},
				NamedTensor{prefix + "running_var", []int{l.C}, l.RunningVar})
		default:
			for _, p := range l.Params() {
				st = append(st, NamedTensor{prefix + p.Name, p.Shape, p.W})
			}
		}
	}
	return st
}

// SetSkipParamGrad sets SkipParamGrad on every layer that has parameters: with skip true,
// Backward computes only input gradients (explaining a trained network costs no
// parameter-gradient work and leaves Params()[i].G untouched).
func (s *Sequential) SetSkipParamGrad(skip bool) {
	for _, l := range s.Layers {
		switch l := l.(type) {
		case *Conv2D:
			l.SkipParamGrad = skip
		case *Dense:
			l.SkipParamGrad = skip
		case *BatchNorm:
			l.SkipParamGrad = skip
		case *Sequential:
			l.SetSkipParamGrad(skip)
		}
	}
}

// Conv2D is a stride-1 convolution layer with a square kernel and zero padding, over NCHW
// images of a fixed size.
type Conv2D struct {
	InC, OutC, H, W, K, Pad int
	OutH, OutW, MaxN        int
	Weight, Bias            *Param // OutC x InC x K x K, and OutC
	// SkipInputGrad makes Backward compute only parameter gradients and return nil (the
	// first layer of a network in training).
	SkipInputGrad bool
	// SkipParamGrad makes Backward compute only the input gradient (explaining a trained
	// network).
	SkipParamGrad bool

	in       []float32
	out, dIn []float32
}

// NewConv2D returns a convolution from inC to outC channels on h x w inputs, kernel k x k,
// padding pad, for batches of up to maxN, with He-uniform weights drawn from rng and zero
// bias.
func NewConv2D(inC, outC, h, w, k, pad, maxN int, rng *rand.Rand) *Conv2D {
	oh, ow := convDims("NewConv2D", maxN, inC, h, w, outC, k, pad)
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: NewConv2D: maximum batch %d", maxN))
	}
	l := &Conv2D{InC: inC, OutC: outC, H: h, W: w, K: k, Pad: pad, OutH: oh, OutW: ow, MaxN: maxN,
		Weight: NewParam("weight", outC, inC, k, k), Bias: NewParam("bias", outC),
		out: make([]float32, maxN*outC*oh*ow), dIn: make([]float32, maxN*inC*h*w)}
	InitHeUniform(l.Weight.W, inC*k*k, rng)
	return l
}

// Forward implements Layer.
func (l *Conv2D) Forward(in []float32, n int) []float32 {
	checkBatch("Conv2D forward", in, n, l.MaxN, l.InShape())
	l.in = in
	Conv2DForward(l.out, in, l.Weight.W, l.Bias.W, n, l.InC, l.H, l.W, l.OutC, l.K, l.Pad)
	return l.out[:n*l.OutC*l.OutH*l.OutW]
}

// Backward implements Layer.
func (l *Conv2D) Backward(dOut []float32, n int) []float32 {
	checkBatch("Conv2D backward", dOut, n, l.MaxN, l.OutShape())
	var dIn []float32
	if !l.SkipInputGrad {
		dIn = l.dIn[:n*l.InC*l.H*l.W]
	}
	dW, dB := l.Weight.G, l.Bias.G
	if l.SkipParamGrad {
		dW, dB = nil, nil
	}
	Conv2DBackward(dIn, dW, dB, dOut, l.in, l.Weight.W, n, l.InC, l.H, l.W, l.OutC, l.K, l.Pad)
	return dIn
}

// Params implements Layer.
func (l *Conv2D) Params() []*Param { return []*Param{l.Weight, l.Bias} }

// Shared implements Layer.
func (l *Conv2D) Shared(maxN int) Layer {
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: Conv2D Shared: maximum batch %d", maxN))
	}
	c := *l
	c.MaxN, c.in = maxN, nil
	c.out, c.dIn = make([]float32, maxN*l.OutC*l.OutH*l.OutW), make([]float32, maxN*l.InC*l.H*l.W)
	return &c
}

// InShape implements Layer.
func (l *Conv2D) InShape() []int { return []int{l.InC, l.H, l.W} }

// OutShape implements Layer.
func (l *Conv2D) OutShape() []int { return []int{l.OutC, l.OutH, l.OutW} }

// Dense is a fully connected layer, out = in * W^T + b.
type Dense struct {
	In, Out, MaxN int
	Weight, Bias  *Param // Out x In (PyTorch's Linear layout), and Out
	// SkipInputGrad makes Backward compute only parameter gradients and return nil.
	SkipInputGrad bool
	// SkipParamGrad makes Backward compute only the input gradient.
	SkipParamGrad bool

	in       []float32
	out, dIn []float32
}

// NewDense returns a fully connected layer from in to out features for batches of up to
// maxN, with He-uniform weights drawn from rng and zero bias.
func NewDense(in, out, maxN int, rng *rand.Rand) *Dense {
	denseDims("NewDense", maxN, in, out)
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: NewDense: maximum batch %d", maxN))
	}
	l := &Dense{In: in, Out: out, MaxN: maxN, Weight: NewParam("weight", out, in), Bias: NewParam("bias", out),
		out: make([]float32, maxN*out), dIn: make([]float32, maxN*in)}
	InitHeUniform(l.Weight.W, in, rng)
	return l
}

// Forward implements Layer.
func (l *Dense) Forward(in []float32, n int) []float32 {
	checkBatch("Dense forward", in, n, l.MaxN, l.InShape())
	l.in = in
	DenseForward(l.out, in, l.Weight.W, l.Bias.W, n, l.In, l.Out)
	return l.out[:n*l.Out]
}

// Backward implements Layer.
func (l *Dense) Backward(dOut []float32, n int) []float32 {
	checkBatch("Dense backward", dOut, n, l.MaxN, l.OutShape())
	var dIn []float32
	if !l.SkipInputGrad {
		dIn = l.dIn[:n*l.In]
	}
	dW, dB := l.Weight.G, l.Bias.G
	if l.SkipParamGrad {
		dW, dB = nil, nil
	}
	DenseBackward(dIn, dW, dB, dOut, l.in, l.Weight.W, n, l.In, l.Out)
	return dIn
}

// Params implements Layer.
func (l *Dense) Params() []*Param { return []*Param{l.Weight, l.Bias} }

// Shared implements Layer.
func (l *Dense) Shared(maxN int) Layer {
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: Dense Shared: maximum batch %d", maxN))
	}
	c := *l
	c.MaxN, c.in = maxN, nil
	c.out, c.dIn = make([]float32, maxN*l.Out), make([]float32, maxN*l.In)
	return &c
}

// InShape implements Layer.
func (l *Dense) InShape() []int { return []int{l.In} }

// OutShape implements Layer.
func (l *Dense) OutShape() []int { return []int{l.Out} }

// MaxPool2 takes 2x2 maxima with stride 2 over NCHW images.
type MaxPool2 struct {
	C, H, W, MaxN int

	idx      []int32
	out, dIn []float32
}

// NewMaxPool2 returns a 2x2 max-pooling layer on c x h x w inputs for batches up to maxN.
func NewMaxPool2(c, h, w, maxN int) *MaxPool2 {
	oh, ow := poolDims("NewMaxPool2", maxN, c, h, w)
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: NewMaxPool2: maximum batch %d", maxN))
	}
	return &MaxPool2{C: c, H: h, W: w, MaxN: maxN, idx: make([]int32, maxN*c*oh*ow),
		out: make([]float32, maxN*c*oh*ow), dIn: make([]float32, maxN*c*h*w)}
}

// Forward implements Layer.
func (l *MaxPool2) Forward(in []float32, n int) []float32 {
	checkBatch("MaxPool2 forward", in, n, l.MaxN, l.InShape())
	MaxPool2Forward(l.out, l.idx, in, n, l.C, l.H, l.W)
	return l.out[:n*size(l.OutShape())]
}

// Backward implements Layer.
func (l *MaxPool2) Backward(dOut []float32, n int) []float32 {
	checkBatch("MaxPool2 backward", dOut, n, l.MaxN, l.OutShape())
	MaxPool2Backward(l.dIn, dOut, l.idx, n, l.C, l.H, l.W)
	return l.dIn[:n*l.C*l.H*l.W]
}

// Params implements Layer: none.
func (l *MaxPool2) Params() []*Param { return nil }

// Shared implements Layer.
func (l *MaxPool2) Shared(maxN int) Layer { return NewMaxPool2(l.C, l.H, l.W, maxN) }

// InShape implements Layer.
func (l *MaxPool2) InShape() []int { return []int{l.C, l.H, l.W} }

// OutShape implements Layer.
func (l *MaxPool2) OutShape() []int { return []int{l.C, l.H / 2, l.W / 2} }

// BatchNorm normalises each channel of NCHW images (BatchNorm2d) or each feature
// (BatchNorm1d, a shape of {F}). In training mode (the default) it uses the batch's
// statistics and updates the running averages; in inference mode it uses the running
// averages.
type BatchNorm struct {
	Shape       []int // {C, H, W} or {F}
	C, Spatial  int   // channels and values per channel per sample
	MaxN        int
	Gamma, Beta *Param
	// RunningMean and RunningVar are the running averages (unbiased variance), like
	// PyTorch's buffers; they start at 0 and 1.
	RunningMean, RunningVar []float32
	Momentum, Eps           float32 // 0.1 and 1e-5, as in PyTorch
	Training                bool
	// SkipParamGrad makes Backward compute only the input gradient.
	SkipParamGrad bool

	in, mean, rstd []float32
	out, dIn       []float32
}

// NewBatchNorm returns a batch-norm layer on per-sample shape {C, H, W} (2-d) or {F} (1-d)
// for batches up to maxN, with gamma 1 and beta 0, in training mode.
func NewBatchNorm(maxN int, shape ...int) *BatchNorm {
	if (len(shape) != 1 && len(shape) != 3) || size(shape) <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewBatchNorm: shape %v (want {C,H,W} or {F}) with maximum batch %d", shape, maxN))
	}
	c := shape[0]
	l := &BatchNorm{Shape: append([]int(nil), shape...), C: c, Spatial: size(shape) / c, MaxN: maxN,
		Gamma: NewParam("weight", c), Beta: NewParam("bias", c),
		RunningMean: make([]float32, c), RunningVar: make([]float32, c),
		Momentum: 0.1, Eps: 1e-5, Training: true,
		mean: make([]float32, c), rstd: make([]float32, c),
		out: make([]float32, maxN*size(shape)), dIn: make([]float32, maxN*size(shape))}
	fill(l.Gamma.W, 1)
	fill(l.RunningVar, 1)
	return l
}

// SetTraining implements Trainer.
func (l *BatchNorm) SetTraining(training bool) { l.Training = training }

// Forward implements Layer.
func (l *BatchNorm) Forward(in []float32, n int) []float32 {
	checkBatch("BatchNorm forward", in, n, l.MaxN, l.Shape)
	l.in = in
	if l.Training {
		BatchNormForward(l.out, l.mean, l.rstd, in, l.Gamma.W, l.Beta.W, l.RunningMean, l.RunningVar, n, l.C, l.Spatial, l.Momentum, l.Eps)
	} else {
		BatchNormInferForward(l.out, in, l.Gamma.W, l.Beta.W, l.RunningMean, l.RunningVar, n, l.C, l.Spatial, l.Eps)
	}
	return l.out[:n*l.C*l.Spatial]
}

// Backward implements Layer; it differentiates the mode the last Forward ran in.
func (l *BatchNorm) Backward(dOut []float32, n int) []float32 {
	checkBatch("BatchNorm backward", dOut, n, l.MaxN, l.Shape)
	dIn := l.dIn[:n*l.C*l.Spatial]
	dG, dB := l.Gamma.G, l.Beta.G
	if l.SkipParamGrad {
		dG, dB = nil, nil
	}
	if l.Training {
		BatchNormBackward(dIn, dG, dB, dOut, l.in, l.mean, l.rstd, l.Gamma.W, n, l.C, l.Spatial)
	} else {
		BatchNormInferBackward(dIn, dG, dB, dOut, l.in, l.Gamma.W, l.RunningMean, l.RunningVar, n, l.C, l.Spatial, l.Eps)
	}
	return dIn
}

// Params implements Layer.
func (l *BatchNorm) Params() []*Param { return []*Param{l.Gamma, l.Beta} }

// Shared implements Layer: the copy shares gamma, beta and the running statistics (each
// training-mode forward of either updates them, as calling one PyTorch module twice does)
// and starts in this layer's mode.
func (l *BatchNorm) Shared(maxN int) Layer {
	if maxN <= 0 {
		panic(fmt.Sprintf("nn: BatchNorm Shared: maximum batch %d", maxN))
	}
	c := *l
	c.MaxN, c.in = maxN, nil
	c.mean, c.rstd = make([]float32, l.C), make([]float32, l.C)
	c.out, c.dIn = make([]float32, maxN*size(l.Shape)), make([]float32, maxN*size(l.Shape))
	return &c
}

// InShape implements Layer.
func (l *BatchNorm) InShape() []int { return l.Shape }

// OutShape implements Layer.
func (l *BatchNorm) OutShape() []int { return l.Shape }

// ReLU is max(x, 0) elementwise.
type ReLU struct {
	Shape []int
	MaxN  int

	out, dIn []float32
}

// NewReLU returns a ReLU layer on per-sample shape shape for batches up to maxN.
func NewReLU(maxN int, shape ...int) *ReLU {
	if size(shape) <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewReLU: shape %v with maximum batch %d", shape, maxN))
	}
	return &ReLU{Shape: append([]int(nil), shape...), MaxN: maxN,
		out: make([]float32, maxN*size(shape)), dIn: make([]float32, maxN*size(shape))}
}

// Forward implements Layer.
func (l *ReLU) Forward(in []float32, n int) []float32 {
	checkBatch("ReLU forward", in, n, l.MaxN, l.Shape)
	ReLUForward(l.out, in, n*size(l.Shape))
	return l.out[:n*size(l.Shape)]
}

// Backward implements Layer.
func (l *ReLU) Backward(dOut []float32, n int) []float32 {
	checkBatch("ReLU backward", dOut, n, l.MaxN, l.Shape)
	ReLUBackward(l.dIn, dOut, l.out, n*size(l.Shape))
	return l.dIn[:n*size(l.Shape)]
}

// Params implements Layer: none.
func (l *ReLU) Params() []*Param { return nil }

// Shared implements Layer.
func (l *ReLU) Shared(maxN int) Layer { return NewReLU(maxN, l.Shape...) }

// InShape implements Layer.
func (l *ReLU) InShape() []int { return l.Shape }

// OutShape implements Layer.
func (l *ReLU) OutShape() []int { return l.Shape }

// Sigmoid is 1/(1+exp(-x)) elementwise.
type Sigmoid struct {
	Shape []int
	MaxN  int

	out, dIn []float32
}

// NewSigmoid returns a sigmoid layer on per-sample shape shape for batches up to maxN.
func NewSigmoid(maxN int, shape ...int) *Sigmoid {
	if size(shape) <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewSigmoid: shape %v with maximum batch %d", shape, maxN))
	}
	return &Sigmoid{Shape: append([]int(nil), shape...), MaxN: maxN,
		out: make([]float32, maxN*size(shape)), dIn: make([]float32, maxN*size(shape))}
}

// Forward implements Layer.
func (l *Sigmoid) Forward(in []float32, n int) []float32 {
	checkBatch("Sigmoid forward", in, n, l.MaxN, l.Shape)
	SigmoidForward(l.out, in, n*size(l.Shape))
	return l.out[:n*size(l.Shape)]
}

// Backward implements Layer.
func (l *Sigmoid) Backward(dOut []float32, n int) []float32 {
	checkBatch("Sigmoid backward", dOut, n, l.MaxN, l.Shape)
	SigmoidBackward(l.dIn, dOut, l.out, n*size(l.Shape))
	return l.dIn[:n*size(l.Shape)]
}

// Params implements Layer: none.
func (l *Sigmoid) Params() []*Param { return nil }

// Shared implements Layer.
func (l *Sigmoid) Shared(maxN int) Layer { return NewSigmoid(maxN, l.Shape...) }

// InShape implements Layer.
func (l *Sigmoid) InShape() []int { return l.Shape }

// OutShape implements Layer.
func (l *Sigmoid) OutShape() []int { return l.Shape }

// LogSoftmax turns each row of C scores into log-probabilities; pair it with
// NLLLossForward/NLLLossBackward.
type LogSoftmax struct {
	C, MaxN int

	out, dIn []float32
}

// NewLogSoftmax returns a log-softmax layer over c classes for batches up to maxN.
func NewLogSoftmax(c, maxN int) *LogSoftmax {
	if c <= 0 || maxN <= 0 {
		panic(fmt.Sprintf("nn: NewLogSoftmax: %d classes with maximum batch %d", c, maxN))
	}
	return &LogSoftmax{C: c, MaxN: maxN, out: make([]float32, maxN*c), dIn: make([]float32, maxN*c)}
}

// Forward implements Layer.
func (l *LogSoftmax) Forward(in []float32, n int) []float32 {
	checkBatch("LogSoftmax forward", in, n, l.MaxN, l.InShape())
	LogSoftmaxForward(l.out, in, n, l.C)
	return l.out[:n*l.C]
}

// Backward implements Layer.
func (l *LogSoftmax) Backward(dOut []float32, n int) []float32 {
	checkBatch("LogSoftmax backward", dOut, n, l.MaxN, l.OutShape())
	LogSoftmaxBackward(l.dIn, dOut, l.out, n, l.C)
	return l.dIn[:n*l.C]
}

// Params implements Layer: none.
func (l *LogSoftmax) Params() []*Param { return nil }

// Shared implements Layer.
func (l *LogSoftmax) Shared(maxN int) Layer { return NewLogSoftmax(l.C, maxN) }

// InShape implements Layer.
func (l *LogSoftmax) InShape() []int { return []int{l.C} }

// OutShape implements Layer.
func (l *LogSoftmax) OutShape() []int { return []int{l.C} }

// Concat joins per-sample feature vectors side by side (the fusion step) and splits the
// gradient back. It does not implement Layer: it has several inputs.
type Concat struct {
	Widths []int
	MaxN   int

	out           []float32
	dParts, views [][]float32
}

// NewConcat returns a concatenation of parts with the given widths for batches up to maxN.
func NewConcat(maxN int, widths ...int) *Concat {
	total := 0
	for _, w := range widths {
		if w <= 0 {
			panic(fmt.Sprintf("nn: NewConcat: widths %v", widths))
		}
		total += w
	}
	if maxN <= 0 || len(widths) == 0 {
		panic(fmt.Sprintf("nn: NewConcat: widths %v with maximum batch %d", widths, maxN))
	}
	l := &Concat{Widths: append([]int(nil), widths...), MaxN: maxN, out: make([]float32, maxN*total)}
	for _, w := range widths {
		l.dParts = append(l.dParts, make([]float32, maxN*w))
	}
	l.views = make([][]float32, len(widths))
	return l
}

// Width is the total feature count of the output.
func (l *Concat) Width() int { return sum(l.Widths) }

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// Forward joins parts (part j holds n x Widths[j] values) into n x Width().
func (l *Concat) Forward(parts [][]float32, n int) []float32 {
	if n <= 0 || n > l.MaxN {
		panic(fmt.Sprintf("nn: Concat forward: batch %d outside 1..%d", n, l.MaxN))
	}
	ConcatForward(l.out, parts, l.Widths, n)
	return l.out[:n*sum(l.Widths)]
}

// Backward splits dOut (n x Width()) into one gradient per part (the layer's buffers).
func (l *Concat) Backward(dOut []float32, n int) [][]float32 {
	if n <= 0 || n > l.MaxN {
		panic(fmt.Sprintf("nn: Concat backward: batch %d outside 1..%d", n, l.MaxN))
	}
	ConcatBackward(l.dParts, dOut, l.Widths, n)
	for j, d := range l.dParts {
		l.views[j] = d[:n*l.Widths[j]]
	}
	return l.views
}
