package fusion

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// flipLabels returns d with each label flipped with probability rate (PCG(seed)).
func flipLabels(d Dataset, rate float64, seed uint64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 99))
	d.Labels = slices.Clone(d.Labels)
	for i := range d.Labels {
		if rng.Float64() < rate {
			d.Labels[i] = 1 - d.Labels[i]
		}
	}
	return d
}

// selectSmall runs SelectInputSparsity on the small network with the given label noise.
func selectSmall(t *testing.T, noise float64, grid []float32, tol float64) (*Net, SparsityChoice) {
	t.Helper()
	cfg := smallConfig()
	train, val := flipLabels(synthData(cfg, 1200, 1), noise, 5), flipLabels(synthData(cfg, 400, 2), noise, 6)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR, o.StopAccuracy, o.RefitEpochs = 32, 12, 3e-3, 1, 3
	m, res, ch, err := SelectInputSparsity(context.Background(), func() (*Net, error) { return NewNet(cfg, 32, 1) },
		train, val, o, grid, tol)
	if err != nil {
		t.Fatal(err)
	}
	if want := o.Epochs; ch.Chosen > 0 {
		want += o.RefitEpochs
		if len(res.Epochs) != want {
			t.Errorf("the chosen network ran %d epochs, want %d with its refit", len(res.Epochs), want)
		}
	}
	return m, ch
}

// TestSelectInputSparsityCleanKeepsSparsity: on clean labels the strongest strength
// that keeps the used inputs loses no validation accuracy, so it is chosen, and the
// network returned has the unused clinical inputs cut and the used ones kept.
func TestSelectInputSparsityCleanKeepsSparsity(t *testing.T) {
	m, ch := selectSmall(t, 0, []float32{4}, 0.02)
	t.Logf("clean: %+v", ch)
	if ch.Chosen != 4 {
		t.Fatalf("chose strength %v on clean labels, want 4 (trials %+v)", ch.Chosen, ch.Trials)
	}
	if len(ch.Trials) != 2 || ch.Trials[0].Strength != 0 || ch.Trials[1].Strength != 4 {
		t.Errorf("trials %+v, want strength 0 then 4", ch.Trials)
	}
	d := m.s.headInput()
	cut := zeroColumns(d.Weight.W, d.Out, d.In)
	clin := m.cfg.Dim() - m.cfg.Clinical()
	if cut[clin] || cut[clin+1] {
		t.Errorf("the chosen network cut a clinical input the label uses: %v", cut)
	}
	unused := 0
	for _, c := range cut[clin+2:] {
		if c {
			unused++
		}
	}
	if unused < 2 {
		t.Errorf("the chosen network cut %d of the 4 unused clinical inputs, want at least 2 (%v)", unused, cut)
	}
	if ch.Trials[1].Cut == 0 {
		t.Errorf("trial %+v reports no input cut", ch.Trials[1])
	}
}

// TestSelectInputSparsityNoisyFallsBack: with 30 % of the labels flipped the same
// strengths cut inputs the label uses and lose validation accuracy, so the selection
// tries every strength, strongest first, and returns the network trained without the
// penalty, weight for weight the one plain Train gives; a second run chooses the same.
func TestSelectInputSparsityNoisyFallsBack(t *testing.T) {
	m, ch := selectSmall(t, 0.3, []float32{2, 4}, 0.02)
	t.Logf("noisy: %+v", ch)
	if ch.Chosen != 0 {
		t.Fatalf("chose strength %v under 30 %% label noise, want 0 (trials %+v)", ch.Chosen, ch.Trials)
	}
	var order []float32
	for _, tr := range ch.Trials {
		order = append(order, tr.Strength)
		if tr.Strength > 0 && tr.ValAccuracy >= ch.Trials[0].ValAccuracy-ch.Tolerance {
			t.Errorf("trial %+v is within the tolerance of %v but was not chosen", tr, ch.Trials[0].ValAccuracy)
		}
	}
	if !slices.Equal(order, []float32{0, 4, 2}) {
		t.Errorf("trained strengths %v, want 0, then the strongest first: 4, 2", order)
	}

	cfg := smallConfig()
	plain := mustNet(t, cfg, 32, 1)
	o := DefaultTrainOptions()
	o.Batch, o.Epochs, o.LR, o.StopAccuracy = 32, 12, 3e-3, 1
	train, val := flipLabels(synthData(cfg, 1200, 1), 0.3, 5), flipLabels(synthData(cfg, 400, 2), 0.3, 6)
	if _, err := Train(context.Background(), plain, train, val, o); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.getWeights(nil), plain.getWeights(nil)) {
		t.Error("the network returned is not the one plain training gives")
	}
	again, ch2 := selectSmall(t, 0.3, []float32{4, 2, 4}, 0.02)
	if !slices.EqualFunc(ch.Trials, ch2.Trials, func(a, b SparsityTrial) bool { return a == b }) {
		t.Errorf("a second run tried %+v, the first %+v", ch2.Trials, ch.Trials)
	}
	if !slices.Equal(m.getWeights(nil), again.getWeights(nil)) {
		t.Error("a second run returned other weights")
	}
}

