package fusion

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
)

// TestExplainPaths checks that the cached path (Encode each image, Fuse, Grad), the whole
// case (Explain) and the batch path (Embed) agree.
func TestExplainPaths(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 4, 31)
	randomizeBN(m, 32)
	d := synthData(cfg, 6, 33)
	z, p, err := m.Embed(d)
	if err != nil {
		t.Fatal(err)
	}
	px, c, dim := cfg.Pixels(), cfg.Clinical(), cfg.Dim()
	for i := range d.N {
		imgs := [][]float32{d.Axial[i*px : (i+1)*px], d.Coronal[i*px : (i+1)*px]}
		clin := d.Clinical[i*c : (i+1)*c]
		x, err := m.Explain(imgs, clin)
		if err != nil {
			t.Fatal(err)
		}
		feats := [][]float32{m.Encode(imgs[0]), m.Encode(imgs[1])}
		zc, err := m.Fuse(feats, clin)
		if err != nil {
			t.Fatal(err)
		}
		// Batches of one and two images may round differently in nn's kernels.
		if !close32(zc, x.Z, 1e-5) {
			t.Errorf("case %d: Encode+Fuse gives z %v, Explain %v", i, zc, x.Z)
		}
		pc, g := make([]float32, 1), make([]float32, dim)
		m.Grad(zc, 1, pc, g)
		if !close32(pc, []float32{x.P}, 1e-5) || !close32(g, x.DZ, 1e-5) {
			t.Errorf("case %d: cached path p %v, Explain p %v", i, pc[0], x.P)
		}
		for j := range dim {
			if math.Abs(float64(z[i*dim+j]-x.Z[j])) > 1e-5 {
				t.Fatalf("case %d: Embed z[%d] = %v, Explain %v", i, j, z[i*dim+j], x.Z[j])
			}
		}
		if math.Abs(float64(p[i]-x.P)) > 1e-5 {
			t.Errorf("case %d: Embed p %v, Explain p %v", i, p[i], x.P)
		}
	}
	// Bad inputs are errors, not panics.
	good := [][]float32{d.Axial[:px], d.Coronal[:px]}
	for _, tc := range []struct {
		imgs [][]float32
		clin []float32
	}{
		{good[:1], d.Clinical[:c]},
		{[][]float32{d.Axial[:px-1], d.Coronal[:px]}, d.Clinical[:c]},
		{good, d.Clinical[:c-1]},
		{[][]float32{d.Axial[:px], append(append([]float32(nil), d.Coronal[:px-1]...), float32(math.NaN()))}, d.Clinical[:c]},
		{good, append(append([]float32(nil), d.Clinical[:c-1]...), float32(math.Inf(-1)))},
	} {
		if _, err := m.Explain(tc.imgs, tc.clin); err == nil {
			t.Error("Explain accepted bad inputs")
		}
		if _, _, err := m.Saliency(tc.imgs, tc.clin); err == nil {
			t.Error("Saliency accepted bad inputs")
		}
	}
	if _, err := m.Fuse([][]float32{make([]float32, 5)}, d.Clinical[:c]); err == nil {
		t.Error("Fuse accepted one feature vector")
	}
}

// close32 reports whether a and b agree within tol, relative to the larger magnitude (or
// absolutely below 1).
func close32(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		if math.Abs(x-y) > tol*max(1, math.Abs(x), math.Abs(y)) {
			return false
		}
	}
	return true
}

// TestExplainAfterTraining checks that the explanation path and clones follow the
// weights as training changes them, and that explaining between steps does not disturb
// training.
func TestExplainAfterTraining(t *testing.T) {
	cfg := smallConfig()
	train := synthData(cfg, 64, 1)
	px := cfg.Pixels()
	imgs := [][]float32{train.Axial[:px], train.Coronal[:px]}
	clin := train.Clinical[:cfg.Clinical()]

	o := DefaultTrainOptions()
	o.Batch, o.Epochs = 16, 2
	a := mustNet(t, cfg, 16, 1)
	clone := a.Clone(3)
	before, _ := a.Explain(imgs, clin)
	o.Progress = func(Progress) { a.Explain(imgs, clin) } // explaining between steps
	if _, err := Train(context.Background(), a, train, Dataset{}, o); err != nil {
		t.Fatal(err)
	}
	b := mustNet(t, cfg, 16, 1)
	o.Progress = nil
	if _, err := Train(context.Background(), b, train, Dataset{}, o); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(a), weights(b)) {
		t.Error("explaining between training steps changed the trained weights")
	}
	after, _ := a.Explain(imgs, clin)
	fromB, _ := b.Explain(imgs, clin)
	if after.P == before.P || after.P != fromB.P {
		t.Errorf("Explain p before training %v, after %v, fresh net trained the same way %v", before.P, after.P, fromB.P)
	}
	clone.SetTraining(false)
	_, pc, _ := clone.Embed(train.Subset([]int{0}))
	if math.Abs(float64(pc[0]-after.P)) > 1e-5 {
		t.Errorf("clone p %v, original %v: the clone does not share the trained weights", pc[0], after.P)
	}
}

// TestExplainFoldsBatchNorm checks that the explanation path runs each convolution with
// its batch norm and ReLU folded into one layer, and that it encodes an image as the
// unfolded layers do.
func TestExplainFoldsBatchNorm(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 2, 41)
	randomizeBN(m, 42)
	m.SetTraining(false)
	d := synthData(cfg, 1, 43)
	px := cfg.Pixels()
	got := m.Encode(d.Axial[:px])

	e := m.explain()
	fused := 0
	for _, l := range e.enc[0].Layers {
		if _, ok := l.(*nn.ConvBNReLU); ok {
			fused++
		}
	}
	if fused != len(cfg.Encoders[0].Conv) {
		t.Fatalf("the explanation path has %d fused convolutions, the encoder %d", fused, len(cfg.Encoders[0].Conv))
	}
	for _, l := range e.s.encs[0].seq.Layers {
		if _, ok := l.(*nn.ConvBNReLU); ok {
			t.Fatal("the unfolded encoder (used to name a faulty layer) holds a fused layer")
		}
	}
	img := append([]float32(nil), d.Axial[:px]...)
	want := e.s.encs[0].seq.Forward(img, 1)
	if !close32(got, want, 1e-5) {
		t.Errorf("folded encoder gives %v, unfolded %v", got, want)
	}
}
