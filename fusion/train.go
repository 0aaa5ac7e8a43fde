package fusion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/fusionlens/fusionlens/nn"
)

// shuffleStream is the PCG stream of the training shuffle, so that a seed shared with
// other generators still gives an independent order.
const shuffleStream = 0x243f6a8885a308d3

// TrainOptions set up Train. Start from DefaultTrainOptions: every field is used as given.
type TrainOptions struct {
	LR          float32 // Adam learning rate
	WeightDecay float32 // L2 weight decay added to the gradient, as torch.optim.Adam does
	// DecoupledWeightDecay is AdamW's weight decay (Loshchilov and Hutter 2019): after
	// each Adam step every weight matrix and convolution kernel (each parameter of two or
	// more dimensions, in the encoders and the head) shrinks as w -= LR*wd*w, outside
	// the gradient, so Adam's per-weight scaling does not cancel it as it does the L2
	// term of WeightDecay. Biases and batch-norm scales and shifts are exempt: a bias
	// pulled to zero is no simpler a function, and shrinking the encoders' last
	// batch-norm scale would shrink the fusion features themselves. The encoders are
	// decayed too, since they can fit noise as the head does; their layers that feed a
	// batch norm are blind to their weights' scale, so there the decay mainly raises the
	// effective learning rate, and its penalty lands on the head. It adds to
	// WeightDecay, which stays as set. 0, the paper's set-up, turns it off.
	DecoupledWeightDecay float32
	Batch                int // cases per step, at most the Net's MaxBatch
	Epochs               int // maximum number of passes over the training set
	// StopAccuracy ends training after the first epoch whose validation accuracy exceeds
	// it; 1 (or more) never stops early. Without validation cases training runs Epochs.
	StopAccuracy float64
	// KeepBest restores, at the end, the weights of the epoch with the best validation
	// figure named by SelectBy (the earliest of equals) instead of keeping the last
	// epoch's. The paper keeps the last.
	KeepBest bool
	// Patience, with validation cases, ends training once the validation figure named by
	// SelectBy has not improved on its best for this many epochs in a row; 0 never stops
	// for that. With KeepBest the best epoch's weights are kept, so the extra epochs cost
	// only time.
	Patience int
	// SelectBy names the validation figure that KeepBest and Patience go by: the zero
	// value, ByAccuracy, the highest accuracy; ByLogLoss the lowest log-loss.
	// StopAccuracy goes by accuracy whatever it says.
	SelectBy Selection
	// InputSparsity is the strength lambda of a group-lasso penalty, lambda * sum over
	// fusion features j of the L2 norm of the head's first-layer weights reading z_j,
	// applied by its proximal step after each Adam step (decoupled, as AdamW decouples
	// weight decay): every such column's norm shrinks by LR*lambda, and a column that
	// would cross zero becomes exactly zero. Fusion features the decision does not need
	// are cut off from the head entirely, so the trained network stops responding to
	// inputs that only fit noise. 0, the paper's set-up, turns it off.
	//
	// While it is on, the scale (gamma) of each encoder's last batch norm is held at the
	// value it has when training starts: that scale multiplies an image feature exactly as
	// the head's column does, so the encoder could otherwise grow it and keep an unneeded
	// image feature alive through a column the penalty has made tiny.
	InputSparsity float32
	// RefitEpochs, with InputSparsity, adds this many epochs after the Epochs (or after
	// the early stop) in which the penalty is off and the columns it cut are held at
	// zero: the penalty selects the inputs, the refit undoes its shrinkage of the ones it
	// kept (the relaxed lasso of Meinshausen 2007). Early stopping does not end the refit.
	RefitEpochs int
	// Seed seeds the PCG generator that shuffles the training cases every epoch.
	Seed uint64
	// Progress, when set, is called after every step and at the end of every epoch.
	Progress func(Progress)
}

// DefaultTrainOptions returns the paper's training set-up: Adam with learning rate 1e-3
// and weight decay 1e-4, batches of 128, up to 20 epochs, stopping once validation
// accuracy passes 95 %, shuffle seed 1.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{LR: 1e-3, WeightDecay: 1e-4, Batch: 128, Epochs: 20, StopAccuracy: 0.95, Seed: 1}
}

