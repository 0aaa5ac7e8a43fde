package nn

import (
	"fmt"
	"math"
)

func bnDims(op string, n, c, s int) {
	if n <= 0 || c <= 0 || s <= 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d channels %d spatial %d", op, n, c, s))
	}
}

// BatchNormForward normalises in (n x c x s: s = h*w values per channel per sample, or 1
// for features) with the batch's own statistics, as in training:
//
//	out = gamma[ch] * (in - mean[ch]) * rstd[ch] + beta[ch],  rstd = 1/sqrt(var + eps)
//
// where mean and the biased var run over the n*s values of each channel. It writes the
// per-channel mean and rstd (needed by BatchNormBackward) and, when runMean is not nil,
// moves the running averages toward the batch statistics: run = (1-momentum)*run +
// momentum*stat, using the unbiased variance for runVar (PyTorch's convention).
// Statistics are accumulated in one pass, about a shift, in float64 across samples. It panics with one value per channel (n*s = 1).
func BatchNormForward(out, mean, rstd, in, gamma, beta, runMean, runVar []float32, n, c, s int, momentum, eps float32) {
	const op = "BatchNorm forward (training)"
	bnDims(op, n, c, s)
	if n*s < 2 {
		panic(fmt.Sprintf("nn: %s: batch statistics need at least 2 values per channel, have n=%d x %d", op, n, s))
	}
	checkLen(op, "input", in, n*c*s)
	checkLen(op, "output", out, n*c*s)
	checkLen(op, "mean", mean, c)
	checkLen(op, "rstd", rstd, c)
	checkLen(op, "gamma", gamma, c)
	checkLen(op, "beta", beta, c)
	if runMean != nil {
		checkLen(op, "running mean", runMean, c)
		checkLen(op, "running var", runVar, c)
	}
	m := float64(n * s)
	parallelFor(c, func(_, lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			// One pass: sums of d and d^2 for d = x - x0, shifted by one of the channel's
			// values so that the variance does not cancel away; float64 across samples.
			x0 := in[ch*s]
			var s1, s2 float64
			for i := 0; i < n; i++ {
				a, b := sumSq(in[(i*c+ch)*s:(i*c+ch+1)*s], x0)
				s1 += float64(a)
				s2 += float64(b)
			}
			mu := float64(x0) + s1/m
			ss := max(s2-s1*s1/m, 0) // sum of squared deviations from the mean
			v := ss / m
			r := 1 / math.Sqrt(v+float64(eps))
			mean[ch], rstd[ch] = float32(mu), float32(r)
			if runMean != nil {
				runMean[ch] = (1-momentum)*runMean[ch] + momentum*float32(mu)
				runVar[ch] = (1-momentum)*runVar[ch] + momentum*float32(ss/(m-1))
			}
			scale := gamma[ch] * float32(r)
			shift := beta[ch] - float32(mu)*scale
			for i := 0; i < n; i++ {
				affine(out[(i*c+ch)*s:(i*c+ch+1)*s], in[(i*c+ch)*s:(i*c+ch+1)*s], scale, shift)
			}
		}
	})
}

