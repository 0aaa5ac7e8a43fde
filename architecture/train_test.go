package architecture

import (
	"context"
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
)

// TestTrainOptionsReachTheNetworks checks that every training option of a comparison
// reaches the training of the networks it applies to, and that the zero options are the
// comparison's own set-up (best epoch kept only under patience, by accuracy).
func TestTrainOptionsReachTheNetworks(t *testing.T) {
	o := Options{Epochs: 5, Patience: 2}.trainOptions(9)
	fo := o.fusionOptions(9, 1000)
	def := fusion.DefaultTrainOptions()
	if fo.Epochs != 5 || fo.Seed != 9 || fo.Patience != 2 || !fo.KeepBest || fo.SelectBy != fusion.ByAccuracy ||
		fo.DecoupledWeightDecay != 0 || fo.InputSparsity != 0 || fo.StopAccuracy != 1 || fo.LR != def.LR || fo.WeightDecay != def.WeightDecay {
		t.Errorf("default image-network options %+v", fo)
	}
	if fo := (TrainOptions{Epochs: 5}).fusionOptions(9, 1000); fo.KeepBest || fo.Patience != 0 {
		t.Errorf("without patience or keep-best, the image networks keep the best epoch (%v) or stop (%d)", fo.KeepBest, fo.Patience)
	}
	if mo := o.mlpOptions(9); mo != defaultTrainOptions(5, 9) {
		t.Errorf("default MLP options %+v, want %+v", mo, defaultTrainOptions(5, 9))
	}

	o = Options{Epochs: 5, KeepBest: true, SelectBy: fusion.ByLogLoss, DecoupledWeightDecay: 0.5, InputSparsity: 3, RefitEpochs: 1}.trainOptions(9)
	fo = o.fusionOptions(9, 1000)
	if !fo.KeepBest || fo.Patience != 0 || fo.SelectBy != fusion.ByLogLoss || fo.DecoupledWeightDecay != 0.5 {
		t.Errorf("image-network options %+v", fo)
	}
	if fo.InputSparsity != 0 || fo.RefitEpochs != 0 {
		t.Errorf("fusionOptions adds input sparsity %v, refit %d: it belongs to the fused variants only", fo.InputSparsity, fo.RefitEpochs)
	}
	if mo := o.mlpOptions(9); mo.DecoupledDecay != 0.5 || mo.Epochs != 5 || mo.Seed != 9 {
		t.Errorf("MLP options %+v", mo)
	}
	if o.InputSparsity != 3 || o.RefitEpochs != 1 {
		t.Errorf("TrainOptions %+v lost the input sparsity", o)
	}
}

// TestMLPDecoupledDecay checks that the MLPs' decoupled decay shrinks their weight
// matrices (and only shrinks: a decay of 0 trains exactly as before).
func TestMLPDecoupledDecay(t *testing.T) {
	const n, in = 200, 6
	x := randomRows(n, in, 3)
	y := make([]int, n)
	for i := range y {
		if x[i*in]+x[i*in+1] > 0 {
			y[i] = 1
		}
	}
	norm := func(decay float32) (w, b float64) {
		m := newMLP(in, []int{8}, 2, 64, 5)
		o := defaultTrainOptions(20, 5)
		o.DecoupledDecay = decay
		if err := m.train(context.Background(), x, y, n, o); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.seq.Params() {
			for _, v := range p.W {
				if len(p.Shape) >= 2 {
					w += float64(v) * float64(v)
				} else {
					b += float64(v) * float64(v)
				}
			}
		}
		return math.Sqrt(w), math.Sqrt(b)
	}
	w0, b0 := norm(0)
	w0again, b0again := norm(0)
	w1, _ := norm(50)
	if w0 != w0again || b0 != b0again {
		t.Errorf("two trainings without decay differ: %v %v, %v %v", w0, b0, w0again, b0again)
	}
	if !(w1 < 0.9*w0) {
		t.Errorf("weight norm %v with decoupled decay 50, %v without: want it clearly smaller", w1, w0)
	}
}

// TestInputSparsityOnlyFused checks that the input sparsity cuts fusion features from the
// head of a fused variant, and that the variants without a fusion head train with it
// as without.
func TestInputSparsityOnlyFused(t *testing.T) {
	train, val, _ := smallSplit(t, "F1", 200)
	s := fusion.PaperSchema()
	base := TrainOptions{Epochs: 2, Seed: 3}
	sparse := base
	sparse.InputSparsity = 1000
	probs := func(name string, o TrainOptions) []float32 {
		m, err := Train(context.Background(), name, s, train, val, o)
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.Probs(val)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, name := range []string{Early, Late} {
		a, b := probs(name, base), probs(name, sparse)
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s: input sparsity changed probability %d: %v, %v", name, i, a[i], b[i])
				break
			}
		}
	}
	m, err := Train(context.Background(), Hybrid, s, train, val, sparse)
	if err != nil {
		t.Fatal(err)
	}
	// A fusion feature the head no longer reads has a zero gradient on every case.
	z, err := m.Represent(val)
	if err != nil {
		t.Fatal(err)
	}
	dim := m.Head().Dim()
	p, g := make([]float32, val.N), make([]float32, val.N*dim)
	m.Head().Grad(z, val.N, p, g)
	cut := 0
	for j := range dim {
		zero := true
		for i := range val.N {
			zero = zero && g[i*dim+j] == 0
		}
		if zero {
			cut++
		}
	}
	if cut == 0 {
		t.Errorf("hybrid with input sparsity 1000 reads every one of its %d fusion features", dim)
	}
}
