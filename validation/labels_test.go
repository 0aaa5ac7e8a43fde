package validation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
)

// TestRunLogisticLabels checks that a built-in with logistic labels is reported as such
// (results.json's "labels" and the count of labels away from the threshold's), that its
// saved network names the full scenario rather than the built-in, so it is never taken for
// the threshold-labelled one, and that the default labels report neither.
func TestRunLogisticLabels(t *testing.T) {
	o := tinyOptions(t)
	o.Methods = []string{"gradient"}
	o.SaveModels = t.TempDir()
	sc, _ := groundtruth.Builtin("F3")
	sc.LabelMode, sc.LabelScale = groundtruth.LogisticLabels, 0.5
	r, err := Run(context.Background(), []Scenario{{Scenario: sc, Source: "built-in"}}, o)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Scenarios[0]
	if s.Labels != "logistic, scale 0.5" {
		t.Errorf("labels %q, want \"logistic, scale 0.5\"", s.Labels)
	}
	// F3's SD is √(10·0.36 + 10·0.16) ≈ 2.3 on standard normal values, so s·SD ≈ 1.1 and
	// about 30 % of labels leave the threshold's; with 240 cases, anything in 10-50 % is sane.
	if share := float64(s.Cases.Flipped) / float64(s.Cases.N); share < 0.1 || share > 0.5 {
		t.Errorf("%d of %d labels differ from the threshold's", s.Cases.Flipped, s.Cases.N)
	}
	var text, md strings.Builder
	if err := r.WriteScenarioTable(&text, &s); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("logistic, scale 0.5: %d of %d (", s.Cases.Flipped, s.Cases.N)
	if !strings.Contains(text.String(), "labels "+want) || !strings.Contains(md.String(), "Labels "+want) {
		t.Errorf("tables lack %q:\n%s\n%s", want, text.String(), md.String())
	}
	folder, err := LoadModels(o.SaveModels)
	if err != nil || len(folder.Models) != 1 {
		t.Fatalf("LoadModels: %v, %+v", err, folder)
	}
	var named string
	if json.Unmarshal(folder.Models[0].Meta.Scenario, &named) == nil {
		t.Errorf("saved model names the built-in %q, losing its logistic labels", named)
	}
	threshold, _ := groundtruth.Builtin("F3")
	if m, err := matchModel(threshold, folder.Models); err != nil || m != nil {
		t.Errorf("the logistic-label network matched threshold-labelled F3 (%v)", err)
	}
	if m, err := matchModel(sc, folder.Models); err != nil || m == nil {
		t.Errorf("the logistic-label network does not match its own scenario (%v)", err)
	}

	o.SaveModels = ""
	r, err = Run(context.Background(), []Scenario{{Scenario: threshold, Source: "built-in"}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Scenarios[0]; s.Labels != "" || s.Cases.Flipped != 0 {
		t.Errorf("threshold labels reported as %q with %d flipped", s.Labels, s.Cases.Flipped)
	}
	var md2 strings.Builder
	if err := r.WriteMarkdown(&md2); err != nil || strings.Contains(md2.String(), "Labels ") {
		t.Errorf("threshold labels get a labels line (%v):\n%s", err, md2.String())
	}
}
