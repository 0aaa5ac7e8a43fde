package explainer

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
)

// explainAll is a case's gradient explanation and pixel saliency, as the page gets them.
func explainAll(t *testing.T, e *Engine, imgs [][]float32, tab []float32) (engine.Explanation, [][]float32) {
	t.Helper()
	z, err := e.EncodeImages(imgs)
	if err != nil {
		t.Fatal(err)
	}
	c := engine.Case{Features: z, Images: imgs, Tabular: tab, Class: 1}
	x, err := e.ExplainCase(c, "gradient")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.SaliencyCase(c)
	if err != nil {
		t.Fatal(err)
	}
	return x, s
}

func sameExplanation(t *testing.T, what string, a, b engine.Explanation, sa, sb [][]float32) {
	t.Helper()
	if a.P != b.P || !slices.Equal(a.Gradient, b.Gradient) || !slices.Equal(a.Features, b.Features) || !slices.Equal(a.Modalities, b.Modalities) {
		t.Errorf("%s: explanation after Warm differs: p %v vs %v, gradient %v vs %v", what, a.P, b.P, a.Gradient, b.Gradient)
	}
	for k := range sa {
		if !slices.Equal(sa[k], sb[k]) {
			t.Errorf("%s: saliency of image %d after Warm differs", what, k)
		}
	}
}

// Warm runs its rounds, calling pace before each, and leaves every answer of the engine
// as it was: the same case explained before and after it gives the same values, bit for
// bit (paper layout and a three-input family model).
func TestWarm(t *testing.T) {
	paper := untrained(t, Options{})
	_, file, err := testmodel.ThreeInputs(5)
	if err != nil {
		t.Fatal(err)
	}
	three, err := Open("three.flns", file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		e    *Engine
	}{{"paper", paper}, {"three inputs", three}} {
		e := tc.e
		sc := e.Schema()
		imgs := make([][]float32, len(sc.Images))
		for k, im := range sc.Images {
			imgs[k] = make([]float32, im.Pixels())
			for i := range imgs[k] {
				imgs[k][i] = float32(0.5 + 0.4*math.Sin(float64(i*(k+3))/17))
			}
		}
		tab := make([]float32, sc.TabularWidth())
		x0, s0 := explainAll(t, e, imgs, tab)
		var got []engine.Progress
		if err := e.Warm(func(p engine.Progress) error { got = append(got, p); return nil }); err != nil {
			t.Fatalf("%s: Warm: %v", tc.name, err)
		}
		if len(got) != warmRounds {
			t.Errorf("%s: pace called %d times, want %d (once before each round)", tc.name, len(got), warmRounds)
		}
		for i, p := range got {
			if p.Done != i || p.Total != warmRounds || p.What == "" {
				t.Errorf("%s: progress %d = %+v", tc.name, i, p)
			}
		}
		x1, s1 := explainAll(t, e, imgs, tab)
		sameExplanation(t, tc.name, x0, x1, s0, s1)
		if err := e.Warm(nil); err != nil {
			t.Errorf("%s: Warm(nil): %v", tc.name, err)
		}
	}
}

// A pace error stops Warm at once and is returned.
func TestWarmStops(t *testing.T) {
	e := untrained(t, Options{})
	stop := errors.New("page closed")
	calls := 0
	err := e.Warm(func(p engine.Progress) error {
		calls++
		if p.Done == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("Warm = %v after %d pace calls, want the pace error after 3", err, calls)
	}
}
