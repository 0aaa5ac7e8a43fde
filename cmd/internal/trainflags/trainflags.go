// Package trainflags holds the training options that cmd/train and cmd/validate both take
// as flags: input sparsity (fixed or chosen on the validation split), which epoch's
// weights to keep, and AdamW's decay. One registration and one check serve both commands,
// and cmd/compare, which trains its variants with them (its own -patience default aside).
package trainflags

import (
	"flag"
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/fusion"
)

// Flags are the shared training flags' values; the zero values are the paper's set-up.
type Flags struct {
	Sparsity       float64 // -input-sparsity: group-lasso strength on the head's inputs
	Refit          int     // -refit-epochs: epochs without the penalty after the sparse ones
	SelectSparsity string  // -select-sparsity: strengths to choose from, comma-separated
	Tolerance      float64 // -sparsity-tolerance: validation accuracy a penalty may lose
	KeepBest       bool    // -keep-best: keep the best epoch's weights, not the last's
	Patience       int     // -patience: epochs without improvement before stopping (0: off)
	SelectBy       string  // -select-by: accuracy or loss, for KeepBest and Patience
	DecoupledDecay float64 // -decoupled-weight-decay: AdamW's decay (0: off)
}

// Register defines the flags on fs, writing into f.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.Float64Var(&f.Sparsity, "input-sparsity", 0, "group-lasso strength on the head's inputs, which prunes fusion features the decision does not use (0: the paper's set-up)")
	fs.IntVar(&f.Refit, "refit-epochs", 0, "with -input-sparsity, epochs after the sparse ones without the penalty, the inputs it cut held at zero")
	fs.StringVar(&f.SelectSparsity, "select-sparsity", "", "choose the input-sparsity strength on the validation split from these (comma-separated, e.g. 3,6) and 0: the sparsest whose validation accuracy is within -sparsity-tolerance of the network trained without the penalty; trains up to one network per strength more")
	fs.Float64Var(&f.Tolerance, "sparsity-tolerance", fusion.DefaultSparsityTolerance, "with -select-sparsity, the validation accuracy a penalty may lose")
	fs.BoolVar(&f.KeepBest, "keep-best", false, "keep the weights of the epoch with the best validation figure (-select-by) instead of the last (the paper keeps the last)")
	fs.IntVar(&f.Patience, "patience", 0, "stop training once the validation figure (-select-by) has not improved for this many epochs (0: off)")
	fs.StringVar(&f.SelectBy, "select-by", "accuracy", "the validation figure -keep-best and -patience go by: accuracy (highest) or loss (lowest log-loss)")
	fs.Float64Var(&f.DecoupledDecay, "decoupled-weight-decay", 0, "AdamW's decoupled weight decay on the weight matrices and kernels, after each Adam step (0: off, the paper's set-up)")
}

// Check returns an error naming the first flag whose value is out of range or that
// conflicts with another.
func (f Flags) Check() error {
	switch {
	case !(f.Sparsity >= 0) || math.IsInf(f.Sparsity, 0):
		return fmt.Errorf("-input-sparsity %v: want a number >= 0", f.Sparsity)
	case f.SelectSparsity != "" && f.Sparsity != 0:
		return fmt.Errorf("give -input-sparsity or -select-sparsity, not both")
	case f.Refit < 0 || (f.Refit > 0 && f.Sparsity == 0 && f.SelectSparsity == ""):
		return fmt.Errorf("-refit-epochs %d: want 0, or more with -input-sparsity or -select-sparsity", f.Refit)
	case !(f.Tolerance >= 0 && f.Tolerance < 1):
		return fmt.Errorf("-sparsity-tolerance %v: want 0 <= tolerance < 1", f.Tolerance)
	case f.Patience < 0:
		return fmt.Errorf("-patience %d: want 0 (off) or more epochs", f.Patience)
	case !(f.DecoupledDecay >= 0) || math.IsInf(f.DecoupledDecay, 0):
		return fmt.Errorf("-decoupled-weight-decay %v: want a number >= 0", f.DecoupledDecay)
	}
	if f.SelectSparsity != "" {
		if _, err := fusion.ParseSparsityGrid(f.SelectSparsity); err != nil {
			return fmt.Errorf("-select-sparsity: %w", err)
		}
	}
	if _, err := fusion.ParseSelection(f.SelectBy); err != nil {
		return fmt.Errorf("-select-by: %w", err)
	}
	return nil
}

// Selection returns -select-by as a fusion.Selection (ByAccuracy for a value Check refuses).
func (f Flags) Selection() fusion.Selection {
	s, _ := fusion.ParseSelection(f.SelectBy)
	return s
}
