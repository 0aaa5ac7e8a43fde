//go:build !js

// Package browsertest drives the built site in headless Chromium for the browser tests
// (the page's own in ../../site, the page with the real engine in ../../wasm): it builds
// the site once per test binary with build.sh at the module's root, serves it on
// 127.0.0.1 recording every request, and opens tabs on fresh profiles whose network
// traffic is watched, so that any request leaving the page's origin or carrying data
// fails the test. Tests skip without chromium (and fail without it under CI=true).
package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/internal/testtool"
)

var (
	buildOnce sync.Once
	buildDir  string // the built site, shared by every browser test of this binary
	buildErr  error
	tempRoot  string // temporary folder holding the build and test weights; see Cleanup
	tempOnce  sync.Once
)

// temp returns this test binary's temporary folder.
func temp() (string, error) {
	var err error
	tempOnce.Do(func() { tempRoot, err = os.MkdirTemp("", "fusionlens-site-") })
	if err == nil && tempRoot == "" {
		err = fmt.Errorf("no temporary folder")
	}
	return tempRoot, err
}

// Cleanup removes the build and test weights; call it from TestMain after m.Run.
func Cleanup() {
	if tempRoot != "" {
		os.RemoveAll(tempRoot)
	}
}

// Root returns the module's root folder (the one holding go.mod), found from the test's
// working folder upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the working folder")
		}
		dir = up
	}
}

