//go:build !js

package main

// Cohort mode in the page (issue 13): a model of the family (testmodel.ThreeInputs) is
// opened by upload, a CSV of cases with its PNGs is chosen in one multiple-file input,
// and the cohort's modality importance and the per-case table the worker computes are
// checked against cmd/explain -cases -json run natively on the same files. A CSV with a
// bad cell gets casefile's row- and column-precise error. The browser's leak check
// (internal/browsertest) fails the test if any request leaves the page's origin.

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/explainer/testmodel"
	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

func TestBrowserCohort(t *testing.T) {
	testtool.Command(t, "chromium")
	goTool := testtool.Command(t, "go")
	work := t.TempDir()
	_, modelData, err := testmodel.ThreeInputs(11)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(work, "three.flns")
	if err := os.WriteFile(model, modelData, 0o644); err != nil {
		t.Fatal(err)
	}
	csvPath := writeCases(t, work, 9)
	// The worker reads the chosen files in chunks of 256, each as one joined blob split
	// by the files' sizes: 300 small files of other sizes chosen first (and named by no
	// row) put the CSV and its images in the second chunk, at offsets a wrong split would
	// corrupt.
	var padding []string
	for i := range 300 {
		p := filepath.Join(work, "pad", "note_"+strconv.Itoa(i)+".txt")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{'a' + byte(i%26)}, i%37), 0o644); err != nil {
			t.Fatal(err)
		}
		padding = append(padding, p)
	}
	uploads := []string{csvPath}
	ents, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".png") {
			uploads = append(uploads, filepath.Join(work, e.Name()))
		}
	}

	// cmd/explain natively on the same files.
	root, err := bt.Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, "run", "./cmd/explain", "-model", model, "-cases", csvPath, "-json")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cmd/explain: %v", err)
	}
	var want struct {
		Cohort struct {
			N                    int                `json:"n"`
			ModalityImportance   map[string]float64 `json:"modality_importance"`
			ModalityInteractions struct {
				Modalities []string    `json:"modalities"`
				Matrix     [][]float64 `json:"matrix"`
			} `json:"modality_interactions"`
		} `json:"cohort"`
		Cases []struct {
			Row                int                `json:"row"`
			Label              *string            `json:"label"`
			Prediction         string             `json:"prediction"`
			ModalityImportance map[string]float64 `json:"modality_importance"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	if want.Cohort.N != 9 || len(want.Cases) != 9 {
		t.Fatalf("cmd/explain explained %d cases", want.Cohort.N)
	}

	srv := bt.NewServer(t, bt.Site(t))
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")
	b.WaitLong(t, "the first model", `!!document.querySelector('[data-testid="model-card"]')`, 2*time.Minute)
	b.Run(t, "opening the model", chromedp.SetUploadFiles(bt.TestID("model-upload"), []string{model}))
	b.WaitFor(t, "the model's layout", `!!document.querySelector('[data-testid="upload-mri"]')`)
	// What the page shows, in order: each distinct state of the cohort's result (R),
	// its matrix still being computed (P) and the matrix (M), as a MutationObserver sees
	// the page change.
	bt.Eval[bool](t, b, `(window.cohortSeen = [], new MutationObserver(() => {
		const k = (document.querySelector('[data-testid="cohort-result"]') ? "R" : "") +
			(document.querySelector('[data-testid="cohort-interactions-pending"]') ? "P" : "") +
			(document.querySelector('[data-testid="cohort-interactions"]') ? "M" : "");
		if (window.cohortSeen[window.cohortSeen.length - 1] !== k) window.cohortSeen.push(k);
	}).observe(document.body, {childList: true, subtree: true}), true)`)
	b.Run(t, "choosing the cohort", chromedp.SetUploadFiles(bt.TestID("cohort-files"), append(padding, uploads...)))
	b.WaitLong(t, "the cohort's matrix", `!!document.querySelector('[data-testid="cohort-interactions"]') || !!document.querySelector('[data-testid="cohort-error"]')`, 2*time.Minute)
	if msg := bt.Eval[string](t, b, `(document.querySelector('[data-testid="cohort-error"]') || {}).textContent || ""`); msg != "" {
		t.Fatalf("cohort mode failed: %s", msg)
	}
	// The importance and the table came first, with the matrix pending, then the matrix.
	seen := bt.Eval[[]string](t, b, `window.cohortSeen`)
	firstR, firstM, early := -1, -1, false
	for i, k := range seen {
		if firstR < 0 && strings.Contains(k, "R") {
			firstR = i
		}
		if firstM < 0 && strings.Contains(k, "M") {
			firstM = i
		}
		early = early || k == "RP"
	}
	if firstR < 0 || firstM < firstR || !early || seen[len(seen)-1] != "RM" {
		t.Errorf("the page showed %q: want the importance and table with the matrix pending (RP) before the matrix (RM)", seen)
	}
	if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="cohort-cases"] tbody tr').length`); n != 9 {
		t.Fatalf("the cohort table has %d rows, want 9", n)
	}

	near := func(a, b float64) bool { return abs(a-b) <= 1e-4+1e-3*abs(b) }
	bars := bt.Eval[[][]string](t, b, `[...document.querySelectorAll('[data-testid="cohort-importance"] > [data-modality]')].map(g => [g.dataset.modality, g.dataset.value])`)
	if len(bars) != 5 {
		t.Fatalf("cohort chart rows %q", bars)
	}
	for _, r := range bars {
		v, _ := strconv.ParseFloat(r[1], 64)
		if w, ok := want.Cohort.ModalityImportance[r[0]]; !ok || !near(v, w) {
			t.Errorf("cohort share of %s: %v in the page, %v by cmd/explain", r[0], v, w)
		}
	}
	rows := bt.Eval[[][]string](t, b, `[...document.querySelectorAll('[data-testid="cohort-cases"] tbody tr')].map(tr => [tr.dataset.row, tr.querySelector('[data-field="prediction"]').textContent, ...[...tr.querySelectorAll('td[data-modality]')].map(td => td.dataset.modality + "=" + td.dataset.value)])`)
	for i, r := range rows {
		w := want.Cases[i]
		if r[0] != strconv.Itoa(w.Row) || r[1] != w.Prediction || len(r) != 2+5 {
			t.Errorf("table row %d: %q, cmd/explain row %d predicts %q", i, r, w.Row, w.Prediction)
			continue
		}
		for _, cell := range r[2:] {
			kv := strings.SplitN(cell, "=", 2)
			v, _ := strconv.ParseFloat(kv[1], 64)
			if !near(v, w.ModalityImportance[kv[0]]) {
				t.Errorf("row %d, %s: %v in the page, %v by cmd/explain", w.Row, kv[0], v, w.ModalityImportance[kv[0]])
			}
		}
	}
	// The cohort's interaction matrix: cmd/explain's, cell by cell, with the diagonal
	// empty; a table with a caption, row and column headers, and a sentence per cell.
	checkMatrix := func(what string) {
		t.Helper()
		cells := bt.Eval[[][]string](t, b, `[...document.querySelectorAll('[data-testid="cohort-interactions"] tbody tr')].flatMap(tr => [...tr.querySelectorAll('td')].map(td => [tr.dataset.modality, td.dataset.modality, td.dataset.value || "", td.getAttribute('aria-label') || "", td.className]))`)
		wm := want.Cohort.ModalityInteractions
		if len(cells) != 25 || len(wm.Modalities) != 5 {
			t.Fatalf("%s: %d matrix cells in the page, cmd/explain has %d modalities", what, len(cells), len(wm.Modalities))
		}
		at := map[string]int{}
		for i, m := range wm.Modalities {
			at[m] = i
		}
		for _, c := range cells {
			i, j := at[c[0]], at[c[1]]
			if c[0] == c[1] {
				if c[2] != "" || !strings.Contains(c[4], "ia-diag") {
					t.Errorf("%s: diagonal cell %s: value %q class %q", what, c[0], c[2], c[4])
				}
				continue
			}
			v, err := strconv.ParseFloat(c[2], 64)
			if err != nil || !near(v, wm.Matrix[i][j]) {
				t.Errorf("%s: interaction %s|%s: %q in the page, %v by cmd/explain", what, c[0], c[1], c[2], wm.Matrix[i][j])
			}
			if !strings.Contains(c[3], " and ") || !strings.Contains(c[4], "ia-") {
				t.Errorf("%s: cell %s|%s has label %q, class %q", what, c[0], c[1], c[3], c[4])
			}
		}
		if n := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="cohort-interactions"] caption, [data-testid="cohort-interactions"] th[scope="row"], [data-testid="cohort-interactions"] th[scope="col"]').length`); n != 1+5+5 {
			t.Errorf("%s: the matrix has %d caption and header cells, want 11", what, n)
		}
	}
	checkMatrix("files")
	b.Run(t, "saving the cohort's JSON", chromedp.Click(bt.TestID("cohort-json")))
	var saved struct {
		Cohort struct {
			ModalityInteractions struct {
				Matrix [][]float64 `json:"matrix"`
			} `json:"modality_interactions"`
		} `json:"cohort"`
	}
	if err := json.Unmarshal(waitDownload(t, b.Downloads, ".json"), &saved); err != nil {
		t.Fatal(err)
	}
	if m := saved.Cohort.ModalityInteractions.Matrix; len(m) != 5 || !near(m[0][1], want.Cohort.ModalityInteractions.Matrix[0][1]) {
		t.Errorf("the JSON download's interaction matrix %v, cmd/explain's %v", m, want.Cohort.ModalityInteractions.Matrix)
	}

	// The same cohort as one zip (the CSV in a folder, images beside it): the same
	// shares and matrix.
	zipPath := filepath.Join(work, "cohort.zip")
	writeZip(t, zipPath, uploads, "study/")
	b.Run(t, "choosing the zip", chromedp.SetUploadFiles(bt.TestID("cohort-files"), []string{zipPath}))
	b.WaitLong(t, "the zip's cohort", `!!document.querySelector('[data-testid="cohort-error"]') || (!!document.querySelector('[data-testid="cohort-result"]') && !document.querySelector('[data-testid="cohort-progress"]'))`, 2*time.Minute)
	if msg := bt.Eval[string](t, b, `(document.querySelector('[data-testid="cohort-error"]') || {}).textContent || ""`); msg != "" {
		t.Fatalf("cohort mode with a zip failed: %s", msg)
	}
	checkMatrix("zip")
	for _, r := range bt.Eval[[][]string](t, b, `[...document.querySelectorAll('[data-testid="cohort-importance"] > [data-modality]')].map(g => [g.dataset.modality, g.dataset.value])`) {
		v, _ := strconv.ParseFloat(r[1], 64)
		if w := want.Cohort.ModalityImportance[r[0]]; !near(v, w) {
			t.Errorf("zip: cohort share of %s: %v in the page, %v by cmd/explain", r[0], v, w)
		}
	}

	// The table has headers a screen reader reads: one per column.
	if h := bt.Eval[int](t, b, `document.querySelectorAll('[data-testid="cohort-cases"] thead th[scope="col"]').length`); h != 4+5 {
		t.Errorf("%d column headers, want 9", h)
	}
	b.Run(t, "phone width", chromedp.EmulateViewport(375, 812))
	bt.Eval[bool](t, b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	if wide := bt.Eval[float64](t, b, `document.documentElement.scrollWidth`); wide > 380 {
		t.Errorf("at 375 px the page is %v px wide", wide)
	}
	b.Run(t, "scrolling to the cohort", chromedp.ScrollIntoView(bt.TestID("cohort-result")))
	b.Screenshot(t, "cohort-phone")

	// A bad cell: the error names the row and the column.
	bad, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(bad), "\n")
	cells := strings.Split(lines[3], ",")
	cells[5] = "high" // crp of data row 3
	lines[3] = strings.Join(cells, ",")
	badPath := filepath.Join(work, "bad.csv")
	if err := os.WriteFile(badPath, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Run(t, "choosing a bad CSV", chromedp.SetUploadFiles(bt.TestID("cohort-files"), append([]string{badPath}, uploads[1:]...)))
	b.WaitLong(t, "the cohort error", `!!document.querySelector('[data-testid="cohort-error"]')`, time.Minute)
	msg := bt.Eval[string](t, b, `document.querySelector('[data-testid="cohort-error"]').textContent`)
	if !strings.Contains(msg, "row 3") || !strings.Contains(msg, `"crp"`) {
		t.Errorf("bad CSV: error %q does not name row 3 and column crp", msg)
	}
	t.Logf("cohort error shown: %s", msg)
}

// writeZip zips files into path, each under prefix and its base name.
func writeZip(t testing.TB, path string, files []string, prefix string) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, err := w.Create(prefix + filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
