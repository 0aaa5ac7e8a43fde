package nn

import (
	"fmt"
	"math"
)

func checkTargets(op string, targets []int, n, c int) {
	if len(targets) < n {
		panic(fmt.Sprintf("nn: %s: %d targets for a batch of %d", op, len(targets), n))
	}
	for i, t := range targets[:n] {
		if t < 0 || t >= c {
			panic(fmt.Sprintf("nn: %s: target %d of sample %d is outside the %d classes", op, t, i, c))
		}
	}
}

// NLLLossForward returns the mean negative log-likelihood -1/n * sum logp[i][targets[i]]
// for n rows of c log-probabilities (LogSoftmaxForward's output).
func NLLLossForward(logp []float32, targets []int, n, c int) float32 {
	const op = "NLLLoss forward"
	if n <= 0 || c <= 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d classes %d", op, n, c))
	}
	checkLen(op, "log-probabilities", logp, n*c)
	checkTargets(op, targets, n, c)
	var s float64
	for i, t := range targets[:n] {
		s -= float64(logp[i*c+t])
	}
	return float32(s / float64(n))
}

// NLLLossBackward writes the gradient of NLLLossForward's mean loss: -1/n at each target,
// 0 elsewhere.
func NLLLossBackward(dLogp []float32, targets []int, n, c int) {
	const op = "NLLLoss backward"
	if n <= 0 || c <= 0 {
		panic(fmt.Sprintf("nn: %s: bad sizes n=%d classes %d", op, n, c))
	}
	checkLen(op, "gradient", dLogp, n*c)
	checkTargets(op, targets, n, c)
	clear(dLogp[:n*c])
	for i, t := range targets[:n] {
		dLogp[i*c+t] = -1 / float32(n)
	}
}

// BCEWithLogitsForward returns the mean binary cross-entropy of sigmoid(logits) against
// targets in [0, 1], computed stably: max(x,0) - x*y + log(1+exp(-|x|)).
func BCEWithLogitsForward(logits, targets []float32, n int) float32 {
	const op = "BCEWithLogits forward"
	if n <= 0 {
		panic(fmt.Sprintf("nn: %s: bad batch size %d", op, n))
	}
	checkLen(op, "logits", logits, n)
	checkLen(op, "targets", targets, n)
	var s float64
	for i, v := range logits[:n] {
		x, y := float64(v), float64(targets[i])
		s += math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return float32(s / float64(n))
}

// BCEWithLogitsBackward writes the gradient of the mean loss: (sigmoid(x) - y)/n.
func BCEWithLogitsBackward(dLogits, logits, targets []float32, n int) {
	const op = "BCEWithLogits backward"
	if n <= 0 {
		panic(fmt.Sprintf("nn: %s: bad batch size %d", op, n))
	}
	checkLen(op, "logits", logits, n)
	checkLen(op, "targets", targets, n)
	checkLen(op, "gradient", dLogits, n)
	for i, v := range logits[:n] {
		dLogits[i] = (sigmoid(v) - targets[i]) / float32(n)
	}
}
