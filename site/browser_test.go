//go:build !js

package site

// Browser tests: build the site with ../build.sh once per test binary, serve it on
// 127.0.0.1 and drive headless Chromium through it with chromedp, watching every network
// request. They skip without chromium (and fail without it under CI=true).

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/internal/testtool"
)

var (
	buildOnce sync.Once
	buildDir  string // the built site, shared by every browser test of this binary
	buildErr  error
	buildRoot string // temporary folder holding buildDir, removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildRoot != "" {
		os.RemoveAll(buildRoot)
	}
	os.Exit(code)
}

// builtSite runs ../build.sh into a temporary folder, once per test binary.
func builtSite(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := os.MkdirTemp("", "fusionlens-site-")
		if err != nil {
			buildErr = err
			return
		}
		buildRoot = root
		dir := filepath.Join(root, "dist")
		cmd := exec.Command("bash", "../build.sh")
		cmd.Env = append(os.Environ(), "DIST="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build.sh: %v\n%s", err, out)
			return
		}
		buildDir = dir
		fmt.Fprintf(os.Stderr, "%s", out)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}

// siteServer serves dir on 127.0.0.1 and records every request it receives, so a test
// can prove that the page only ever fetches its own files.
type siteServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "METHOD /path status"
	bad      []string // requests that carried a body or were not GET/HEAD
}

func newSiteServer(t *testing.T, dir string) *siteServer {
	t.Helper()
	s := &siteServer{}
	files := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := fmt.Sprintf("%s %s (%d bytes body)", r.Method, r.URL.Path, r.ContentLength)
		s.mu.Lock()
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.ContentLength > 0 {
			s.bad = append(s.bad, line)
		}
		s.mu.Unlock()
		w.Header().Set("Cache-Control", "no-cache")
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		files.ServeHTTP(sw, r)
		s.mu.Lock()
		s.requests = append(s.requests, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, sw.status))
		s.mu.Unlock()
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, b := range s.bad {
			t.Errorf("server received a request that sends data: %s", b)
		}
	})
	return s
}

// served counts the responses with the given path and status.
func (s *siteServer) served(path string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasSuffix(r, fmt.Sprintf(" %s %d", path, status)) {
			n++
		}
	}
	return n
}

// statusWriter records the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// browser is one headless Chromium tab on a fresh profile, with its network watched.
type browser struct {
	ctx    context.Context
	t      *testing.T
	origin string

	mu      sync.Mutex
	console []string
	leaks   []string
}

func newBrowser(t *testing.T, origin string) *browser {
	t.Helper()
	exe := testtool.Command(t, "chromium")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1360, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &browser{ctx: ctx, t: t, origin: origin}
	t.Cleanup(func() { cancelTab(); cancelAlloc() })

	// Subscribe before the first navigation so no request or message is missed.
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if why := b.leak(ev.Request); why != "" {
				b.mu.Lock()
				b.leaks = append(b.leaks, why)
				b.mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			b.mu.Lock()
			b.console = append(b.console, string(ev.Type)+": "+strings.Join(parts, " "))
			b.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text+" "+exceptionDesc(ev))
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, l := range b.leaks {
			t.Errorf("network request leaving the page's origin or carrying data: %s", l)
		}
		if t.Failed() {
			for _, c := range b.console {
				t.Logf("browser console: %s", c)
			}
		}
	})
	return b
}

func exceptionDesc(ev runtime.EventExceptionThrown) string {
	if ev.ExceptionDetails.Exception != nil {
		return ev.ExceptionDetails.Exception.Description
	}
	return ""
}

// leak says why a request is not allowed, or "" when it is: only GET/HEAD of this
// origin's own files, and data:/blob: URLs (which never leave the browser).
func (b *browser) leak(r *network.Request) string {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "unparsable URL " + r.URL
	}
	switch u.Scheme {
	case "data", "blob":
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if origin != b.origin {
		return r.Method + " " + r.URL + " (another origin)"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return r.Method + " " + r.URL
	}
	if r.HasPostData || len(r.PostDataEntries) > 0 {
		return r.Method + " " + r.URL + " carries a body"
	}
	return ""
}

