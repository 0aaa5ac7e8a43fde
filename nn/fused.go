package nn

import (
	"fmt"
	"math"
)

// ConvBNReLU is a Conv2D followed by a BatchNorm in inference mode (running statistics)
// and, when ReLU is set, a ReLU, computed as one layer for inference: the batch norm is
// folded into the convolution's output pass,
//
//	out = act(s*conv(in) + t), s = gamma/sqrt(runVar+eps), t = beta + s*(bias - runMean)
//
// per output channel, so neither the batch norm nor the ReLU costs a pass over the
// activations of its own (forward or backward). s and t are computed from the layers'
// current weights and statistics on every Forward (a few operations per channel), so the
// fused layer always equals the layers it was made from, however they change.
//
// It is for explaining a trained network: Backward computes only the input gradient
// (none when Conv.SkipInputGrad is set), and Params is empty, since no parameter gradient
// flows through it. Train the unfused layers.
type ConvBNReLU struct {
	Conv *Conv2D
	BN   *BatchNorm
	ReLU bool

	scale, shift []float32
	in           []float32
	out, dAct    []float32
	dIn          []float32
}

// NewConvBNReLU fuses conv, the batch norm bn that reads its output and, if relu, a ReLU
// after bn. It panics unless bn normalises conv's output channels.
func NewConvBNReLU(conv *Conv2D, bn *BatchNorm, relu bool) *ConvBNReLU {
	if bn.C != conv.OutC || bn.Spatial != conv.OutH*conv.OutW {
		panic(fmt.Sprintf("nn: NewConvBNReLU: the batch norm is over %v, the convolution outputs %v", bn.Shape, conv.OutShape()))
	}
	return &ConvBNReLU{Conv: conv, BN: bn, ReLU: relu,
		scale: make([]float32, conv.OutC), shift: make([]float32, conv.OutC),
		out:  make([]float32, conv.MaxN*conv.OutC*conv.OutH*conv.OutW),
		dAct: make([]float32, conv.MaxN*conv.OutC*conv.OutH*conv.OutW),
		dIn:  make([]float32, conv.MaxN*conv.InC*conv.H*conv.W)}
}

// fold sets the per-channel scale and shift of the folded batch norm.
func (l *ConvBNReLU) fold() {
	bn, bias := l.BN, l.Conv.Bias.W
	for c := range l.scale {
		s := bn.Gamma.W[c] / float32(math.Sqrt(float64(bn.RunningVar[c])+float64(bn.Eps)))
		l.scale[c] = s
		l.shift[c] = bn.Beta.W[c] + s*(bias[c]-bn.RunningMean[c])
	}
}

// Forward implements Layer.
func (l *ConvBNReLU) Forward(in []float32, n int) []float32 {
	c := l.Conv
	checkBatch("ConvBNReLU forward", in, n, c.MaxN, c.InShape())
	if l.BN.Training {
		panic("nn: ConvBNReLU forward: the batch norm is in training mode; the fusion is for inference")
	}
	l.in = in
	l.fold()
	convForward(l.out, in, c.Weight.W, l.shift, l.scale, l.ReLU, n, c.InC, c.H, c.W, c.OutC, c.K, c.Pad, c.OutH, c.OutW, &c.wino)
	return l.out[:n*c.OutC*c.OutH*c.OutW]
}

// Backward implements Layer: the input gradient only (nil with Conv.SkipInputGrad), from
// the scale and shift of the last Forward.
func (l *ConvBNReLU) Backward(dOut []float32, n int) []float32 {
	c := l.Conv
	checkBatch("ConvBNReLU backward", dOut, n, c.MaxN, c.OutShape())
	if c.SkipInputGrad {
		return nil
	}
	p := c.OutH * c.OutW
	for i := 0; i < n; i++ {
		for ch, s := range l.scale {
			at := (i*c.OutC + ch) * p
			if l.ReLU {
				reluBackScaled(l.dAct[at:at+p], dOut[at:at+p], l.out[at:at+p], s)
			} else {
				affine(l.dAct[at:at+p], dOut[at:at+p], s, 0)
			}
		}
	}
	dIn := l.dIn[:n*c.InC*c.H*c.W]
	conv2DBackward(dIn, nil, nil, l.dAct[:n*c.OutC*p], l.in, c.Weight.W, n, c.InC, c.H, c.W, c.OutC, c.K, c.Pad, &c.winoBack)
	return dIn
}

// Params implements Layer: none (see the type's doc).
func (l *ConvBNReLU) Params() []*Param { return nil }

// Shared implements Layer: a fusion of the layers' shared copies.
func (l *ConvBNReLU) Shared(maxN int) Layer {
	return NewConvBNReLU(l.Conv.Shared(maxN).(*Conv2D), l.BN.Shared(maxN).(*BatchNorm), l.ReLU)
}

// InShape implements Layer.
func (l *ConvBNReLU) InShape() []int { return l.Conv.InShape() }

// OutShape implements Layer.
func (l *ConvBNReLU) OutShape() []int { return l.Conv.OutShape() }

// FoldBatchNorm returns a Sequential for inference over the same layers as s in which
// every Conv2D followed by a BatchNorm (and a ReLU) is one ConvBNReLU. The layers are
// shared, not copied: s and the result see the same weights, and s stays usable (its own
// buffers are separate). The batch norms must be in inference mode when it runs.
func FoldBatchNorm(s *Sequential) *Sequential {
	var layers []Layer
	for i := 0; i < len(s.Layers); i++ {
		conv, ok := s.Layers[i].(*Conv2D)
		var bn *BatchNorm
		if ok && i+1 < len(s.Layers) {
			bn, ok = s.Layers[i+1].(*BatchNorm)
		}
		if !ok || bn == nil || bn.C != conv.OutC || bn.Spatial != conv.OutH*conv.OutW {
			layers = append(layers, s.Layers[i])
			continue
		}
		_, relu := s.Layers[min(i+2, len(s.Layers)-1)].(*ReLU)
		relu = relu && i+2 < len(s.Layers)
		layers = append(layers, NewConvBNReLU(conv, bn, relu))
		i++
		if relu {
			i++
		}
	}
	return NewSequential(layers...)
}
