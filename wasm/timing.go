//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"syscall/js"

	"github.com/vugu/vugu/domrender"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/site"
)

// timeEngine is window.fusionlensTimeEngine(n): the loaded model's engine timed over n
// repetitions each of one full explanation (both images through the encoder, as one
// batch when the engine is an engine.BatchEncoder as the page does, then the gradient
// method's head pass) and of the pixel saliency of both images, on a fixed
// synthetic case (a ramp image and a blob image, clinical values 0). It returns
// {explainMS, saliencyMS, explainAgainMS, saliencyAgainMS} (means in milliseconds, from
// performance.now(), which a page that is not cross-origin isolated coarsens to 0.1 ms:
// hence the repetitions; the Again figures time both loops a second time, right after
// the first) or an "error: ..." string; once the reference cohort is ready also
// defaultMS and shapleyMS (see below). fusionlensTimeEngine(1, "warm") instead runs the
// engine's engine.Warmer once and returns {warmMS}, its duration, so that the effect of
// warming on the timings that follow can be measured. BENCHMARKS.md compares builds
// with it.
func timeEngine(r *domrender.JSRenderer, root *site.Root) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (out any) {
		defer func() {
			if p := recover(); p != nil {
				out = fmt.Sprint("error: ", p)
			}
		}()
		n := 1
		if len(args) > 0 {
			n = max(1, args[0].Int())
		}
		ee := r.EventEnv()
		ee.Lock()
		defer ee.UnlockOnly()
		e := root.S.Engine
		if e == nil {
			return "error: no model loaded"
		}
		if len(args) > 1 && args[1].String() == "warm" {
			w, ok := e.(engine.Warmer)
			if !ok {
				return "error: the engine has no Warm"
			}
			t0 := now()
			if err := w.Warm(nil); err != nil {
				return "error: " + err.Error()
			}
			o := js.Global().Get("Object").New()
			o.Set("warmMS", now()-t0)
			return o
		}
		const side = 28
		a, c := make([]float32, side*side), make([]float32, side*side)
		for y := range side {
			for x := range side {
				a[y*side+x] = float32(x+y) / (2 * side)
				if dx, dy := x-14, y-12; dx*dx+dy*dy < 40 {
					c[y*side+x] = 0.8
				}
			}
		}
		clin := make([]float32, 20)
		be, batch := e.(engine.BatchEncoder)
		explain := func() error {
			var za, zc []float32
			if batch { // as the page encodes a new case: both images as one batch
				z, err := be.EncodeImages([][]float32{a, c})
				if err != nil {
					return err
				}
				za, zc = z[0], z[1]
			} else {
				var err error
				if za, err = e.Encode(a); err != nil {
					return err
				}
				if zc, err = e.Encode(c); err != nil {
					return err
				}
			}
			x, err := e.Explain(za, zc, clin, "gradient")
			if err == nil && x.Pending != "" {
				err = errors.New("the gradient explanation is pending: " + x.Pending)
			}
			return err
		}
		t0 := now()
		for range n {
			if err := explain(); err != nil {
				return "error: " + err.Error()
			}
		}
		t1 := now()
		for range n {
			if _, _, err := e.Saliency(a, c, clin); err != nil {
				return "error: " + err.Error()
			}
		}
		t2 := now()
		// Both loops once more: the first round of a call that follows other work in the
		// page (the test times the first 20 after the example case) runs partly while V8
		// is still compiling the engine's functions with its optimizing tier and after a
		// garbage collection; the second is the same work with the code hot
		// (BENCHMARKS.md, "Issue 16: the full explanation").
		for range n {
			if err := explain(); err != nil {
				return "error: " + err.Error()
			}
		}
		t3 := now()
		for range n {
			if _, _, err := e.Saliency(a, c, clin); err != nil {
				return "error: " + err.Error()
			}
		}
		t4 := now()
		o := js.Global().Get("Object").New()
		o.Set("explainMS", (t1-t0)/float64(n))
		o.Set("saliencyMS", (t2-t1)/float64(n))
		o.Set("explainAgainMS", (t3-t2)/float64(n))
		o.Set("saliencyAgainMS", (t4-t3)/float64(n))
		// Once the reference cohort is ready: the default method's re-explanation (a
		// keystroke) and exact modality Shapley values of the same case computed at once
		// (what Finish does off the event handler, without its pauses), for the choice of
		// the default method. Only while no background job runs: one that holds the
		// engine's work lock waits for the render lock this call holds.
		if root.S.WorkKey != "" {
			return o
		}
		za, _ := e.Encode(a)
		zc, _ := e.Encode(c)
		first := e.Methods()[0].ID
		if x, err := e.Explain(za, zc, clin, first); err == nil && x.Pending == "" {
			if p, ok := e.(engine.Preparer); ok {
				t3 := now()
				for range n {
					e.Explain(za, zc, clin, first)
				}
				t4 := now()
				for range n {
					if _, err := p.Finish(za, zc, clin, "shapley", nil); err != nil {
						return "error: " + err.Error()
					}
				}
				t5 := now()
				o.Set("defaultMethod", first)
				o.Set("defaultMS", (t4-t3)/float64(n))
				o.Set("shapleyMS", (t5-t4)/float64(n))
			}
		}
		return o
	})
}
