package fusion

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DefaultSparsityGrid is the strengths SelectInputSparsity tries by default, besides 0:
// the relaxed sparsity's 6 and half of it.
var DefaultSparsityGrid = []float32{3, 6}

// DefaultSparsityTolerance is the validation accuracy SelectInputSparsity lets a penalty
// lose against the network trained without it: half a percentage point.
const DefaultSparsityTolerance = 0.005

// SparsityTrial is one strength SelectInputSparsity trained with.
type SparsityTrial struct {
	Strength    float32 `json:"strength"`     // TrainOptions.InputSparsity
	ValAccuracy float64 `json:"val_accuracy"` // of the trained network's last epoch
	ValLogLoss  float64 `json:"val_log_loss"`
	Epochs      int     `json:"epochs"` // epochs run, refit included
	Cut         int     `json:"cut"`    // fusion features the head no longer reads
}

// SparsityChoice says which input-sparsity strength SelectInputSparsity chose, and why.
type SparsityChoice struct {
	Chosen    float32         `json:"chosen"`    // the strength of the network returned
	Tolerance float64         `json:"tolerance"` // the validation accuracy a penalty may lose
	Trials    []SparsityTrial `json:"trials"`    // in the order trained: 0 first, then strongest first
}

// SelectInputSparsity chooses the strength of the input-sparsity penalty on the validation
// split. It trains a network without the penalty (o with InputSparsity and RefitEpochs 0),
// then one per strength of grid from the strongest down (o with that InputSparsity and
// o.RefitEpochs), each from newNet's initial weights, and returns the first whose last
// validation accuracy is at least the unpenalised network's minus tol: the sparsest
// network that loses no more than tol of validation accuracy. When none qualifies it
// returns the unpenalised network, the paper's training. Training stops at the first
// strength that qualifies, so the weaker ones are not trained then.
//
// newNet must return a fresh network with the same initial weights each call (NewNet with
// one seed does). Like Train, the same inputs give the same choice and weights on the same
// machine and GOMAXPROCS. The result's TrainResult is the returned network's.
func SelectInputSparsity(ctx context.Context, newNet func() (*Net, error), train, val Dataset, o TrainOptions, grid []float32, tol float64) (*Net, TrainResult, SparsityChoice, error) {
	choice := SparsityChoice{Tolerance: tol}
	switch {
	case val.N == 0:
		return nil, TrainResult{}, choice, fmt.Errorf("fusion: select input sparsity: no validation cases to choose on")
	case !(tol >= 0) || tol >= 1:
		return nil, TrainResult{}, choice, fmt.Errorf("fusion: select input sparsity: tolerance %v, want 0 <= tolerance < 1", tol)
	case len(grid) == 0:
		return nil, TrainResult{}, choice, fmt.Errorf("fusion: select input sparsity: no strengths to try")
	}
	for i, s := range grid {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return nil, TrainResult{}, choice, fmt.Errorf("fusion: select input sparsity: strength %d is %v, want a number > 0", i+1, s)
		}
	}
	strengths := slices.Clone(grid)
	slices.Sort(strengths)
	strengths = slices.Compact(strengths)
	slices.Reverse(strengths)

	fit := func(strength float32) (*Net, TrainResult, error) {
		m, err := newNet()
		if err != nil {
			return nil, TrainResult{}, err
		}
		to := o
		to.InputSparsity, to.RefitEpochs = strength, 0
		if strength > 0 {
			to.RefitEpochs = o.RefitEpochs
		}
		res, err := Train(ctx, m, train, val, to)
		if err != nil {
			return nil, res, fmt.Errorf("input sparsity %v: %w", strength, err)
		}
		last := res.Epochs[len(res.Epochs)-1].Val
		first := m.s.headInput()
		cut := 0
		for _, z := range zeroColumns(first.Weight.W, first.Out, first.In) {
			if z {
				cut++
			}
		}
		choice.Trials = append(choice.Trials, SparsityTrial{Strength: strength, ValAccuracy: last.Accuracy,
			ValLogLoss: last.LogLoss, Epochs: len(res.Epochs), Cut: cut})
		return m, res, nil
	}

	dense, denseRes, err := fit(0)
	if err != nil {
		return nil, denseRes, choice, err
	}
	floor := choice.Trials[0].ValAccuracy - tol - 1e-9 // a loss of exactly tol qualifies
	for _, s := range strengths {
		m, res, err := fit(s)
		if err != nil {
			return nil, res, choice, err
		}
		if choice.Trials[len(choice.Trials)-1].ValAccuracy >= floor {
			choice.Chosen = s
			return m, res, choice, nil
		}
	}
	return dense, denseRes, choice, nil
}

// ParseSparsityGrid reads a comma-separated list of input-sparsity strengths, such as
// "3,6", for SelectInputSparsity: each a finite number above 0, at most MaxSparsityGrid of
// them. It never panics.
func ParseSparsityGrid(s string) ([]float32, error) {
	var out []float32
	for i, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if i >= MaxSparsityGrid {
			return nil, fmt.Errorf("fusion: sparsity grid %q: more than %d strengths", s, MaxSparsityGrid)
		}
		v, err := strconv.ParseFloat(f, 32)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("fusion: sparsity grid: strength %d is %q, want a number > 0", i+1, f)
		}
		out = append(out, float32(v))
	}
	return out, nil
}

// MaxSparsityGrid bounds the strengths ParseSparsityGrid reads (each costs a training).
const MaxSparsityGrid = 16
