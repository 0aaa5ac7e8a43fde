package truthcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modelfile"
)

// fixture is testmodel's small F3 model and its autoencoder, made once per test binary.
func fixture() (*fixtureData, error) {
	m, err := testmodel.SmallF3()
	if err != nil {
		return nil, err
	}
	return &fixtureData{aeFile: m.AEFile, model: m.Model}, nil
}

type fixtureData struct {
	aeFile []byte
	model  []byte
}

func fixtureOf(t *testing.T) *fixtureData {
	t.Helper()
	f, err := fixture()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCheck runs the ground-truth check and compares it with a direct computation.
func TestCheck(t *testing.T) {
	f := fixtureOf(t)
	c, err := New("test-F3.flns", f.model, explainer.Options{TruthN: 40})
	if err != nil {
		t.Fatal(err)
	}
	var steps int
	res, err := c.Check(f.aeFile, "gradient", func(p engine.Progress) error { steps++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 40 || res.Scenario != "F3-clinical" || steps < 3 || res.DrawMS <= 0 || res.Accuracy <= 0 {
		t.Errorf("check %+v after %d progress reports", res, steps)
	}
	sum := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	}
	if math.Abs(sum(res.Truth)-1) > 1e-9 || math.Abs(sum(res.Estimate)-1) > 1e-6 {
		t.Errorf("truth %v and estimate %v do not sum to 1", res.Truth, res.Estimate)
	}
	// F3 ignores both images: its truth is 0 there.
	if res.Truth[0] != 0 || res.Truth[1] != 0 {
		t.Errorf("F3 truth %v, want no image importance", res.Truth)
	}
	rmse, _ := importance.RMSE(res.Estimate, res.Truth)
	if math.Abs(res.RMSE-rmse) > 1e-9 || res.RBO <= 0 || res.RBO > 1 {
		t.Errorf("RMSE %g (direct %g), RBO %g", res.RMSE, rmse, res.RBO)
	}
	// A second method reuses the cohort; a stopped check returns the pace error.
	stop := errors.New("stop")
	if _, err := c.Check(f.aeFile, "permutation", func(engine.Progress) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("stopped check: %v", err)
	}
	r2, err := c.Check(f.aeFile, "permutation", nil)
	if err != nil || r2.Truth[2] != res.Truth[2] || r2.DrawMS != 0 {
		t.Errorf("permutation check: %+v, %v", r2, err)
	}
	if _, err := c.Check([]byte("not a model"), "lime", nil); err != nil {
		t.Errorf("the cohort is made once; a later bad autoencoder file is not read: %v", err)
	}
	c2, _ := New("test-F3.flns", f.model, explainer.Options{TruthN: 40})
	if _, err := c2.Check([]byte("not a model"), "gradient", nil); err == nil || !strings.Contains(err.Error(), "autoencoder") {
		t.Errorf("bad autoencoder file: %v", err)
	}
	if _, err := New("ae.flns", f.aeFile, explainer.Options{}); err == nil {
		t.Error("the autoencoder opened as a model to check")
	}
}

// TestScenarioFile checks models whose meta holds a scenario file (a JSON object) rather
// than a built-in name: the check reads it with groundtruth's checks, so a valid one is
// checked like the built-in and an invalid one, which the page names, fails with
// groundtruth's error naming the culprit's JSON path.
func TestScenarioFile(t *testing.T) {
	f := fixtureOf(t)
	sc, err := groundtruth.Builtin("F3")
	if err != nil {
		t.Fatal(err)
	}
	valid, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		scenario, err string
	}{
		{string(valid), ""},
		{`{"name": "broken", "weights": [{"feature": "ct_axial[0]", "weight": 1}], "bogus": 1}`, "groundtruth: scenario bogus: "},
		{`{"name": "broken", "terms": [{"kind": "square", "feature": "ct_axial[0]", "coef": 0}]}`, "groundtruth: scenario terms[0].coef: "},
	} {
		model := withScenario(t, f.model, c.scenario)
		e, err := explainer.Open("s.flns", model, explainer.Options{})
		if err != nil || e.TruthScenario() == "" {
			t.Fatalf("%s: the page names no scenario (%v)", c.scenario, err)
		}
		ch, err := New("s.flns", model, explainer.Options{TruthN: 20})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), "decision function broken: "+c.err) {
				t.Errorf("%s: %v, want %q", c.scenario, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.scenario, err)
		}
		res, err := ch.Check(f.aeFile, "gradient", nil)
		if err != nil || res.Scenario != "F3-clinical" || res.Description != sc.Description || res.Truth[0] != 0 {
			t.Errorf("%s: check %+v, %v", c.scenario, res, err)
		}
	}
}

// withScenario returns the model file with its meta naming scenario (JSON).
func withScenario(t *testing.T, model []byte, scenario string) []byte {
	t.Helper()
	mf, err := modelfile.Decode(bytes.NewReader(model))
	if err != nil {
		t.Fatal(err)
	}
	mf.Meta.Scenario = json.RawMessage(scenario)
	var b bytes.Buffer
	if err := modelfile.Encode(&b, mf, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFuncKeepsTheModelsCohort checks that Func reuses its Checker for the same model
// and options (the second method's check draws nothing) and makes a new one otherwise.
func TestFuncKeepsTheModelsCohort(t *testing.T) {
	f := fixtureOf(t)
	check := Func()
	o := explainer.Options{TruthN: 20}
	req := explainer.CheckRequest{Name: "m.flns", Model: f.model, Autoencoder: f.aeFile, Method: "gradient", Options: o}
	a, err := check(req, nil)
	if err != nil || a.DrawMS <= 0 {
		t.Fatalf("first check %+v, %v", a, err)
	}
	req.Method = "gradxinput"
	if b, err := check(req, nil); err != nil || b.DrawMS != 0 || b.Cases != 20 {
		t.Errorf("second method: %+v, %v (want the kept cohort)", b, err)
	}
	req.Options.TruthN = 24
	if b, err := check(req, nil); err != nil || b.DrawMS <= 0 || b.Cases != 24 {
		t.Errorf("other options: %+v, %v (want a new cohort)", b, err)
	}
	req.Model = append([]byte(nil), f.model...)
	req.Model[len(req.Model)-2] ^= 1
	if _, err := check(req, nil); err == nil {
		t.Error("a corrupted model was checked")
	}
}
