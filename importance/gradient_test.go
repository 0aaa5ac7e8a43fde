package importance

import (
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

func TestGradientLogitOfLinearLogOddsIsTheWeights(t *testing.T) {
	w := make([]float32, 40)
	for j := range w {
		w[j] = float32(j%10+1) * 0.1
		if j%3 == 0 {
			w[j] = -w[j]
		}
	}
	h := linearHead(w, 0.3)
	c := Cohort{Z: fixture.NormalRows(500, 40, 1), N: 500}
	mods := DefaultModalities()
	imp, err := GradientLogit(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range w {
		sum += math.Abs(float64(v))
	}
	for j, v := range w {
		if want := math.Abs(float64(v)) / sum; math.Abs(imp.Features[j]-want) > 1e-6 {
			t.Errorf("feature %d: %v, want |w_j|/sum|w| = %v", j, imp.Features[j], want)
		}
	}
	// The paper's gradient weights cases by p(1-p), which for a linear log-odds is a
	// common factor: the shares agree.
	paper, err := Gradient(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for m := range mods {
		if math.Abs(paper.Modalities[m]-imp.Modalities[m]) > 1e-5 {
			t.Errorf("modality %d: paper %v, log-odds %v; a linear head should agree", m, paper.Modalities[m], imp.Modalities[m])
		}
	}
}

// TestSDMethodsAreScaleInvariant rescales fusion feature j by a and the head's inputs by
// 1/a: the function of the cohort is the same, so a method that measures features per
// SD must give the same importance, while the paper's gradient moves.
func TestSDMethodsAreScaleInvariant(t *testing.T) {
	h := fixture.DenseHead([]int{40, 30, 2}, 9)
	const n = 400
	z := fixture.NormalRows(n, 40, 2)
	scaled := &fusion.DenseHead{Layers: append([]fusion.DenseLayer(nil), h.Layers...)}
	first := h.Layers[0]
	first.W = append([]float32(nil), first.W...)
	zs := append([]float32(nil), z...)
	for j := 0; j < 10; j++ { // the whole first modality, measured in units 4x smaller
		const a = 4
		for i := range n {
			zs[i*40+j] *= a
		}
		for o := range first.Out {
			first.W[o*40+j] /= a
		}
	}
	scaled.Layers[0] = first
	mods := DefaultModalities()
	c, cs := Cohort{Z: z, N: n}, Cohort{Z: zs, N: n}
	for _, f := range []GlobalFunc{GradientSD, GradientLogitSD} {
		a, err := f(h, mods, c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f(scaled, mods, cs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for m := range mods {
			if math.Abs(a.Modalities[m]-b.Modalities[m]) > 1e-4 {
				t.Errorf("%s modality %d: %v before rescaling, %v after", a.Method, m, a.Modalities[m], b.Modalities[m])
			}
		}
	}
	a, _ := Gradient(h, mods, c, Options{})
	b, _ := Gradient(scaled, mods, cs, Options{})
	if math.Abs(a.Modalities[0]-b.Modalities[0]) < 0.05 {
		t.Errorf("the paper's gradient did not move under rescaling (%v vs %v); the test is not testing anything", a.Modalities[0], b.Modalities[0])
	}
}

// TestGradientLocalsMatchOneByOne checks the batched gradient against GradientLocal case
// by case (to float32 rounding: a batch takes the GEMM path, one case the matrix-vector
// path), more cases than one pass of the head holds, and its refusals.
func TestGradientLocalsMatchOneByOne(t *testing.T) {
	h := fixture.DenseHead([]int{40, 100, 50, 10, 2}, 41)
	const n = 300
	z := fixture.NormalRows(n, 40, 42)
	mods := DefaultModalities()
	all, err := GradientLocals(h, mods, z, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("%d attributions for %d cases", len(all), n)
	}
	for i := 0; i < n; i += 37 {
		one, err := GradientLocal(h, mods, z[i*40:(i+1)*40], Cohort{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		a := all[i]
		if a.Method != one.Method || math.Abs(a.P-one.P) > 1e-6 || len(a.Features) != 40 {
			t.Fatalf("case %d: %s p %v, one by one %s p %v", i, a.Method, a.P, one.Method, one.P)
		}
		for j := range one.Features {
			if d := math.Abs(a.Features[j] - one.Features[j]); d > 1e-6+1e-4*math.Abs(one.Features[j]) {
				t.Errorf("case %d feature %d: %v batched, %v alone", i, j, a.Features[j], one.Features[j])
			}
		}
		for k := range one.Modalities {
			if d := math.Abs(a.Modalities[k] - one.Modalities[k]); d > 1e-6+1e-4*one.Modalities[k] {
				t.Errorf("case %d modality %d: %v batched, %v alone", i, k, a.Modalities[k], one.Modalities[k])
			}
		}
	}
	bad := append([]float32(nil), z[:80]...)
	bad[45] = float32(math.Inf(1))
	if _, err := GradientLocals(h, mods, bad, 2); err == nil || !strings.Contains(err.Error(), "feature 5") {
		t.Errorf("an infinite feature: error %v", err)
	}
	if _, err := GradientLocals(h, mods, z[:79], 2); err == nil {
		t.Error("79 values for 2 cases of 40 accepted")
	}
	if r, err := GradientLocals(h, mods, nil, 0); err != nil || r != nil {
		t.Errorf("no cases: %v, %v", r, err)
	}
}

// BenchmarkGradientCases1000 is the paper's gradient of 1,000 cases one by one
// (GradientLocal per case, as explainer/cases ran it) against all at once
// (GradientLocals), on the paper's head (a fusion.DenseHead, 40-100-50-10-2):
//
//	go test -run '^$' -bench GradientCases1000 -benchtime 5x ./importance/
func BenchmarkGradientCases1000(b *testing.B) {
	h := fixture.DenseHead([]int{40, 100, 50, 10, 2}, 1)
	const n = 1000
	z := fixture.NormalRows(n, 40, 2)
	mods := DefaultModalities()
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for i := range n {
				if _, err := GradientLocal(h, mods, z[i*40:(i+1)*40], Cohort{}, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("batched", func(b *testing.B) {
		for b.Loop() {
			if _, err := GradientLocals(h, mods, z, n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
