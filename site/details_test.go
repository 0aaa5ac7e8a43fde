package site

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

// detailEngine is testEngine with a reference cohort (engine.Preparer) and the details
// of an explanation (engine.Detailer): intervals of ±0.05 around each share, or exact for
// the gradient, with the orders of the two lowest modalities unsupported; and a fixed
// interaction matrix.
type detailEngine struct {
	*testEngine
	intervals, interactions int // calls
}

func (e *detailEngine) Prepare(engine.Pace) error { return nil }

func (e *detailEngine) Finish(za, zc, clin []float32, method string, _ engine.Pace) (engine.Explanation, error) {
	return e.Explain(za, zc, clin, method)
}

func (e *detailEngine) Intervals(c engine.Case, method string, pace engine.Pace) (engine.Uncertainty, error) {
	e.intervals++
	if err := pace(engine.Progress{What: "resampling"}); err != nil {
		return engine.Uncertainty{}, err
	}
	x, err := e.Explain(c.Features[0], c.Features[1], c.Tabular, method)
	if err != nil {
		return engine.Uncertainty{}, err
	}
	bars, err := modalityBars(&x)
	if err != nil {
		return engine.Uncertainty{}, err
	}
	u := engine.Uncertainty{Method: method, Over: "the test's background", Resamples: 200, Level: 0.95, RankSupportLevel: 0.95,
		RankSupported: []bool{true, true, false, false},
		Ranks: []engine.RankOrder{{Higher: 1, Lower: 0, Support: 1, Supported: true}, {Higher: 0, Lower: 2, Support: 0.99, Supported: true},
			{Higher: 2, Lower: 3, Support: 0.6, Supported: false}}}
	if method == "gradient" {
		u.Exact, u.Over, u.Resamples, u.RankSupported = true, "nothing", 2, []bool{true, true, true, true}
		u.Ranks = u.Ranks[:2]
	}
	for _, b := range bars {
		d := 0.05
		if u.Exact {
			d = 0
		}
		u.Modalities = append(u.Modalities, engine.Interval{math.Max(0, b.Share-d), math.Min(1, b.Share+d)})
	}
	return u, nil
}

// testIndex is detailEngine's interaction matrix: axial and clinical A reinforce each
// other, coronal and clinical B stand in for each other.
var testIndex = [][]float64{{0, 0.01, 0.4, 0}, {0.01, 0, 0, -0.2}, {0.4, 0, 0, 0.0005}, {0, -0.2, 0.0005, 0}}

func (e *detailEngine) Interactions(c engine.Case, pace engine.Pace) (engine.Interactions, error) {
	e.interactions++
	if err := pace(engine.Progress{What: "coalitions"}); err != nil {
		return engine.Interactions{}, err
	}
	return engine.Interactions{Class: 1, Value: "log-odds of class 1; absent modalities from 3 test cases", Index: testIndex,
		Shapley: []float64{1, 0.5, -0.8, 0.1}, Exact: true, Background: 3}, nil
}

func detailState(t *testing.T) (*State, *detailEngine) {
	t.Helper()
	s, base := testState(t)
	eng := &detailEngine{testEngine: base}
	s.SetEngine(eng, "test", "loaded")
	return s, eng
}

