//go:build !js

package site

// Browser tests of the page's inputs and layout: the site is built with ../build.sh and
// driven in headless Chromium through internal/browsertest, which fails any test whose
// page sends a request to another origin or one carrying data. The engine's numbers are
// checked in engine_browser_test.go.

import (
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
	"github.com/fusionlens/fusionlens/modality"
)

func TestMain(m *testing.M) {
	code := m.Run()
	bt.Cleanup()
	os.Exit(code)
}

// writePNG writes a 64x64 grey test image (a bright disc on a dark ramp).
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			v := uint8(x * 2)
			if dx, dy := x-40, y-24; dx*dx+dy*dy < 100 {
				v = 230
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserExplainer(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	logSizes(t, dir)
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)

	ms := b.Load(t, srv.URL+"/")
	compiled := bt.Eval[float64](t, b, `window.fusionlensCompiled`)
	started := bt.Eval[float64](t, b, `window.fusionlensMain`)
	t.Logf("page interactive (first render) %.0f ms after navigation start: wasm downloaded, inflated and compiled at %.0f ms, Go initialised at %.0f ms",
		ms, compiled, started)

	t.Run("shell", func(t *testing.T) {
		for _, id := range []string{"upload-ct-axial", "upload-ct-coronal", "example-case", "model-select", "model-upload", "method-select"} {
			if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="`+id+`"]').length`); n != 1 {
				t.Errorf("data-testid %q: %d elements, want 1", id, n)
			}
		}
		privacy := bt.Eval[string](t, b, `document.querySelector(".privacy").textContent`)
		if !strings.Contains(privacy, "nothing you load leaves this machine") {
			t.Errorf("privacy statement %q", privacy)
		}
		// The first shipped model opens by itself; with no case yet the results column
		// says what it waits for and shows no numbers.
		b.WaitFor(t, "the first model to load", `!!document.querySelector('[data-testid="model-card"]')`)
		if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="prediction"], [data-testid="modality-importance"]').length`); n != 0 {
			t.Errorf("%d prediction/importance elements shown without a case", n)
		}
		if txt := bt.Eval[string](t, b, `document.querySelector("section.results").textContent`); !strings.Contains(txt, "Waiting for the axial image") {
			t.Errorf("results column says %q, want it to wait for the images", txt)
		}
		b.Screenshot(t, "01-empty")
		b.Run(t, "opening the validation tab", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(2)`)))
		b.WaitFor(t, "the validation section", `!!document.querySelector("section.validation")`)
		if _, err := os.Stat(filepath.Join(dir, "models", "validation.json")); err == nil {
			b.WaitFor(t, "the shipped validation results", `!!document.querySelector("section.validation table.numbers td.num")`)
		} else {
			b.WaitFor(t, "the validation results read", `!document.querySelector("section.validation")?.textContent.includes("Reading this build's validation results")`)
		}
		txt := bt.Eval[string](t, b, `document.querySelector("section.validation").textContent`)
		if _, err := os.Stat(filepath.Join(dir, "models", "validation.json")); err != nil && !strings.Contains(txt, "No validation results are shipped") {
			t.Errorf("validation section without results says %q", txt)
		}
		if !strings.Contains(txt, "0.122") {
			t.Errorf("validation section lacks the paper's reference: %q", txt)
		}
		b.Screenshot(t, "01-validation")
		b.Run(t, "back to the explainer", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(1)`)))
		b.WaitFor(t, "the inputs column", `!!document.querySelector("section.inputs")`)
	})

	t.Run("example-case", func(t *testing.T) {
		b.Run(t, "clicking the example case", chromedp.Click(bt.TestID("example-case")))
		b.WaitFor(t, "both example images", `document.querySelectorAll('.slot .views img, .slot .views canvas').length === 4`)
		empty := bt.Eval[int](t, b, `[...document.querySelectorAll('[data-testid^="clinical-"]')].filter(e => e.value === "").length`)
		fields := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid^="clinical-"]').length`)
		if fields != 20 || empty != 0 {
			t.Errorf("%d clinical fields, %d left empty by the example case", fields, empty)
		}
		note := bt.Eval[string](t, b, `document.querySelector('.example .note.ok').textContent`)
		if !strings.Contains(note, "synthetic") {
			t.Errorf("example note %q does not say it is synthetic", note)
		}
		b.WaitFor(t, "the prediction", `!!document.querySelector('[data-testid="prediction"]')`)
		p := bt.Eval[float64](t, b, `+document.querySelector('[data-testid="prediction"]').dataset.p`)
		text := bt.Eval[string](t, b, `document.querySelector('[data-testid="prediction"] .p-num').textContent`)
		if !(p > 0 && p < 1) || !regexp.MustCompile(`p\(.*\) (= [01]\.\d{3}|< 0\.001|> 0\.999)$`).MatchString(text) {
			t.Errorf("prediction p = %v shown as %q, want a probability", p, text)
		}
		b.WaitFor(t, "the modality chart", `!!document.querySelector('[data-testid="modality-importance"]')`)
		sum := bt.Eval[float64](t, b, `[...document.querySelectorAll('[data-testid="modality-importance"] > [data-modality]')].reduce((s, g) => s + +g.dataset.value, 0)`)
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("modality shares sum to %v, want 1", sum)
		}
		b.Screenshot(t, "02-example")
	})

	t.Run("bad-image-keeps-page-alive", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "broken.png")
		// A PNG signature followed by garbage.
		if err := os.WriteFile(bad, append([]byte("\x89PNG\r\n\x1a\n"), []byte("this is not an image at all")...), 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		b.Run(t, "uploading a broken PNG", chromedp.SetUploadFiles(bt.TestID("upload-ct-axial"), []string{bad}))
		b.WaitFor(t, "the axial error", `!!document.querySelector('.slot [data-testid="error"]')`)
		t.Logf("first upload (a broken PNG) to its error on the page, starting the image worker: %v", time.Since(start).Round(time.Millisecond))
		msg := bt.Eval[string](t, b, `document.querySelector('.slot [data-testid="error"]').textContent`)
		if !strings.Contains(msg, "broken.png") {
			t.Errorf("error %q does not name the file", msg)
		}
		b.Alive(t, "after a broken image")
		b.Screenshot(t, "03-bad-image")
	})

	t.Run("png-upload", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "axial.png")
		writePNG(t, f)
		start := time.Now()
		b.Run(t, "uploading a PNG", chromedp.SetUploadFiles(bt.TestID("upload-ct-axial"), []string{f}))
		// Decoding runs in a Web Worker: wait for the slot to describe the new file.
		b.WaitFor(t, "the axial previews", `document.querySelectorAll('.slot:nth-child(1) .views img, .slot:nth-child(1) .views canvas').length === 2 && document.querySelector('.slot:nth-child(1) .meta').textContent.includes("axial.png")`)
		t.Logf("PNG upload to its description on the page: %v (the image worker already started by the broken PNG)", time.Since(start).Round(time.Millisecond))
		if n := bt.Eval[int](t, b, `document.querySelectorAll('.slot:nth-child(1) [data-testid="error"]').length`); n != 0 {
			t.Errorf("a valid PNG left %d errors next to the axial input", n)
		}
		meta := bt.Eval[string](t, b, `document.querySelector('.slot:nth-child(1) .meta').textContent`)
		if !strings.Contains(meta, "axial.png") || !strings.Contains(meta, "PNG 64×64") {
			t.Errorf("axial description %q, want the file name and PNG 64×64", meta)
		}
		// The network view is a 28x28 PNG.
		w := bt.Eval[int](t, b, `(async () => { const i = document.querySelector('.slot:nth-child(1) .views img.pixelated'); await i.decode(); return i.naturalWidth; })()`)
		if w != 28 {
			t.Errorf("network view is %d pixels wide, want 28", w)
		}
		// The preview is drawn into a canvas the size of the image (too large for a data:
		// URL through Vugu): the disc's centre is bright, the corner dark.
		pv := bt.Eval[[]int](t, b, `(() => { const c = document.querySelector('.slot:nth-child(1) .views .picture canvas'); const x = c.getContext('2d'); return [c.width, c.height, x.getImageData(40, 24, 1, 1).data[0], x.getImageData(0, 0, 1, 1).data[0]]; })()`)
		if len(pv) != 4 || pv[0] != 64 || pv[1] != 64 || pv[2] < pv[3]+100 {
			t.Errorf("preview canvas (width, height, centre, corner) = %v, want 64, 64, bright, dark", pv)
		}
	})

	t.Run("dicom-upload", func(t *testing.T) {
		dcm := pydicomFile(t, "CT_small.dcm")
		b.Run(t, "uploading a DICOM file", chromedp.SetUploadFiles(bt.TestID("upload-ct-coronal"), []string{dcm}))
		b.WaitFor(t, "the coronal previews", `document.querySelectorAll('.slot:nth-child(2) .views img, .slot:nth-child(2) .views canvas').length === 2 && document.querySelector('.slot:nth-child(2) .meta').textContent.includes("DICOM")`)
		meta := bt.Eval[string](t, b, `document.querySelector('.slot:nth-child(2) .meta').textContent`)
		if !strings.Contains(meta, "DICOM CT 128×128") || !strings.Contains(meta, "HU") {
			t.Errorf("coronal description %q, want DICOM CT 128×128 in HU", meta)
		}
		if w := bt.Eval[int](t, b, `document.querySelector('.slot:nth-child(2) .views .picture canvas').width`); w != 128 {
			t.Errorf("DICOM preview canvas is %d pixels wide, want 128", w)
		}
		// Monochrome DICOM offers a window choice; choosing one re-decodes the file.
		b.Run(t, "choosing the lung window", chromedp.SetValue(chromedp.CSS(`.slot:nth-child(2) select`), "lung"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('.slot:nth-child(2) select').dispatchEvent(new Event("change", {bubbles: true}))`))
		b.WaitFor(t, "the lung window", `document.querySelector('.slot:nth-child(2) .meta').textContent.includes("W1500/L-600")`)
		b.Screenshot(t, "04-images")
	})

	t.Run("clinical-values", func(t *testing.T) {
		// Select the field's text, then type: SendKeys fires the input events Vugu
		// listens to (SetValue would not).
		typeInto := func(name, text string) {
			t.Helper()
			sel := bt.TestID("clinical-" + name)
			b.Run(t, "typing into "+name, chromedp.Focus(sel),
				chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="clinical-`+name+`"]').select()`),
				chromedp.SendKeys(sel, text))
		}
		fieldErr := `document.querySelector('[data-testid="clinical-sbp"]').closest(".field").querySelector('[data-testid="error"]')`
		typeInto("sbp", "400")
		b.WaitFor(t, "the range error next to sbp", fieldErr+` !== null`)
		msg := bt.Eval[string](t, b, fieldErr+`.textContent`)
		if !strings.Contains(msg, "plausible range") {
			t.Errorf("sbp error %q, want the plausible range", msg)
		}
		b.Screenshot(t, "05-clinical-error")
		typeInto("sbp", "128")
		b.WaitFor(t, "the sbp error to clear", fieldErr+` === null`)
		// A multi-character decimal survives re-rendering while typing.
		typeInto("bmi", "27.5")
		b.WaitFor(t, "bmi to hold 27.5", `document.querySelector('[data-testid="clinical-bmi"]').value === "27.5"`)
		if v := bt.Eval[string](t, b, `document.querySelector('[data-testid="clinical-sbp"]').value`); v != "128" {
			t.Errorf("sbp field holds %q, want 128", v)
		}
		b.Alive(t, "after clinical input")
	})

	t.Run("model-upload-errors", func(t *testing.T) {
		dir := t.TempDir()
		junk := filepath.Join(dir, "model.flns")
		if err := os.WriteFile(junk, []byte("not a model"), 0o644); err != nil {
			t.Fatal(err)
		}
		// A real model file cut short.
		idx := bt.Eval[string](t, b, `fetch("models/index.json").then(r => r.json()).then(j => j.models[0].file)`)
		real, err := os.ReadFile(filepath.Join(bt.Site(t), "models", idx))
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(dir, "cut.flns")
		if err := os.WriteFile(cut, real[:len(real)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{junk, cut} {
			b.Run(t, "opening "+f, chromedp.SetUploadFiles(bt.TestID("model-upload"), []string{f}))
			name := filepath.Base(f)
			b.WaitFor(t, "the model error", `(document.querySelector('.model [data-testid="error"]') || {}).textContent?.includes("`+name+`")`)
		}
		// The model that was loaded stays, and so does its prediction.
		if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="model-card"]').length`); n != 1 {
			t.Errorf("the loaded model went away after bad files")
		}
		b.Screenshot(t, "06-model-error")
		b.Alive(t, "after bad model files")
	})
}