func (o TrainOptions) check(m *Net) error {
	switch {
	case !(o.LR > 0) || math.IsInf(float64(o.LR), 0):
		return fmt.Errorf("fusion: train: learning rate %v, want a positive number", o.LR)
	case !(o.WeightDecay >= 0) || math.IsInf(float64(o.WeightDecay), 0):
		return fmt.Errorf("fusion: train: weight decay %v, want a number >= 0", o.WeightDecay)
	case o.Batch < 1 || o.Batch > m.maxN:
		return fmt.Errorf("fusion: train: batch %d, want 1..%d (the Net's maximum batch)", o.Batch, m.maxN)
	case o.Epochs < 1:
		return fmt.Errorf("fusion: train: %d epochs, want at least 1", o.Epochs)
	case !(o.InputSparsity >= 0) || math.IsInf(float64(o.InputSparsity), 0):
		return fmt.Errorf("fusion: train: input sparsity %v, want a number >= 0", o.InputSparsity)
	case o.RefitEpochs < 0 || (o.RefitEpochs > 0 && o.InputSparsity == 0):
		return fmt.Errorf("fusion: train: %d refit epochs, want 0, or more with input sparsity > 0", o.RefitEpochs)
	case o.Patience < 0:
		return fmt.Errorf("fusion: train: patience %d, want 0 (off) or more epochs", o.Patience)
	case !(o.DecoupledWeightDecay >= 0) || math.IsInf(float64(o.DecoupledWeightDecay), 0):
		return fmt.Errorf("fusion: train: decoupled weight decay %v, want a number >= 0", o.DecoupledWeightDecay)
	case o.SelectBy != ByAccuracy && o.SelectBy != ByLogLoss:
		return fmt.Errorf("fusion: train: select by %d, want ByAccuracy or ByLogLoss", int(o.SelectBy))
	case math.IsNaN(o.StopAccuracy):
		return fmt.Errorf("fusion: train: stop accuracy is NaN")
	}
	return nil
}

// Progress reports on a training run.
type Progress struct {
	Epoch, Epochs int // the current epoch (from 1) and the maximum
	Step, Steps   int // steps done in this epoch, and steps per epoch
	Samples       int // training cases processed so far, over all epochs
	// Loss and Accuracy are the running means over this epoch's steps so far (training
	// mode, so batch-norm uses batch statistics).
	Loss, Accuracy float64
	SamplesPerSec  float64       // training throughput so far (validation time excluded)
	ETA            time.Duration // to the end of the last epoch at that rate
	// EpochDone is set on the report that closes an epoch; Val then holds the validation
	// metrics when there are validation cases.
	EpochDone bool
	Val       *Metrics
}

// EpochResult summarises one epoch.
type EpochResult struct {
	Epoch          int
	Loss, Accuracy float64 // training, averaged over the epoch's cases
	Val            Metrics // zero when there are no validation cases
	Duration       time.Duration
}

// TrainResult summarises a training run.
type TrainResult struct {
	Epochs       []EpochResult
	EarlyStopped bool // validation accuracy passed StopAccuracy, or stopped improving (Plateau)
	Plateau      bool // stopped by Patience: the SelectBy figure stopped improving
	// Best, with KeepBest, is the epoch whose weights m holds (from 1), chosen by
	// SelectBy; else 0.
	Best          int
	Steps         int
	Samples       int
	SamplesPerSec float64 // training steps only
}