func TestDetailsFollowTheExplanation(t *testing.T) {
	s, eng := detailState(t)
	s.SetMethod("occlusion")
	if s.Uncertainty == nil || s.Uncertainty.Method != "occlusion" || s.uncertainty() == nil {
		t.Fatalf("no intervals for occlusion: %+v (error %q)", s.Uncertainty, s.UncertaintyErr)
	}
	if s.interactions() == nil || eng.interactions != 1 {
		t.Fatalf("interactions %v after %d calls (error %q)", s.interactions(), eng.interactions, s.InteractionsErr)
	}
	// Another method, same case: new intervals, the same interactions.
	s.SetMethod("gradient")
	if s.uncertainty() == nil || !s.uncertainty().Exact || eng.interactions != 1 {
		t.Errorf("after the method change: intervals %+v, %d interaction calls; want exact intervals and the kept matrix", s.uncertainty(), eng.interactions)
	}
	// A clinical edit is a new case: both again.
	calls := eng.intervals
	s.SetClinical("v1", "3")
	if eng.intervals != calls+1 || eng.interactions != 2 || s.interactions() == nil {
		t.Errorf("after an edit: %d interval and %d interaction calls", eng.intervals-calls, eng.interactions)
	}
	// A job for a case the page no longer shows stops at its pace.
	seq := s.seq
	stale := false
	s.enqueue(job{key: "probe", run: func(pace engine.Pace) error {
		s.seq++
		_, err := eng.Intervals(engine.Case{Features: s.features(), Tabular: s.tabular(), Class: 1}, "occlusion", func(p engine.Progress) error {
			if seq != s.seq {
				stale = true
				return errStale
			}
			return pace(p)
		})
		return err
	}, done: func(error) {}})
	if !stale {
		t.Error("a stale job was not stopped")
	}
}

func TestRenderIntervalsAndMatrix(t *testing.T) {
	s, _ := detailState(t)
	s.SetMethod("occlusion")
	html := render(t, s)
	chart := regexp.MustCompile(`(?s)<svg[^>]*data-testid="modality-importance"[^>]*>(.*?)</svg>`).FindStringSubmatch(html)
	if chart == nil || !strings.Contains(chart[0], `data-intervals="bootstrap"`) {
		t.Fatal("no modality chart with intervals")
	}
	if n := strings.Count(chart[1], `class="whisker"`); n != 4 {
		t.Errorf("%d whiskers, want 4", n)
	}
	if n := strings.Count(chart[1], `class="rankmark"`); n != 2 {
		t.Errorf("%d rank marks, want 2 (clinical A and B)", n)
	}
	if n := strings.Count(chart[1], `data-rank="unsupported"`); n != 2 {
		t.Errorf("%d rows marked unsupported, want 2", n)
	}
	note := regexp.MustCompile(`data-testid="interval-note"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if note == nil || !strings.Contains(note[1], "95 % percentile bootstrap") || !strings.Contains(note[1], "Clinical A above Clinical B (60 %)") {
		t.Errorf("interval note %q", note)
	}
	table := regexp.MustCompile(`(?s)<table class="imatrix">(.*?)</table>`).FindStringSubmatch(html)
	if table == nil {
		t.Fatal("no interaction matrix")
	}
	if !strings.Contains(table[1], "<caption>") || strings.Count(table[1], `scope="col"`) != 4 || strings.Count(table[1], `scope="row"`) != 4 {
		t.Error("the matrix lacks its caption or its row and column heads")
	}
	if n := strings.Count(table[1], "<td "); n != 16 {
		t.Errorf("%d cells, want 16", n)
	}
	for _, want := range []string{`class="ia ia-pos-3" data-pair="ct_axial|clinical_a"`, `class="ia ia-neg-2" data-pair="ct_coronal|clinical_b"`,
		`class="ia ia-0" data-pair="clinical_a|clinical_b"`, `class="ia ia-diag"`} {
		if !strings.Contains(table[1], want) {
			t.Errorf("the matrix has no cell %s", want)
		}
	}
	if !strings.Contains(html, "Strongest pair: CT axial and Clinical A.") {
		t.Error("no strongest pair under the matrix")
	}

	s.SetMethod("gradient")
	html = render(t, s)
	if strings.Contains(html, `class="whisker"`) || !strings.Contains(html, `data-intervals="exact"`) || !strings.Contains(html, "no sampling spread") {
		t.Error("an exact method's chart draws whiskers or does not say why it has none")
	}
}

func TestExportIntervalsAndInteractions(t *testing.T) {
	s, _ := detailState(t)
	s.SetMethod("occlusion")
	data, err := s.ExportJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Modalities []struct {
			Name          string      `json:"name"`
			Share         float64     `json:"share"`
			Interval      *[2]float64 `json:"interval"`
			RankSupported *bool       `json:"rank_supported"`
		} `json:"modalities"`
		Uncertainty *struct {
			Resampled   string `json:"resampled"`
			Resamples   int    `json:"resamples"`
			RankSupport []struct {
				Higher, Lower string
				Supported     bool
			} `json:"rank_support"`
		} `json:"uncertainty"`
		Interactions *struct {
			Index     map[string]float64 `json:"index"`
			Shares    map[string]float64 `json:"shares"`
			Matrix    [][]float64        `json:"matrix"`
			Strongest string             `json:"strongest"`
			Strength  *float64           `json:"strength"`
		} `json:"modality_interactions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for i, m := range doc.Modalities {
		if m.Interval == nil || m.RankSupported == nil || m.Interval[0] > m.Share || m.Interval[1] < m.Share {
			t.Errorf("modality %s: share %v, interval %v, rank supported %v", m.Name, m.Share, m.Interval, m.RankSupported)
			continue
		}
		if *m.RankSupported != (i < 2) {
			t.Errorf("modality %s: rank supported %v", m.Name, *m.RankSupported)
		}
	}
	u := doc.Uncertainty
	if u == nil || u.Resamples != 200 || len(u.RankSupport) != 3 || u.RankSupport[2].Higher != "clinical_a" || u.RankSupport[2].Supported {
		t.Errorf("uncertainty %+v", u)
	}
	x := doc.Interactions
	if x == nil || x.Index["ct_axial|clinical_a"] != 0.4 || x.Strongest != "ct_axial|clinical_a" || len(x.Matrix) != modality.Count || x.Strength == nil {
		t.Fatalf("interactions %+v", x)
	}
	total := 0.0
	for _, v := range x.Shares {
		total += v
	}
	if math.Abs(total-1) > 1e-12 || len(x.Index) != 6 {
		t.Errorf("%d pairs, shares sum to %v", len(x.Index), total)
	}
	// (0.01 + 0.4 + 0.2 + 0.0005) / (1 + 0.5 + 0.8 + 0.1)
	if want := 0.6105 / 2.4; math.Abs(*x.Strength-want) > 1e-12 {
		t.Errorf("strength %v, want %v", *x.Strength, want)
	}
}

