//go:build !js

package main

// The details the page adds to the example case's explanation once it is on screen, in
// headless Chromium with the first shipped model: the default method and the line that
// says why, the intervals drawn as whiskers with the marks of unsupported ranks, the
// interaction matrix beside the chart, both checked against the native computation of
// the same case, and both in the JSON download. Structure and numbers only: nothing here
// is timed.

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/importance"
	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
	"github.com/fusionlens/fusionlens/site"
)

// shownRow is one row of the modality chart with its interval.
type shownRow struct {
	ID      string  `json:"id"`
	Share   float64 `json:"share"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Rank    string  `json:"rank"`
	Whisker bool    `json:"whisker"`
	Mark    string  `json:"mark"`
}

const readRows = `[...document.querySelectorAll('[data-testid="modality-importance"] g.mrow')].map(g => ({
  id: g.dataset.modality, share: +g.dataset.value, lo: +g.dataset.shareLo, hi: +g.dataset.shareHi, rank: g.dataset.rank,
  whisker: !!g.querySelector('.whisker'),
  mark: g.querySelector('.rankmark') ? g.querySelector('.rankmark').firstChild.textContent + '|' + g.querySelector('.rankmark title').textContent : '',
}))`

// shownCell is one cell of the interaction matrix.
type shownCell struct {
	Row   string  `json:"row"`
	Pair  string  `json:"pair"`
	Value float64 `json:"value"`
	Text  string  `json:"text"`
	Class string  `json:"class"`
	Label string  `json:"label"`
}

const readCells = `[...document.querySelectorAll('[data-testid="interactions"] table.imatrix tbody tr')].flatMap(tr =>
  [...tr.querySelectorAll('td')].map(td => ({row: tr.dataset.modality, pair: td.dataset.pair, value: +td.dataset.value,
    text: td.textContent, class: td.className, label: td.getAttribute('aria-label')})))`

func TestBrowserDetails(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	var idx index
	raw, err := os.ReadFile(filepath.Join(dir, "models", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &idx); err != nil || len(idx.Models) == 0 {
		t.Fatalf("models/index.json %s: %v", raw, err)
	}
	var report site.ValidationReport
	raw, err = os.ReadFile(filepath.Join(dir, "models", "validation.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")
	b.WaitFor(t, "the default model", `document.querySelector('[data-testid="model-card"]')`)
	b.Run(t, "loading the example case", chromedp.Click(bt.TestID("example-case")))
	native := loadNative(t, filepath.Join(dir, "models", idx.Models[0].File))
	c := exampleCase(t)

	// The default method, and why.
	got := waitMethod(t, b, explainer.DefaultMethod)
	compare(t, "the default method", got, native.explain(t, c, explainer.DefaultMethod), false)
	rmse := math.NaN()
	for _, m := range report.Methods {
		if m.ID == explainer.DefaultMethod {
			rmse = m.RMSE
		}
	}
	// The validation results behind the line are read once the explanation is on screen.
	b.WaitFor(t, "the default method's line", `!!document.querySelector('[data-testid="default-method"]')`)
	line := bt.Eval[string](t, b, `document.querySelector('[data-testid="default-method"]')?.textContent || ""`)
	if !strings.HasPrefix(line, "Default: Occlusion — closest to the ground truth of the methods fast enough for every keystroke (mean RMSE "+
		strconv.FormatFloat(rmse, 'f', 3, 64)) {
		t.Errorf("default method line %q, want occlusion's RMSE %.3f from validation.json", line, rmse)
	}
	if sel := bt.Eval[string](t, b, `document.querySelector('[data-testid="method-select"]').value`); sel != explainer.DefaultMethod {
		t.Errorf("method select shows %q", sel)
	}

	z := native.fusion(t, c)
	mods := importance.DefaultModalities()
	t.Run("intervals", func(t *testing.T) {
		b.WaitLong(t, "the intervals", `document.querySelector('[data-testid="modality-importance"]')?.dataset.intervals === "bootstrap"`, bt.BackgroundTimeout)
		rows := bt.Eval[[]shownRow](t, b, readRows)
		m, _ := importance.MethodByName(explainer.DefaultMethod)
		_, want, err := importance.LocalInterval(m.Local, native.head, mods, z, native.bg, importance.Options{Seed: 1},
			importance.BootstrapOptions{Resamples: explainer.IntervalResamples, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(mods) {
			t.Fatalf("%d rows", len(rows))
		}
		for i, r := range rows {
			iv := want.Modalities[i]
			if math.Abs(r.Lo-iv[0]) > 1e-3 || math.Abs(r.Hi-iv[1]) > 1e-3 {
				t.Errorf("%s: interval [%.4f, %.4f], native [%.4f, %.4f]", r.ID, r.Lo, r.Hi, iv[0], iv[1])
			}
			if r.Whisker != (r.Hi > r.Lo) {
				t.Errorf("%s: whisker drawn %v for [%v, %v]", r.ID, r.Whisker, r.Lo, r.Hi)
			}
			unsupported := r.Rank == "unsupported"
			if r.Rank != "supported" && !unsupported {
				t.Errorf("%s: data-rank %q", r.ID, r.Rank)
			}
			if unsupported != strings.HasPrefix(r.Mark, "≈|rank not supported") {
				t.Errorf("%s: rank %s, mark %q", r.ID, r.Rank, r.Mark)
			}
			if unsupported == want.RankSupported[i] {
				t.Logf("%s: the page's rank support differs from native's (%v); allowed only at the threshold", r.ID, want.RankSupported[i])
			}
		}
		note := bt.Eval[string](t, b, `document.querySelector('[data-testid="interval-note"]').textContent`)
		if !strings.Contains(note, "95 % percentile bootstrap intervals over the 200 synthetic reference cases") {
			t.Errorf("interval note %q", note)
		}
		b.Screenshot(t, "details-desktop")
	})

	t.Run("interaction-matrix", func(t *testing.T) {
		b.WaitLong(t, "the interaction matrix", `!!document.querySelector('[data-testid="interactions"] table.imatrix')`, bt.BackgroundTimeout)
		cells := bt.Eval[[]shownCell](t, b, readCells)
		want, err := importance.InteractionLocal(native.head, mods, z, native.bg, importance.Options{Seed: 1, Background: native.bg.N})
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != len(mods)*len(mods) {
			t.Fatalf("%d cells, want %d", len(cells), len(mods)*len(mods))
		}
		for k, cell := range cells {
			i, j := k/len(mods), k%len(mods)
			if cell.Row != mods[i].Name {
				t.Errorf("cell %d in row %q, want %q", k, cell.Row, mods[i].Name)
			}
			if i == j {
				if !strings.Contains(cell.Class, "ia-diag") || cell.Text != "—" {
					t.Errorf("diagonal %d: %+v", i, cell)
				}
				continue
			}
			v := want.Index[i][j]
			if math.Abs(cell.Value-v) > 1e-3*math.Max(1, math.Abs(v)) {
				t.Errorf("%s: index %.5f, native %.5f", cell.Pair, cell.Value, v)
			}
			if other := cells[j*len(mods)+i]; other.Pair != cell.Pair || other.Value != cell.Value {
				t.Errorf("%s: not symmetric (%+v)", cell.Pair, other)
			}
			sign := "ia-pos-"
			if cell.Value < 0 {
				sign = "ia-neg-"
			}
			if !strings.Contains(cell.Class, sign) && !strings.Contains(cell.Class, "ia-0") {
				t.Errorf("%s: class %q for %v", cell.Pair, cell.Class, cell.Value)
			}
			if !strings.Contains(cell.Label, cell.Text) {
				t.Errorf("%s: label %q does not say %q", cell.Pair, cell.Label, cell.Text)
			}
		}
		caption := bt.Eval[string](t, b, `document.querySelector('table.imatrix caption').textContent`)
		if !strings.Contains(caption, "Shapley interaction index of the log-odds of class 1") {
			t.Errorf("caption %q", caption)
		}
		// With the page idle: how the default method's keystroke compares with exact
		// Shapley values of one case in this browser (logged for BENCHMARKS.md, not
		// asserted).
		b.WaitLong(t, "the page idle", `!document.querySelector('[data-testid="interactions-status"]') && !document.querySelector('[data-testid="work-progress"]')`, bt.BackgroundTimeout)
		tm := bt.Eval[map[string]any](t, b, `window.fusionlensTimeEngine(50)`)
		t.Logf("browser timing: %v re-explanation %v ms, exact Shapley values of one case %v ms (means of 50)", tm["defaultMethod"], tm["defaultMS"], tm["shapleyMS"])
	})

	t.Run("json", func(t *testing.T) {
		b.Run(t, "saving JSON", chromedp.Click(bt.TestID("download-json")))
		var doc site.Export
		if err := json.Unmarshal(waitDownload(t, b.Downloads, ".json"), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Uncertainty == nil || doc.Uncertainty.Exact || doc.Uncertainty.Resamples != explainer.IntervalResamples || len(doc.Uncertainty.RankSupport) != 3 {
			t.Errorf("uncertainty %+v", doc.Uncertainty)
		}
		for _, m := range doc.Modality {
			if m.Interval == nil || m.RankSupported == nil {
				t.Errorf("modality %s without interval or rank support", m.Name)
			}
		}
		if x := doc.Interactions; x == nil || len(x.Index) != 6 || len(x.Matrix) != 4 || x.Background != native.bg.N {
			t.Errorf("interactions %+v", doc.Interactions)
		}
	})

	t.Run("exact", func(t *testing.T) {
		selectOption(t, b, "method-select", "gradient")
		waitMethod(t, b, "gradient")
		b.WaitLong(t, "the gradient's intervals", `document.querySelector('[data-testid="modality-importance"]')?.dataset.intervals === "exact"`, bt.BackgroundTimeout)
		if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="modality-importance"] .whisker').length`); n != 0 {
			t.Errorf("%d whiskers for a method without sampling spread", n)
		}
		note := bt.Eval[string](t, b, `document.querySelector('[data-testid="interval-note"]').textContent`)
		if !strings.Contains(note, "no sampling spread") {
			t.Errorf("interval note %q", note)
		}
		// The case did not change: the matrix stays.
		if n := bt.Eval[int](t, b, `document.querySelectorAll('table.imatrix tbody td').length`); n != 16 {
			t.Errorf("matrix with %d cells after a method change", n)
		}
	})

	t.Run("phone", func(t *testing.T) {
		selectOption(t, b, "method-select", explainer.DefaultMethod)
		b.WaitLong(t, "the intervals again", `document.querySelector('[data-testid="modality-importance"]')?.dataset.intervals === "bootstrap"`, bt.BackgroundTimeout)
		b.Run(t, "a phone-sized window", chromedp.EmulateViewport(380, 800))
		// Nothing in the results wider than the window.
		wide := bt.Eval[[]string](t, b, `[...document.querySelectorAll('.mod-panel, .mod-panel *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className.baseVal + e.className)`)
		if len(wide) > 0 {
			t.Errorf("at 380 px, wider than the window: %v", wide)
		}
		b.Screenshot(t, "details-phone")
	})
}

// fusion is the example case's fusion vector, as cmd/explain makes it.
func (m *nativeModel) fusion(t *testing.T, c nativeCase) []float32 {
	t.Helper()
	z, err := m.net.Fuse([][]float32{m.net.Encode(c.ax), m.net.Encode(c.co)}, c.clin)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// clickJS clicks the element with the test ID from script, not at its coordinates: the
// page's layout moves while background work (intervals, the interaction matrix) lands,
// and a click at coordinates measured a moment before can miss.
func clickJS(testid string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="` + testid + `"]').click()`)
}