// Train fits m to train with Adam and NLL loss on the log-softmax output, shuffling the
// cases every epoch with PCG(o.Seed). After each epoch it measures m on val (inference
// mode) and stops early once validation accuracy exceeds o.StopAccuracy. The same Net
// weights, data and options give bit-identical weights on the same machine and
// GOMAXPROCS. When ctx is cancelled Train returns between steps with what it has done and
// ctx's error; m then holds the weights of the last completed step. m is left in
// inference mode.
//
// A step allocates nothing in this package: batches are gathered into buffers made once.
func Train(ctx context.Context, m *Net, train, val Dataset, o TrainOptions) (TrainResult, error) {
	var res TrainResult
	if err := o.check(m); err != nil {
		return res, err
	}
	if err := train.Check(m.cfg); err != nil {
		return res, fmt.Errorf("training set: %w", err)
	}
	if train.N == 0 {
		return res, fmt.Errorf("fusion: train: no training cases")
	}
	if err := val.Check(m.cfg); err != nil {
		return res, fmt.Errorf("validation set: %w", err)
	}
	defer m.SetTraining(false)

	opt := nn.NewAdam(m.Params(), o.LR)
	opt.WeightDecay = o.WeightDecay
	rng := rand.New(rand.NewPCG(o.Seed, shuffleStream))
	perm := make([]int, train.N)
	for i := range perm {
		perm[i] = i
	}
	clin := make([]float32, o.Batch*m.cfg.Clinical())
	k := m.cfg.Classes()
	y := make([]int, o.Batch)
	dLogp := make([]float32, o.Batch*m.cfg.Classes())
	steps := (train.N + o.Batch - 1) / o.Batch
	var busy time.Duration // time spent in training steps
	var best []float32     // with KeepBest, the best epoch's tensors so far
	bestScore := math.Inf(-1)
	sinceBest, plateauBest := 0, math.Inf(-1) // epochs since the validation score last improved
	var decay [][]float32                     // with DecoupledWeightDecay, the tensors it shrinks
	if o.DecoupledWeightDecay > 0 {
		decay = decayed(m.Params())
	}
	if o.KeepBest && val.N > 0 {
		defer func() {
			if best != nil {
				m.setWeights(best)
			}
		}()
	}

	first := m.s.headInput()
	var scale, scaleAtStart [][]float32 // each encoder's last batch-norm scale, held with sparsity
	if o.InputSparsity > 0 {
		for _, e := range m.s.encs {
			g := e.outputNorm().Gamma.W
			scale, scaleAtStart = append(scale, g), append(scaleAtStart, append([]float32(nil), g...))
		}
	}
	var cut []bool // in the refit, the head's input columns held at zero
	last, refitFrom := o.Epochs+o.RefitEpochs, o.Epochs+1
	for epoch := 1; epoch <= last; epoch++ {
		if epoch == refitFrom && o.RefitEpochs > 0 {
			cut = zeroColumns(first.Weight.W, first.Out, first.In)
		}
		m.SetTraining(true)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		start := time.Now()
		var lossSum float64
		correct, seen := 0, 0
		for step := 0; step < steps; step++ {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			t0 := time.Now()
			lo := step * o.Batch
			n := min(o.Batch, train.N-lo)
			m.gather(train, perm[lo:lo+n], clin, y)
			_, logp := m.forwardStaged(clin, n)
			loss := nn.NLLLossForward(logp, y, n, k)
			if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
				return res, fmt.Errorf("fusion: train: loss is %v at epoch %d step %d (try a smaller learning rate)", loss, epoch, step+1)
			}
			for j := range n {
				if PredictedClass(logp[j*k:(j+1)*k]) == y[j] {
					correct++
				}
			}
			nn.NLLLossBackward(dLogp, y, n, k)
			opt.ZeroGrad()
			m.Backward(dLogp, false)
			opt.Step()
			shrink(decay, o.LR*o.DecoupledWeightDecay)
			switch {
			case cut != nil:
				holdColumnsAtZero(first.Weight.W, first.Out, first.In, cut)
				holdScales(scale, scaleAtStart)
			case o.InputSparsity > 0:
				groupLassoProx(first.Weight.W, first.Out, first.In, o.LR*o.InputSparsity)
				holdScales(scale, scaleAtStart)
			}
			busy += time.Since(t0)

			lossSum += float64(loss) * float64(n)
			seen += n
			res.Steps++
			res.Samples += n
			if o.Progress != nil {
				o.Progress(m.progress(&res, last, busy, epoch, step+1, steps, lossSum, correct, seen, train.N))
			}
		}
		er := EpochResult{Epoch: epoch, Loss: lossSum / float64(seen), Accuracy: float64(correct) / float64(seen)}
		if val.N > 0 {
			v, err := m.Evaluate(val)
			if err != nil {
				return res, fmt.Errorf("validation: %w", err)
			}
			er.Val = v
		}
		er.Duration = time.Since(start)
		res.Epochs = append(res.Epochs, er)
		score := o.SelectBy.score(er.Val)
		if o.KeepBest && val.N > 0 && score > bestScore {
			bestScore, res.Best = score, epoch
			best = m.getWeights(best)
		}
		res.SamplesPerSec = float64(res.Samples) / busy.Seconds()
		stop := val.N > 0 && er.Val.Accuracy > o.StopAccuracy && epoch < refitFrom
		if val.N > 0 && epoch < refitFrom {
			if score > plateauBest {
				plateauBest, sinceBest = score, 0
			} else {
				sinceBest++
			}
			if o.Patience > 0 && sinceBest >= o.Patience {
				stop, res.Plateau = true, true
			}
		}
		if stop && o.RefitEpochs > 0 { // go on to the refit at once
			res.EarlyStopped = true
			stop, refitFrom, last = false, epoch+1, epoch+o.RefitEpochs
		}
		if o.Progress != nil {
			p := m.progress(&res, last, busy, epoch, steps, steps, lossSum, correct, seen, train.N)
			p.EpochDone = true
			if val.N > 0 {
				p.Val = &er.Val
			}
			if stop {
				p.ETA = 0
			}
			o.Progress(p)
		}
		if stop {
			res.EarlyStopped = true
			break
		}
	}
	return res, nil
}

