//go:build !js

package main

// The page this program builds (site with the real engine, explainer), in headless
// Chromium with real models, checked number by number against the native computation
// cmd/explain makes for the same case (same model bytes, same images, same clinical
// values): prediction, modality and feature scores for per-case methods with and without
// the reference cohort, a slow method, a method with no per-case form, a second model and
// the ground-truth check, which runs in its Web Worker while the page goes on answering;
// then the downloads. The page's timings are logged, not asserted (see BENCHMARKS.md).

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/site"
	"github.com/fusionlens/fusionlens/validation"
)

// tolerance is how close the page's numbers must be to the native ones.
const tolerance = 1e-4

// nativeCase is the example case as the page builds it (the same State code, run here).
type nativeCase struct {
	ax, co, clin []float32
}

func exampleCase(t *testing.T, edits ...[2]string) nativeCase {
	t.Helper()
	s := withExamples(t, site.NewState(nil))
	s.LoadExample()
	for _, e := range edits {
		s.SetClinical(e[0], e[1])
	}
	c := nativeCase{ax: s.Axial.Pixels, co: s.Coronal.Pixels}
	for _, f := range s.Clinical {
		if f.Err != "" {
			t.Fatalf("clinical %s: %s", f.Name, f.Err)
		}
		c.clin = append(c.clin, f.Std)
	}
	return c
}

// nativeModel is one shipped model, loaded natively from the bytes the page fetched, with
// the reference cohort of the page's size and seed (cmd/explain's background).
type nativeModel struct {
	net  *fusion.Net
	head *fusion.DenseHead
	bg   importance.Cohort
}

func loadNative(t *testing.T, path string) *nativeModel {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := fusion.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		t.Fatal(err)
	}
	bg, err := explainer.ReferenceCohort(net, explainer.DefaultReferenceN, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &nativeModel{net: net, head: head, bg: bg}
}

