//go:build !js

package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

// startupWatch is installed in the page before any of its own scripts runs. It clicks
// "Load example case" as soon as the default model's card and the button are in the
// DOM (a user who clicks at once, with no polling delay from the test) and notes, in
// performance.now() milliseconds from the navigation, when the card appeared, the click,
// the prediction and the first explanation reached the DOM, and the first task after the
// next animation frame (drawn in the frame that callback precedes).
const startupWatch = `(() => {
  const s = window.fusionlensStartup = {};
  const mark = (k) => { if (!(k in s)) s[k] = performance.now(); };
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const check = () => {
    if (!s.card && q("model-card")) mark("card");
    if (s.card && !s.click && q("example-case")) { mark("click"); q("example-case").click(); }
    if (s.click && !s.prediction && q("prediction")) mark("prediction");
    const m = q("modality-importance")?.dataset.method;
    if (s.click && m && !s.explanation) {
      s.method = m;
      mark("explanation");
      requestAnimationFrame(() => { mark("painted"); mo.disconnect(); });
    }
  };
  const mo = new MutationObserver(check);
  mo.observe(document, {subtree: true, childList: true, attributes: true});
  // Long animation frames (over 50 ms): where the main thread went, for the log.
  s.frames = [];
  try {
    new PerformanceObserver((l) => {
      for (const f of l.getEntries()) {
        s.frames.push({start: f.startTime, ms: f.duration, layout: f.styleAndLayoutStart ? f.startTime + f.duration - f.styleAndLayoutStart : 0,
          scripts: f.scripts.map((x) => x.invoker + " " + Math.round(x.duration) + " ms").join(", ")});
      }
    }).observe({type: "long-animation-frame", buffered: true});
  } catch (e) {}
})()`

// startupReport is what the page measured of its own start, read after the first
// explanation is painted.
type startupReport struct {
	Watch struct {
		Card, Click, Prediction, Explanation, Painted float64
		Method                                        string
	} `json:"watch"`
	Compiled float64            `json:"compiled"` // loader.js: main.wasm instantiated
	Main     float64            `json:"main"`     // Go's main started (packages initialised)
	Ready    float64            `json:"ready"`    // the first render
	Timings  map[string]float64 `json:"timings"`  // site.Timings as published
	Marks    map[string]float64 `json:"marks"`    // performance.mark entries named fusionlens:*
	// Resources maps each file the page fetched to [start, response start, response end].
	Resources map[string][3]float64 `json:"resources"`
	Document  float64               `json:"document"` // the page's HTML received
}

const readStartup = `(() => {
  const res = {};
  for (const r of performance.getEntriesByType("resource")) {
    const name = new URL(r.name).pathname.replace(/^\//, "");
    if (!(name in res)) res[name] = [r.startTime, r.responseStart, r.responseEnd];
  }
  const marks = {};
  for (const m of performance.getEntriesByType("mark")) {
    if (m.name.startsWith("fusionlens:") && !(m.name in marks)) marks[m.name.slice(11)] = m.startTime;
  }
  const t = window.fusionlensTimings || {};
  return {
    watch: window.fusionlensStartup,
    compiled: window.fusionlensCompiled || 0, main: window.fusionlensMain || 0, ready: window.fusionlensReady || 0,
    timings: {modelAt: t.modelAt || 0, openMS: t.openMS || 0, explained: t.explained || 0, encodeMS: t.encodeMS || 0, explainMS: t.explainMS || 0},
    marks: marks, resources: res,
    document: performance.getEntriesByType("navigation")[0].responseEnd,
  };
})()`

