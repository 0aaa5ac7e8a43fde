package explainer

import (
	"github.com/fusionlens/fusionlens/engine"
)

// warmRounds is how many synthetic cases Warm runs through the explanation path. In
// headless Chromium, five to ten rounds of the encoder, the gradient and the saliency
// after the model opened made the first timed explanations after the example case run
// as fast as later ones (BENCHMARKS.md, "Issue 16: the full explanation").
const warmRounds = 10

// Warm implements engine.Warmer: warmRounds times, it encodes a synthetic case's images
// (as one batch per shared encoder, as the page does), explains it with the gradient
// method and computes its pixel saliency, calling pace before each round; a pace error
// stops it and is returned. The case is a ramp in every image and tabular values 0,
// explained for class 1. Only the engine's caches are touched, so its answers do not
// change.
func (e *Engine) Warm(pace engine.Pace) error {
	imgs := make([][]float32, len(e.schema.Images))
	for k, im := range e.schema.Images {
		v := make([]float32, im.Pixels())
		for i := range v {
			v[i] = float32(i%29) / 29
		}
		imgs[k] = v
	}
	tab := make([]float32, e.schema.TabularWidth())
	for r := range warmRounds {
		if err := call(pace, engine.Progress{What: "Preparing the explainer", Done: r, Total: warmRounds}); err != nil {
			return err
		}
		z, err := e.EncodeImages(imgs)
		if err != nil {
			return err
		}
		c := engine.Case{Features: z, Images: imgs, Tabular: tab, Class: 1}
		if _, err := e.ExplainCase(c, "gradient"); err != nil {
			return err
		}
		if _, err := e.SaliencyCase(c); err != nil {
			return err
		}
	}
	return nil
}
