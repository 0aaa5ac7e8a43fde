package fusion

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestTrainDeterministic(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 70, 1), synthData(cfg, 20, 2)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs = 16, 2
	run := func(seed uint64) []float32 {
		o.Seed = seed
		m := mustNet(t, cfg, 16, 3)
		if _, err := Train(context.Background(), m, train, val, o); err != nil {
			t.Fatal(err)
		}
		var w []float32
		for _, ref := range m.s.refs {
			w = append(w, ref.data()...)
		}
		return w
	}
	a, b := run(5), run(5)
	if !slices.Equal(a, b) {
		t.Fatal("two runs with the same seeds gave different weights")
	}
	if c := run(6); slices.Equal(a, c) {
		t.Fatal("a different shuffle seed gave the same weights")
	}
}

func TestTrainLearns(t *testing.T) {
	cfg := smallConfig()
	train, val, test := synthData(cfg, 1200, 1), synthData(cfg, 200, 2), synthData(cfg, 400, 3)
	m := mustNet(t, cfg, 32, 1)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR = 32, 12, 3e-3
	var reports, epochs int
	var last Progress
	o.Progress = func(p Progress) {
		reports++
		if p.EpochDone {
			epochs++
			if p.Val == nil || p.Val.N != val.N {
				t.Errorf("epoch %d report without validation metrics", p.Epoch)
			}
		}
		if p.Step < 1 || p.Step > p.Steps || p.SamplesPerSec <= 0 || p.Loss <= 0 {
			t.Errorf("odd progress report %+v", p)
		}
		last = p
	}
	res, err := Train(context.Background(), m, train, val, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Training() {
		t.Error("Train left the network in training mode")
	}
	if epochs != len(res.Epochs) || reports != res.Steps+epochs || !last.EpochDone {
		t.Errorf("%d reports, %d epoch reports for %d steps and %d epochs", reports, epochs, res.Steps, len(res.Epochs))
	}
	first, final := res.Epochs[0], res.Epochs[len(res.Epochs)-1]
	if final.Loss >= first.Loss {
		t.Errorf("training loss went from %.3f to %.3f", first.Loss, final.Loss)
	}
	mt, err := m.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d epochs (early stop %v), test accuracy %.3f, AUC %.3f, log-loss %.3f, %.0f samples/s",
		len(res.Epochs), res.EarlyStopped, mt.Accuracy, mt.AUC, mt.LogLoss, res.SamplesPerSec)
	if mt.Accuracy < 0.8 || mt.AUC < 0.88 {
		t.Errorf("test accuracy %.3f, AUC %.3f: the network did not learn the synthetic rule", mt.Accuracy, mt.AUC)
	}
	if res.EarlyStopped != (final.Val.Accuracy > o.StopAccuracy) {
		t.Errorf("early stop %v with final validation accuracy %.3f", res.EarlyStopped, final.Val.Accuracy)
	}
}