// run runs actions with a timeout, failing the test on error.
func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition (which may return a promise) until it is true.
// (chromedp.Poll builds its predicate with new Function, which the page's CSP forbids.)
func (b *browser) waitFor(t *testing.T, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(async () => !!("+cond+"))()", chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%s): last result %v, %v", what, cond, ok, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// load navigates to the page and waits until the wasm app has rendered; it returns the
// time from navigation start to the first render, in milliseconds.
func (b *browser) load(t *testing.T, u string) float64 {
	t.Helper()
	b.run(t, "navigating to "+u, chromedp.Navigate(u))
	b.waitFor(t, "the app's first render", `typeof window.fusionlensReady === "number"`)
	return eval[float64](t, b, `window.fusionlensReady`)
}

// alive checks that the Go program still runs: a click re-renders the page.
func (b *browser) alive(t *testing.T, what string) {
	t.Helper()
	b.run(t, what+": switching to the validation tab", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(2)`)))
	b.waitFor(t, what+": validation section", `!!document.querySelector("section.validation")`)
	b.run(t, what+": switching back", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(1)`)))
	b.waitFor(t, what+": inputs column", `!!document.querySelector("section.inputs")`)
}

// screenshot saves a full-page PNG in $SCREENSHOT_DIR (or the test's temp folder).
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// testid is the CSS selector of a data-testid.
func testid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

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
	dir := builtSite(t)
	logSizes(t, dir)
	srv := newSiteServer(t, dir)
	b := newBrowser(t, srv.URL)

	ms := b.load(t, srv.URL+"/")
	compiled := eval[float64](t, b, `window.fusionlensCompiled`)
	started := eval[float64](t, b, `window.fusionlensMain`)
	t.Logf("page interactive (first render) %.0f ms after navigation start: wasm downloaded, inflated and compiled at %.0f ms, Go initialised at %.0f ms",
		ms, compiled, started)

	t.Run("shell", func(t *testing.T) {
		for _, id := range []string{"upload-ct-axial", "upload-ct-coronal", "example-case", "model-select", "model-upload", "method-select"} {
			if n := eval[int](t, b, `document.querySelectorAll('[data-testid="`+id+`"]').length`); n != 1 {
				t.Errorf("data-testid %q: %d elements, want 1", id, n)
			}
		}
		privacy := eval[string](t, b, `document.querySelector(".privacy").textContent`)
		if !strings.Contains(privacy, "nothing you load leaves this machine") {
			t.Errorf("privacy statement %q", privacy)
		}
		// No model: no numbers at all, and a plain statement instead.
		if n := eval[int](t, b, `document.querySelectorAll('[data-testid="prediction"], [data-testid="modality-importance"]').length`); n != 0 {
			t.Errorf("%d prediction/importance elements shown without a model", n)
		}
		if txt := eval[string](t, b, `document.querySelector("section.results").textContent`); !strings.Contains(txt, "Model not loaded yet") {
			t.Errorf("results column says %q, want it to say the model is not loaded", txt)
		}
		b.screenshot(t, "01-empty")
		b.run(t, "opening the validation tab", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(2)`)))
		b.waitFor(t, "the validation section", `!!document.querySelector("section.validation")`)
		if txt := eval[string](t, b, `document.querySelector("section.validation").textContent`); !strings.Contains(txt, "No validation results are shipped") || !strings.Contains(txt, "0.122") {
			t.Errorf("validation section without results says %q", txt)
		}
		b.screenshot(t, "01-validation")
		b.run(t, "back to the explainer", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(1)`)))
		b.waitFor(t, "the inputs column", `!!document.querySelector("section.inputs")`)
	})

	t.Run("example-case", func(t *testing.T) {
		b.run(t, "clicking the example case", chromedp.Click(testid("example-case")))
		b.waitFor(t, "both example images", `document.querySelectorAll('.slot .views img').length === 4`)
		empty := eval[int](t, b, `[...document.querySelectorAll('[data-testid^="clinical-"]')].filter(e => e.value === "").length`)
		fields := eval[int](t, b, `document.querySelectorAll('[data-testid^="clinical-"]').length`)
		if fields != 20 || empty != 0 {
			t.Errorf("%d clinical fields, %d left empty by the example case", fields, empty)
		}
		note := eval[string](t, b, `document.querySelector('.example .note.ok').textContent`)
		if !strings.Contains(note, "synthetic") {
			t.Errorf("example note %q does not say it is synthetic", note)
		}
		if n := eval[int](t, b, `document.querySelectorAll('[data-testid="prediction"]').length`); n != 0 {
			t.Error("a prediction appeared without a model")
		}
		b.screenshot(t, "02-example")
	})

	t.Run("bad-image-keeps-page-alive", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "broken.png")
		// A PNG signature followed by garbage.
		if err := os.WriteFile(bad, append([]byte("\x89PNG\r\n\x1a\n"), []byte("this is not an image at all")...), 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(t, "uploading a broken PNG", chromedp.SetUploadFiles(testid("upload-ct-axial"), []string{bad}))
		b.waitFor(t, "the axial error", `!!document.querySelector('.slot [data-testid="error"]')`)
		msg := eval[string](t, b, `document.querySelector('.slot [data-testid="error"]').textContent`)
		if !strings.Contains(msg, "broken.png") {
			t.Errorf("error %q does not name the file", msg)
		}
		b.alive(t, "after a broken image")
		b.screenshot(t, "03-bad-image")
	})

	t.Run("png-upload", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "axial.png")
		writePNG(t, f)
		b.run(t, "uploading a PNG", chromedp.SetUploadFiles(testid("upload-ct-axial"), []string{f}))
		b.waitFor(t, "the axial previews", `document.querySelectorAll('.slot:nth-child(1) .views img').length === 2`)
		if n := eval[int](t, b, `document.querySelectorAll('.slot:nth-child(1) [data-testid="error"]').length`); n != 0 {
			t.Errorf("a valid PNG left %d errors next to the axial input", n)
		}
		meta := eval[string](t, b, `document.querySelector('.slot:nth-child(1) .meta').textContent`)
		if !strings.Contains(meta, "axial.png") || !strings.Contains(meta, "PNG 64×64") {
			t.Errorf("axial description %q, want the file name and PNG 64×64", meta)
		}
		// The network view is a 28x28 PNG.
		w := eval[int](t, b, `(async () => { const i = document.querySelector('.slot:nth-child(1) .views img.pixelated'); await i.decode(); return i.naturalWidth; })()`)
		if w != 28 {
			t.Errorf("network view is %d pixels wide, want 28", w)
		}
	})

	t.Run("dicom-upload", func(t *testing.T) {
		dcm := pydicomFile(t, "CT_small.dcm")
		b.run(t, "uploading a DICOM file", chromedp.SetUploadFiles(testid("upload-ct-coronal"), []string{dcm}))
		b.waitFor(t, "the coronal previews", `document.querySelectorAll('.slot:nth-child(2) .views img').length === 2`)
		meta := eval[string](t, b, `document.querySelector('.slot:nth-child(2) .meta').textContent`)
		if !strings.Contains(meta, "DICOM CT 128×128") || !strings.Contains(meta, "HU") {
			t.Errorf("coronal description %q, want DICOM CT 128×128 in HU", meta)
		}
		// Monochrome DICOM offers a window choice; choosing one re-decodes the file.
		b.run(t, "choosing the lung window", chromedp.SetValue(chromedp.CSS(`.slot:nth-child(2) select`), "lung"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('.slot:nth-child(2) select').dispatchEvent(new Event("change", {bubbles: true}))`))
		b.waitFor(t, "the lung window", `document.querySelector('.slot:nth-child(2) .meta').textContent.includes("W1500/L-600")`)
		b.screenshot(t, "04-images")
	})

	t.Run("clinical-values", func(t *testing.T) {
		// Select the field's text, then type: SendKeys fires the input events Vugu
		// listens to (SetValue would not).
		typeInto := func(name, text string) {
			t.Helper()
			sel := testid("clinical-" + name)
			b.run(t, "typing into "+name, chromedp.Focus(sel),
				chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="clinical-`+name+`"]').select()`),
				chromedp.SendKeys(sel, text))
		}
		fieldErr := `document.querySelector('[data-testid="clinical-sbp"]').closest(".field").querySelector('[data-testid="error"]')`
		typeInto("sbp", "400")
		b.waitFor(t, "the range error next to sbp", fieldErr+` !== null`)
		msg := eval[string](t, b, fieldErr+`.textContent`)
		if !strings.Contains(msg, "plausible range") {
			t.Errorf("sbp error %q, want the plausible range", msg)
		}
		b.screenshot(t, "05-clinical-error")
		typeInto("sbp", "128")
		b.waitFor(t, "the sbp error to clear", fieldErr+` === null`)
		// A multi-character decimal survives re-rendering while typing.
		typeInto("bmi", "27.5")
		b.waitFor(t, "bmi to hold 27.5", `document.querySelector('[data-testid="clinical-bmi"]').value === "27.5"`)
		if v := eval[string](t, b, `document.querySelector('[data-testid="clinical-sbp"]').value`); v != "128" {
			t.Errorf("sbp field holds %q, want 128", v)
		}
		b.alive(t, "after clinical input")
	})

	t.Run("model-upload-without-engine", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "model.flm")
		if err := os.WriteFile(f, []byte("not a model"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(t, "opening a model file", chromedp.SetUploadFiles(testid("model-upload"), []string{f}))
		b.waitFor(t, "the model error", `!!document.querySelector('.model [data-testid="error"]')`)
		if n := eval[int](t, b, `document.querySelectorAll('[data-testid="prediction"]').length`); n != 0 {
			t.Errorf("a prediction appeared without an engine")
		}
		b.alive(t, "after a model file")
	})
}