// TestSelectInputSparsityErrors: bad arguments are refused with errors naming them.
func TestSelectInputSparsityErrors(t *testing.T) {
	cfg := smallConfig()
	train, val := synthData(cfg, 40, 1), synthData(cfg, 20, 2)
	newNet := func() (*Net, error) { return NewNet(cfg, 32, 1) }
	o := DefaultTrainOptions()
	o.Batch, o.Epochs = 8, 1
	for _, c := range []struct {
		val  Dataset
		grid []float32
		tol  float64
		want string
	}{
		{Dataset{}, []float32{1}, 0.01, "no validation cases"},
		{val, nil, 0.01, "no strengths"},
		{val, []float32{1, 0}, 0.01, "strength 2 is 0"},
		{val, []float32{-1}, 0.01, "strength 1 is -1"},
		{val, []float32{1}, -0.1, "tolerance -0.1"},
		{val, []float32{1}, 1, "tolerance 1"},
	} {
		_, _, _, err := SelectInputSparsity(context.Background(), newNet, train, c.val, o, c.grid, c.tol)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("grid %v tolerance %v: error %v, want one saying %q", c.grid, c.tol, err, c.want)
		}
	}
	bad := o
	bad.Batch = 0
	if _, _, _, err := SelectInputSparsity(context.Background(), newNet, train, val, bad, []float32{1}, 0.01); err == nil || !strings.Contains(err.Error(), "batch 0") {
		t.Errorf("batch 0: error %v, want one naming the batch", err)
	}
}

// TestParseSparsityGrid reads good lists and refuses bad ones with errors naming the
// strength.
func TestParseSparsityGrid(t *testing.T) {
	for in, want := range map[string][]float32{"3,6": {3, 6}, " 0.5 , 2 ": {0.5, 2}, "6": {6}} {
		got, err := ParseSparsityGrid(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseSparsityGrid(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"": "strength 1", "3,,6": "strength 2", "0": "strength 1", "-2": "strength 1",
		"x": "strength 1", "1,NaN": "strength 2", "Inf": "strength 1", "1e40": "strength 1",
		strings.Repeat("1,", MaxSparsityGrid) + "1": "more than"} {
		if _, err := ParseSparsityGrid(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSparsityGrid(%q): error %v, want one saying %q", in, err, want)
		}
	}
}

// FuzzParseSparsityGrid: the parser never panics, and what it accepts is a short list
// of finite strengths above 0 that SelectInputSparsity takes.
func FuzzParseSparsityGrid(f *testing.F) {
	for _, s := range []string{"3,6", "0.5", "", ",", "1e-3,1e3", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseSparsityGrid(s)
		if err != nil {
			return
		}
		if len(g) == 0 || len(g) > MaxSparsityGrid {
			t.Fatalf("%q: %d strengths", s, len(g))
		}
		for _, v := range g {
			if !(v > 0) || math.IsInf(float64(v), 0) {
				t.Fatalf("%q: strength %v", s, v)
			}
		}
	})
}