func TestTrainEarlyStopAndCancel(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 64, 1), synthData(cfg, 16, 2)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs = 16, 5
	o.StopAccuracy = -1 // any validation accuracy passes
	res, err := Train(context.Background(), mustNet(t, cfg, 16, 1), train, val, o)
	if err != nil || !res.EarlyStopped || len(res.Epochs) != 1 {
		t.Fatalf("want an early stop after one epoch, got %d epochs, early %v, err %v", len(res.Epochs), res.EarlyStopped, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.StopAccuracy = 1
	o.Progress = func(p Progress) {
		if p.Samples >= 32 {
			cancel()
		}
	}
	res, err = Train(ctx, mustNet(t, cfg, 16, 1), train, val, o)
	if !errors.Is(err, context.Canceled) || res.Steps != 2 {
		t.Fatalf("cancel after 2 steps: got %d steps, err %v", res.Steps, err)
	}
}

func TestTrainRejects(t *testing.T) {
	cfg := smallConfig()
	m := mustNet(t, cfg, 8, 1)
	d := synthData(cfg, 10, 1)
	ok := DefaultTrainOptions()
	ok.Batch = 8
	for _, tc := range []struct {
		edit func(*TrainOptions, *Dataset)
	}{
		{func(o *TrainOptions, d *Dataset) { o.Batch = 9 }},
		{func(o *TrainOptions, d *Dataset) { o.LR = 0 }},
		{func(o *TrainOptions, d *Dataset) { o.LR = float32(math.NaN()) }},
		{func(o *TrainOptions, d *Dataset) { o.WeightDecay = -1 }},
		{func(o *TrainOptions, d *Dataset) { o.InputSparsity = -0.1 }},
		{func(o *TrainOptions, d *Dataset) { o.Epochs = 0 }},
		{func(o *TrainOptions, d *Dataset) { o.Patience = -1 }},
		{func(o *TrainOptions, d *Dataset) { o.DecoupledWeightDecay = -0.01 }},
		{func(o *TrainOptions, d *Dataset) { o.DecoupledWeightDecay = float32(math.NaN()) }},
		{func(o *TrainOptions, d *Dataset) { o.SelectBy = 2 }},
		{func(o *TrainOptions, d *Dataset) { d.Labels = append([]int(nil), d.Labels...); d.Labels[3] = 2 }},
		{func(o *TrainOptions, d *Dataset) { d.Axial = d.Axial[1:] }},
		{func(o *TrainOptions, d *Dataset) { d.Clinical = d.Clinical[:5] }},
		{func(o *TrainOptions, d *Dataset) {
			d.Coronal = append([]float32(nil), d.Coronal...)
			d.Coronal[7] = float32(math.Inf(1))
		}},
		{func(o *TrainOptions, d *Dataset) { *d = Dataset{} }},
	} {
		o, dd := ok, d
		tc.edit(&o, &dd)
		if _, err := Train(context.Background(), m, dd, Dataset{}, o); err == nil {
			t.Errorf("Train accepted options %+v / dataset N=%d", o, dd.N)
		} else {
			t.Log(err)
		}
	}
}

func TestAUC(t *testing.T) {
	for _, tc := range []struct {
		s    []float32
		y    []int
		want float64
	}{
		{[]float32{0.1, 0.4, 0.35, 0.8}, []int{0, 0, 1, 1}, 0.75},
		{[]float32{0.5, 0.5, 0.5, 0.5}, []int{0, 1, 0, 1}, 0.5},
		{[]float32{0.2, 0.2, 0.9}, []int{0, 1, 1}, 0.75},
		{[]float32{0.9, 0.1}, []int{0, 1}, 0},
	} {
		got, err := AUC(tc.s, tc.y)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("AUC(%v, %v) = %v, %v; want %v", tc.s, tc.y, got, err, tc.want)
		}
	}
	// Against the pairwise definition on random scores with many ties.
	d := synthData(smallConfig(), 300, 4)
	s := make([]float32, d.N)
	for i := range s {
		s[i] = float32(math.Round(float64(d.Clinical[i*6]+d.Clinical[i*6+1])*4) / 4)
	}
	var num, den float64
	for i := range s {
		for j := range s {
			if d.Labels[i] == 1 && d.Labels[j] == 0 {
				den++
				switch {
				case s[i] > s[j]:
					num++
				case s[i] == s[j]:
					num += 0.5
				}
			}
		}
	}
	got, err := AUC(s, d.Labels)
	if err != nil || math.Abs(got-num/den) > 1e-12 {
		t.Errorf("AUC %v (err %v), pairwise %v", got, err, num/den)
	}
	if _, err := AUC([]float32{0.1, 0.2}, []int{1, 1}); err == nil {
		t.Error("AUC with one class did not fail")
	}
	if _, err := AUC([]float32{float32(math.NaN()), 0.2}, []int{0, 1}); err == nil {
		t.Error("AUC with a NaN score did not fail")
	}
	m, err := Score([]float32{0.9, 0.2, 0.6, 0.4}, []int{1, 0, 0, 1})
	if err != nil || m.Accuracy != 0.5 || m.AUC != 0.75 {
		t.Errorf("Score = %+v, %v", m, err)
	}
	if want := -(math.Log(0.9) + math.Log(0.8) + math.Log(0.4) + math.Log(0.4)) / 4; math.Abs(m.LogLoss-want) > 1e-6 {
		t.Errorf("log-loss %v, want %v", m.LogLoss, want)
	}
}

func TestTrainKeepBest(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 200, 1), synthData(cfg, 60, 2)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR, o.StopAccuracy, o.KeepBest = 20, 6, 1e-2, 1, true
	var snaps [][]float32
	a := mustNet(t, cfg, 20, 1)
	o.Progress = func(p Progress) {
		if p.EpochDone {
			snaps = append(snaps, a.getWeights(nil))
		}
	}
	res, err := Train(context.Background(), a, train, val, o)
	if err != nil {
		t.Fatal(err)
	}
	bestAcc := -1.0
	want := 0
	for _, e := range res.Epochs {
		if e.Val.Accuracy > bestAcc {
			bestAcc, want = e.Val.Accuracy, e.Epoch
		}
	}
	t.Logf("best epoch %d of %d", res.Best, len(res.Epochs))
	if res.Best != want {
		t.Fatalf("best epoch %d, want %d (validation accuracies %+v)", res.Best, want, res.Epochs)
	}
	if !slices.Equal(a.getWeights(nil), snaps[want-1]) {
		t.Errorf("the network does not hold epoch %d's weights", want)
	}
	mt, _ := a.Evaluate(val)
	if mt.Accuracy != bestAcc {
		t.Errorf("restored network has validation accuracy %v, best epoch had %v", mt.Accuracy, bestAcc)
	}
}