func TestExportSVGWhiskers(t *testing.T) {
	s, _ := detailState(t)
	s.SetMethod("occlusion")
	svg, err := s.ExportSVG()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(svg, `stroke="#1a2330" stroke-width="1.5"`); n != 3*4 {
		t.Errorf("%d whisker lines in the saved SVG, want 12", n)
	}
	if n := strings.Count(svg, ">≈</text>"); n != 2 {
		t.Errorf("%d rank marks in the saved SVG, want 2", n)
	}
	s.SetMethod("gradient")
	if svg, _ := s.ExportSVG(); strings.Contains(svg, `stroke-width="1.5"`) || !strings.Contains(svg, "No sampling spread") {
		t.Error("the saved SVG of an exact method draws whiskers or does not say why it has none")
	}
}

// TestExportProbabilitiesOfAFamilyModel checks the saved JSON of a three-class model:
// p_class1 is p(class 1) whatever class is explained, p_explained is p of the explained
// class, and every class's probability is there.
func TestExportProbabilitiesOfAFamilyModel(t *testing.T) {
	s, _ := detailState(t)
	s.SetMethod("gradient")
	s.General = true
	s.Classes = []string{"normal", "benign", "malignant"}
	s.Result.Probs = []float64{0.2, 0.3, 0.5}
	s.Result.Class, s.Result.P = 2, 0.5
	data, err := s.ExportJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		P          float64   `json:"p_class1"`
		PExplained float64   `json:"p_explained"`
		Probs      []float64 `json:"class_probabilities"`
		Predicted  string    `json:"predicted_class_name"`
		Explained  string    `json:"explained_class"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.P != 0.3 || doc.PExplained != 0.5 || len(doc.Probs) != 3 || doc.Predicted != "malignant" || doc.Explained != "malignant" {
		t.Errorf("saved %+v; want p_class1 0.3, p_explained 0.5, three probabilities, malignant predicted and explained", doc)
	}
}
