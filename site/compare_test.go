package site

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fusionlens/fusionlens/architecture"
)

// testReport is a comparison as cmd/compare writes it (architecture.Report): F6 with the
// truth, and a data set without one.
func testReport() *architecture.Report {
	rmse := 0.08
	mods := []string{"ct_axial", "ct_coronal", "clinical_a", "clinical_b"}
	share := func(v ...float64) map[string]float64 {
		m := map[string]float64{}
		for i, x := range v {
			m[mods[i]] = x
		}
		return m
	}
	return &architecture.Report{Seeds: []uint64{1, 2}, Epochs: 8, Patience: 2, Method: "shapley", Command: "compare -scenario F6",
		Comparisons: []architecture.Comparison{{
			Name: "F6-cross-modal", Modalities: mods, Truth: share(0.35, 0.25, 0.25, 0.15),
			CrossModal: []string{"ct_axial|clinical_a"}, Cases: architecture.Cases{N: 100, Train: 70, Val: 10, Test: 20}, Best: "hybrid",
			Architectures: []architecture.Result{
				{Name: "hybrid", Accuracy: 0.8, AccuracySD: 0.01, AUC: 0.85, ModalityImportance: share(0.4, 0.2, 0.3, 0.1),
					ImportanceSD: share(0.02, 0.01, 0.03, 0.01), RMSEToTruth: &rmse, Warnings: []string{}},
				{Name: "late", Accuracy: 0.6, AccuracySD: 0.02, AUC: 0.62, ModalityImportance: share(0.25, 0.25, 0.25, 0.25),
					ImportanceSD: share(0, 0, 0, 0), RMSEToTruth: &rmse,
					Warnings: []string{"late fusion on a decision with cross-modal products", "accuracy 0.600 is clearly below the best"}},
			}}, {
			Name: "my-cases", Source: "cases.csv", Modalities: []string{"xray", "labs"},
			Best: "early",
			Architectures: []architecture.Result{
				{Name: "early", Accuracy: 0.9, AUC: 0.95, ModalityImportance: map[string]float64{"xray": 0.02, "labs": 0.98},
					ImportanceSD: map[string]float64{"xray": 0.01, "labs": 0.01}, Warnings: []string{}},
			}}}}
}

func testReportJSON(t testing.TB) []byte {
	b, err := json.MarshalIndent(testReport(), "", "  ")
	require.NoError(t, err)
	return b
}

func TestParseCompare(t *testing.T) {
	r, err := ParseCompare(testReportJSON(t))
	require.NoError(t, err)
	require.Len(t, r.Comparisons, 2)
	c := r.Comparisons[0]
	require.Equal(t, "F6-cross-modal", c.Name)
	require.Equal(t, 0.35, c.Truth["ct_axial"])
	require.Equal(t, 70, c.Cases.Train)
	require.Equal(t, "shapley", r.Method)
	require.Equal(t, 2, r.Patience)
	require.Len(t, c.Architectures[1].Warnings, 2)
	require.NotNil(t, c.Architectures[0].RMSEToTruth)
	require.Nil(t, r.Comparisons[1].Architectures[0].RMSEToTruth)
	require.Nil(t, r.Comparisons[1].Truth)
	require.Equal(t, "", r.Training(), "the paper's set-up needs no mention")

	// A comparison trained otherwise says how.
	ar := testReport()
	ar.SelectBy, ar.DecoupledWeightDecay, ar.InputSparsity, ar.RefitEpochs = "loss", 1, 6, 2
	b, err := json.Marshal(ar)
	require.NoError(t, err)
	r, err = ParseCompare(b)
	require.NoError(t, err)
	require.Equal(t, "selected by validation log-loss, AdamW decay 1, input sparsity 6 with 2 refit epochs (hybrid and separate)", r.Training())
}