// TestTrainPatience checks that training stops exactly when the validation figure
// SelectBy names (accuracy, then log-loss) has not improved on its best for Patience
// epochs, and runs every epoch while it improves.
func TestTrainPatience(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 200, 1), synthData(cfg, 60, 2)
	for _, sel := range []Selection{ByAccuracy, ByLogLoss} {
		o := DefaultTrainOptions()
		o.Batch, o.Epochs, o.LR, o.StopAccuracy, o.SelectBy = 20, 12, 1e-2, 1, sel
		full, err := Train(context.Background(), mustNet(t, cfg, 20, 1), train, val, o)
		if err != nil {
			t.Fatal(err)
		}
		if full.Plateau || len(full.Epochs) != o.Epochs {
			t.Fatalf("%v, without patience: %d epochs, plateau %v; want all %d", sel, len(full.Epochs), full.Plateau, o.Epochs)
		}
		score := func(m Metrics) float64 {
			if sel == ByLogLoss {
				return -m.LogLoss
			}
			return m.Accuracy
		}
		stopped := 0
		for _, patience := range []int{1, 2, 3} {
			// Where the run without patience would have stopped: the first epoch that is
			// the patience-th in a row without a new best.
			want, best, since := len(full.Epochs), math.Inf(-1), 0
			for _, e := range full.Epochs {
				if score(e.Val) > best {
					best, since = score(e.Val), 0
				} else if since++; since == patience {
					want = e.Epoch
					break
				}
			}
			if want < o.Epochs {
				stopped++
			}
			o.Patience = patience
			res, err := Train(context.Background(), mustNet(t, cfg, 20, 1), train, val, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Epochs) != want || res.Plateau != (want < o.Epochs) || res.EarlyStopped != res.Plateau {
				t.Errorf("%v, patience %d: %d epochs (plateau %v, early %v), want %d (validation metrics %+v)",
					sel, patience, len(res.Epochs), res.Plateau, res.EarlyStopped, want, full.Epochs)
			}
			for i, e := range res.Epochs {
				if e.Val != full.Epochs[i].Val {
					t.Errorf("%v, patience %d: epoch %d differs from the run without patience", sel, patience, e.Epoch)
				}
			}
		}
		if stopped == 0 {
			t.Errorf("%v: validation %v improved in every one of %d epochs, so no patience was put to the test: %+v", sel, sel, o.Epochs, full.Epochs)
		}
	}
}

// TestShrink checks decoupled weight decay's update against a hand computation.
func TestShrink(t *testing.T) {
	w := [][]float32{{1, -2, 0.5}, {0}}
	shrink(w, 0.1)
	want := [][]float32{{0.9, -1.8, 0.45}, {0}}
	for i := range w {
		for j := range w[i] {
			if math.Abs(float64(w[i][j]-want[i][j])) > 1e-7 {
				t.Fatalf("shrink by 0.1: got %v, want %v", w, want)
			}
		}
	}
}

// TestTrainDecoupledWeightDecay checks one training step with decoupled weight decay
// against the same step without it: every weight matrix and kernel is the undecayed
// step's w - LR*wd*w, and every bias and batch-norm scale and shift is the undecayed
// step's exactly.
func TestTrainDecoupledWeightDecay(t *testing.T) {
	cfg := smallConfig()
	train := synthData(cfg, 16, 1)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs = 16, 1 // one step
	plain := mustNet(t, cfg, 16, 3)
	if _, err := Train(context.Background(), plain, train, Dataset{}, o); err != nil {
		t.Fatal(err)
	}
	o.DecoupledWeightDecay = 0.05
	decayedNet := mustNet(t, cfg, 16, 3)
	if _, err := Train(context.Background(), decayedNet, train, Dataset{}, o); err != nil {
		t.Fatal(err)
	}
	k := float64(o.LR) * float64(o.DecoupledWeightDecay)
	var matrices, vectors int
	for i, p := range plain.Params() {
		q := decayedNet.Params()[i]
		if len(p.Shape) < 2 {
			vectors++
			if !slices.Equal(p.W, q.W) {
				t.Errorf("%s %v: decayed although exempt", p.Name, p.Shape)
			}
			continue
		}
		matrices++
		for j, w := range p.W {
			want := float64(w) - k*float64(w)
			if d := math.Abs(float64(q.W[j]) - want); d > 1e-7*math.Abs(want)+1e-12 {
				t.Fatalf("%s %v [%d]: %v after the decayed step, want %v - %v*%v = %v", p.Name, p.Shape, j, q.W[j], w, k, w, want)
			}
		}
		if slices.Equal(p.W, q.W) {
			t.Errorf("%s %v: not decayed", p.Name, p.Shape)
		}
	}
	if matrices == 0 || vectors == 0 {
		t.Fatalf("%d matrices and %d vectors: the test saw no parameter of one kind", matrices, vectors)
	}
	t.Logf("%d matrices decayed, %d vectors exempt", matrices, vectors)
}

