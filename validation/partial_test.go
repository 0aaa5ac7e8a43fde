package validation

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
)

// TestOnScenario: a run of two scenarios calls Options.OnScenario once per scenario,
// with one scenario marked partial (1 of 2), then with both and unmarked; the last call's
// report is the one Run returns, and the partial one says so in its JSON and tables and
// is refused by Merge.
func TestOnScenario(t *testing.T) {
	f1, _ := groundtruth.Builtin("F1")
	f3, _ := groundtruth.Builtin("F3")
	scs := []Scenario{{Scenario: f1, Source: "built-in"}, {Scenario: f3, Source: "built-in"}}
	o := tinyOptions(t)
	o.Methods = []string{"gradient", "permutation"}
	o.Randomisations = 1
	var got []*Report
	o.OnScenario = func(r *Report) error {
		got = append(got, r)
		return nil
	}
	final, err := Run(context.Background(), scs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("OnScenario called %d times for 2 scenarios", len(got))
	}
	first, last := got[0], got[1]
	if !first.Partial || first.ScenariosPlanned != 2 || len(first.Scenarios) != 1 || first.Scenarios[0].Name != f1.Name {
		t.Errorf("first call: partial %v, planned %d, %d scenarios", first.Partial, first.ScenariosPlanned, len(first.Scenarios))
	}
	if len(first.Summary) != 2 || first.Summary[0].Scenarios != 1 || first.Summary[0].MeanRMSE != first.Scenarios[0].Methods[0].RMSE {
		t.Errorf("first call's summary is not over its one scenario: %+v", first.Summary)
	}
	if first.PartialNote() != "partial: 1 of 2 scenarios" || last.PartialNote() != "" {
		t.Errorf("notes %q and %q", first.PartialNote(), last.PartialNote())
	}
	if last.Partial || last.ScenariosPlanned != 0 || len(last.Scenarios) != 2 {
		t.Errorf("last call: partial %v, planned %d, %d scenarios", last.Partial, last.ScenariosPlanned, len(last.Scenarios))
	}

	pj, _ := json.Marshal(first)
	fj, _ := json.Marshal(final)
	if !strings.Contains(string(pj), `"partial":true`) || !strings.Contains(string(pj), `"scenarios_planned":2`) {
		t.Errorf("partial report's JSON lacks its mark: %.300s", pj)
	}
	if strings.Contains(string(fj), `"partial"`) || strings.Contains(string(fj), `"scenarios_planned"`) {
		t.Error("the finished report's JSON has a partial mark")
	}
	var back Report
	if err := json.Unmarshal(pj, &back); err != nil || !back.Partial || back.ScenariosPlanned != 2 {
		t.Errorf("partial report read back: %v, partial %v, planned %d", err, back.Partial, back.ScenariosPlanned)
	}

	var text, md strings.Builder
	if err := first.WriteSummaryTable(&text); err != nil {
		t.Fatal(err)
	}
	if err := first.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "partial: 1 of 2 scenarios") || !strings.Contains(md.String(), "**partial: 1 of 2 scenarios**") {
		t.Errorf("partial tables do not say so:\n%s\n%s", text.String(), md.String())
	}
	if s := first.Site("cmd"); s.Source != "cmd (partial: 1 of 2 scenarios)" {
		t.Errorf("partial validation.json source %q", s.Source)
	}
	md.Reset()
	if err := final.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "partial") {
		t.Error("the finished report's Markdown says partial")
	}

	if _, err := Merge([]*Report{final, first}); err == nil || !strings.Contains(err.Error(), "report 2 is partial (1 of 2 scenarios)") {
		t.Errorf("Merge of a partial report: %v", err)
	}

	stripTimes(last)
	stripTimes(final)
	if !reflect.DeepEqual(last, final) {
		a, _ := json.Marshal(last)
		b, _ := json.Marshal(final)
		t.Errorf("the last call's report is not Run's:\n%s\n%s", a, b)
	}
}

// TestOnScenarioErrorStops: an error from OnScenario stops the run after that scenario
// and comes back from Run naming it.
func TestOnScenarioErrorStops(t *testing.T) {
	f1, _ := groundtruth.Builtin("F1")
	f3, _ := groundtruth.Builtin("F3")
	o := tinyOptions(t)
	o.Methods = []string{"gradient"}
	o.Randomisations = 1
	full := errors.New("disk full")
	calls := 0
	o.OnScenario = func(r *Report) error {
		calls++
		return full
	}
	_, err := Run(context.Background(), []Scenario{{Scenario: f1, Source: "built-in"}, {Scenario: f3, Source: "built-in"}}, o)
	if !errors.Is(err, full) || !strings.Contains(err.Error(), f1.Name+" (1 of 2)") || calls != 1 {
		t.Errorf("Run with a failing OnScenario: %v after %d calls", err, calls)
	}
}