// TestParseCompareRefuses checks that malformed reports give errors naming the
// comparison, the architecture and the field.
func TestParseCompareRefuses(t *testing.T) {
	for _, tc := range []struct {
		edit func(r *architecture.Report)
		want string
	}{
		{func(r *architecture.Report) { r.Comparisons = nil }, "no comparisons"},
		{func(r *architecture.Report) { r.SelectBy = "auc" }, `select_by "auc", want accuracy or loss`},
		{func(r *architecture.Report) { r.DecoupledWeightDecay = -1 }, "decoupled_weight_decay -1.0000"},
		{func(r *architecture.Report) { r.RefitEpochs = -2 }, "refit_epochs -2"},
		{func(r *architecture.Report) { r.Comparisons[0].Modalities = nil }, `"F6-cross-modal"): 0 modalities`},
		{func(r *architecture.Report) { r.Comparisons[0].Name = "" }, "no name"},
		{func(r *architecture.Report) { r.Comparisons[0].Modalities[1] = "ct_axial" }, "named twice"},
		{func(r *architecture.Report) { r.Comparisons[0].Architectures = nil }, "0 architectures"},
		{func(r *architecture.Report) { r.Comparisons[0].Architectures[1].Accuracy = 1.5 }, `architecture "late": accuracy 1.5000, want 0..1`},
		{func(r *architecture.Report) { r.Comparisons[0].Architectures[0].ModalityImportance["ct_axial"] = -0.1 }, `modality_importance of "ct_axial" is -0.1000`},
		{func(r *architecture.Report) {
			delete(r.Comparisons[0].Architectures[0].ModalityImportance, "clinical_b")
		}, "modality_importance has 3 values for 4 modalities"},
		{func(r *architecture.Report) { r.Comparisons[0].Architectures[0].ImportanceSD["pet"] = 0.1 }, `importance_sd names "pet"`},
		{func(r *architecture.Report) { r.Comparisons[0].Truth["ct_axial"] = 2 }, `truth of "ct_axial" is 2.0000`},
		{func(r *architecture.Report) { r.Comparisons[1].Architectures[0].Name = "" }, `comparison 2 ("my-cases")`},
		{func(r *architecture.Report) {
			r.Comparisons[0].Architectures[0].Warnings = []string{strings.Repeat("w", maxCompareText+1)}
		}, "warning longer than"},
	} {
		r := testReport()
		tc.edit(r)
		b, err := json.Marshal(r)
		require.NoError(t, err)
		_, err = ParseCompare(b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	for _, bad := range []string{"", "{", `{"comparisons": 3}`, `[]`, `{"comparisons": [{"name": "a", "modalities": ["x"], "architectures": [{"name": "b", "accuracy": "high"}]}]}`} {
		if _, err := ParseCompare([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "compare.json: ") {
			t.Errorf("%q: error %v, want a compare.json error", bad, err)
		}
	}
	if _, err := ParseCompare(make([]byte, maxCompareBytes+1)); err == nil || !strings.Contains(err.Error(), "above the") {
		t.Errorf("oversized file: %v", err)
	}
}

func FuzzParseCompare(f *testing.F) {
	f.Add(testReportJSON(f))
	f.Add([]byte(`{"comparisons": [{"name": "a", "modalities": ["x"], "architectures": [{"name": "b", "modality_importance": {"x": 1}}]}]}`))
	f.Add([]byte(`{"comparisons": [{"name": "a", "modalities": ["x", "y"], "truth": {"x": 0.5}, "architectures": []}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseCompare(b)
		if err != nil {
			return
		}
		// What the page accepts it can lay out.
		for i := range r.Comparisons {
			c := &r.Comparisons[i]
			rows := compareRows(c)
			if want := len(c.Architectures); len(rows) < want {
				t.Fatalf("%d rows for %d architectures", len(rows), want)
			}
			ch := chartOf(c)
			for _, b := range ch.Bars {
				if math.IsNaN(b.H) || b.H < 0 || b.Y < 0 || b.Y+b.H > ch.Baseline+1e-9 {
					t.Fatalf("bar %+v outside the plot (baseline %v)", b, ch.Baseline)
				}
			}
		}
	})
}

func TestCompareRowsAndWarnings(t *testing.T) {
	r, err := ParseCompare(testReportJSON(t))
	require.NoError(t, err)
	rows := compareRows(&r.Comparisons[0])
	require.Len(t, rows, 3) // truth, hybrid, late
	require.True(t, rows[0].Truth)
	require.Equal(t, "0.350", rows[0].Cells[0].Text)
	require.True(t, rows[1].Best)
	require.Equal(t, "0.800 ± 0.010", rows[1].Accuracy)
	require.Equal(t, "0.400 ± 0.020", rows[1].Cells[0].Text)
	require.Equal(t, "0.080", rows[1].RMSE)
	require.Equal(t, 2, rows[2].Warnings)
	w := compareWarnings(&r.Comparisons[0])
	require.Len(t, w, 2)
	require.Equal(t, "late", w[0].Architecture)
	// A data set: no truth row, no RMSE.
	rows = compareRows(&r.Comparisons[1])
	require.Len(t, rows, 1)
	require.Equal(t, "–", rows[0].RMSE)
}

// TestCompareChart checks the grouped bars: one group per architecture after the
// truth, one bar per modality, heights proportional to the shares on a common axis, and
// whiskers of one SD only where there is a spread.
func TestCompareChart(t *testing.T) {
	r, err := ParseCompare(testReportJSON(t))
	require.NoError(t, err)
	c := &r.Comparisons[0]
	ch := chartOf(c)
	require.Len(t, ch.Groups, 3)
	require.Equal(t, []string{"truth", "hybrid", "late"}, []string{ch.Groups[0].Label, ch.Groups[1].Label, ch.Groups[2].Label})
	require.Len(t, ch.Bars, 3*4)
	// The axis tops at the largest share + SD (hybrid's ct_axial 0.42) rounded up: 0.5.
	require.Equal(t, "0.5", ch.Ticks[len(ch.Ticks)-1].Label)
	per := cmpPlotH / 0.5
	for _, b := range ch.Bars {
		var want float64
		switch b.Grp {
		case "truth":
			want = c.Truth[b.ID]
		default:
			for _, a := range c.Architectures {
				if a.Name == b.Grp {
					want = a.ModalityImportance[b.ID]
					if sd := a.ImportanceSD[b.ID]; (sd > 0) != b.Whisker {
						t.Errorf("%s %s: whisker %v with SD %v", b.Grp, b.ID, b.Whisker, sd)
					} else if b.Whisker {
						require.InDelta(t, 2*sd*per, b.WY2-b.WY1, 1e-9)
					}
				}
			}
		}
		require.InDelta(t, want*per, b.H, 1e-9, "%s %s", b.Grp, b.ID)
		require.InDelta(t, ch.Baseline, b.Y+b.H, 1e-9)
	}
	// Bars of one group sit side by side, groups do not overlap.
	for i := 1; i < len(ch.Bars); i++ {
		require.Greater(t, ch.Bars[i].X, ch.Bars[i-1].X)
	}
	require.Less(t, ch.Bars[len(ch.Bars)-1].X+cmpBarW, float64(ch.W))
	// Paper modalities keep their colours; others take the schema's.
	require.Contains(t, ch.Bars[0].Class, "mod-ct_axial")
	require.Contains(t, chartOf(&r.Comparisons[1]).Bars[1].Class, "modc-1")
}

func TestRenderCompare(t *testing.T) {
	s := NewState(nil)
	s.Tab = "compare"
	html := render(t, s)
	require.Contains(t, html, `data-testid="compare-file"`)
	require.NotContains(t, html, `data-testid="compare-table"`)

	r, err := ParseCompare(testReportJSON(t))
	require.NoError(t, err)
	s.Compare = CompareState{Report: r, Source: "test.json"}
	html = render(t, s)
	require.Equal(t, 2, count(html, `data-testid="compare-table"`))
	require.Equal(t, 2, count(html, `data-testid="compare-chart"`))
	require.Equal(t, 1, count(html, `data-testid="compare-warnings"`)) // F6 has warnings, my-cases none
	require.Equal(t, 1, count(html, `data-testid="compare-no-warnings"`))
	require.Contains(t, html, "late fusion on a decision with cross-modal products")
	require.Contains(t, html, "hybrid ★")
	require.Contains(t, html, "<caption")
	require.Contains(t, html, `<label class="filepick" for="compare-file">`)
}

// TestCompareExample checks that the example shipped with the page parses, fits the
// page's few-kB budget and shows what the view is for: a truth, several architectures
// and warnings.
func TestCompareExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("static", compareExample))
	require.NoError(t, err)
	require.Less(t, len(b), 16<<10, "the shipped example should stay a few kB")
	r, err := ParseCompare(b)
	require.NoError(t, err)
	warned := 0
	for _, c := range r.Comparisons {
		require.NotNil(t, c.Truth, c.Name)
		require.GreaterOrEqual(t, len(c.Architectures), 2, c.Name)
		warned += len(compareWarnings(&c))
	}
	require.Positive(t, warned)
}

// TestCompareHTMLEscapes checks that text from the file cannot add markup to the page.
func TestCompareHTMLEscapes(t *testing.T) {
	r := testReport()
	r.Comparisons[0].Name = `<img src=x onerror="alert(1)">`
	r.Comparisons[0].Architectures[1].Warnings = []string{`</li><script>alert(2)</script>`}
	r.Comparisons[0].Architectures[1].Name = `a"b&c'd`
	b, err := json.Marshal(r)
	require.NoError(t, err)
	p, err := ParseCompare(b)
	require.NoError(t, err)
	out := compareHTML(p)
	for _, bad := range []string{"<img", "<script", `a"b`, "c'd"} {
		require.NotContains(t, out, bad)
	}
	require.Contains(t, out, "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;")
	require.Contains(t, out, "a&#34;b&amp;c&#39;d")
	require.Equal(t, 1, strings.Count(out, "<li data-architecture"))
}
