package fusion

import (
	"fmt"

	"github.com/fusionlens/fusionlens/nn"
)

// The head's first layer is linear in the fusion vector, so its pre-activation is a sum
// over any partition of the fusion features into blocks: W z + B = sum over blocks k of
// W[:, k] z[k] + B. A method that evaluates many vectors mixed from a few given blocks
// (the coalitions of modality interactions: each modality's block from the explained
// case or from a background case) computes each block's share once with FirstLayerBlock
// and runs only the rest of the head per vector with LogitPre.

// Hidden is the width of the head's first layer's output: the length of a
// pre-activation row of FirstLayerBlock and LogitPre.
func (h *DenseHead) Hidden() int { return h.Layers[0].Out }

// FirstLayerBlock sets a (n x Hidden) to the share of the fusion features [start, end)
// in the first layer's pre-activation of each row of z (n x Dim): a[r] = W[:, start:end]
// z[r][start:end], without the bias. It panics if the range or the sizes are wrong (a
// programming error, as for Logit).
func (h *DenseHead) FirstLayerBlock(z []float32, n, start, end int, a []float32) {
	d, hid := h.Dim(), h.Hidden()
	if start < 0 || end > d || start >= end || n < 0 || len(z) < n*d || len(a) < n*hid {
		panic(fmt.Sprintf("fusion: DenseHead.FirstLayerBlock: features [%d,%d) of %d rows of %d into %d outputs need z, a of %d, %d values; have %d, %d",
			start, end, n, d, hid, n*d, n*hid, len(z), len(a)))
	}
	if n == 0 {
		return
	}
	l := h.Layers[0]
	nn.Sgemm(false, true, n, hid, end-start, 1, z[start:], d, l.W[start:], d, 0, a, hid)
}

// PreWork is the length of LogitPre's work buffer: one pass's activations of the layers
// after the first.
func (h *DenseHead) PreWork() int {
	n := 0
	for _, l := range h.Layers[1:] {
		n += headChunk * l.Out
	}
	return n
}

// FirstLayerBias returns a copy of the first layer's bias (Hidden values): the part of
// every pre-activation that belongs to no block.
func (h *DenseHead) FirstLayerBias() []float32 {
	return append([]float32(nil), h.Layers[0].B...)
}

// LogitPre sets s[i] to the log-odds of the head's class (as Logit does) for the vector
// whose first-layer pre-activation is row i of a (n x Hidden): FirstLayerBias plus the sum
// of FirstLayerBlock over blocks that partition the fusion features. It overwrites a
// with the first layer's output (after the ReLU when more layers follow). work holds the
// later layers' activations: at least PreWork values, or nil to allocate them (a caller
// that calls LogitPre many times passes its own, so that no call allocates).
func (h *DenseHead) LogitPre(a []float32, n int, s, work []float32) {
	hid, c, k := h.Hidden(), h.Classes(), h.Class()
	if n < 0 || len(a) < n*hid || len(s) < n || (work != nil && len(work) < h.PreWork()) {
		panic(fmt.Sprintf("fusion: DenseHead.LogitPre: %d rows of %d need a, s, work of %d, %d, %d values; have %d, %d, %d",
			n, hid, n*hid, n, h.PreWork(), len(a), len(s), len(work)))
	}
	if n == 0 {
		return
	}
	if work == nil {
		work = make([]float32, h.PreWork())
	}
	last := len(h.Layers) - 1
	for lo := 0; lo < n; lo += headChunk {
		r := min(headChunk, n-lo)
		in := a[lo*hid : (lo+r)*hid]
		if last > 0 {
			nn.ReLUForward(in, in, r*hid)
			w := work
			for li := 1; li <= last; li++ {
				l := h.Layers[li]
				o := w[:r*l.Out]
				w = w[headChunk*l.Out:]
				nn.DenseForward(o, in, l.W, l.B, r, l.In, l.Out)
				if li < last {
					nn.ReLUForward(o, o, r*l.Out)
				}
				in = o
			}
		}
		for i := range r {
			s[lo+i] = float32(logit(in[i*c:(i+1)*c], k, nil))
		}
	}
}
