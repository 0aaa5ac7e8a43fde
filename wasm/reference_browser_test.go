//go:build !js

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

// TestBrowserOpenedReference opens a paper-layout model from disk (so with no reference
// file: the image worker draws the reference cohort's phantoms, explainer.DrawReference,
// and the page encodes them itself, in batches, in wasm) and checks
// that the default method then explains the example case as the native engine does
// with the cohort encoded natively: the page's encoding matches within the test's
// tolerance. The shipped default model, opened first, comes with its reference file and
// shows its first occlusion explanation with no encoding.
func TestBrowserOpenedReference(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")
	b.WaitLong(t, "the first model", `!!document.querySelector('[data-testid="model-card"]')`, bt.BackgroundTimeout)
	if note := bt.Eval[string](t, b, `document.querySelector('[data-testid="reference-note"]')?.textContent || ""`); !strings.Contains(note, "encoded when the site was built") {
		t.Errorf("shipped model's reference note %q; want it to say the cohort was encoded when the site was built", note)
	}
	b.Run(t, "the example case", clickJS("example-case"))
	b.WaitFor(t, "the first model's prediction", `!!document.querySelector('[data-testid="prediction"]')`)
	model := filepath.Join(dir, "models", "F0-sum-all.flns")
	b.Run(t, "opening the model", chromedp.SetUploadFiles(bt.TestID("model-upload"), []string{model}))
	b.WaitFor(t, "the opened model's prediction", `document.querySelector('[data-testid="prediction"]')?.dataset.model?.startsWith("opened:")`)
	b.WaitLong(t, "the page's own reference cohort", `(document.querySelector('[data-testid="reference-note"]') || {}).textContent?.includes("encoded in")`, bt.BackgroundTimeout)
	native := loadNative(t, model)
	got := waitMethod(t, b, "occlusion")
	compare(t, "occlusion against the page's own reference cohort", got, native.explain(t, exampleCase(t), "occlusion"), false)
	// The page records that it encoded the cohort itself (a shipped model's leaves the
	// timing unset); how long it took is a figure for BENCHMARKS.md, not asserted.
	if !bt.Eval[bool](t, b, `typeof window.fusionlensTimings.referenceMS === "number" && window.fusionlensTimings.referenceMS !== 0`) {
		t.Error("the page recorded no encoding of its own reference cohort for the opened model")
	}
	ms := bt.Eval[float64](t, b, `window.fusionlensTimings.referenceMS`)
	t.Logf("browser timing: reference cohort (200 cases, in the page) %10.1f ms", ms)
}
