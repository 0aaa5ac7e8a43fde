//go:build js && wasm

// Command wasm is the browser entry point of fusionlens: it mounts the site's Vugu root
// component on #mount with the fusion network engine (package explainer) and re-renders
// after every event. A panic while building or rendering the page is caught and shown as
// a banner rather than ending the program. The ground-truth check runs in a Web Worker
// with a wasm program of its own (./wasm/check, see checkworker.go); so does decoding the
// images the user brings, in a second worker running the same program.
//
// For tests and the curious it publishes performance.now() timings: window.fusionlensMain
// (Go started), window.fusionlensReady (first render), window.fusionlensRendered (last
// render), window.fusionlensTimings (the page's own measurements, site.Timings),
// window.fusionlensRecovered (how many renders failed and were recovered) and
// window.fusionlensTimeExplain(n) (mean milliseconds of n head-only re-explanations of
// the case on screen) and window.fusionlensTimeEngine(n) (full explanations and
// saliencies of a fixed case, timing.go), and marks the steps of its start as
// performance.mark entries named fusionlens:* (startup_browser_test.go reads them). None
// of them sends anything anywhere.
//
// This is the only package that imports the UI (package site) and the engine (package
// explainer) together, so their joint tests live here, natively: page_test.go drives the
// page's state with the real engine, engine_browser_test.go the built page in headless
// Chromium, every number checked against the native computation.
package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/site"
)

func main() {
	// When main starts every package is initialised: the time since the wasm was compiled
	// (window.fusionlensCompiled) is Go's start-up cost.
	js.Global().Set("fusionlensMain", now())
	mark("main")
	holdGC()
	r, err := domrender.New("#mount")
	if err != nil {
		fail(err)
		return
	}
	defer r.Release()
	env, err := vugu.NewBuildEnv(r.EventEnv())
	if err != nil {
		fail(err)
		return
	}
	mark("renderer")
	root := &site.Root{S: site.NewState(explainer.Opener(explainer.Options{Check: checker.check, Draw: imager.drawReference}))}
	root.S.DecodeImage = imager.decodeImage
	root.S.RunCohort = cohorter.cohort
	timeExplain := js.FuncOf(func(this js.Value, args []js.Value) (out interface{}) {
		defer func() {
			if p := recover(); p != nil {
				out = fmt.Sprint("error: ", p)
			}
		}()
		n := 1
		if len(args) > 0 {
			n = args[0].Int()
		}
		ee := r.EventEnv()
		ee.Lock()
		defer ee.UnlockOnly()
		ms, err := root.S.TimeExplain(n)
		if err != nil {
			return "error: " + err.Error()
		}
		return ms
	})
	defer timeExplain.Release()
	js.Global().Set("fusionlensTimeExplain", timeExplain)
	timeEng := timeEngine(r, root)
	defer timeEng.Release()
	js.Global().Set("fusionlensTimeEngine", timeEng)
	first, recovered, renders := true, 0, 0
	for ok := true; ok; ok = r.EventWait() {
		t0 := now()
		renders++
		if renders <= 8 {
			mark("render " + strconv.Itoa(renders))
		}
		root.S.Bound()
		if err := render(r, env, root); err != nil {
			// Never end the program over a render: recover the page keeping the inputs
			// (texts bounded more tightly, a banner), else reset it keeping the model and
			// clinical values; if even that cannot be drawn, log it and wait for the
			// next event rather than exit.
			fail(err)
			recovered++
			js.Global().Set("fusionlensRecovered", recovered)
			root.Recover(err)
			if err := render(r, env, root); err != nil {
				fail(err)
				root.Reset(err)
				if err := render(r, env, root); err != nil {
					fail(err)
				}
			}
		}
		t := now()
		if renders <= 8 {
			mark("rendered " + strconv.Itoa(renders))
		}
		js.Global().Set("fusionlensRenderMS", t-t0)
		if first {
			first = false
			js.Global().Set("fusionlensReady", t)
		}
		js.Global().Set("fusionlensRendered", t)
		publish(root.S.Timings)
		// Work deferred until something is on screen (the reference cohort) starts now.
		ee := r.EventEnv()
		ee.Lock()
		root.S.Shown()
		started := root.S.Result != nil && root.S.Result.Pending == "" || root.S.ModelErr != ""
		ee.UnlockOnly()
		if started {
			// After the explanation is painted: a collection now would come first.
			gcLater.Do(func() { time.AfterFunc(time.Second, releaseGC) })
		}
	}
}

// startHeap bounds the heap while the page starts with Go's collector held back.
const startHeap = 96 << 20

var gcHeld, gcLater sync.Once

// holdGC keeps Go's collector from running while the page starts, unless the heap
// reaches startHeap: from Go's start to the first explanation the heap grows past 4, 8
// and 16 MB (the model, its network, the page), and each collection then ran in wasm
// code the browser had not optimised yet (BENCHMARKS.md, "Navigation to the first
// explanation"). releaseGC, a second after the first explanation is on screen (or 20 s
// after the start), restores the default.
func holdGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(startHeap)
	time.AfterFunc(20*time.Second, releaseGC)
}

// releaseGC restores Go's default collection (GOGC=100, no memory limit), once.
func releaseGC() {
	gcHeld.Do(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}

func render(r *domrender.JSRenderer, env *vugu.BuildEnv, root *site.Root) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error while drawing the page: %v (please reload)", p)
		}
	}()
	return r.Render(env.RunBuild(root))
}

// publish sets window.fusionlensTimings from the page's measurements.
func publish(t site.Timings) {
	o := js.Global().Get("Object").New()
	for k, v := range map[string]float64{
		"encodeMS": t.EncodeMS, "explainMS": t.ExplainMS, "finishMS": t.FinishMS, "saliencyMS": t.SaliencyMS,
		"referenceMS": t.ReferenceMS, "truthMS": t.TruthMS, "openMS": t.OpenMS, "modelAt": t.ModelAt, "explained": t.Explained, "saliencyAt": t.SaliencyAt,
	} {
		o.Set(k, v)
	}
	js.Global().Set("fusionlensTimings", o)
}

// mark records a step of the start as performance.mark "fusionlens:"+name (read by
// the browser tests, see startup_browser_test.go).
func mark(name string) { js.Global().Get("performance").Call("mark", "fusionlens:"+name) }

func now() float64 { return js.Global().Get("performance").Call("now").Float() }

func fail(err error) {
	js.Global().Get("console").Call("error", "fusionlens: "+err.Error())
}