// Site runs build.sh into a temporary folder once per test binary, with the shipped
// models from Weights, and returns the built folder. FUSIONLENS_SITE names a folder
// built before (by build.sh) to use instead, e.g. to time two builds side by side
// (BENCHMARKS.md, Browser).
func Site(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("FUSIONLENS_SITE"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "main.wasm.gz")); err != nil {
			t.Fatalf("FUSIONLENS_SITE=%s holds no built site: %v", dir, err)
		}
		return dir
	}
	buildOnce.Do(func() {
		root, err := temp()
		if err != nil {
			buildErr = err
			return
		}
		weights, err := Weights()
		if err != nil {
			buildErr = fmt.Errorf("test weights: %w", err)
			return
		}
		mod, err := Root()
		if err != nil {
			buildErr = err
			return
		}
		dir := filepath.Join(root, "dist")
		cmd := exec.Command("bash", filepath.Join(mod, "build.sh"))
		cmd.Env = append(os.Environ(), "DIST="+dir, "WEIGHTS="+weights)
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

// Server serves a folder on 127.0.0.1 and records every request it receives, so a test
// can prove that the page only ever fetches its own files.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "METHOD /path status"
	bad      []string // requests that carried a body or were not GET/HEAD
}

// NewServer serves dir until the test ends, failing the test if any request sent data.
func NewServer(t *testing.T, dir string) *Server {
	t.Helper()
	s := &Server{}
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

// Served counts the responses with the given path and status.
func (s *Server) Served(path string, status int) int {
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

// Browser is one headless Chromium tab on a fresh profile, with its network watched.
type Browser struct {
	Ctx       context.Context
	t         *testing.T
	origin    string
	Downloads string // folder the page's downloads are saved in

	mu      sync.Mutex
	console []string
	leaks   []string
}

// New starts Chromium for the test with a tab whose requests are watched: at the end of
// the test, any request that left origin or carried data is an error, and when the test
// failed the tab's console is logged.
func New(t *testing.T, origin string) *Browser {
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
		// Background work paces itself with timers; keep them running at full rate even
		// if the headless tab counts as hidden.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.WindowSize(1360, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &Browser{Ctx: ctx, t: t, origin: origin, Downloads: t.TempDir()}
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
			if why := b.Leak(ev.Request); why != "" {
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
			desc := ""
			if ev.ExceptionDetails.Exception != nil {
				desc = ev.ExceptionDetails.Exception.Description
			}
			b.mu.Lock()
			b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text+" "+desc)
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
	// Downloads go to a folder of the test (blob: URLs: they never touch the network).
	// The first call starts the browser, which lives as long as that call's context: no
	// timeout here.
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.Downloads}); err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	return b
}

// Console returns the tab's console messages so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// Leak says why a request is not allowed, or "" when it is: only GET/HEAD of this
// origin's own files, and data:/blob: URLs (which never leave the browser).
func (b *Browser) Leak(r *network.Request) string {
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

// NewLeakChecker returns a Browser value that only checks requests against origin (for
// testing Leak).
func NewLeakChecker(origin string) *Browser { return &Browser{origin: origin} }

// Deadlines of the browser actions. They bound a hung page; they do not assert speed
// (speed is measured in benchmarks). On a busy machine (CI runners with a load average of
// 12 and more on 2 cores were seen) compiling the wasm, opening a model or a page busy
// with background work takes a minute where an idle machine takes a second, and every
// command to the tab waits for the page's only thread: so they are generous, and a page
// that is really stuck still fails, only later.
const (
	// ActionTimeout bounds one Run (a navigation, a click, typed keys), one Eval and one
	// Screenshot.
	ActionTimeout = 2 * time.Minute
	// WaitTimeout bounds WaitFor: the page reaching a state (its first render after the
	// wasm compiled, a model opened, an explanation on screen).
	WaitTimeout = 3 * time.Minute
	// BackgroundTimeout bounds waits for the page's long background work (the reference
	// cohort, a ground-truth check, a KernelSHAP explanation): pass it to WaitLong and
	// EvalLong.
	BackgroundTimeout = 4 * time.Minute
	// pollTimeout bounds one evaluation of a WaitFor condition; a poll that times out
	// (the page busy) is repeated until the wait's own deadline.
	pollTimeout = 30 * time.Second
)

// Run runs actions within ActionTimeout, failing the test on error.
func (b *Browser) Run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression (awaiting a promise) within ActionTimeout.
func Eval[T any](t *testing.T, b *Browser, expr string) T {
	t.Helper()
	return EvalLong[T](t, b, expr, ActionTimeout)
}

// EvalLong is Eval with the deadline limit, for an expression whose promise waits for
// background work: limit must exceed any bound the expression sets itself in the page
// (a setTimeout that resolves it), or the test fails before the page's answer arrives.
func EvalLong[T any](t *testing.T, b *Browser, expr string, limit time.Duration) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript condition (which may return a promise) until it is true, for
// up to WaitTimeout. (chromedp.Poll builds its predicate with new Function, which the
// page's CSP forbids.)
func (b *Browser) WaitFor(t *testing.T, what, cond string) {
	t.Helper()
	b.WaitLong(t, what, cond, WaitTimeout)
}

// WaitLong is WaitFor with the deadline limit (BackgroundTimeout for background work).
func (b *Browser) WaitLong(t *testing.T, what, cond string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(b.Ctx, min(pollTimeout, max(time.Until(deadline), time.Second)))
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(async () => !!("+cond+"))()", chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting %v for %s (%s): last result %v, %v", limit, what, cond, ok, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Load navigates to the page and waits until the wasm app has rendered; it returns the
// time from navigation start to the first render, in milliseconds.
func (b *Browser) Load(t *testing.T, u string) float64 {
	t.Helper()
	b.Run(t, "navigating to "+u, chromedp.Navigate(u))
	b.WaitFor(t, "the app's first render", `typeof window.fusionlensReady === "number"`)
	return Eval[float64](t, b, `window.fusionlensReady`)
}

// Alive checks that the Go program still runs: a click re-renders the page.
func (b *Browser) Alive(t *testing.T, what string) {
	t.Helper()
	b.Run(t, what+": switching to the validation tab", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(2)`)))
	b.WaitFor(t, what+": validation section", `!!document.querySelector("section.validation")`)
	b.Run(t, what+": switching back", chromedp.Click(chromedp.CSS(`nav.tabs button:nth-child(1)`)))
	b.WaitFor(t, what+": inputs column", `!!document.querySelector("section.inputs")`)
}

// Screenshot saves a full-page PNG in $SCREENSHOT_DIR (or the test's temp folder) and
// returns its path.
func (b *Browser) Screenshot(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	// Quality 100 is chromedp's way of asking for PNG (any other quality gives JPEG), so
	// the .png files are PNG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// TestID is the CSS selector of a data-testid.
func TestID(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// Type selects a field's text and types text into it: SendKeys fires the input events
// Vugu listens to (SetValue would not).
func (b *Browser) Type(t *testing.T, testid, text string) {
	t.Helper()
	sel := TestID(testid)
	b.Run(t, "typing into "+testid, chromedp.Focus(sel),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="`+testid+`"]').select()`),
		chromedp.SendKeys(sel, text))
}
