package importance

import (
	"fmt"
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

// rowHead hides fusion.DenseHead's first-layer blocks, so the interactions build every
// coalition's fusion vector and run the whole head on it: the path before blockValues,
// kept as the reference of the tests and the peer of the benchmark.
type rowHead struct{ h *fusion.DenseHead }

func (r rowHead) Dim() int                                     { return r.h.Dim() }
func (r rowHead) Prob(z []float32, n int, p []float32)         { r.h.Prob(z, n, p) }
func (r rowHead) Grad(z []float32, n int, p, g []float32)      { r.h.Grad(z, n, p, g) }
func (r rowHead) GradLogit(z []float32, n int, s, g []float32) { r.h.GradLogit(z, n, s, g) }
func (r rowHead) Logit(z []float32, n int, s []float32)        { r.h.Logit(z, n, s) }

// closeMatrices reports the first entry where got and want differ by more than tol
// relative to the largest |want|.
func closeMatrices(got, want [][]float64, tol float64) error {
	scale := 0.0
	for _, row := range want {
		for _, v := range row {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(got[i][j] - want[i][j]); d > tol*math.Max(scale, 1e-6) {
				return fmt.Errorf("[%d][%d] = %g, want %g (scale %g)", i, j, got[i][j], want[i][j], scale)
			}
		}
	}
	return nil
}

// TestBlockInteractionsMatchRows checks that the interactions computed from the first
// layer's blocks equal, to float32 rounding, those from coalition vectors built feature
// by feature and run through the whole head: for the paper's four modalities, for
// modalities that leave features to the case (no player owns them), for more than
// MaxExactInteraction modalities (sampled, with the same draws; more coalitions than one
// Head call holds) and for a few cases drawn. (One case, InteractionLocal, builds its
// rows: the page explaining one case links no block code.)
func TestBlockInteractionsMatchRows(t *testing.T) {
	h := fixture.DenseHead([]int{40, 100, 50, 10, 2}, 11)
	h3, err := fixture.DenseHead([]int{40, 30, 3}, 12).ForClass(2)
	if err != nil {
		t.Fatal(err)
	}
	var ten []Modality
	for k := range 10 {
		ten = append(ten, Modality{Name: fmt.Sprint("m", k), Start: 4 * k, End: 4*k + 4})
	}
	c := Cohort{Z: fixture.NormalRows(60, 40, 3), N: 60}
	bg := Cohort{Z: fixture.NormalRows(40, 40, 4), N: 40}
	for _, tc := range []struct {
		name string
		h    *fusion.DenseHead
		mods []Modality
		o    Options
	}{
		{"paper modalities", h, DefaultModalities(), Options{Seed: 1, Background: 30}},
		{"features in no modality", h, []Modality{{"a", 0, 7}, {"b", 12, 20}, {"c", 20, 33}}, Options{Seed: 2, Background: 25}},
		{"three classes", h3, DefaultModalities(), Options{Seed: 3, Background: 40}},
		{"ten modalities, sampled", h, ten, Options{Seed: 4, Background: 10, InteractionSamples: 8}},
		{"five cases drawn", h, DefaultModalities(), Options{Seed: 5, Background: 40, Cases: 5}},
	} {
		got, err := InteractionAgainst(tc.h, tc.mods, c, bg, tc.o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, err := InteractionAgainst(rowHead{tc.h}, tc.mods, c, bg, tc.o)
		if err != nil {
			t.Fatalf("%s: rows: %v", tc.name, err)
		}
		if got.Exact != want.Exact || got.Cases != want.Cases || got.Background != want.Background {
			t.Fatalf("%s: exact %v cases %d background %d, rows give %v %d %d", tc.name, got.Exact, got.Cases, got.Background, want.Exact, want.Cases, want.Background)
		}
		for name, pair := range map[string][2][][]float64{"index": {got.Index, want.Index}, "abs": {got.Abs, want.Abs}, "se": {got.SE, want.SE}} {
			if err := closeMatrices(pair[0], pair[1], 1e-4); err != nil {
				t.Errorf("%s: %s %v", tc.name, name, err)
			}
		}
		if err := closeMatrices([][]float64{got.Shapley}, [][]float64{want.Shapley}, 1e-4); err != nil {
			t.Errorf("%s: shapley %v", tc.name, err)
		}
		if p, ok := got.Strongest(); ok && tc.o.InteractionSamples == 0 {
			if q, _ := want.Strongest(); p.Name != q.Name {
				t.Errorf("%s: strongest pair %s, rows give %s", tc.name, p.Name, q.Name)
			}
		}

	}
}

// TestBlockValuesOfCoalitions checks single coalition values against the head on
// vectors built by hand: the case's blocks where the mask says, a background case's
// elsewhere, the log-odds averaged over the background.
func TestBlockValuesOfCoalitions(t *testing.T) {
	h := fixture.DenseHead([]int{12, 9, 5, 2}, 21)
	mods := []Modality{{"a", 0, 3}, {"b", 3, 8}, {"c", 9, 12}} // feature 8 stays the case's
	bg := fixture.NormalRows(6, 12, 22)
	x := fixture.NormalRows(1, 12, 23)
	b := newBlockValues(h, mods, bg, 6)
	if b == nil {
		t.Fatal("a DenseHead was not evaluated by blocks")
	}
	masks := []uint64{0, 1, 2, 4, 5, 6, 0, 7}
	v := make([]float64, len(masks))
	b.values(x, masks, v, nil)
	for k, mask := range masks {
		var want float64
		row := make([]float32, 12)
		s := make([]float32, 1)
		for r := range 6 {
			copy(row, x)
			for i, md := range mods {
				if mask&(1<<i) == 0 {
					copy(row[md.Start:md.End], bg[r*12+md.Start:r*12+md.End])
				}
			}
			h.Logit(row, 1, s)
			want += float64(s[0]) / 6
		}
		if math.Abs(v[k]-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("coalition %03b: %g, want %g", mask, v[k], want)
		}
	}
	if b.haveEmpty {
		t.Error("the empty coalition was cached though feature 8 keeps each case's value")
	}
	if newBlockValues(rowHead{h}, mods, bg, 6) != nil {
		t.Error("a head without first-layer blocks got a block evaluator")
	}
}

// TestInteractionBackgroundSE checks the background's standard error against its
// definition: the cohort's index against each drawn background case alone (one call per
// case, a background of one), whose mean is the index and whose standard deviation over
// sqrt(nb), with the finite-population correction, is BackgroundSE; for the block path
// and the row path. A background of every case has none of that error, and sampled
// indices carry none.
func TestInteractionBackgroundSE(t *testing.T) {
	h := fixture.DenseHead([]int{40, 30, 10, 2}, 31)
	c := Cohort{Z: fixture.NormalRows(15, 40, 32), N: 15}
	bg := Cohort{Z: fixture.NormalRows(12, 40, 33), N: 12}
	mods := DefaultModalities()
	o := Options{Seed: 9, Background: 6}
	for _, head := range []LogitHead{h, rowHead{h}} {
		got, err := InteractionAgainst(head, mods, c, bg, o)
		if err != nil {
			t.Fatal(err)
		}
		if got.BackgroundSE == nil {
			t.Fatalf("%T: no background SE", head)
		}
		od, _ := o.withDefaults()
		drawn, nb := background(bg, 40, od)
		if nb != 6 {
			t.Fatalf("drew %d background cases", nb)
		}
		m := len(mods)
		mean, sq := square(m), square(m)
		for b := range nb {
			one, err := InteractionAgainst(head, mods, c, Cohort{Z: drawn[b*40 : (b+1)*40], N: 1}, Options{Seed: 9, Background: 1})
			if err != nil {
				t.Fatal(err)
			}
			if one.BackgroundSE != nil {
				t.Errorf("%T: a background of one case has a standard error", head)
			}
			for i := range m {
				for j := range m {
					v := one.Index[i][j]
					mean[i][j] += v / float64(nb)
					sq[i][j] += v * v
				}
			}
		}
		want := square(m)
		for i := range m {
			for j := range m {
				variance := (sq[i][j] - float64(nb)*mean[i][j]*mean[i][j]) / float64(nb-1)
				want[i][j] = math.Sqrt(math.Max(0, variance) / float64(nb) * float64(12-nb) / 11)
			}
		}
		if err := closeMatrices(got.Index, mean, 1e-4); err != nil {
			t.Errorf("%T: index against the mean over single background cases: %v", head, err)
		}
		if err := closeMatrices(got.BackgroundSE, want, 1e-3); err != nil {
			t.Errorf("%T: background SE: %v", head, err)
		}
		if got.BackgroundSE[0][1] <= 0 {
			t.Errorf("%T: background SE %v of a head with interactions", head, got.BackgroundSE)
		}
	}
	all, err := InteractionAgainst(h, mods, c, bg, Options{Seed: 9, Background: 12})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range all.BackgroundSE {
		for j, v := range row {
			if v != 0 {
				t.Errorf("background of every case: SE[%d][%d] = %v, want 0", i, j, v)
			}
		}
	}
	// The same 12 cases as a sample of 48: the correction counts the 48.
	of, err := InteractionAgainst(h, mods, c, bg, Options{Seed: 9, Background: 12, BackgroundOf: 48})
	if err != nil {
		t.Fatal(err)
	}
	if of.BackgroundSE[0][1] <= 0 {
		t.Errorf("a background drawn from 48 cases: SE %v", of.BackgroundSE)
	}
	var ten []Modality
	for k := range 10 {
		ten = append(ten, Modality{Name: fmt.Sprint("m", k), Start: 4 * k, End: 4*k + 4})
	}
	sampled, err := InteractionAgainst(h, ten, c, bg, Options{Seed: 9, Background: 6, InteractionSamples: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sampled.BackgroundSE != nil {
		t.Error("a sampled index has a background SE")
	}
}