// TestBrowserStartup follows a first visit (fresh profile, empty cache) from the
// navigation to the first explanation on screen, clicking "Load example case" as soon
// as the default model's card is drawn, and checks the order of the steps the page
// goes through: the wasm instantiated, Go's main, the first render, the default model
// opened and drawn, the click, the prediction and the default method's explanation in
// the DOM, then painted. It then visits again (the service worker's cache serving the
// files) and checks that the page starts and explains again. The milliseconds of each
// step are logged ("startup ..." lines, for BENCHMARKS.md: the steps, the files, the
// long animation frames, the repeat visit, and the floor of compiling main.wasm alone in
// a fresh browser), never asserted.
func TestBrowserStartup(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	ctx, cancel := context.WithTimeout(b.Ctx, bt.ActionTimeout)
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: startupWatch})
	cancel()
	if err != nil {
		t.Fatalf("installing the watch: %v", err)
	}
	b.Run(t, "navigating", chromedp.Navigate(srv.URL+"/"))
	b.WaitLong(t, "the first explanation painted", `window.fusionlensStartup?.painted > 0`, bt.BackgroundTimeout)
	r := bt.Eval[startupReport](t, b, readStartup)

	w := r.Watch
	if w.Method == "" {
		t.Error("the first explanation names no method")
	}
	// The steps happen in this order; each after the one before.
	steps := []struct {
		name string
		at   float64
	}{
		{"document received", r.Document},
		{"wasm instantiated", r.Compiled},
		{"Go main started", r.Main},
		{"first render", r.Ready},
		{"default model opened", r.Timings["modelAt"]},
		{"model card in the DOM", w.Card},
		{"click on the example case", w.Click},
		{"prediction in the DOM", w.Prediction},
		{"explanation in the DOM", w.Explanation},
		{"explanation painted", w.Painted},
	}
	for i, s := range steps {
		if s.at <= 0 {
			t.Errorf("%s: not recorded", s.name)
		}
		if i > 0 && s.at < steps[i-1].at {
			t.Errorf("%s at %.1f ms, before %s at %.1f ms", s.name, s.at, steps[i-1].name, steps[i-1].at)
		}
	}
	for _, f := range []string{"main.wasm.gz", "models/index.json"} {
		if _, ok := r.Resources[f]; !ok {
			t.Errorf("the page did not fetch %s", f)
		}
	}

	// The log: every step from the navigation, then the files.
	logged := append([]struct {
		name string
		at   float64
	}{}, steps...)
	for k, v := range r.Marks {
		logged = append(logged, struct {
			name string
			at   float64
		}{"mark " + k, v})
	}
	logged = append(logged, struct {
		name string
		at   float64
	}{"opening the model file started", r.Timings["modelAt"] - r.Timings["openMS"]})
	sort.SliceStable(logged, func(i, j int) bool { return logged[i].at < logged[j].at })
	for _, s := range logged {
		t.Logf("startup timing: %-40s %8.1f ms", s.name, s.at)
	}
	files := make([]string, 0, len(r.Resources))
	for f := range r.Resources {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		v := r.Resources[f]
		t.Logf("startup file: %-40s start %8.1f  first byte %8.1f  end %8.1f ms", f, v[0], v[1], v[2])
	}
	// The floor for this download in this browser: compiling main.wasm alone, in a fresh
	// browser, on a page of the same origin that runs nothing else.
	floor := bt.New(t, srv.URL)
	floor.Run(t, "opening a page that runs nothing", chromedp.Navigate(srv.URL+"/models/index.json"))
	compile := bt.Eval[[]float64](t, floor, `(async () => {
  const t0 = performance.now();
  const r = await fetch("/main.wasm.gz");
  const body = r.body.pipeThrough(new DecompressionStream("gzip"));
  await WebAssembly.compileStreaming(new Response(body, {headers: {"Content-Type": "application/wasm"}}));
  return [t0, performance.now()];
})()`)
	if len(compile) != 2 || compile[1] < compile[0] {
		t.Errorf("compiling main.wasm alone gave %v", compile)
	} else {
		t.Logf("startup floor: compiling main.wasm.gz alone (download, inflate, compile) %.1f ms, from %.1f ms after that page's navigation", compile[1]-compile[0], compile[0])
	}
	// Long animation frames before the explanation was painted (the browser reports
	// them after the frame, so they are read last).
	frames := bt.Eval[[]struct {
		Start, MS, Layout float64
		Scripts           string
	}](t, b, `window.fusionlensStartup.frames`)
	for _, f := range frames {
		if f.Start < w.Painted {
			t.Logf("startup long frame: at %8.1f ms, %6.1f ms (style, layout and paint %5.1f ms): %s", f.Start, f.MS, f.Layout, f.Scripts)
		}
	}
	// A repeat visit: the service worker installed by the first serves the files from its
	// cache (Go and the page start again; the wasm is compiled again).
	if bt.Eval[bool](t, b, `navigator.serviceWorker.ready.then(() => true)`) {
		b.Run(t, "visiting again", chromedp.Navigate(srv.URL+"/"))
		b.WaitLong(t, "the first explanation painted again", `window.fusionlensStartup?.painted > 0`, bt.BackgroundTimeout)
		again := bt.Eval[startupReport](t, b, readStartup)
		if again.Watch.Painted <= 0 || again.Ready <= 0 {
			t.Errorf("repeat visit: first render at %.1f ms, explanation painted at %.1f ms", again.Ready, again.Watch.Painted)
		}
		t.Logf("startup repeat visit: wasm instantiated %.1f ms, first render %.1f ms, default model opened %.1f ms, explanation painted %.1f ms",
			again.Compiled, again.Ready, again.Timings["modelAt"], again.Watch.Painted)
	}

	t.Logf("startup timing: %s", strings.Join([]string{
		fmt.Sprintf("opening the model file %.1f ms", r.Timings["openMS"]),
		fmt.Sprintf("encode one image %.1f ms", r.Timings["encodeMS"]),
		fmt.Sprintf("explain %.1f ms", r.Timings["explainMS"]),
		"method " + w.Method,
	}, "; "))
}
