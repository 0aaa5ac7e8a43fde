package architecture

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fusionlens/fusionlens/nn"
)

// mlp is a multilayer perceptron classifier over standardised input vectors: dense layers
// of the hidden widths with ReLU between them, a dense layer to the classes, log-softmax.
// It is the early variant's network and the late variant's model of a tabular group.
type mlp struct {
	in, classes, maxN int
	seq               *nn.Sequential
	dOut              []float32 // maxN x classes, the backward's seed
}

// newMLP returns an MLP from in features through the hidden widths to classes, for batches
// of up to maxN, with He-uniform weights from seed.
func newMLP(in int, hidden []int, classes, maxN int, seed uint64) *mlp {
	rng := nn.NewRand(seed)
	var layers []nn.Layer
	at := in
	for _, h := range hidden {
		layers = append(layers, nn.NewDense(at, h, maxN, rng), nn.NewReLU(maxN, h))
		at = h
	}
	layers = append(layers, nn.NewDense(at, classes, maxN, rng), nn.NewLogSoftmax(classes, maxN))
	return &mlp{in: in, classes: classes, maxN: maxN, seq: nn.NewSequential(layers...), dOut: make([]float32, maxN*classes)}
}

// logProbs returns the class log-probabilities of the n rows of x (n x classes).
func (m *mlp) logProbs(x []float32, n int) []float32 {
	out := make([]float32, n*m.classes)
	for lo := 0; lo < n; lo += m.maxN {
		b := min(m.maxN, n-lo)
		copy(out[lo*m.classes:], m.seq.Forward(x[lo*m.in:(lo+b)*m.in], b))
	}
	return out
}

// prob sets p[i] = p(class k | row i) and, when g is not nil, g = dp/dx (n x in).
func (m *mlp) prob(k int, x []float32, n int, p, g []float32) {
	if g != nil {
		m.seq.SetSkipParamGrad(true)
		defer m.seq.SetSkipParamGrad(false)
	}
	for lo := 0; lo < n; lo += m.maxN {
		b := min(m.maxN, n-lo)
		logp := m.seq.Forward(x[lo*m.in:(lo+b)*m.in], b)
		for i := range b {
			p[lo+i] = float32(math.Exp(float64(logp[i*m.classes+k])))
		}
		if g == nil {
			continue
		}
		d := m.dOut[:b*m.classes]
		clear(d)
		for i := range b { // dp/dlogp_k = p
			d[i*m.classes+k] = p[lo+i]
		}
		copy(g[lo*m.in:], m.seq.Backward(d, b))
	}
}

// trainOptions set up the training of the package's own networks (the paper's Adam set-up).
type trainOptions struct {
	Epochs int
	Batch  int
	LR     float32
	Decay  float32 // L2 decay added to the gradient
	// DecoupledDecay shrinks every weight matrix by LR*DecoupledDecay after each Adam
	// step, biases exempt (AdamW, as fusion.TrainOptions.DecoupledWeightDecay); 0: off.
	DecoupledDecay float32
	Seed           uint64
}

func defaultTrainOptions(epochs int, seed uint64) trainOptions {
	return trainOptions{Epochs: epochs, Batch: 128, LR: 1e-3, Decay: 1e-4, Seed: seed}
}

// mlpShuffleStream separates the MLP's shuffle from the seed's other uses.
const mlpShuffleStream = 0x6d6c7073687566 // "mlpshuf"

// loss returns the mean NLL of the n rows of x with labels y and, with grad, accumulates
// its parameter gradients (as a mean over the rows) into the parameters' G.
func (m *mlp) loss(x []float32, y []int, n int, grad bool) float32 {
	logp := m.seq.Forward(x[:n*m.in], n)
	l := nn.NLLLossForward(logp, y[:n], n, m.classes)
	if grad {
		d := m.dOut[:n*m.classes]
		nn.NLLLossBackward(d, y[:n], n, m.classes)
		m.seq.Backward(d, n)
	}
	return l
}

// train fits the MLP to the n rows of x with labels y by Adam on the NLL loss, shuffling
// every epoch with PCG(o.Seed). It stops between steps when ctx is cancelled.
func (m *mlp) train(ctx context.Context, x []float32, y []int, n int, o trainOptions) error {
	if n < 1 || len(x) != n*m.in || len(y) != n {
		return fmt.Errorf("architecture: mlp train: %d values and %d labels for %d cases of %d features", len(x), len(y), n, m.in)
	}
	batch := min(o.Batch, m.maxN, n)
	opt := nn.NewAdam(m.seq.Params(), o.LR)
	opt.WeightDecay = o.Decay
	var decay []*nn.Param // the weight matrices DecoupledDecay shrinks
	if o.DecoupledDecay > 0 {
		for _, p := range m.seq.Params() {
			if len(p.Shape) >= 2 {
				decay = append(decay, p)
			}
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, mlpShuffleStream))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	bx := make([]float32, batch*m.in)
	by := make([]int, batch)
	for range o.Epochs {
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for lo := 0; lo < n; lo += batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			b := min(batch, n-lo)
			for j, i := range idx[lo : lo+b] {
				copy(bx[j*m.in:(j+1)*m.in], x[i*m.in:(i+1)*m.in])
				by[j] = y[i]
			}
			opt.ZeroGrad()
			m.loss(bx, by, b, true)
			opt.Step()
			for _, p := range decay {
				for j, w := range p.W {
					p.W[j] = w - o.LR*o.DecoupledDecay*w
				}
			}
		}
	}
	return nil
}
