package architecture

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/schema"
)

// LateHidden are the widths of the hidden layers of the late variant's model of a tabular
// group; an image's model is a one-image fusion.Net with the paper's encoder and head.
var LateHidden = []int{32, 16}

// Settings of the late variant's combination, fitted by full-batch Adam on the
// validation cases.
const (
	combineSteps = 300
	combineLR    = 0.05
)

// late is the late variant: one model per modality, combined.
type late struct {
	s       schema.Schema
	k       int
	images  []*fusion.Net // per image input
	groups  []*mlp        // per tabular group
	tab     [][2]int      // each group's columns of the tabular vector
	blocks  []importance.Modality
	combine *combiner
	epochs  []int       // epochs each image model trained
	curves  [][]float64 // each image model's validation accuracy after each epoch
}

func (l *late) epochsRun() []int       { return slices.Clone(l.epochs) }
func (l *late) valCurves() [][]float64 { return l.curves }

func trainLate(ctx context.Context, s schema.Schema, train, val fusion.Dataset, o TrainOptions) (*late, error) {
	k := len(s.Classes)
	l := &late{s: s, k: k, tab: tabularBlocks(s)}
	widths := make([]int, len(s.Modalities()))
	for i := range widths {
		widths[i] = k
	}
	l.blocks = blocksOf(s, widths)
	for j, im := range s.Images {
		one := schema.Schema{Images: []schema.Image{im}, Classes: s.Classes}
		cfg, err := fusion.NewConfig(one, "shared", fusion.PaperConv, fusion.PaperDense, headWidths(k))
		if err != nil {
			return nil, err
		}
		net, err := fusion.NewNet(cfg, 256, o.Seed+uint64(j))
		if err != nil {
			return nil, err
		}
		res, err := fusion.Train(ctx, net, imageOnly(train, j), imageOnly(val, j), o.fusionOptions(o.Seed+uint64(j), train.N))
		if err != nil {
			return nil, fmt.Errorf("architecture: late: %s: %w", im.Name, err)
		}
		l.images = append(l.images, net)
		l.epochs, l.curves = append(l.epochs, len(res.Epochs)), append(l.curves, valCurve(res))
	}
	for g, cols := range l.tab {
		seed := o.Seed + uint64(len(s.Images)+g)
		m := newMLP(cols[1]-cols[0], LateHidden, k, 256, seed)
		x := columns(train.Clinical, train.N, s.TabularWidth(), cols)
		if err := m.train(ctx, x, train.Labels, train.N, o.mlpOptions(seed)); err != nil {
			return nil, fmt.Errorf("architecture: late: %s: %w", s.Groups[g].Name, err)
		}
		l.groups = append(l.groups, m)
	}
	r, err := l.Represent(val)
	if err != nil {
		return nil, err
	}
	l.combine = newCombiner(len(l.blocks), k)
	l.combine.fit(r, val.Labels, val.N)
	return l, nil
}

// imageOnly returns the cases of d with only image input j and no tabular values.
func imageOnly(d fusion.Dataset, j int) fusion.Dataset {
	return fusion.Dataset{N: d.N, Inputs: [][]float32{d.Images()[j]}, Clinical: []float32{}, Labels: d.Labels}
}

// columns returns columns [c0, c1) of the n x w matrix x.
func columns(x []float32, n, w int, c [2]int) []float32 {
	out := make([]float32, 0, n*(c[1]-c[0]))
	for i := range n {
		out = append(out, x[i*w+c[0]:i*w+c[1]]...)
	}
	return out
}

func (l *late) Name() string                  { return Late }
func (l *late) Blocks() []importance.Modality { return append([]importance.Modality(nil), l.blocks...) }
func (l *late) Head() importance.Head         { return &combinerHead{c: l.combine, class: 1} }
func (l *late) FusionLayer() bool             { return false }

// Represent returns each modality model's class log-probabilities, side by side.
func (l *late) Represent(d fusion.Dataset) ([]float32, error) {
	imgs := d.Images()
	if len(imgs) != len(l.images) {
		return nil, fmt.Errorf("architecture: late: %d image inputs, the schema has %d", len(imgs), len(l.images))
	}
	tw := l.s.TabularWidth()
	if len(d.Clinical) != d.N*tw {
		return nil, fmt.Errorf("architecture: late: %d tabular values, want N x %d = %d", len(d.Clinical), tw, d.N*tw)
	}
	dim := len(l.blocks) * l.k
	r := make([]float32, d.N*dim)
	put := func(m int, logp []float32) {
		for i := range d.N {
			copy(r[i*dim+m*l.k:i*dim+(m+1)*l.k], logp[i*l.k:(i+1)*l.k])
		}
	}
	for j, net := range l.images {
		_, p, err := net.EmbedFolded(imageOnly(d, j), evalBatch)
		if err != nil {
			return nil, err
		}
		for i, v := range p {
			p[i] = float32(math.Log(max(float64(v), 1e-15)))
		}
		put(j, p)
	}
	for g, m := range l.groups {
		put(len(l.images)+g, m.logProbs(columns(d.Clinical, d.N, tw, l.tab[g]), d.N))
	}
	return r, nil
}

