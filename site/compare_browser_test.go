//go:build !js

package site

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

// TestBrowserCompare opens the "Compare architectures" tab: the shipped example shows at
// once; a compare.json written here (the shape cmd/compare writes) replaces it, and the
// test reads its table and warnings back from the page; a broken file is refused with a
// message and leaves the page working; at phone width the page does not scroll sideways.
func TestBrowserCompare(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	// The example is precached with the page, so the tab shows it offline too.
	if sw, err := os.ReadFile(filepath.Join(dir, "sw.js")); err != nil || !strings.Contains(string(sw), `"`+compareExample+`"`) {
		t.Errorf("the service worker does not precache %s (%v)", compareExample, err)
	}
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")

	b.Run(t, "opening the compare tab", chromedp.Click(bt.TestID("tab-compare")))
	b.WaitFor(t, "the compare view", `!!document.querySelector('[data-testid="compare"]')`)
	if cur := bt.Eval[string](t, b, `document.querySelector('[data-testid="tab-compare"]').getAttribute("aria-current") || ""`); cur != "page" {
		t.Errorf("compare tab aria-current %q, want page", cur)
	}
	b.WaitFor(t, "the shipped example", `!!document.querySelector('[data-testid="compare-table"]')`)
	if src := bt.Eval[string](t, b, `document.querySelector('[data-testid="compare-source"]').textContent`); !strings.Contains(src, "example") {
		t.Errorf("source line %q does not say it shows the example", src)
	}
	b.Screenshot(t, "compare-example")

	t.Run("your-file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "compare.json")
		if err := os.WriteFile(path, testReportJSON(t), 0o644); err != nil {
			t.Fatal(err)
		}
		b.Run(t, "opening compare.json", chromedp.SetUploadFiles(bt.TestID("compare-file"), []string{path}))
		b.WaitFor(t, "the file's comparisons", `document.querySelector('[data-testid="compare-source"]')?.textContent.includes("compare.json")`)

		// The table, as the page shows it: per comparison, per row, the cells.
		type row struct {
			Arch, Accuracy, AUC, RMSE, Warnings string
			Shares                              map[string]string
		}
		var got map[string][]row
		js := bt.Eval[string](t, b, `JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-testid="comparison"]')].map(c => [
			c.dataset.name,
			[...c.querySelectorAll('[data-testid="compare-table"] tbody tr')].map(tr => ({
				Arch: tr.dataset.architecture,
				Accuracy: tr.querySelector('[data-field="accuracy"]').textContent,
				AUC: tr.querySelector('[data-field="auc"]').textContent,
				RMSE: tr.querySelector('[data-field="rmse"]')?.textContent || "",
				Warnings: tr.querySelector('[data-field="warnings"]').textContent,
				Shares: Object.fromEntries([...tr.querySelectorAll('td[data-modality]')].map(td => [td.dataset.modality, td.textContent])),
			}))])))`)
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Fatal(err)
		}
		f6 := got["F6-cross-modal"]
		if len(f6) != 3 || f6[0].Arch != "ground truth" || f6[1].Arch != "hybrid" || f6[2].Arch != "late" {
			t.Fatalf("F6 rows %+v, want ground truth, hybrid, late", f6)
		}
		if f6[0].Shares["ct_axial"] != "0.350" || f6[1].Accuracy != "0.800 ± 0.010" || f6[1].Shares["clinical_a"] != "0.300 ± 0.030" ||
			f6[1].RMSE != "0.080" || f6[1].AUC != "0.850" || f6[2].Warnings != "2" {
			t.Errorf("F6 table %+v", f6)
		}
		mine := got["my-cases"]
		if len(mine) != 1 || mine[0].Arch != "early" || mine[0].Shares["labs"] != "0.980 ± 0.010" || mine[0].RMSE != "" {
			t.Errorf("data-set table %+v: want one early row, no truth, no RMSE column", mine)
		}
		if th := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="compare-table"] caption').length`); th != 2 {
			t.Errorf("%d table captions, want 2", th)
		}

		warnings := bt.Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="compare-warnings"] li')].map(li => li.textContent)`)
		if len(warnings) != 2 || !strings.HasPrefix(warnings[0], "late: late fusion on a decision with cross-modal products") ||
			!strings.Contains(warnings[1], "clearly below the best") {
			t.Errorf("warnings %q", warnings)
		}
		// Warnings come before the table, so they are read first.
		if before := bt.Eval[bool](t, b, `(() => { const c = document.querySelector('[data-name="F6-cross-modal"]');
			return !!(c.querySelector('[data-testid="compare-warnings"]').compareDocumentPosition(c.querySelector('[data-testid="compare-table"]')) & Node.DOCUMENT_POSITION_FOLLOWING); })()`); !before {
			t.Error("the warnings are not placed before the table")
		}
		bars := bt.Eval[int](t, b, `document.querySelectorAll('[data-name="F6-cross-modal"] [data-testid="compare-chart"] rect.bar').length`)
		if bars != 3*4 {
			t.Errorf("%d bars in F6's figure, want 12 (truth and two architectures, four modalities)", bars)
		}
		if label := bt.Eval[string](t, b, `document.querySelector('[data-testid="compare-chart"]').getAttribute("aria-label")`); !strings.Contains(label, "F6-cross-modal") {
			t.Errorf("figure label %q", label)
		}
		b.Screenshot(t, "compare-file")
	})

	t.Run("broken-file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "broken.json")
		if err := os.WriteFile(path, []byte(`{"comparisons": [{"name": "x", "modalities": ["a"], "architectures": [{"name": "y", "accuracy": 3, "modality_importance": {"a": 1}}]}]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		b.Run(t, "opening a broken comparison", chromedp.SetUploadFiles(bt.TestID("compare-file"), []string{path}))
		b.WaitFor(t, "the error", `!!document.querySelector('[data-testid="compare-error"]')`)
		msg := bt.Eval[string](t, b, `document.querySelector('[data-testid="compare-error"]').textContent`)
		if !strings.Contains(msg, "broken.json") || !strings.Contains(msg, `architecture "y": accuracy 3.0000`) {
			t.Errorf("error %q, want it to name the file, the architecture and the field", msg)
		}
		b.Alive(t, "after a broken comparison") // ends on the explainer's tab
		b.Run(t, "back to the compare tab", chromedp.Click(bt.TestID("tab-compare")))
		b.WaitFor(t, "the compare view", `!!document.querySelector('[data-testid="compare"]')`)
		// The comparison shown before the refused file stays, across tabs.
		if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="compare-table"]').length`); n != 2 {
			t.Errorf("%d tables after the refused file, want the previous 2", n)
		}
	})

	t.Run("phone-width", func(t *testing.T) {
		b.Run(t, "narrowing the window", chromedp.EmulateViewport(375, 800))
		b.WaitFor(t, "the narrow layout", `window.innerWidth === 375`)
		over := bt.Eval[int](t, b, `document.documentElement.scrollWidth - window.innerWidth`)
		if over > 0 {
			t.Errorf("the page is %d px wider than a 375 px phone screen", over)
		}
		// Wide tables scroll inside a focusable region, so keyboards reach them.
		if n := bt.Eval[int](t, b, `[...document.querySelectorAll('[data-testid="compare-table"]')].filter(t => t.closest('.tablewrap[tabindex="0"][aria-label]')).length`); n != 2 {
			t.Errorf("%d of 2 tables in a focusable, labelled scroll region", n)
		}
		b.Screenshot(t, "compare-phone")
	})
}
