package architecture

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/schema"
)

// Names of the variants, in the order a comparison lists them.
const (
	Early    = "early"
	Hybrid   = "hybrid"
	Separate = "separate"
	Late     = "late"
)

// Names returns every variant's name: early, hybrid, separate, late.
func Names() []string { return []string{Early, Hybrid, Separate, Late} }

// ParseNames reads a comma-separated list of variant names ("early,late"), checking each
// and refusing repeats; "" or "all" gives every variant.
func ParseNames(s string) ([]string, error) {
	if s == "" || s == "all" {
		return Names(), nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(Names(), f) {
			return nil, fmt.Errorf("architecture: unknown architecture %q (want some of %s)", f, strings.Join(Names(), ", "))
		}
		if slices.Contains(out, f) {
			return nil, fmt.Errorf("architecture: architecture %q named twice", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// Model is one trained variant. See the package documentation for its representation.
// A Model is not safe for concurrent use.
type Model interface {
	// Name is the variant's name (Early, Hybrid, Separate or Late).
	Name() string
	// Represent returns the representation of the cases of d, N x Head().Dim(): block m
	// (Blocks()[m]) is a function of modality m's inputs only.
	Represent(d fusion.Dataset) ([]float32, error)
	// Blocks are the modalities' blocks of the representation, named and ordered as the
	// schema's modalities (image inputs, then tabular groups).
	Blocks() []importance.Modality
	// Head maps representations to p(class 1).
	Head() importance.Head
	// Probs returns every class probability of the cases of d (N x classes).
	Probs(d fusion.Dataset) ([]float32, error)
	// FusionLayer reports whether the representation is a learned fusion layer, where
	// the paper's gradient applies (hybrid and separate).
	FusionLayer() bool
}

// TrainOptions set up the training of a variant.
type TrainOptions struct {
	// Epochs is the largest number of passes over the training cases of every network
	// the variant trains.
	Epochs int
	// Patience, when above 0, stops the training of each image network (the variants'
	// costly part) once its validation accuracy has not improved for this many epochs,
	// and keeps the weights of its best epoch (fusion.TrainOptions Patience and
	// KeepBest). 0 runs every epoch and keeps the last, so every variant sees the data
	// equally often. The MLPs (early, late's tabular models) cost little and always run
	// every epoch.
	Patience int
	// KeepBest keeps the weights of each image network's best epoch even with Patience
	// 0 (with Patience above 0 the best is always kept). The MLPs keep their last.
	KeepBest bool
	// SelectBy names the validation figure Patience and KeepBest go by (the zero value,
	// fusion.ByAccuracy: the highest accuracy; fusion.ByLogLoss: the lowest log-loss).
	SelectBy fusion.Selection
	// DecoupledWeightDecay is AdamW's decay of every network the variant trains: the
	// image networks' weight matrices and kernels (fusion.TrainOptions) and the MLPs'
	// weight matrices, each shrunk by LR*DecoupledWeightDecay after each Adam step. 0,
	// the paper's set-up, turns it off.
	DecoupledWeightDecay float32
	// InputSparsity and RefitEpochs are fusion.TrainOptions' group-lasso penalty on the
	// fusion head's inputs and the epochs after it without the penalty. They apply to the
	// variants with a fusion layer (hybrid and separate) only: early and late have no
	// fusion head. 0, the paper's set-up, turns them off.
	InputSparsity float32
	RefitEpochs   int
	// Seed seeds the initial weights and the shuffles.
	Seed uint64
}

// check returns an error naming the first option out of range.
func (o TrainOptions) check() error {
	switch {
	case o.Epochs < 1:
		return fmt.Errorf("architecture: %d epochs, want at least 1", o.Epochs)
	case o.Patience < 0:
		return fmt.Errorf("architecture: patience %d, want 0 (off) or more epochs", o.Patience)
	case o.SelectBy != fusion.ByAccuracy && o.SelectBy != fusion.ByLogLoss:
		return fmt.Errorf("architecture: selection %v, want accuracy or loss", o.SelectBy)
	case !(o.DecoupledWeightDecay >= 0) || math.IsInf(float64(o.DecoupledWeightDecay), 0):
		return fmt.Errorf("architecture: decoupled weight decay %v, want a number >= 0", o.DecoupledWeightDecay)
	case !(o.InputSparsity >= 0) || math.IsInf(float64(o.InputSparsity), 0):
		return fmt.Errorf("architecture: input sparsity %v, want a number >= 0", o.InputSparsity)
	case o.RefitEpochs < 0 || (o.RefitEpochs > 0 && o.InputSparsity == 0):
		return fmt.Errorf("architecture: %d refit epochs, want 0, or more with input sparsity > 0", o.RefitEpochs)
	}
	return nil
}

// Train trains the variant name on the cases of train (val is used by the late variant to
// learn its combination) for inputs described by s.
func Train(ctx context.Context, name string, s schema.Schema, train, val fusion.Dataset, o TrainOptions) (Model, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	if train.N < 2 || val.N < 1 {
		return nil, fmt.Errorf("architecture: %d training and %d validation cases, want at least 2 and 1", train.N, val.N)
	}
	switch name {
	case Early:
		return trainEarly(ctx, s, train, o)
	case Hybrid:
		return trainFused(ctx, Hybrid, "shared", s, train, val, o)
	case Separate:
		return trainFused(ctx, Separate, "separate", s, train, val, o)
	case Late:
		return trainLate(ctx, s, train, val, o)
	}
	return nil, fmt.Errorf("architecture: unknown architecture %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// blocksOf returns the modalities of s as consecutive blocks of the given widths.
func blocksOf(s schema.Schema, widths []int) []importance.Modality {
	names := s.Modalities()
	out := make([]importance.Modality, len(names))
	at := 0
	for i, n := range names {
		out[i] = importance.Modality{Name: n, Start: at, End: at + widths[i]}
		at += widths[i]
	}
	return out
}

// tabularBlocks returns each tabular group's [start, end) in the schema's tabular vector.
func tabularBlocks(s schema.Schema) [][2]int {
	out := make([][2]int, len(s.Groups))
	at := 0
	for g, grp := range s.Groups {
		out[g] = [2]int{at, at + grp.Width()}
		at += grp.Width()
	}
	return out
}

// headWidths is the paper's post-fusion head ending in k classes.
func headWidths(k int) []int {
	h := slices.Clone(fusion.PaperHead)
	h[len(h)-1] = k
	return h
}

// fused is the hybrid or separate variant: a fusion.Net.
type fused struct {
	name   string
	net    *fusion.Net
	head   *fusion.DenseHead
	blocks []importance.Modality
	epochs []int       // epochs the network trained
	curves [][]float64 // its validation accuracy after each epoch
}

func trainFused(ctx context.Context, name, encoders string, s schema.Schema, train, val fusion.Dataset, o TrainOptions) (*fused, error) {
	cfg, err := fusion.NewConfig(s, encoders, fusion.PaperConv, fusion.PaperDense, headWidths(len(s.Classes)))
	if err != nil {
		return nil, err
	}
	net, err := fusion.NewNet(cfg, 256, o.Seed)
	if err != nil {
		return nil, err
	}
	to := o.fusionOptions(o.Seed, train.N)
	to.InputSparsity, to.RefitEpochs = o.InputSparsity, o.RefitEpochs
	res, err := fusion.Train(ctx, net, train, val, to)
	if err != nil {
		return nil, fmt.Errorf("architecture: %s: %w", name, err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		return nil, err
	}
	var widths []int
	for _, m := range cfg.Modalities() {
		widths = append(widths, m.Width)
	}
	return &fused{name: name, net: net, head: head, blocks: blocksOf(s, widths), epochs: []int{len(res.Epochs)},
		curves: [][]float64{valCurve(res)}}, nil
}

// fusionOptions are the paper's training options for one image network of the variant:
// its epochs, shuffle seed, patience, kept epoch and decoupled decay, never stopping at a
// validation accuracy. The input sparsity is the caller's to add (fused variants only).
func (o TrainOptions) fusionOptions(seed uint64, n int) fusion.TrainOptions {
	to := fusion.DefaultTrainOptions()
	to.Epochs, to.Seed, to.StopAccuracy, to.Batch = o.Epochs, seed, 1, min(to.Batch, n)
	to.Patience, to.KeepBest, to.SelectBy = o.Patience, o.KeepBest || o.Patience > 0, o.SelectBy
	to.DecoupledWeightDecay = o.DecoupledWeightDecay
	return to
}

// mlpOptions are the training options of one MLP of the variant: the paper's Adam set-up
// for its epochs and seed, with the decoupled decay.
func (o TrainOptions) mlpOptions(seed uint64) trainOptions {
	to := defaultTrainOptions(o.Epochs, seed)
	to.DecoupledDecay = o.DecoupledWeightDecay
	return to
}

// EpochsRun returns how many epochs each image network of m trained (fewer than asked
// when TrainOptions.Patience stopped it), or nil when m has none (early).
func EpochsRun(m Model) []int {
	if e, ok := m.(interface{ epochsRun() []int }); ok {
		return e.epochsRun()
	}
	return nil
}

func (f *fused) Name() string                  { return f.name }
func (f *fused) Blocks() []importance.Modality { return slices.Clone(f.blocks) }
func (f *fused) Head() importance.Head         { return f.head }
func (f *fused) FusionLayer() bool             { return true }
func (f *fused) epochsRun() []int              { return slices.Clone(f.epochs) }
func (f *fused) valCurves() [][]float64        { return f.curves }

// valCurve returns the validation accuracy after each epoch of a training run.
func valCurve(res fusion.TrainResult) []float64 {
	out := make([]float64, len(res.Epochs))
	for i, e := range res.Epochs {
		out[i] = e.Val.Accuracy
	}
	return out
}

// ValAccuracy returns, for each image network of m (as EpochsRun), its validation
// accuracy after each epoch it trained, or nil when m has none (early).
func ValAccuracy(m Model) [][]float64 {
	if v, ok := m.(interface{ valCurves() [][]float64 }); ok {
		return v.valCurves()
	}
	return nil
}

// evalBatch is the batch of the inference passes over a variant's cases.
const evalBatch = 256

func (f *fused) Represent(d fusion.Dataset) ([]float32, error) {
	z, _, err := f.representProbs(d)
	return z, err
}

func (f *fused) Probs(d fusion.Dataset) ([]float32, error) {
	_, p, err := f.representProbs(d)
	return p, err
}

// representProbs runs the network once over the cases of d in inference mode, with its
// batch norms folded into the convolutions (fusion.Net.EmbedFolded).
func (f *fused) representProbs(d fusion.Dataset) (z, p []float32, err error) {
	return f.net.EmbedFolded(d, evalBatch)
}

// representProbs returns m's representation of the cases of d and every class
// probability (N x classes), from one pass over the inputs where m allows it.
func representProbs(m Model, d fusion.Dataset) (rep, probs []float32, err error) {
	if rp, ok := m.(interface {
		representProbs(fusion.Dataset) ([]float32, []float32, error)
	}); ok {
		return rp.representProbs(d)
	}
	if rep, err = m.Represent(d); err != nil {
		return nil, nil, err
	}
	if probs, err = m.Probs(d); err != nil {
		return nil, nil, err
	}
	return rep, probs, nil
}
