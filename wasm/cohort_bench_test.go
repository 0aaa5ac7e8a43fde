//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/fusion"
	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

// TestBrowserCohort1000 measures cohort mode over 1,000 cases of the paper-sized network
// (the page's first shipped model): from choosing the CSV and its 2,000 PNGs to the
// result, everything in the page's worker; it checks all 1,000 were explained and logs
// the time (a measurement for BENCHMARKS.md, not an assertion), beside native cmd/explain
// -cases on the same files in the same run (the peer) and the worker's own breakdown of
// its steps. FUSIONLENS_COHORT_PEER_SITE names a site built before (by build.sh) to
// measure in the same run too, e.g. the build before a change. It is a test rather than
// a Benchmark because internal/browsertest drives a *testing.T; it runs only with
// FUSIONLENS_COHORT_BENCH=1:
//
//	FUSIONLENS_COHORT_BENCH=1 go test -count=1 -v -run TestBrowserCohort1000 ./wasm/
func TestBrowserCohort1000(b *testing.T) {
	if os.Getenv("FUSIONLENS_COHORT_BENCH") != "1" {
		b.Skip("a measurement: set FUSIONLENS_COHORT_BENCH=1")
	}
	testtool.Command(b, "chromium")
	const n = 1000
	work := b.TempDir()
	s := fusion.PaperSchema()
	var csv strings.Builder
	csv.WriteString("label")
	for _, im := range s.Images {
		csv.WriteString("," + im.Name)
	}
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			csv.WriteString("," + v.Name)
		}
	}
	csv.WriteString("\n")
	files := []string{filepath.Join(work, "cases.csv")}
	for i := range n {
		csv.WriteString(s.Classes[i%len(s.Classes)])
		for k, im := range s.Images {
			g := image.NewGray(image.Rect(0, 0, 28, 28))
			for j := range g.Pix {
				g.Pix[j] = uint8((j*(3+k) + i*17) % 256)
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, g); err != nil {
				b.Fatal(err)
			}
			name := fmt.Sprintf("%s_%04d.png", im.Name, i)
			if err := os.WriteFile(filepath.Join(work, name), buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			files = append(files, filepath.Join(work, name))
			csv.WriteString("," + name)
		}
		for _, g := range s.Groups {
			for _, v := range g.Variables {
				csv.WriteString("," + strconv.FormatFloat(v.Mean+v.SD*float64(i%7-3)/3, 'f', 3, 64))
			}
		}
		csv.WriteString("\n")
	}
	if err := os.WriteFile(files[0], []byte(csv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	// The peer: native cmd/explain -cases on the same files with the same model, built
	// first so that compiling is not timed.
	site := bt.Site(b)
	model, err := firstModel(site)
	if err != nil {
		b.Fatal(err)
	}
	root, err := bt.Root()
	if err != nil {
		b.Fatal(err)
	}
	explain := filepath.Join(work, "explain")
	build := exec.Command(testtool.Command(b, "go"), "build", "-o", explain, "./cmd/explain")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building cmd/explain: %v\n%s", err, out)
	}
	t0 := time.Now()
	native := exec.Command(explain, "-model", model, "-cases", files[0], "-json", "-resamples", "0")
	if out, err := native.CombinedOutput(); err != nil {
		b.Fatalf("cmd/explain -cases: %v\n%.2000s", err, out)
	}
	nativeTook := time.Since(t0)
	b.Logf("native cmd/explain -cases -resamples 0, %d cases: %.2f s (%.0f cases/s)", n, nativeTook.Seconds(), n/nativeTook.Seconds())

	sites := []struct{ name, dir string }{{"this build", site}}
	if peer := os.Getenv("FUSIONLENS_COHORT_PEER_SITE"); peer != "" {
		sites = append(sites, struct{ name, dir string }{"peer build " + peer, peer})
	}
	// The same cohort as one zip, chosen as one file.
	zipPath := filepath.Join(work, "cohort.zip")
	writeZip(b, zipPath, files, "")
	for _, st := range sites {
		took, phases := cohortInPage(b, st.dir, []string{zipPath}, n)
		b.Logf("%s, one zip: cohort mode, %d cases: %.1f s from choosing the zip to the whole result, matrix on screen (%.0f cases/s; %.1fx native cmd/explain's time)",
			st.name, n, took.Seconds(), n/took.Seconds(), took.Seconds()/nativeTook.Seconds())
		for _, p := range phases {
			b.Logf("%s, one zip: %s", st.name, p)
		}
		took, phases = cohortInPage(b, st.dir, files, n)
		b.Logf("%s: cohort mode, %d cases of the paper-sized network: %.1f s from choosing the files to the whole result, matrix on screen (%.0f cases/s; %.1fx native cmd/explain's time)",
			st.name, n, took.Seconds(), n/took.Seconds(), took.Seconds()/nativeTook.Seconds())
		for _, p := range phases {
			b.Logf("%s: %s", st.name, p)
		}
	}
}

// cohortInPage opens the site in dir, chooses files in cohort mode and returns the time
// to the whole result (the interaction matrix on screen) and the breakdown: the time to
// the importance and table on screen, to the matrix, and the worker's steps (its console
// lines).
func cohortInPage(b *testing.T, dir string, files []string, n int) (time.Duration, []string) {
	srv := bt.NewServer(b, dir)
	br := bt.New(b, srv.URL)
	br.Load(b, srv.URL+"/")
	br.WaitLong(b, "the first model", `!!document.querySelector('[data-testid="model-card"]')`, 2*time.Minute)
	t0 := time.Now()
	br.Run(b, "choosing the cohort", chromedp.SetUploadFiles(bt.TestID("cohort-files"), files))
	br.WaitLong(b, "the cohort table", `!!document.querySelector('[data-testid="cohort-result"]') || !!document.querySelector('[data-testid="cohort-error"]')`, 5*time.Minute)
	importance := time.Since(t0)
	br.WaitLong(b, "the cohort's matrix", `!!document.querySelector('[data-testid="cohort-interactions"]') || !!document.querySelector('[data-testid="cohort-error"]')`, 5*time.Minute)
	matrix := time.Since(t0)
	if msg := bt.Eval[string](b, br, `(document.querySelector('[data-testid="cohort-error"]') || {}).textContent || ""`); msg != "" {
		b.Fatalf("cohort mode failed: %s", msg)
	}
	if sum := bt.Eval[string](b, br, `document.querySelector('[data-testid="cohort-result"] .note').textContent`); !strings.HasPrefix(sum, strconv.Itoa(n)+" cases") {
		b.Fatalf("the page explained %q, want %d cases", sum, n)
	}
	phases := []string{fmt.Sprintf("on screen: the importance and table after %.1f s, the matrix after %.1f s", importance.Seconds(), matrix.Seconds())}
	for _, c := range br.Console() {
		if strings.Contains(c, "fusionlens cohort:") {
			phases = append(phases, c)
		}
	}
	return matrix, phases
}

// firstModel returns the path of the first model the built site lists (the one the
// page opens).
func firstModel(site string) (string, error) {
	b, err := os.ReadFile(filepath.Join(site, "models", "index.json"))
	if err != nil {
		return "", err
	}
	var idx struct {
		Models []struct {
			File string `json:"file"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return "", err
	}
	if len(idx.Models) == 0 {
		return "", fmt.Errorf("%s lists no models", filepath.Join(site, "models", "index.json"))
	}
	return filepath.Join(site, "models", idx.Models[0].File), nil
}
