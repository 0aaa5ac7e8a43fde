package fusion_test

import (
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/nn"
)

// denseReference computes the head in float64 with plain loops: log-odds of row z.
func denseReference(h *fusion.DenseHead, z []float32) float64 {
	in := make([]float64, len(z))
	for i, v := range z {
		in[i] = float64(v)
	}
	for k, l := range h.Layers {
		out := make([]float64, l.Out)
		for o := range out {
			s := float64(l.B[o])
			for i := range l.In {
				s += float64(l.W[o*l.In+i]) * in[i]
			}
			if k < len(h.Layers)-1 {
				s = math.Max(s, 0)
			}
			out[o] = s
		}
		in = out
	}
	return in[1] - in[0]
}

func TestDenseHeadMatchesReferenceAndFiniteDifferences(t *testing.T) {
	h := fixture.DenseHead([]int{40, 100, 50, 10, 2}, 3)
	if _, err := fusion.NewDenseHead(h.Layers); err != nil {
		t.Fatal(err)
	}
	const n = 300 // more than one chunk
	z := fixture.NormalRows(n, 40, 4)
	s := make([]float32, n)
	g := make([]float32, n*40)
	h.GradLogit(z, n, s, g)
	p := make([]float32, n)
	gp := make([]float32, n*40)
	h.Grad(z, n, p, gp)
	const eps = 1e-3
	checked := 0
	for i := 0; i < n; i += 7 {
		row := z[i*40 : (i+1)*40]
		want := denseReference(h, row)
		if math.Abs(float64(s[i])-want) > 1e-4*(1+math.Abs(want)) {
			t.Fatalf("case %d: log-odds %v, float64 reference %v", i, s[i], want)
		}
		if q := nn.Logistic(want); math.Abs(float64(p[i])-q) > 1e-5 {
			t.Fatalf("case %d: p %v, reference %v", i, p[i], q)
		}
		x := append([]float32(nil), row...)
		for j := range 40 {
			x[j] = row[j] + eps
			up := denseReference(h, x)
			x[j] = row[j] - eps
			down := denseReference(h, x)
			x[j] = row[j]
			fd := (up - down) / (float64(row[j]+eps) - float64(row[j]-eps))
			// A ReLU kink inside the step makes the difference quotient differ; they are
			// rare at this step, so skip the few where the quotients on both sides disagree.
			mid := denseReference(h, x)
			fl := (mid - down) / (float64(row[j]) - float64(row[j]-eps))
			fr := (up - mid) / (float64(row[j]+eps) - float64(row[j]))
			if math.Abs(fl-fr) > 1e-3*(1+math.Abs(fd)) {
				continue
			}
			checked++
			if d := math.Abs(float64(g[i*40+j]) - fd); d > 2e-3*(1+math.Abs(fd)) {
				t.Errorf("case %d feature %d: ds/dz %v, finite difference %v", i, j, g[i*40+j], fd)
			}
			q := nn.Logistic(want)
			if d := math.Abs(float64(gp[i*40+j]) - q*(1-q)*fd); d > 2e-3*(1e-2+math.Abs(q*(1-q)*fd)) {
				t.Errorf("case %d feature %d: dp/dz %v, finite difference %v", i, j, gp[i*40+j], q*(1-q)*fd)
			}
		}
	}
	if checked < 1500 {
		t.Errorf("only %d derivatives away from ReLU kinks were checked", checked)
	}
}

func TestDenseHeadRejectsBadLayers(t *testing.T) {
	good := fixture.DenseHead([]int{4, 3, 2}, 1).Layers
	bad := map[string][]fusion.DenseLayer{
		"none":           nil,
		"broken chain":   {good[0], {In: 4, Out: 2, W: make([]float32, 8), B: make([]float32, 2)}},
		"eleven classes": {good[0], {In: 3, Out: 11, W: make([]float32, 33), B: make([]float32, 11)}},
		"one class":      {good[0], {In: 3, Out: 1, W: make([]float32, 3), B: make([]float32, 1)}},
		"short weights":  {good[0], {In: 3, Out: 2, W: make([]float32, 5), B: make([]float32, 2)}},
		"NaN weight":     {good[0], {In: 3, Out: 2, W: []float32{0, 0, 0, float32(math.NaN()), 0, 0}, B: make([]float32, 2)}},
	}
	for name, layers := range bad {
		if _, err := fusion.NewDenseHead(layers); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRandomisedHeadIsNewAndDeterministic(t *testing.T) {
	h := fixture.DenseHead([]int{40, 100, 50, 10, 2}, 3)
	a, b, c := h.Randomised(7), h.Randomised(7), h.Randomised(8)
	z := fixture.NormalRows(20, 40, 5)
	pa, pb, pc, ph := make([]float32, 20), make([]float32, 20), make([]float32, 20), make([]float32, 20)
	a.Prob(z, 20, pa)
	b.Prob(z, 20, pb)
	c.Prob(z, 20, pc)
	h.Prob(z, 20, ph)
	same, diffSeed, diffOrig := true, false, false
	for i := range pa {
		same = same && pa[i] == pb[i]
		diffSeed = diffSeed || pa[i] != pc[i]
		diffOrig = diffOrig || pa[i] != ph[i]
	}
	if !same || !diffSeed || !diffOrig {
		t.Errorf("same seed equal %v, other seed differs %v, differs from original %v", same, diffSeed, diffOrig)
	}
	var _ importance.Head = h
	var _ importance.LogitHead = h
}