func (l *late) Probs(d fusion.Dataset) ([]float32, error) {
	_, p, err := l.representProbs(d)
	return p, err
}

// representProbs returns Represent's representation and the combined class
// probabilities from it.
func (l *late) representProbs(d fusion.Dataset) (r, probs []float32, err error) {
	if r, err = l.Represent(d); err != nil {
		return nil, nil, err
	}
	p := make([]float64, d.N*l.k)
	l.combine.probs(r, d.N, p)
	probs = make([]float32, len(p))
	for i, v := range p {
		probs[i] = float32(v)
	}
	return r, probs, nil
}

// combiner is the late variant's learned weighting of M modalities' class
// log-probabilities r (M x K per case): class scores s_k = b_k + sum_m w_m r[m][k], then
// softmax.
type combiner struct {
	m, k int
	w, b *nn.Param
}

// newCombiner starts at w = 1, b = 0: the product of the modality models' predictions.
func newCombiner(m, k int) *combiner {
	c := &combiner{m: m, k: k, w: nn.NewParam("w", m), b: nn.NewParam("b", k)}
	for i := range c.w.W {
		c.w.W[i] = 1
	}
	return c
}

// probs sets p (n x K) to the class probabilities of the n rows of r.
func (c *combiner) probs(r []float32, n int, p []float64) {
	dim := c.m * c.k
	for i := range n {
		row, out := r[i*dim:(i+1)*dim], p[i*c.k:(i+1)*c.k]
		top := math.Inf(-1)
		for k := range c.k {
			s := float64(c.b.W[k])
			for m := range c.m {
				s += float64(c.w.W[m]) * float64(row[m*c.k+k])
			}
			out[k] = s
			top = max(top, s)
		}
		var sum float64
		for k := range out {
			out[k] = math.Exp(out[k] - top)
			sum += out[k]
		}
		for k := range out {
			out[k] /= sum
		}
	}
}

// loss returns the mean NLL of the n rows of r with labels y and sets the gradients of w
// and b.
func (c *combiner) loss(r []float32, y []int, n int, p []float64) float64 {
	c.probs(r, n, p)
	clear(c.w.G)
	clear(c.b.G)
	dim := c.m * c.k
	var l float64
	for i := range n {
		l -= math.Log(max(p[i*c.k+y[i]], 1e-300))
		for k := range c.k {
			d := p[i*c.k+k] // dL/ds_k = p_k - [k = y]
			if k == y[i] {
				d--
			}
			d /= float64(n)
			c.b.G[k] += float32(d)
			for m := range c.m {
				c.w.G[m] += float32(d * float64(r[i*dim+m*c.k+k]))
			}
		}
	}
	return l / float64(n)
}

// fit minimises the loss on the n rows of r by full-batch Adam.
func (c *combiner) fit(r []float32, y []int, n int) {
	opt := nn.NewAdam([]*nn.Param{c.w, c.b}, combineLR)
	p := make([]float64, n*c.k)
	for range combineSteps {
		c.loss(r, y, n, p)
		opt.Step()
	}
}

// combinerHead is the combination as an importance.Head: p(class) of representations.
type combinerHead struct {
	c     *combiner
	class int
	p     []float64
}

func (h *combinerHead) Dim() int { return h.c.m * h.c.k }

func (h *combinerHead) Prob(z []float32, n int, p []float32) { h.Grad(z, n, p, nil) }

// Grad: dp_c/dr[m][k] = w_m p_c ([k = c] - p_k).
func (h *combinerHead) Grad(z []float32, n int, p, g []float32) {
	k, dim := h.c.k, h.Dim()
	if len(h.p) < n*k {
		h.p = make([]float64, n*k)
	}
	h.c.probs(z, n, h.p)
	for i := range n {
		q := h.p[i*k : (i+1)*k]
		p[i] = float32(q[h.class])
		if g == nil {
			continue
		}
		for m := range h.c.m {
			for j := range k {
				d := -q[j]
				if j == h.class {
					d++
				}
				g[i*dim+m*k+j] = float32(float64(h.c.w.W[m]) * q[h.class] * d)
			}
		}
	}
}