// TestBrowserOffline loads the site once, stops the server and reloads: the service
// worker must serve the whole app from its cache.
func TestBrowserOffline(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	checkPrecache(t, dir)
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")
	b.WaitFor(t, "the service worker to control the page and fill its cache",
		`navigator.serviceWorker.controller !== null`)
	b.WaitFor(t, "the cache to hold the wasm",
		`(async () => { for (const k of await caches.keys()) { if (await (await caches.open(k)).match("main.wasm.gz")) return true; } return false; })()`)
	// The ground-truth check's worker is precached too, so the check also works offline.
	b.WaitFor(t, "the cache to hold the check worker",
		`(async () => { for (const k of await caches.keys()) { const c = await caches.open(k); if (await c.match("check.js") && await c.match("check.wasm.gz")) return true; } return false; })()`)
	// The first visit downloads the wasm once: the service worker's precache revalidates
	// the copy in the HTTP cache (304) rather than fetching it again.
	if n := srv.Served("/main.wasm.gz", http.StatusOK); n != 1 {
		t.Errorf("main.wasm.gz downloaded in full %d times on the first visit, want 1", n)
	}
	srv.Close()
	if _, err := http.Get(srv.URL); err == nil {
		t.Fatal("server still answers after Close")
	}
	b.Run(t, "reloading offline", chromedp.Reload())
	b.WaitFor(t, "the app's first render offline", `typeof window.fusionlensReady === "number"`)
	b.Alive(t, "offline")
	// The default model was precached: offline, the example case is still explained.
	b.WaitFor(t, "the default model offline", `!!document.querySelector('[data-testid="model-card"]')`)
	b.Run(t, "loading the example case offline", chromedp.Click(bt.TestID("example-case")))
	b.WaitFor(t, "an explanation offline", `!!document.querySelector('[data-testid="modality-importance"]')`)
	b.Screenshot(t, "08-offline")
}

