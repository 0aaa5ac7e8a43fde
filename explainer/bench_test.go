package explainer

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/phantom"
)

// untrained returns an engine on a freshly initialised paper network: the cost of every
// step is that of a trained one.
func untrained(b testing.TB, o Options) *Engine {
	b.Helper()
	net, err := fusion.NewNet(fusion.DefaultConfig(), 1, 7)
	if err != nil {
		b.Fatal(err)
	}
	net.SetTraining(false)
	var buf bytes.Buffer
	if err := modelfile.Encode(&buf, net.File(modelfile.Meta{Scenario: []byte(`"F3"`)}), modelfile.Options{}); err != nil {
		b.Fatal(err)
	}
	e, err := Open("untrained.flns", buf.Bytes(), o)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func benchCase() (ax, co, clin []float32) {
	ax, _ = phantom.Dataset(1, 3, phantom.Axial)
	co, _ = phantom.Dataset(1, 3, phantom.Coronal)
	return ax, co, make([]float32, 20)
}

// BenchmarkEncode is one image through the shared encoder: half of what a new case costs.
func BenchmarkEncode(b *testing.B) {
	e := untrained(b, Options{})
	ax, _, _ := benchCase()
	for b.Loop() {
		if _, err := e.Encode(ax); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExplainHead is a re-explanation after a clinical edit with the paper's
// gradient: the head and its gradient only.
func BenchmarkExplainHead(b *testing.B) {
	e := untrained(b, Options{})
	ax, co, clin := benchCase()
	za, _ := e.Encode(ax)
	zc, _ := e.Encode(co)
	for b.Loop() {
		if _, err := e.Explain(za, zc, clin, "gradient"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullExplanation is what the page's fusionlensTimeEngine times as one full
// explanation: a case's two images encoded (as one batch when the engine is an
// engine.BatchEncoder, as the page does), then explained with the gradient. Built at an
// older commit without BatchEncoder, it times two Encode calls: the same file compares
// both.
func BenchmarkFullExplanation(b *testing.B) {
	e := untrained(b, Options{})
	ax, co, clin := benchCase()
	be, batch := any(e).(interface {
		EncodeImages([][]float32) ([][]float32, error)
	})
	for b.Loop() {
		var za, zc []float32
		if batch {
			z, err := be.EncodeImages([][]float32{ax, co})
			if err != nil {
				b.Fatal(err)
			}
			za, zc = z[0], z[1]
		} else {
			za, _ = e.Encode(ax)
			zc, _ = e.Encode(co)
		}
		if _, err := e.Explain(za, zc, clin, "gradient"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaliency is the pixel saliency of one case (both encoders forward and back).
func BenchmarkSaliency(b *testing.B) {
	e := untrained(b, Options{})
	ax, co, clin := benchCase()
	for b.Loop() {
		if _, _, err := e.Saliency(ax, co, clin); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReference encodes a reference cohort of 20 cases (b.N times): phantoms drawn,
// clinical values simulated, both images encoded.
func BenchmarkReference(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		e := untrained(b, Options{ReferenceN: 20})
		b.StartTimer()
		if err := e.Prepare(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPhantoms draws the 40 images of a reference cohort of 20 cases.
func BenchmarkPhantoms(b *testing.B) {
	for b.Loop() {
		phantom.Dataset(20, 1, phantom.Axial)
		phantom.Dataset(20, 1, phantom.Coronal)
	}
}

// BenchmarkEmbed runs 16 cases through the network in batches of 1 to 16.
func BenchmarkEmbed(b *testing.B) {
	e := untrained(b, Options{})
	const n = 16
	ax, _ := phantom.Dataset(n, 1, phantom.Axial)
	co, _ := phantom.Dataset(n, 1, phantom.Coronal)
	d := fusion.Dataset{N: n, Axial: ax, Coronal: co, Clinical: make([]float32, n*20), Labels: make([]int, n)}
	for _, k := range []int{1, 2, 4, 8, 16} {
		net := e.net.Clone(k)
		b.Run(fmt.Sprintf("batch%d", k), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := net.Embed(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExplainMethods is one re-explanation with every per-case method that uses
// the reference cohort.
func BenchmarkExplainMethods(b *testing.B) {
	e := untrained(b, Options{ReferenceN: 20})
	if err := e.Prepare(nil); err != nil {
		b.Fatal(err)
	}
	ax, co, clin := benchCase()
	za, _ := e.Encode(ax)
	zc, _ := e.Encode(co)
	for _, m := range e.Methods() {
		if m.Global {
			continue
		}
		b.Run(m.ID, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Explain(za, zc, clin, m.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTruthCohort draws the ground-truth check's cohort of 200 cases with the
// shipped autoencoder (skipped when weights/autoencoder.flns is missing).
func BenchmarkTruthCohort(b *testing.B) {
	ae, err := latent.Load("../weights/autoencoder.flns")
	if err != nil {
		b.Skip(err)
	}
	sc, _ := groundtruth.Builtin("F3")
	for b.Loop() {
		if _, err := cohort.Build(sc, ae, cohort.Options{N: DefaultTruthN, Seed: TruthSeed}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDetails is what the page adds to one case's explanation after it is on
// screen, against the reference cohort of the page's size (200): the interaction matrix
// and the intervals of the default method, beside their peers, one explanation by the
// default method (what a keystroke costs) and one by exact modality Shapley values (the
// same coalitions over the 50 background cases the coalition methods draw).
func BenchmarkDetails(b *testing.B) {
	e := untrained(b, Options{})
	if err := e.Prepare(nil); err != nil {
		b.Fatal(err)
	}
	ax, co, clin := benchCase()
	za, _ := e.Encode(ax)
	zc, _ := e.Encode(co)
	c := engine.Case{Features: [][]float32{za, zc}, Tabular: clin, Class: 1}
	b.Run("explain-"+DefaultMethod, func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Explain(za, zc, clin, DefaultMethod); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("explain-shapley", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Finish(za, zc, clin, "shapley", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("interactions", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Interactions(c, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("intervals-"+DefaultMethod, func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Intervals(c, DefaultMethod, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpen opens the shipped F0 model as the page does (decode, build the network,
// the probe, the head as dense layers) and clones it for a batch of 4 as the reference
// cohort's encoding does; run with -benchmem for what each allocates.
func BenchmarkOpen(b *testing.B) {
	data, err := os.ReadFile("../weights/F0-sum-all.flns")
	if err != nil {
		b.Skip(err)
	}
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if _, err := Open("F0-sum-all.flns", data, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	e, err := Open("F0-sum-all.flns", data, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("clone", func(b *testing.B) {
		for b.Loop() {
			e.net.Clone(4)
		}
	})
}
