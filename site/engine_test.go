package site

import (
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

// testEngine is a small, exactly known stand-in for a trained network, for testing how
// the page handles an Engine (it is never part of the page). Its encoder returns the
// means of ten horizontal bands of the image; its head is p = sigmoid(w·z) with
// w_j = (j%5 - 2)/4, so dp/dz_j = p(1-p) w_j.
type testEngine struct {
	mu       sync.Mutex // the counters: saliency calls the engine from goroutines
	encodes  int        // Encode calls, to check the page caches encodings
	explains int
	failWith error // Explain returns this error when set
	panicMsg string
	methods  []engine.Method
}

func (e *testEngine) Info() engine.ModelInfo {
	return engine.ModelInfo{Name: "test model", Positive: "finding", Accuracy: 0.95, HasAccuracy: true}
}

func (e *testEngine) Methods() []engine.Method {
	if e.methods != nil {
		return e.methods
	}
	return []engine.Method{
		{ID: "gradient", Label: "Gradient", Description: "dp/dz at this case."},
		{ID: "occlusion", Label: "Occlusion", Description: "Signed contributions.", Reference: true},
		{ID: "modality-only", Label: "Modalities only", Description: "No feature scores."},
	}
}

func (e *testEngine) Encode(img []float32) ([]float32, error) {
	e.mu.Lock()
	e.encodes++
	e.mu.Unlock()
	if len(img) != ImagePixels {
		return nil, errors.New("want 784 pixels")
	}
	z := make([]float32, modality.Width)
	for i, v := range img {
		band := i / ImageSide * modality.Width / ImageSide
		z[band] += v / float32(ImagePixels/modality.Width)
	}
	return z, nil
}

func testWeight(j int) float64 { return float64(j%5-2) / 4 }

func (e *testEngine) Explain(za, zc, clin []float32, method string) (engine.Explanation, error) {
	e.mu.Lock()
	e.explains++
	e.mu.Unlock()
	if e.panicMsg != "" {
		panic(e.panicMsg)
	}
	if e.failWith != nil {
		return engine.Explanation{}, e.failWith
	}
	z := append(append(append([]float32(nil), za...), zc...), clin...)
	if len(z) != modality.FusionSize {
		return engine.Explanation{}, errors.New("fusion vector has wrong length")
	}
	s := 0.0
	for j, v := range z {
		s += testWeight(j) * float64(v)
	}
	p := 1 / (1 + math.Exp(-s))
	x := engine.Explanation{Method: method, P: p, Modalities: make([]float64, modality.Count), Gradient: make([]float64, modality.FusionSize)}
	feats := make([]float64, modality.FusionSize)
	for j, v := range z {
		g := p * (1 - p) * testWeight(j)
		x.Gradient[j] = g
		switch method {
		case "occlusion":
			feats[j] = g * float64(v)
			x.Signed = true
		default:
			feats[j] = math.Abs(g)
		}
	}
	for j, f := range feats {
		if x.Signed {
			x.Modalities[j/modality.Width] += f
		} else {
			x.Modalities[j/modality.Width] += math.Abs(f)
		}
	}
	if method != "modality-only" {
		x.Features = feats
	}
	return x, nil
}

// Saliency is exact for the test engine: dp/dpixel = dp/dz_band / pixels per band,
// where band is the pixel's band (see Encode).
func (e *testEngine) Saliency(ax, co, clin []float32) ([]float32, []float32, error) {
	za, err := e.Encode(ax)
	if err != nil {
		return nil, nil, err
	}
	zc, err := e.Encode(co)
	if err != nil {
		return nil, nil, err
	}
	x, err := e.Explain(za, zc, clin, "gradient")
	if err != nil {
		return nil, nil, err
	}
	sal := func(off int) []float32 {
		out := make([]float32, ImagePixels)
		for i := range out {
			band := i / ImageSide * modality.Width / ImageSide
			out[i] = float32(x.Gradient[off+band]) / float32(ImagePixels/modality.Width)
		}
		return out
	}
	return sal(0), sal(modality.Width), nil
}

// grey returns a 28x28 image filled with v.
func grey(v float32) []float32 {
	px := make([]float32, ImagePixels)
	for i := range px {
		px[i] = v
	}
	return px
}

// TestTestEngineGradients checks the test engine's Gradient and Saliency against central
// finite differences, so the tests that use it test the page against correct numbers.
func TestTestEngineGradients(t *testing.T) {
	e := &testEngine{}
	ax, co := grey(0.3), grey(0.6)
	for i := range ax {
		ax[i] += float32(i%7) * 0.01
	}
	clin := make([]float32, 20)
	clin[3] = 0.7
	p := func(ax, co, clin []float32) float64 {
		za, _ := e.Encode(ax)
		zc, _ := e.Encode(co)
		x, err := e.Explain(za, zc, clin, "gradient")
		if err != nil {
			t.Fatal(err)
		}
		return x.P
	}
	salA, salC, err := e.Saliency(ax, co, clin)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-2
	for _, c := range []struct {
		img []float32
		sal []float32
		i   int
	}{{ax, salA, 0}, {ax, salA, 500}, {co, salC, 100}, {co, salC, 783}} {
		v := c.img[c.i]
		c.img[c.i] = v + h
		up := p(ax, co, clin)
		c.img[c.i] = v - h
		down := p(ax, co, clin)
		c.img[c.i] = v
		fd := (up - down) / (2 * h)
		if math.Abs(fd-float64(c.sal[c.i])) > 1e-4*math.Max(1e-3, math.Abs(fd)) && math.Abs(fd-float64(c.sal[c.i])) > 1e-7 {
			t.Errorf("pixel %d: saliency %g, finite difference %g", c.i, c.sal[c.i], fd)
		}
	}
}