// Selection names the validation figure by which TrainOptions.KeepBest and Patience
// judge an epoch.
type Selection int

const (
	// ByAccuracy prefers the higher validation accuracy (the default).
	ByAccuracy Selection = iota
	// ByLogLoss prefers the lower validation log-loss, which, unlike accuracy, also
	// penalises a network for being more confident than it is right.
	ByLogLoss
)

// ParseSelection reads a Selection from its String form: "accuracy" or "loss"
// ("log-loss" too).
func ParseSelection(s string) (Selection, error) {
	switch s {
	case "accuracy":
		return ByAccuracy, nil
	case "loss", "log-loss":
		return ByLogLoss, nil
	}
	return 0, fmt.Errorf("fusion: select by %q, want accuracy or loss", s)
}

// String returns "accuracy" or "loss", the names ParseSelection reads.
func (s Selection) String() string {
	switch s {
	case ByAccuracy:
		return "accuracy"
	case ByLogLoss:
		return "loss"
	}
	return fmt.Sprintf("Selection(%d)", int(s))
}

// score is the figure of v that s prefers larger.
func (s Selection) score(v Metrics) float64 {
	if s == ByLogLoss {
		return -v.LogLoss
	}
	return v.Accuracy
}

// decayed returns the tensors of params that decoupled weight decay shrinks: those of
// two or more dimensions (weight matrices and convolution kernels), not biases or
// batch-norm scales and shifts.
func decayed(params []*nn.Param) [][]float32 {
	var out [][]float32
	for _, p := range params {
		if len(p.Shape) >= 2 {
			out = append(out, p.W)
		}
	}
	return out
}

// shrink sets every value w of ws to w - t*w.
func shrink(ws [][]float32, t float32) {
	for _, w := range ws {
		for j := range w {
			w[j] -= t * w[j]
		}
	}
}

// holdScales copies each encoder's batch-norm scale at the start back.
func holdScales(scale, atStart [][]float32) {
	for i := range scale {
		copy(scale[i], atStart[i])
	}
}

// groupLassoProx applies the proximal operator of t * sum_j ||w[:,j]|| to the out x in
// row-major matrix w: each column's norm shrinks by t, and a column whose norm is at most
// t becomes zero.
func groupLassoProx(w []float32, out, in int, t float32) {
	for j := 0; j < in; j++ {
		var ss float64
		for o := 0; o < out; o++ {
			v := float64(w[o*in+j])
			ss += v * v
		}
		n := math.Sqrt(ss)
		k := 0.0
		if n > float64(t) {
			k = 1 - float64(t)/n
		}
		for o := 0; o < out; o++ {
			w[o*in+j] = float32(k * float64(w[o*in+j]))
		}
	}
}

// zeroColumns reports which columns of the out x in row-major matrix w are all zero.
func zeroColumns(w []float32, out, in int) []bool {
	zero := make([]bool, in)
	for j := range zero {
		zero[j] = true
		for o := 0; o < out && zero[j]; o++ {
			zero[j] = w[o*in+j] == 0
		}
	}
	return zero
}

// holdColumnsAtZero sets the columns j of w with cut[j] back to zero.
func holdColumnsAtZero(w []float32, out, in int, cut []bool) {
	for j, c := range cut {
		if c {
			for o := 0; o < out; o++ {
				w[o*in+j] = 0
			}
		}
	}
}

// getWeights appends every stored tensor (weights and running statistics) to dst[:0].
func (m *Net) getWeights(dst []float32) []float32 {
	dst = dst[:0]
	for _, r := range m.s.refs {
		dst = append(dst, r.data()...)
	}
	return dst
}

// setWeights copies getWeights' values back.
func (m *Net) setWeights(src []float32) {
	for _, r := range m.s.refs {
		src = src[copy(r.data(), src):]
	}
}

// progress fills a Progress report.
func (m *Net) progress(res *TrainResult, epochs int, busy time.Duration, epoch, step, steps int, lossSum float64, correct, seen, n int) Progress {
	p := Progress{Epoch: epoch, Epochs: epochs, Step: step, Steps: steps, Samples: res.Samples,
		Loss: lossSum / float64(seen), Accuracy: float64(correct) / float64(seen)}
	if s := busy.Seconds(); s > 0 {
		p.SamplesPerSec = float64(res.Samples) / s
		left := (epochs-epoch)*n + (n - seen)
		p.ETA = time.Duration(float64(left) / p.SamplesPerSec * float64(time.Second))
	}
	return p
}