// explain is cmd/explain's computation for a per-case method.
func (m *nativeModel) explain(t *testing.T, c nativeCase, method string) importance.Attribution {
	t.Helper()
	z, err := m.net.Fuse([][]float32{m.net.Encode(c.ax), m.net.Encode(c.co)}, c.clin)
	if err != nil {
		t.Fatal(err)
	}
	meth, err := importance.MethodByName(method)
	if err != nil {
		t.Fatal(err)
	}
	a, err := meth.Local(m.head, importance.DefaultModalities(), z, m.bg, importance.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// shown is what the page shows for the current explanation.
type shown struct {
	Method     string    `json:"method"`
	P          float64   `json:"p"`
	Shares     []float64 `json:"shares"`
	Scores     []float64 `json:"scores"`
	Features   []float64 `json:"features"`
	ScopeNote  string    `json:"scope"`
	Background string    `json:"background"`
}

const readShown = `(() => {
  const chart = document.querySelector('[data-testid="modality-importance"]');
  const rows = [...chart.querySelectorAll('[data-modality]')];
  return {
    method: chart.dataset.method,
    p: +document.querySelector('[data-testid="prediction"]').dataset.p,
    shares: rows.map(g => +g.dataset.value),
    scores: rows.map(g => +g.dataset.score),
    features: [...document.querySelectorAll('[data-testid="feature-importance"] rect[data-value]')].map(r => +r.dataset.value),
    scope: chart.closest('.card').querySelector('p.note').textContent,
  };
})()`

// waitMethod waits until the page shows a finished explanation with the method.
func waitMethod(t *testing.T, b *bt.Browser, method string) shown {
	t.Helper()
	b.WaitLong(t, method+" on screen", `document.querySelector('[data-testid="modality-importance"]')?.dataset.method === "`+method+`"`, bt.BackgroundTimeout)
	return bt.Eval[shown](t, b, readShown)
}

func near(a, b float64) bool { return math.Abs(a-b) <= tolerance*math.Max(1, math.Abs(b)) }

// compare checks the page's numbers against a native attribution.
func compare(t *testing.T, what string, got shown, want importance.Attribution, sensitivity bool) {
	t.Helper()
	if !near(got.P, want.P) {
		t.Errorf("%s: page p = %.6f, native %.6f", what, got.P, want.P)
	}
	total := 0.0
	for _, v := range want.Modalities {
		total += math.Abs(v)
	}
	if len(got.Shares) != len(want.Modalities) {
		t.Fatalf("%s: page shows %d modalities, native %d", what, len(got.Shares), len(want.Modalities))
	}
	sum := 0.0
	for i, v := range want.Modalities {
		sum += got.Shares[i]
		if !near(got.Shares[i], math.Abs(v)/total) || !near(got.Scores[i], v) {
			t.Errorf("%s: modality %d share %.5f score %.6g, native %.5f %.6g", what, i, got.Shares[i], got.Scores[i], math.Abs(v)/total, v)
		}
	}
	if math.Abs(sum-1) > 1e-3 {
		t.Errorf("%s: shares sum to %v", what, sum)
	}
	if want.Features == nil {
		if len(got.Features) != 0 {
			t.Errorf("%s: page shows %d feature scores, the method has none", what, len(got.Features))
		}
		return
	}
	if len(got.Features) != len(want.Features) {
		t.Fatalf("%s: page shows %d features, native %d", what, len(got.Features), len(want.Features))
	}
	for j, v := range want.Features {
		if sensitivity {
			v = math.Abs(v)
		}
		if !near(got.Features[j], v) {
			t.Errorf("%s: feature %d = %.6g, native %.6g", what, j, got.Features[j], v)
		}
	}
}

// setInput sets a form field and fires the event the page listens to, and resolves with
// the milliseconds until the prediction's p changes on screen (-1 if it has not within a
// bound half a minute short of Eval's deadline).
func setInput(sel, value, event string) string {
	return `new Promise(resolve => {
  const pred = () => document.querySelector('[data-testid="prediction"]');
  const before = pred() ? pred().dataset.p : null;
  const t0 = performance.now();
  const mo = new MutationObserver(() => {
    if (pred() && pred().dataset.p !== before) { mo.disconnect(); resolve(performance.now() - t0); }
  });
  mo.observe(document.body, {subtree: true, childList: true, attributes: true});
  setTimeout(() => { mo.disconnect(); resolve(-1); }, ` + strconv.FormatInt((bt.ActionTimeout-30*time.Second).Milliseconds(), 10) + `);
  const el = document.querySelector(` + "`" + sel + "`" + `);
  el.value = ` + fmt.Sprintf("%q", value) + `;
  el.dispatchEvent(new Event(` + fmt.Sprintf("%q", event) + `, {bubbles: true}));
})`
}

func selectOption(t *testing.T, b *bt.Browser, testid, value string) {
	t.Helper()
	b.Run(t, "choosing "+value, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('[data-testid="`+testid+`"]'); s.value = "`+value+`"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
}

type index struct {
	Models []struct {
		File, Name string
	} `json:"models"`
	Autoencoder string `json:"autoencoder"`
}

// waitDownload waits for a finished download whose name ends in ext and returns it.
func waitDownload(t *testing.T, dir, ext string) []byte {
	t.Helper()
	deadline := time.Now().Add(bt.ActionTimeout)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ext) {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil && len(b) > 0 {
					return b
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s download in %s", ext, dir)
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	bt.Cleanup()
	os.Exit(code)
}

func TestBrowserEngine(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	var idx index
	raw, err := os.ReadFile(filepath.Join(dir, "models", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &idx); err != nil || len(idx.Models) < 2 || idx.Autoencoder == "" {
		t.Fatalf("models/index.json %s: %v; want two models and the autoencoder", raw, err)
	}
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	timings := map[string]float64{}

	timings["interactive"] = b.Load(t, srv.URL+"/")
	// The first explanation by the default method (occlusion, which needs the reference
	// cohort: precomputed for shipped models, else encoded in the page) is noted when it
	// is on screen.
	bt.Eval[bool](t, b, `(() => {
  window.fusionlensOcclusionAt = 0;
  const check = () => {
    if (document.querySelector('[data-testid="modality-importance"]')?.dataset.method === "occlusion") {
      window.fusionlensOcclusionAt = performance.now();
      mo.disconnect();
    }
  };
  const mo = new MutationObserver(check);
  mo.observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-method"]});
  check();
  return true;
})()`)
	// The first prediction as a user gets it: the page clicks "Load example case" itself
	// as soon as the default model's card is drawn (a MutationObserver, so no polling
	// delay); performance.now() counts from the navigation.
	first := bt.Eval[[]float64](t, b, `new Promise(resolve => {
  let t0 = 0;
  const check = () => {
    if (!t0 && document.querySelector('[data-testid="model-card"]') && document.querySelector('[data-testid="example-case"]')) {
      t0 = performance.now();
      document.querySelector('[data-testid="example-case"]').click();
    }
    if (t0 && document.querySelector('[data-testid="prediction"]')) {
      mo.disconnect();
      const at = performance.now();
      resolve([at, at - t0]);
    }
  };
  const mo = new MutationObserver(check);
  mo.observe(document.body, {subtree: true, childList: true});
  check();
})`)
	// The default method (occlusion) waits for the reference cohort, so the first thing
	// on screen is the prediction; the gradient's explanation comes with it (below).
	timings["navigation to first prediction"] = first[0]
	timings["first prediction"] = first[1]
	b.WaitFor(t, "the first model", `document.querySelector('[data-testid="model-card"]')`)
	timings["default model opened"] = bt.Eval[float64](t, b, `window.fusionlensTimings.modelAt`)
	timings["opening the model file"] = bt.Eval[float64](t, b, `window.fusionlensTimings.openMS`)
	native := loadNative(t, filepath.Join(dir, "models", idx.Models[0].File))
	c := exampleCase(t)
	b.WaitLong(t, "the first occlusion explanation", `window.fusionlensOcclusionAt > 0`, bt.BackgroundTimeout)
	timings["navigation to first occlusion explanation"] = bt.Eval[float64](t, b, `window.fusionlensOcclusionAt`)
	// With the shipped reference file the page explains against the vectors encoded
	// natively at build time: they must give the native explanation.
	compare(t, "occlusion (first)", waitMethod(t, b, "occlusion"), native.explain(t, c, "occlusion"), false)

	if !t.Run("gradient-at-once", func(t *testing.T) {
		// The example case was loaded and explained right after the navigation (above).
		timings["render after the example case"] = bt.Eval[float64](t, b, `window.fusionlensRenderMS`)
		selectOption(t, b, "method-select", "gradient")
		got := waitMethod(t, b, "gradient")
		compare(t, "gradient", got, native.explain(t, c, "gradient"), true)
		b.WaitFor(t, "the saliency", `document.querySelectorAll('[data-testid="saliency"] img.pixelated').length === 2`)
		timings["saliency"] = bt.Eval[float64](t, b, `window.fusionlensTimings.saliencyMS`)
		timings["prediction to saliency shown"] = bt.Eval[float64](t, b, `window.fusionlensTimings.saliencyAt - window.fusionlensTimings.explained`)
		timings["encode one image"] = bt.Eval[float64](t, b, `window.fusionlensTimings.encodeMS`)
		eng := bt.Eval[map[string]any](t, b, `window.fusionlensTimeEngine(20)`)
		ex, ok1 := eng["explainMS"].(float64)
		sal, ok2 := eng["saliencyMS"].(float64)
		if !ok1 || !ok2 || !(ex > 0) || !(sal > 0) {
			t.Fatalf("fusionlensTimeEngine(20) = %v, want explainMS and saliencyMS", eng)
		}
		timings["full explanation, both images (mean of 20)"] = ex
		timings["saliency of both images (mean of 20)"] = sal
		// The same loops again at once: the first round runs partly on code the browser
		// has not optimised yet (BENCHMARKS.md, "Issue 16: the full explanation").
		exAgain, ok1 := eng["explainAgainMS"].(float64)
		salAgain, ok2 := eng["saliencyAgainMS"].(float64)
		if !ok1 || !ok2 || !(exAgain > 0) || !(salAgain > 0) {
			t.Fatalf("fusionlensTimeEngine(20) = %v, want explainAgainMS and saliencyAgainMS", eng)
		}
		timings["full explanation, the next 20"] = exAgain
		timings["saliency of both images, the next 20"] = salAgain
	}) {
		return
	}

	if !t.Run("clinical-edit", func(t *testing.T) {
		ms := bt.Eval[float64](t, b, setInput(`[data-testid="clinical-sbp"]`, "171", "input"))
		if ms < 0 {
			t.Fatal("the prediction did not change after a clinical edit")
		}
		timings["clinical edit to new prediction on screen"] = ms
		c = exampleCase(t, [2]string{"sbp", "171"})
		compare(t, "gradient after the edit", waitMethod(t, b, "gradient"), native.explain(t, c, "gradient"), true)
		mean := bt.Eval[float64](t, b, `window.fusionlensTimeExplain(5000)`)
		timings["head-only re-explanation (mean of 5000)"] = mean
		if !(mean > 0) {
			t.Errorf("timed re-explanation: %v", mean)
		}
	}) {
		return
	}

	if !t.Run("reference-methods", func(t *testing.T) {
		b.WaitLong(t, "the reference cohort", `(document.querySelector('[data-testid="reference-note"]') || {}).textContent?.includes("ready")`, bt.BackgroundTimeout)
		// Shipped models come with their reference cohort encoded (0: the page encoded none).
		if ms := bt.Eval[float64](t, b, `window.fusionlensTimings.referenceMS`); ms > 0 {
			timings["reference cohort (200 cases)"] = ms
		}
		for _, m := range []string{"occlusion", "integrated_gradients", "kernelshap"} {
			selectOption(t, b, "method-select", m)
			got := waitMethod(t, b, m)
			compare(t, m, got, native.explain(t, c, m), m == "smoothgrad")
			if !strings.Contains(got.ScopeNote, "200 synthetic reference cases") {
				t.Errorf("%s: scope note %q does not name the reference cases", m, got.ScopeNote)
			}
		}
		timings["KernelSHAP for one case (off the event handler)"] = bt.Eval[float64](t, b, `window.fusionlensTimings.finishMS`)
		b.Screenshot(t, "10-kernelshap")
	}) {
		return
	}

	if !t.Run("global-method", func(t *testing.T) {
		selectOption(t, b, "method-select", "permutation")
		got := waitMethod(t, b, "permutation")
		meth, _ := importance.MethodByName("permutation")
		imp, err := meth.Global(native.head, importance.DefaultModalities(), native.bg, importance.Options{Seed: 1, Cases: explainer.GlobalCases})
		if err != nil {
			t.Fatal(err)
		}
		want := importance.Attribution{P: native.explain(t, c, "gradient").P, Modalities: imp.Modalities, Features: imp.Features}
		compare(t, "permutation", got, want, false)
		if !strings.Contains(got.ScopeNote, "reference cohort of 200") {
			t.Errorf("permutation scope note %q does not say it is cohort-wide", got.ScopeNote)
		}
		selectOption(t, b, "method-select", "gradient")
		waitMethod(t, b, "gradient")
	}) {
		return
	}

	second := loadNative(t, filepath.Join(dir, "models", idx.Models[1].File))
	if !t.Run("second-model", func(t *testing.T) {
		selectOption(t, b, "model-select", "shipped:"+idx.Models[1].File)
		b.WaitFor(t, "the second model's prediction", `document.querySelector('[data-testid="prediction"]')?.dataset.model === "shipped:`+idx.Models[1].File+`"`)
		got := waitMethod(t, b, "gradient")
		compare(t, "second model, gradient", got, second.explain(t, c, "gradient"), true)
		selectOption(t, b, "method-select", "gradxinput")
		compare(t, "second model, gradxinput", waitMethod(t, b, "gradxinput"), second.explain(t, c, "gradxinput"), false)
	}) {
		return
	}

	if !t.Run("ground-truth-check", func(t *testing.T) {
		scenario := bt.Eval[string](t, b, `document.querySelector('.truth strong')?.textContent || ""`)
		if scenario == "" {
			t.Fatal("no ground-truth check offered for a model that names its scenario")
		}
		// The check runs in a Web Worker (check.js, check.wasm) while the page goes on:
		// note the workers the page starts, start the check, and once its progress shows
		// edit a clinical value. The page must answer the edit (a new prediction on screen)
		// while the check is still in progress, and show the check's result after that.
		// Frames are counted for the log only: how long the page went without drawing
		// depends on the machine, so it is reported, not asserted.
		type order struct {
			Events       []string // "progress", "edited", "prediction", "check", in the order seen
			ProgressLeft bool     // the check's progress was still on screen when the prediction changed
			Frames       int
			MaxGap       float64
		}
		// The page gives up waiting after bt.BackgroundTimeout (the order then lacks
		// "check"); the evaluation's own deadline is a minute longer, so the page's answer
		// always arrives.
		got := bt.EvalLong[order](t, b, `new Promise(resolve => {
  window.testWorkers = [];
  const W = window.Worker;
  window.Worker = class extends W { constructor(url, opt) { super(url, opt); window.testWorkers.push(String(url)); } };
  const f = {n: 0, maxGap: 0, last: performance.now(), on: true};
  const tick = (ts) => { if (!f.on) return; f.n++; f.maxGap = Math.max(f.maxGap, ts - f.last); f.last = ts; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const before = q("prediction").dataset.p;
  const o = {Events: [], ProgressLeft: false};
  const seen = (e) => o.Events.includes(e);
  const finish = () => { mo.disconnect(); f.on = false; o.Frames = f.n; o.MaxGap = f.maxGap; resolve(o); };
  const step = () => {
    if (!seen("progress") && q("truth-progress")) {
      o.Events.push("progress");
      const el = q("clinical-sbp");
      el.value = "150";
      el.dispatchEvent(new Event("input", {bubbles: true}));
      o.Events.push("edited");
    }
    if (seen("edited") && !seen("prediction") && q("prediction") && q("prediction").dataset.p !== before) {
      o.Events.push("prediction");
      o.ProgressLeft = !!q("truth-progress");
    }
    if (!seen("check") && q("truth-check")?.dataset.method === "gradxinput") o.Events.push("check");
    if (seen("check") && (seen("prediction") || !seen("edited"))) finish();
  };
  const mo = new MutationObserver(step);
  mo.observe(document.body, {subtree: true, childList: true, attributes: true});
  setTimeout(finish, `+strconv.FormatInt(bt.BackgroundTimeout.Milliseconds(), 10)+`);
  q("truth-run").click();
  step();
})`, bt.BackgroundTimeout+time.Minute)
		workers := bt.Eval[[]string](t, b, `window.testWorkers`)
		if len(workers) != 1 || workers[0] != "check.js" {
			t.Errorf("the check started workers %q, want one check.js", workers)
		}
		if want := []string{"progress", "edited", "prediction", "check"}; !slices.Equal(got.Events, want) || !got.ProgressLeft {
			t.Errorf("during the check the page showed %q (progress still on screen at the new prediction: %v); want %q: the edit answered while the check runs in its worker",
				got.Events, got.ProgressLeft, want)
		}
		c = exampleCase(t, [2]string{"sbp", "150"})
		compare(t, "second model, gradxinput, edited during the check", waitMethod(t, b, "gradxinput"), second.explain(t, c, "gradxinput"), false)
		timings["ground-truth check (200 cases)"] = bt.Eval[float64](t, b, `window.fusionlensTimings.truthMS`)
		timings["drawing the check's cases (in the worker)"] = bt.Eval[float64](t, b, `+document.querySelector('[data-testid="truth-check"]').dataset.drawMs`)
		timings["longest time between two frames during the check"] = got.MaxGap
		t.Logf("the page drew %d frames during the check", got.Frames)
		type row struct {
			Truth, Estimate float64
		}
		var page struct {
			RMSE, RBO float64
			Rows      []row
		}
		page = bt.Eval[struct {
			RMSE, RBO float64
			Rows      []row
		}](t, b, `(() => { const c = document.querySelector('[data-testid="truth-check"]');
  return {RMSE: +c.dataset.rmse, RBO: +c.dataset.rbo, Rows: [...c.querySelectorAll('[data-modality]')].map(g => ({Truth: +g.dataset.truth, Estimate: +g.dataset.estimate}))}; })()`)
		// Native: the same cohort (cohort.Build with the shipped autoencoder, the page's
		// size and seed), encoded by the same model, the same method, validation.Compare.
		aeb, err := os.ReadFile(filepath.Join(dir, "models", idx.Autoencoder))
		if err != nil {
			t.Fatal(err)
		}
		ae, err := latent.LoadBytes(aeb)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := validation.ModelScenario(mustMeta(t, filepath.Join(dir, "models", idx.Models[1].File)))
		if err != nil {
			t.Fatal(err)
		}
		co, err := cohort.Build(sc, ae, cohort.Options{N: explainer.DefaultTruthN, Seed: explainer.TruthSeed})
		if err != nil {
			t.Fatal(err)
		}
		z, _, err := second.net.Clone(50).Embed(fusion.Dataset{N: co.N, Axial: co.Axial, Coronal: co.Coronal, Clinical: co.Clinical, Labels: co.Labels})
		if err != nil {
			t.Fatal(err)
		}
		meth, _ := importance.MethodByName("gradxinput")
		imp, err := meth.Global(second.head, importance.DefaultModalities(), importance.Cohort{Z: z, N: co.N, Labels: co.Labels}, importance.Options{Seed: 1, Cases: explainer.GlobalCases})
		if err != nil {
			t.Fatal(err)
		}
		ag, err := validation.Compare(imp.Modalities, co.Truth.Modality[:])
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rows) != 4 {
			t.Fatalf("check shows %d modalities", len(page.Rows))
		}
		var st, se float64
		for i, r := range page.Rows {
			st += r.Truth
			se += r.Estimate
			if !near(r.Truth, co.Truth.Modality[i]) || !near(r.Estimate, imp.Modalities[i]) {
				t.Errorf("modality %d: page truth %.4f estimate %.4f, native %.4f %.4f", i, r.Truth, r.Estimate, co.Truth.Modality[i], imp.Modalities[i])
			}
		}
		if math.Abs(st-1) > 1e-3 || math.Abs(se-1) > 1e-3 {
			t.Errorf("truth sums to %v, estimate to %v", st, se)
		}
		if !near(page.RMSE, ag.RMSE) || !near(page.RBO, ag.RBO) {
			t.Errorf("page RMSE %.5f RBO %.5f, native %.5f %.5f", page.RMSE, page.RBO, ag.RMSE, ag.RBO)
		}
		b.Screenshot(t, "11-ground-truth")
	}) {
		return
	}

	t.Run("downloads", func(t *testing.T) {
		got := bt.Eval[shown](t, b, readShown)
		b.Run(t, "saving JSON", chromedp.Click(bt.TestID("download-json")))
		var doc site.Export
		if err := json.Unmarshal(waitDownload(t, b.Downloads, ".json"), &doc); err != nil {
			t.Fatal(err)
		}
		if !near(doc.P, got.P) || doc.Method.ID != got.Method || len(doc.Modality) != 4 || doc.Truth == nil {
			t.Errorf("saved JSON: p %v method %q, %d modalities, truth %v; screen p %v method %q", doc.P, doc.Method.ID, len(doc.Modality), doc.Truth != nil, got.P, got.Method)
		}
		for i, m := range doc.Modality {
			if math.Abs(m.Share-got.Shares[i]) > 1e-4 {
				t.Errorf("saved share %d = %v, screen %v", i, m.Share, got.Shares[i])
			}
		}
		b.Run(t, "saving SVG", chromedp.Click(bt.TestID("download-svg")))
		svg := waitDownload(t, b.Downloads, ".svg")
		if err := xml.Unmarshal(svg, new(struct{ XMLName xml.Name })); err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("saved SVG does not parse: %v", err)
		}
		b.Run(t, "saving PNG", chromedp.Click(bt.TestID("download-png")))
		img, err := png.Decode(bytes.NewReader(waitDownload(t, b.Downloads, ".png")))
		if err != nil {
			t.Fatal(err)
		}
		if w := img.Bounds().Dx(); w != 1280 {
			t.Errorf("saved PNG is %d pixels wide, want 1280 (the 640-wide chart at 2x)", w)
		}
		if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="error"]').length`); n != 0 {
			t.Errorf("%d errors on the page after saving", n)
		}
	})

	// Screenshots for people: the default model, a case it is not certain about, the
	// paper's gradient and KernelSHAP, each with its ground-truth check.
	t.Run("screenshots", func(t *testing.T) {
		selectOption(t, b, "model-select", "shipped:"+idx.Models[0].File)
		b.WaitFor(t, "the first model again", `document.querySelector('[data-testid="prediction"]')?.dataset.model === "shipped:`+idx.Models[0].File+`"`)
		selectOption(t, b, "method-select", "gradient")
		waitMethod(t, b, "gradient")
		for i := 2; i < 16; i++ {
			if p := bt.Eval[float64](t, b, `+document.querySelector('[data-testid="prediction"]').dataset.p`); p > 0.15 && p < 0.85 {
				break
			}
			b.Run(t, "the next example case", chromedp.Click(bt.TestID("example-case")))
			b.WaitFor(t, fmt.Sprintf("example case %d", i), fmt.Sprintf(`document.querySelector('.example .note.ok').textContent.includes("example case %d:")`, i))
			waitMethod(t, b, "gradient")
		}
		b.Run(t, "running the check", clickJS("truth-run"))
		b.WaitLong(t, "the gradient check", `document.querySelector('[data-testid="truth-check"]')?.dataset.method === "gradient"`, bt.BackgroundTimeout)
		b.WaitFor(t, "the saliency", `document.querySelectorAll('[data-testid="saliency"] img.pixelated').length === 2`)
		b.Run(t, "scrolling up", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		b.Screenshot(t, "docs-gradient")
		// A scenario whose modalities matter unequally (F7 when shipped), with KernelSHAP.
		other := idx.Models[len(idx.Models)-1].File
		for _, m := range idx.Models {
			if strings.HasPrefix(m.File, "F7") {
				other = m.File
			}
		}
		selectOption(t, b, "model-select", "shipped:"+other)
		b.WaitFor(t, "the other model", `document.querySelector('[data-testid="prediction"]')?.dataset.model === "shipped:`+other+`"`)
		selectOption(t, b, "method-select", "kernelshap")
		waitMethod(t, b, "kernelshap")
		b.Run(t, "running the check", clickJS("truth-run"))
		b.WaitLong(t, "the KernelSHAP check", `document.querySelector('[data-testid="truth-check"]')?.dataset.method === "kernelshap"`, bt.BackgroundTimeout)
		b.WaitFor(t, "the saliency", `document.querySelectorAll('[data-testid="saliency"] img.pixelated').length === 2`)
		b.Run(t, "scrolling up", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		b.Screenshot(t, "docs-kernelshap")
	})

	names := []string{"interactive", "default model opened", "opening the model file", "first prediction", "navigation to first prediction", "navigation to first occlusion explanation", "render after the example case", "encode one image", "full explanation, both images (mean of 20)", "full explanation, the next 20", "saliency", "saliency of both images (mean of 20)", "saliency of both images, the next 20", "prediction to saliency shown",
		"clinical edit to new prediction on screen", "head-only re-explanation (mean of 5000)", "reference cohort (200 cases)",
		"KernelSHAP for one case (off the event handler)", "ground-truth check (200 cases)", "drawing the check's cases (in the worker)", "longest time between two frames during the check"}
	for _, n := range names {
		if v, ok := timings[n]; ok {
			t.Logf("browser timing: %-50s %10.4f ms", n, v)
		}
	}
}

func mustMeta(t *testing.T, path string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, meta, err := fusion.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return meta.Scenario
}