// BatchNormBackward is the training-mode backward of BatchNormForward (the batch
// statistics depend on the input). mean and rstd are what the forward wrote. dIn is
// overwritten (nil skips it); dGamma and dBeta accumulate (both nil skip them).
func BatchNormBackward(dIn, dGamma, dBeta, dOut, in, mean, rstd, gamma []float32, n, c, s int) {
	const op = "BatchNorm backward (training)"
	bnDims(op, n, c, s)
	checkLen(op, "input", in, n*c*s)
	checkLen(op, "output gradient", dOut, n*c*s)
	checkLen(op, "mean", mean, c)
	checkLen(op, "rstd", rstd, c)
	checkLen(op, "gamma", gamma, c)
	if dGamma != nil || dBeta != nil {
		checkLen(op, "gamma gradient", dGamma, c)
		checkLen(op, "beta gradient", dBeta, c)
	}
	if dIn != nil {
		checkLen(op, "input gradient", dIn, n*c*s)
	}
	m := float32(n * s)
	parallelFor(c, func(_, lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			mu, r := mean[ch], rstd[ch]
			// sum(dy) and sum(dy * xhat) over the channel.
			var sdy, sdyx float64
			for i := 0; i < n; i++ {
				a, b := dotCentered(dOut[(i*c+ch)*s:(i*c+ch+1)*s], in[(i*c+ch)*s:(i*c+ch+1)*s], mu)
				sdy += float64(a)
				sdyx += float64(b) * float64(r)
			}
			if dGamma != nil {
				dBeta[ch] += float32(sdy)
				dGamma[ch] += float32(sdyx)
			}
			if dIn == nil {
				continue
			}
			// dx = gamma*rstd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat))
			g := gamma[ch] * r
			k1 := float32(sdy) / m
			k2 := float32(sdyx) / m * r
			for i := 0; i < n; i++ {
				di := dIn[(i*c+ch)*s : (i*c+ch+1)*s]
				dy := dOut[(i*c+ch)*s : (i*c+ch+1)*s]
				x := in[(i*c+ch)*s : (i*c+ch+1)*s]
				bnBack(di, dy, x, g, k1, mu, k2)
			}
		}
	})
}

// BatchNormInferForward normalises with the running statistics, as in inference:
// out = gamma*(in - runMean)/sqrt(runVar + eps) + beta.
func BatchNormInferForward(out, in, gamma, beta, runMean, runVar []float32, n, c, s int, eps float32) {
	const op = "BatchNorm forward (inference)"
	bnDims(op, n, c, s)
	checkBNInfer(op, in, gamma, runMean, runVar, n, c, s)
	checkLen(op, "beta", beta, c)
	checkLen(op, "output", out, n*c*s)
	for ch := 0; ch < c; ch++ {
		scale := gamma[ch] / float32(math.Sqrt(float64(runVar[ch])+float64(eps)))
		shift := beta[ch] - runMean[ch]*scale
		for i := 0; i < n; i++ {
			affine(out[(i*c+ch)*s:(i*c+ch+1)*s], in[(i*c+ch)*s:(i*c+ch+1)*s], scale, shift)
		}
	}
}

// BatchNormInferBackward is the backward of BatchNormInferForward (running statistics
// are constants): dIn = dOut*gamma/sqrt(runVar+eps) (overwritten; nil skips it), and
// dGamma, dBeta accumulate (both nil skip them).
func BatchNormInferBackward(dIn, dGamma, dBeta, dOut, in, gamma, runMean, runVar []float32, n, c, s int, eps float32) {
	const op = "BatchNorm backward (inference)"
	bnDims(op, n, c, s)
	checkBNInfer(op, in, gamma, runMean, runVar, n, c, s)
	checkLen(op, "output gradient", dOut, n*c*s)
	params := dGamma != nil || dBeta != nil
	if params {
		checkLen(op, "gamma gradient", dGamma, c)
		checkLen(op, "beta gradient", dBeta, c)
	}
	if dIn != nil {
		checkLen(op, "input gradient", dIn, n*c*s)
	}
	for ch := 0; ch < c; ch++ {
		r := float32(1 / math.Sqrt(float64(runVar[ch])+float64(eps)))
		var sdy, sdyx float64
		for i := 0; i < n; i++ {
			if params {
				a, b := dotCentered(dOut[(i*c+ch)*s:(i*c+ch+1)*s], in[(i*c+ch)*s:(i*c+ch+1)*s], runMean[ch])
				sdy += float64(a)
				sdyx += float64(b)
			}
			if dIn != nil {
				affine(dIn[(i*c+ch)*s:(i*c+ch+1)*s], dOut[(i*c+ch)*s:(i*c+ch+1)*s], gamma[ch]*r, 0)
			}
		}
		if params {
			dBeta[ch] += float32(sdy)
			dGamma[ch] += float32(sdyx) * r
		}
	}
}

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

func checkBNInfer(op string, in, gamma, runMean, runVar []float32, n, c, s int) {
	checkLen(op, "input", in, n*c*s)
	checkLen(op, "gamma", gamma, c)
	checkLen(op, "running mean", runMean, c)
	checkLen(op, "running var", runVar, c)
}
