package architecture

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// Names of the modality methods.
const (
	Permutation = "permutation"
	Occlusion   = "occlusion"
	Shapley     = "shapley"
	Gradient    = "gradient" // the paper's, at the fusion layer; hybrid and separate only
)

// MethodOptions set up Measure.
type MethodOptions struct {
	Seed uint64
	// Repeats is the number of permutations per modality (0: 5).
	Repeats int
	// Cases and Background bound exact Shapley: the cases explained and the background
	// cases standing for an absent modality (0: importance's defaults, all and 50).
	Cases, Background int
}

// permutationStream separates the permutations from the seed's other uses.
const permutationStream = 0x7065726d75746521 // "permute!"

// Measure returns the modality importance of m on the labelled cases d by each method
// (normalised shares in Blocks order): permutation, occlusion and exact Shapley over
// modalities for every variant, and the paper's gradient for those with a fusion layer.
// Importances are of p(class 1).
func Measure(m Model, d fusion.Dataset, o MethodOptions) (map[string][]float64, error) {
	if d.N < 2 {
		return nil, fmt.Errorf("architecture: measure: %d cases, want at least 2", d.N)
	}
	rep, err := m.Represent(d)
	if err != nil {
		return nil, err
	}
	return measure(m, d, rep, o)
}

// measure is Measure with m's representation rep of the cases of d already made.
func measure(m Model, d fusion.Dataset, rep []float32, o MethodOptions) (map[string][]float64, error) {
	if d.N < 2 {
		return nil, fmt.Errorf("architecture: measure: %d cases, want at least 2", d.N)
	}
	var err error
	h, blocks := m.Head(), m.Blocks()
	c := importance.Cohort{Z: rep, N: d.N, Labels: binaryLabels(d.Labels)}
	out := map[string][]float64{}
	if out[Permutation], err = permutation(h, blocks, c, o); err != nil {
		return nil, err
	}
	mean, err := meanCase(d)
	if err != nil {
		return nil, err
	}
	mrep, err := m.Represent(mean)
	if err != nil {
		return nil, err
	}
	out[Occlusion] = occlusion(h, blocks, c, mrep)
	io := importance.Options{Seed: o.Seed, Cases: o.Cases, Background: o.Background}
	imp, err := importance.Shapley(h, blocks, c, io)
	if err != nil {
		return nil, err
	}
	out[Shapley] = imp.Modalities
	if m.FusionLayer() {
		imp, err := importance.Gradient(h, blocks, c, io)
		if err != nil {
			return nil, err
		}
		out[Gradient] = imp.Modalities
	}
	return out, nil
}

// binaryLabels returns labels as the 0/1 labels of class 1 against the rest.
func binaryLabels(y []int) []int {
	out := make([]int, len(y))
	for i, v := range y {
		if v == 1 {
			out[i] = 1
		}
	}
	return out
}

// permutation scores each modality by the increase in log-loss of p(class 1) when its
// block is shuffled across the cases (the same Repeats permutations for every modality),
// clipped at 0 and normalised: importance.Permutation's modality scores. It is written
// here because importance.Permutation also scores every single feature of the
// representation, hundreds of them for the early variant, which would cost a head pass
// over the cohort per feature and repeat.
func permutation(h importance.Head, blocks []importance.Modality, c importance.Cohort, o MethodOptions) ([]float64, error) {
	if err := importance.CheckModalities(blocks, h.Dim()); err != nil {
		return nil, err
	}
	repeats := o.Repeats
	if repeats <= 0 {
		repeats = 5
	}
	dim := h.Dim()
	rng := rand.New(rand.NewPCG(o.Seed, permutationStream))
	perms := make([][]int, repeats)
	for r := range perms {
		perms[r] = rng.Perm(c.N)
	}
	p0, pw := make([]float32, c.N), make([]float32, c.N)
	h.Prob(c.Z, c.N, p0)
	loss0 := logLoss(p0, c.Labels)
	work := append([]float32(nil), c.Z...)
	score := make([]float64, len(blocks))
	for k, b := range blocks {
		for _, perm := range perms {
			for i, src := range perm {
				copy(work[i*dim+b.Start:i*dim+b.End], c.Z[src*dim+b.Start:src*dim+b.End])
			}
			h.Prob(work, c.N, pw)
			score[k] += logLoss(pw, c.Labels) - loss0
		}
		for i := range c.N {
			copy(work[i*dim+b.Start:i*dim+b.End], c.Z[i*dim+b.Start:i*dim+b.End])
		}
		score[k] = math.Max(0, score[k]/float64(repeats))
	}
	return importance.Normalize(score), nil
}

