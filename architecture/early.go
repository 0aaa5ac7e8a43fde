package architecture

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/schema"
)

// EarlySize is the side the early variant reduces each image to (by area averaging;
// smaller images are kept as they are).
const EarlySize = 14

// EarlyHidden are the widths of the early variant's hidden layers.
var EarlyHidden = []int{128, 64}

// early is the early variant: reduced images and tabular values, standardised, into one MLP.
type early struct {
	s         schema.Schema
	side      []int // per image input, its reduced side
	resamp    []*ctimage.Resampler
	mean, inv []float32 // per input feature: the training mean and 1/SD
	net       *mlp
	blocks    []importance.Modality
	head      *mlpHead
}

func newEarly(s schema.Schema) (*early, error) {
	e := &early{s: s}
	var widths []int
	for _, im := range s.Images {
		side := min(im.Size, EarlySize)
		r, err := ctimage.NewResampler(im.Size, im.Size, side, side)
		if err != nil {
			return nil, err
		}
		e.side, e.resamp = append(e.side, side), append(e.resamp, r)
		widths = append(widths, im.Channels*side*side)
	}
	for _, g := range s.Groups {
		widths = append(widths, g.Width())
	}
	e.blocks = blocksOf(s, widths)
	return e, nil
}

func (e *early) dim() int { return e.blocks[len(e.blocks)-1].End }

// features returns the unstandardised input vectors of d's cases (N x dim): each image
// reduced and flattened, then the tabular values.
func (e *early) features(d fusion.Dataset) ([]float32, error) {
	imgs := d.Images()
	if len(imgs) != len(e.s.Images) {
		return nil, fmt.Errorf("architecture: early: %d image inputs, the schema has %d", len(imgs), len(e.s.Images))
	}
	tw := e.s.TabularWidth()
	if len(d.Clinical) != d.N*tw {
		return nil, fmt.Errorf("architecture: early: %d tabular values, want N x %d = %d", len(d.Clinical), tw, d.N*tw)
	}
	dim := e.dim()
	x := make([]float32, d.N*dim)
	for k, im := range e.s.Images {
		px, side, at := im.Pixels(), e.side[k], e.blocks[k].Start
		if len(imgs[k]) != d.N*px {
			return nil, fmt.Errorf("architecture: early: %d %s pixel values, want N x %d = %d", len(imgs[k]), im.Name, px, d.N*px)
		}
		plane, out := im.Size*im.Size, side*side
		for i := range d.N {
			for c := range im.Channels {
				src := imgs[k][i*px+c*plane : i*px+(c+1)*plane]
				e.resamp[k].Resample(x[i*dim+at+c*out:i*dim+at+(c+1)*out], src)
			}
		}
	}
	at := dim - tw
	for i := range d.N {
		copy(x[i*dim+at:(i+1)*dim], d.Clinical[i*tw:(i+1)*tw])
	}
	return x, nil
}

// fitStandardiser sets the per-feature means and inverse SDs from the n rows of x.
func (e *early) fitStandardiser(x []float32, n int) {
	dim := e.dim()
	mean, sd := importance.ColumnMean(x, n, dim), importance.ColumnSD(x, n, dim)
	e.mean, e.inv = make([]float32, dim), make([]float32, dim)
	for j := range dim {
		e.mean[j] = float32(mean[j])
		e.inv[j] = 1
		if sd[j] > 1e-6 {
			e.inv[j] = float32(1 / sd[j])
		}
	}
}

func (e *early) standardise(x []float32) {
	dim := e.dim()
	for i := 0; i < len(x); i += dim {
		for j := range dim {
			x[i+j] = (x[i+j] - e.mean[j]) * e.inv[j]
		}
	}
}

func trainEarly(ctx context.Context, s schema.Schema, train fusion.Dataset, o TrainOptions) (*early, error) {
	e, err := newEarly(s)
	if err != nil {
		return nil, err
	}
	x, err := e.features(train)
	if err != nil {
		return nil, err
	}
	e.fitStandardiser(x, train.N)
	e.standardise(x)
	e.net = newMLP(e.dim(), EarlyHidden, len(s.Classes), 256, o.Seed)
	if err := e.net.train(ctx, x, train.Labels, train.N, o.mlpOptions(o.Seed)); err != nil {
		return nil, fmt.Errorf("architecture: early: %w", err)
	}
	e.head = &mlpHead{net: e.net, class: 1}
	return e, nil
}

func (e *early) Name() string                  { return Early }
func (e *early) Blocks() []importance.Modality { return slices.Clone(e.blocks) }
func (e *early) Head() importance.Head         { return e.head }
func (e *early) FusionLayer() bool             { return false }

func (e *early) Represent(d fusion.Dataset) ([]float32, error) {
	x, err := e.features(d)
	if err != nil {
		return nil, err
	}
	e.standardise(x)
	return x, nil
}

func (e *early) Probs(d fusion.Dataset) ([]float32, error) {
	_, p, err := e.representProbs(d)
	return p, err
}

// representProbs returns Represent's standardised inputs and the MLP's class
// probabilities of them.
func (e *early) representProbs(d fusion.Dataset) (x, probs []float32, err error) {
	if x, err = e.Represent(d); err != nil {
		return nil, nil, err
	}
	return x, expAll(e.net.logProbs(x, d.N)), nil
}

// expAll replaces every log-probability by its probability.
func expAll(v []float32) []float32 {
	for i, x := range v {
		v[i] = float32(math.Exp(float64(x)))
	}
	return v
}

// mlpHead is an MLP as an importance.Head: p(class) of its input rows.
type mlpHead struct {
	net   *mlp
	class int
}

func (h *mlpHead) Dim() int                                { return h.net.in }
func (h *mlpHead) Prob(z []float32, n int, p []float32)    { h.net.prob(h.class, z, n, p, nil) }
func (h *mlpHead) Grad(z []float32, n int, p, g []float32) { h.net.prob(h.class, z, n, p, g) }