// TestTrainDecoupledWeightDecayShrinks checks the behaviour over a run: with the decay
// the head's weights end smaller in norm than without it, from the same start.
func TestTrainDecoupledWeightDecayShrinks(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 200, 1), synthData(cfg, 60, 2)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR, o.StopAccuracy = 20, 3, 1e-2, 1
	norm := func(wd float32) float64 {
		o.DecoupledWeightDecay = wd
		m := mustNet(t, cfg, 20, 1)
		if _, err := Train(context.Background(), m, train, val, o); err != nil {
			t.Fatal(err)
		}
		var ss float64
		for _, w := range m.s.headInput().Weight.W {
			ss += float64(w) * float64(w)
		}
		return math.Sqrt(ss)
	}
	a, b := norm(0), norm(5)
	t.Logf("head input weights' norm: %.4f without decay, %.4f with decoupled decay 5", a, b)
	if !(b < a) {
		t.Errorf("head input weights' norm %.4f with decoupled decay 5, %.4f without: want smaller", b, a)
	}
}

// TestTrainKeepBestLogLoss checks that KeepBest with SelectBy ByLogLoss keeps the epoch
// with the lowest validation log-loss.
func TestTrainKeepBestLogLoss(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 200, 1), synthData(cfg, 60, 2)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR, o.StopAccuracy, o.KeepBest, o.SelectBy = 20, 8, 1e-2, 1, true, ByLogLoss
	var snaps [][]float32
	a := mustNet(t, cfg, 20, 1)
	o.Progress = func(p Progress) {
		if p.EpochDone {
			snaps = append(snaps, a.getWeights(nil))
		}
	}
	res, err := Train(context.Background(), a, train, val, o)
	if err != nil {
		t.Fatal(err)
	}
	best, want := math.Inf(1), 0
	bestAcc, byAcc := -1.0, 0
	for _, e := range res.Epochs {
		if e.Val.LogLoss < best {
			best, want = e.Val.LogLoss, e.Epoch
		}
		if e.Val.Accuracy > bestAcc {
			bestAcc, byAcc = e.Val.Accuracy, e.Epoch
		}
	}
	t.Logf("lowest validation log-loss at epoch %d of %d (best accuracy at %d)", res.Best, len(res.Epochs), byAcc)
	if res.Best != want {
		t.Fatalf("best epoch %d, want %d (validation metrics %+v)", res.Best, want, res.Epochs)
	}
	if want == len(res.Epochs) && byAcc == want {
		t.Errorf("the last epoch had both the lowest log-loss and the best accuracy: nothing told the selections apart (%+v)", res.Epochs)
	}
	if !slices.Equal(a.getWeights(nil), snaps[want-1]) {
		t.Errorf("the network does not hold epoch %d's weights", want)
	}
	mt, _ := a.Evaluate(val)
	if mt.LogLoss != best {
		t.Errorf("restored network has validation log-loss %v, best epoch had %v", mt.LogLoss, best)
	}
}

func TestParseSelection(t *testing.T) {
	for _, s := range []Selection{ByAccuracy, ByLogLoss} {
		got, err := ParseSelection(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSelection(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if got, err := ParseSelection("log-loss"); err != nil || got != ByLogLoss {
		t.Errorf("ParseSelection(log-loss) = %v, %v", got, err)
	}
	for _, s := range []string{"", "Loss", "auc"} {
		if _, err := ParseSelection(s); err == nil {
			t.Errorf("ParseSelection(%q) accepted", s)
		}
	}
}

func FuzzParseSelection(f *testing.F) {
	for _, s := range []string{"accuracy", "loss", "log-loss", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelection(s)
		if err != nil {
			return
		}
		if again, err := ParseSelection(sel.String()); err != nil || again != sel {
			t.Fatalf("%q -> %v -> %q does not read back: %v, %v", s, sel, sel.String(), again, err)
		}
	})
}