// logLoss is the mean binary log-loss of p against y, each p clamped away from 0 and 1.
func logLoss(p []float32, y []int) float64 {
	const eps = 1e-7
	var s float64
	for i, v := range p {
		q := math.Min(math.Max(float64(v), eps), 1-eps)
		if y[i] == 1 {
			s -= math.Log(q)
		} else {
			s -= math.Log(1 - q)
		}
	}
	return s / float64(len(p))
}

// occlusion scores each modality by the mean |change in p(class 1)| when its inputs are
// replaced by their cohort mean in every case, that is, when its block is replaced by
// mean, the representation of the mean inputs; normalised.
func occlusion(h importance.Head, blocks []importance.Modality, c importance.Cohort, mean []float32) []float64 {
	dim := h.Dim()
	p0, pw := make([]float32, c.N), make([]float32, c.N)
	h.Prob(c.Z, c.N, p0)
	work := append([]float32(nil), c.Z...)
	score := make([]float64, len(blocks))
	for k, b := range blocks {
		for i := range c.N {
			copy(work[i*dim+b.Start:i*dim+b.End], mean[b.Start:b.End])
		}
		h.Prob(work, c.N, pw)
		for i := range c.N {
			score[k] += math.Abs(float64(pw[i]) - float64(p0[i]))
			copy(work[i*dim+b.Start:i*dim+b.End], c.Z[i*dim+b.Start:i*dim+b.End])
		}
		score[k] /= float64(c.N)
	}
	return importance.Normalize(score)
}

// meanCase returns one case whose every input (each pixel, each tabular value) is the
// mean over the cases of d, with label 0.
func meanCase(d fusion.Dataset) (fusion.Dataset, error) {
	if d.N < 1 {
		return fusion.Dataset{}, fmt.Errorf("architecture: mean case of no cases")
	}
	avg := func(v []float32) []float32 {
		w := len(v) / d.N
		out := make([]float32, w)
		for j, m := range importance.ColumnMean(v, d.N, w) {
			out[j] = float32(m)
		}
		return out
	}
	mc := fusion.Dataset{N: 1, Clinical: avg(d.Clinical), Labels: []int{0}}
	for _, img := range d.Images() {
		mc.Inputs = append(mc.Inputs, avg(img))
	}
	return mc, nil
}

// Interact returns the pairwise Shapley interaction indices of the modalities (in
// log-odds, importance.Interaction) of a variant with a fusion layer on the cases of d.
func Interact(m Model, d fusion.Dataset, o MethodOptions) (importance.Interactions, error) {
	if !m.FusionLayer() {
		return importance.Interactions{}, fmt.Errorf("architecture: %s has no fusion layer to estimate interactions at", m.Name())
	}
	rep, err := m.Represent(d)
	if err != nil {
		return importance.Interactions{}, err
	}
	return interact(m, d, rep, o)
}

// interact is Interact with m's representation rep of the cases of d already made.
func interact(m Model, d fusion.Dataset, rep []float32, o MethodOptions) (importance.Interactions, error) {
	c := importance.Cohort{Z: rep, N: d.N, Labels: binaryLabels(d.Labels)}
	return importance.Interaction(m.Head(), m.Blocks(), c, importance.Options{Seed: o.Seed, Cases: o.Cases, Background: o.Background})
}