// TestBrowserOffline loads the site once, stops the server and reloads: the service
// worker must serve the whole app from its cache.
func TestBrowserOffline(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := builtSite(t)
	srv := newSiteServer(t, dir)
	b := newBrowser(t, srv.URL)
	b.load(t, srv.URL+"/")
	b.waitFor(t, "the service worker to control the page and fill its cache",
		`navigator.serviceWorker.controller !== null`)
	b.waitFor(t, "the cache to hold the wasm",
		`(async () => { for (const k of await caches.keys()) { if (await (await caches.open(k)).match("main.wasm.gz")) return true; } return false; })()`)
	// The first visit downloads the wasm once: the service worker's precache revalidates
	// the copy in the HTTP cache (304) rather than fetching it again.
	if n := srv.served("/main.wasm.gz", http.StatusOK); n != 1 {
		t.Errorf("main.wasm.gz downloaded in full %d times on the first visit, want 1", n)
	}
	srv.Close()
	if _, err := http.Get(srv.URL); err == nil {
		t.Fatal("server still answers after Close")
	}
	b.run(t, "reloading offline", chromedp.Reload())
	b.waitFor(t, "the app's first render offline", `typeof window.fusionlensReady === "number"`)
	b.alive(t, "offline")
	b.screenshot(t, "06-offline")
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
	b := &browser{origin: "http://127.0.0.1:4242"}
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
		if got := b.leak(&c.req) != ""; got != c.leak {
			t.Errorf("%s %s: leak %v, want %v", c.req.Method, c.req.URL, got, c.leak)
		}
	}
}

// TestStaticFilesStayLocal checks the page's own files name no other origin: no CDN,
// font or analytics URL, no inline script, and the Content-Security-Policy as designed.
func TestStaticFilesStayLocal(t *testing.T) {
	for _, name := range []string{"index.html", "loader.js", "sw.js", "style.css"} {
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
	s := NewState(nil)
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
		srv := newSiteServer(t, dir)
		b := newBrowser(t, srv.URL)
		b.run(t, "opening the rendered results", chromedp.Navigate(srv.URL+"/"))
		b.waitFor(t, "the prediction", `!!document.querySelector('[data-testid="prediction"]')`)
		vals := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="modality-importance"] > [data-modality]')].map(g => g.dataset.modality + "=" + g.dataset.value)`)
		if len(vals) != int(NumModalities) {
			t.Errorf("modality chart children %q", vals)
		}
		// The bars must be drawn: the CSS gives them their modality colour.
		fill := eval[string](t, b, `getComputedStyle(document.querySelector('[data-modality="clinical_a"] .bar')).fill`)
		if fill != "rgb(230, 159, 0)" {
			t.Errorf("clinical_a bar fill %q, want the modality colour", fill)
		}
		b.screenshot(t, "07-results-"+method)
	}
}