// checkPrecache checks the service worker's precache list in the built site: a URL in it
// that the build lacks makes the worker's install fail (cache.addAll rejects) with nothing
// on the page, so every listed file must exist, and every file index.html loads must be
// listed (the ones build.sh writes at build time, vugu-helper.js and wasm_exec.js,
// included).
func checkPrecache(t *testing.T, dir string) {
	t.Helper()
	sw, err := os.ReadFile(filepath.Join(dir, "sw.js"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^const ASSETS = \[(.*)\];$`).FindSubmatch(sw)
	if m == nil {
		t.Fatal("the built sw.js has no ASSETS list")
	}
	listed := map[string]bool{}
	for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllSubmatch(m[1], -1) {
		a := string(q[1])
		listed[a] = true
		file := a
		if a == "./" {
			file = "index.html"
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
			t.Errorf("the service worker precaches %q, which the build lacks", a)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllSubmatch(page, -1) {
		if a := string(q[1]); !listed[a] {
			t.Errorf("index.html loads %q, which the service worker does not precache", a)
		}
	}
	for _, a := range []string{"./", "main.wasm.gz", "vugu-helper.js", "wasm_exec.js", "models/index.json"} {
		if !listed[a] {
			t.Errorf("the service worker does not precache %q", a)
		}
	}
}

// pydicomFile returns a real DICOM file shipped by Debian's python3-pydicom.
func pydicomFile(t *testing.T, name string) string {
	t.Helper()
	for _, dir := range []string{"/usr/lib/python3/dist-packages/pydicom/data/test_files"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	matches, _ := filepath.Glob("/usr/lib/python3*/*-packages/pydicom/data/test_files/" + name)
	if len(matches) > 0 {
		return matches[0]
	}
	return testtool.File(t, "/usr/lib/python3/dist-packages/pydicom/data/test_files/"+name)
}

func logSizes(t *testing.T, dir string) {
	t.Helper()
	raw, err1 := os.Stat(filepath.Join(dir, "main.wasm"))
	gz, err2 := os.Stat(filepath.Join(dir, "main.wasm.gz"))
	if err1 != nil || err2 != nil {
		t.Fatalf("built site lacks main.wasm or main.wasm.gz: %v %v", err1, err2)
	}
	t.Logf("main.wasm %d bytes raw, %d bytes gzip -9 (%.2f MB)", raw.Size(), gz.Size(), float64(gz.Size())/1e6)
}

// TestLeakDetector checks the request filter the browser tests rely on.
func TestLeakDetector(t *testing.T) {
	b := bt.NewLeakChecker("http://127.0.0.1:4242")
	for _, c := range []struct {
		req  network.Request
		leak bool
	}{
		{network.Request{URL: "http://127.0.0.1:4242/main.wasm.gz", Method: "GET"}, false},
		{network.Request{URL: "data:image/png;base64,AAAA", Method: "GET"}, false},
		{network.Request{URL: "blob:http://127.0.0.1:4242/0b7e", Method: "GET"}, false},
		{network.Request{URL: "http://127.0.0.1:4243/x", Method: "GET"}, true},
		{network.Request{URL: "https://cdn.example.com/font.woff2", Method: "GET"}, true},
		{network.Request{URL: "http://127.0.0.1:4242/upload", Method: "POST"}, true},
		{network.Request{URL: "http://127.0.0.1:4242/x", Method: "GET", HasPostData: true}, true},
	} {
		if got := b.Leak(&c.req) != ""; got != c.leak {
			t.Errorf("%s %s: leak %v, want %v", c.req.Method, c.req.URL, got, c.leak)
		}
	}
}

// TestStaticFilesStayLocal checks the page's own files name no other origin: no CDN,
// font or analytics URL, no inline script, and the Content-Security-Policy as designed.
func TestStaticFilesStayLocal(t *testing.T) {
	for _, name := range []string{"index.html", "loader.js", "sw.js", "style.css", "check.js"} {
		data, err := os.ReadFile(filepath.Join("static", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "@import", "url("} {
			if strings.Contains(string(data), bad) {
				t.Errorf("static/%s contains %q", name, bad)
			}
		}
	}
	html, _ := os.ReadFile(filepath.Join("static", "index.html"))
	const csp = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'`
	if !strings.Contains(string(html), `http-equiv="Content-Security-Policy" content="`+csp+`"`) {
		t.Error("index.html lacks the designed Content-Security-Policy")
	}
	if n := strings.Count(string(html), "<script"); n != strings.Count(string(html), `<script src="`) {
		t.Error("index.html has an inline script")
	}
}

// TestBrowserResultsLayout draws the results column as the page would with a loaded
// model: the test engine's explanation of the first example case is rendered natively
// (Vugu's static renderer builds the same DOM) and shown in Chromium with the real
// stylesheet and Content-Security-Policy, for a screenshot. Nothing of this is shipped.
func TestBrowserResultsLayout(t *testing.T) {
	testtool.Command(t, "chromium")
	s := withExamples(t, NewState(nil))
	s.LoadExample()
	eng := &testEngine{}
	s.SetEngine(eng, "test", "Loaded test model (test accuracy 95.0 %)")
	for _, method := range []string{"gradient", "occlusion"} {
		s.SetMethod(method)
		if s.Result == nil {
			t.Fatalf("no result: %s", s.ResultErr)
		}
		salA, salC, err := eng.Saliency(s.Axial.Pixels, s.Coronal.Pixels, s.clinicalStd())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Axial.setSaliency(salA); err != nil {
			t.Fatal(err)
		}
		if err := s.Coronal.setSaliency(salC); err != nil {
			t.Fatal(err)
		}
		page := render(t, s)
		dir := t.TempDir()
		css, err := os.ReadFile(filepath.Join("static", "style.css"))
		if err != nil {
			t.Fatal(err)
		}
		html, err := os.ReadFile(filepath.Join("static", "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		// The static page: index.html's head (CSP, stylesheet), the rendered app, no scripts.
		head := string(html[:strings.Index(string(html), "<body>")])
		head = regexp.MustCompile(`<script[^>]*></script>\n`).ReplaceAllString(head, "")
		doc := head + "<body><div id=\"mount\">" + page + "</div></body></html>"
		for name, data := range map[string][]byte{"index.html": []byte(doc), "style.css": css} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		srv := bt.NewServer(t, dir)
		b := bt.New(t, srv.URL)
		b.Run(t, "opening the rendered results", chromedp.Navigate(srv.URL+"/"))
		b.WaitFor(t, "the prediction", `!!document.querySelector('[data-testid="prediction"]')`)
		vals := bt.Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="modality-importance"] > [data-modality]')].map(g => g.dataset.modality + "=" + g.dataset.value)`)
		if len(vals) != modality.Count {
			t.Errorf("modality chart children %q", vals)
		}
		// The bars must be drawn: the CSS gives them their modality colour.
		fill := bt.Eval[string](t, b, `getComputedStyle(document.querySelector('[data-modality="clinical_a"] .bar')).fill`)
		if fill != "rgb(230, 159, 0)" {
			t.Errorf("clinical_a bar fill %q, want the modality colour", fill)
		}
		b.Screenshot(t, "07-results-"+method)
	}
}
