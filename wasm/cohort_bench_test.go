//go:build !js

package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
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
// the time (a measurement for BENCHMARKS.md, not an assertion). It is a test rather than
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
	srv := bt.NewServer(b, bt.Site(b))
	br := bt.New(b, srv.URL)
	br.Load(b, srv.URL+"/")
	br.WaitLong(b, "the first model", `!!document.querySelector('[data-testid="model-card"]')`, 2*time.Minute)
	t0 := time.Now()
	br.Run(b, "choosing the cohort", chromedp.SetUploadFiles(bt.TestID("cohort-files"), files))
	br.WaitLong(b, "the cohort table", `!!document.querySelector('[data-testid="cohort-result"]') || !!document.querySelector('[data-testid="cohort-error"]')`, 5*time.Minute)
	took := time.Since(t0)
	if msg := bt.Eval[string](b, br, `(document.querySelector('[data-testid="cohort-error"]') || {}).textContent || ""`); msg != "" {
		b.Fatalf("cohort mode failed: %s", msg)
	}
	if sum := bt.Eval[string](b, br, `document.querySelector('[data-testid="cohort-result"] .note').textContent`); !strings.HasPrefix(sum, "1000 cases") {
		b.Fatalf("the page explained %q, want 1000 cases", sum)
	}
	b.Logf("cohort mode, %d cases of the paper-sized network: %.1f s from choosing the files to the result (%.0f cases/s)", n, took.Seconds(), n/took.Seconds())
}
