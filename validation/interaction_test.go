package validation

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
)

// matrix builds a symmetric 4 x 4 matrix from the six pair values in model order.
func matrix(v [6]float64) [][]float64 {
	m := [][]float64{make([]float64, 4), make([]float64, 4), make([]float64, 4), make([]float64, 4)}
	k := 0
	for i := range 4 {
		for j := i + 1; j < 4; j++ {
			m[i][j], m[j][i] = v[k], v[k]
			k++
		}
	}
	return m
}

func TestCompareInteractions(t *testing.T) {
	f6, _ := groundtruth.Builtin("F6")
	X, err := groundtruth.NormalCohort(50, 1)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := f6.Interaction(X) // ax|co 0.25, ax|ca 0.5, co|cb 0.25
	if err != nil {
		t.Fatal(err)
	}
	est := importance.Interactions{Modalities: groundtruth.Modalities[:], Cases: 7, Background: 9,
		Index:   matrix([6]float64{0.2, -0.5, 0, 0, 0.3, 0}),
		Abs:     matrix([6]float64{0.2, 0.5, 0.1, 0, 0.2, 0}), // shares 0.2, 0.5, 0.1, 0, 0.2, 0
		Shapley: []float64{1, 1, 0.5, 0.5}}
	var res InteractionResult
	if err := compareInteractions(&res, truth, est); err != nil {
		t.Fatal(err)
	}
	want := []string{"ct_axial|ct_coronal", "ct_axial|clinical_a", "ct_axial|clinical_b", "ct_coronal|clinical_a", "ct_coronal|clinical_b", "clinical_a|clinical_b"}
	for k, p := range want {
		if res.Pairs[k] != p {
			t.Errorf("pair %d is %q, want %q", k, res.Pairs[k], p)
		}
	}
	// Differences 0.05, 0, 0.1, 0, 0.05, 0: RMSE sqrt(0.015/6) = 0.05.
	if res.RMSE == nil || math.Abs(*res.RMSE-0.05) > 1e-12 {
		t.Errorf("RMSE %v, want 0.05", res.RMSE)
	}
	if res.StrongestFound == nil || !*res.StrongestFound || res.EstimateStrongest != "ct_axial|clinical_a" ||
		len(res.TruthStrongest) != 1 || res.TruthStrongest[0] != "ct_axial|clinical_a" {
		t.Errorf("strongest: truth %v, estimate %q, found %v", res.TruthStrongest, res.EstimateStrongest, res.StrongestFound)
	}
	if res.Signed["ct_axial|clinical_a"] != -0.5 || res.Estimate["ct_axial|clinical_b"] != 0.1 || res.Truth["ct_coronal|clinical_b"] != 0.25 {
		t.Errorf("maps: %v %v %v", res.Signed, res.Estimate, res.Truth)
	}
	if res.Strength == nil || math.Abs(*res.Strength-1.0/3) > 1e-12 || res.Cases != 7 || res.Background != 9 {
		t.Errorf("strength %v (want 1/3), cases %d, background %d", res.Strength, res.Cases, res.Background)
	}
	if len(res.Shapley) != 4 || res.Shapley["ct_coronal"] != 1 || res.Shapley["clinical_b"] != 0.5 {
		t.Errorf("Shapley values by modality %v, want ct_axial 1, ct_coronal 1, clinical_a 0.5, clinical_b 0.5", res.Shapley)
	}

	// The estimate's strongest pair is wrong.
	est.Abs = matrix([6]float64{0.6, 0.5, 0, 0, 0, 0})
	if err := compareInteractions(&res, truth, est); err != nil {
		t.Fatal(err)
	}
	if *res.StrongestFound || res.EstimateStrongest != "ct_axial|ct_coronal" {
		t.Errorf("a wrong strongest pair counted as found: %q", res.EstimateStrongest)
	}

	// An additive scenario: no RMSE and no strongest pair to find.
	f0, _ := groundtruth.Builtin("F0")
	none, err := f0.Interaction(X)
	if err != nil {
		t.Fatal(err)
	}
	res = InteractionResult{}
	if err := compareInteractions(&res, none, est); err != nil {
		t.Fatal(err)
	}
	if res.RMSE != nil || res.StrongestFound != nil || len(res.TruthStrongest) != 0 || res.Truth["ct_axial|clinical_a"] != 0 {
		t.Errorf("additive truth: %+v", res)
	}
	if !strings.Contains(interactionVerdict(&res), "no interaction") {
		t.Errorf("verdict %q", interactionVerdict(&res))
	}

	est.Modalities = []string{"a", "b", "c", "d"}
	if err := compareInteractions(&res, truth, est); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("other modality names: %v", err)
	}
}

func TestRunReportsModalityInteractions(t *testing.T) {
	f6, _ := groundtruth.Builtin("F6")
	o := tinyOptions(t)
	o.Methods = []string{"gradient"}
	r, err := Run(context.Background(), []Scenario{{Scenario: f6, Source: "built-in"}}, o)
	if err != nil {
		t.Fatal(err)
	}
	in := r.Scenarios[0].Interactions
	if in == nil || in.Error != "" || in.RMSE == nil || in.StrongestFound == nil || in.Cases != 40 || in.Background != 20 {
		t.Fatalf("interactions %+v", in)
	}
	var sum float64
	for _, v := range in.Estimate {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 || in.Truth["ct_axial|clinical_a"] != 0.5 {
		t.Errorf("estimate shares sum to %v, truth %v", sum, in.Truth)
	}
	var buf strings.Builder
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Scenarios []struct {
			MI struct {
				Truth    map[string]float64 `json:"truth"`
				Estimate map[string]float64 `json:"estimate"`
				RMSE     *float64           `json:"rmse"`
			} `json:"modality_interactions"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal([]byte(buf.String()), &back); err != nil {
		t.Fatal(err)
	}
	mi := back.Scenarios[0].MI
	if len(mi.Truth) != 6 || len(mi.Estimate) != 6 || mi.RMSE == nil || *mi.RMSE != *in.RMSE {
		t.Errorf("results.json modality_interactions: %+v", mi)
	}
	var text, md strings.Builder
	if err := r.WriteScenarioTable(&text, &r.Scenarios[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteSummaryTable(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), `| ct_axial\|clinical_a | 0.500 |`) {
		t.Errorf("the Markdown table does not escape the pair's bar, which would split its cell:\n%s", md.String())
	}
	for _, want := range []string{"modality interactions", "ct_axial|clinical_a", "RMSE", "strongest pair"} {
		if !strings.Contains(strings.ToLower(text.String()), strings.ToLower(want)) || !strings.Contains(strings.ToLower(md.String()), strings.ToLower(want)) {
			t.Errorf("tables lack %q:\n%s\n%s", want, text.String(), md.String())
		}
	}
}
