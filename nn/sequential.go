package nn

import "fmt"

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
