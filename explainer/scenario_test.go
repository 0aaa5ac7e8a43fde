package explainer

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/modelfile"
)

// TestBuiltinsTable keeps the generated table equal to groundtruth.Builtins (run
// `go generate ./explainer` after changing a built-in scenario's name or description).
func TestBuiltinsTable(t *testing.T) {
	b := groundtruth.Builtins()
	if len(b) != len(builtins) {
		t.Fatalf("groundtruth has %d built-in scenarios, the table %d: run go generate ./explainer", len(b), len(builtins))
	}
	for i, s := range b {
		if builtins[i] != (scenarioInfo{Name: s.Name, Description: s.Description}) {
			t.Errorf("built-in %d: table %+v, groundtruth %q %q: run go generate ./explainer", i, builtins[i], s.Name, s.Description)
		}
	}
}

// scenarioFile is a built-in scenario written as a scenario file (a JSON object), as a
// model trained on a scenario file names it.
func scenarioFile(t testing.TB, name string) []byte {
	t.Helper()
	sc, err := groundtruth.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestModelScenario checks that modelScenario names what groundtruth.ModelScenario reads,
// and names nothing where the model file names no scenario or one this build lacks.
func TestModelScenario(t *testing.T) {
	f7 := groundtruth.Builtins()[7]
	for _, c := range []struct {
		raw  string
		name string // "" when none
		desc string
	}{
		{`"F3"`, "F3-clinical", groundtruth.Builtins()[3].Description},
		{` "F7-mixed-dominant"` + "\n", f7.Name, f7.Description},
		{string(scenarioFile(t, "F5")), "F5-nonlinear", groundtruth.Builtins()[5].Description},
		{`{"name": "mine", "weights": [{"modality": "ct_axial", "weight": 1}]}`, "mine", ""},
		{``, "", ""},
		{`null`, "", ""},
		{`"F9"`, "", ""},
		{`"F3`, "", ""},
		{`3`, "", ""},
		{`{"description": "no name"}`, "", ""},
		{`{"name": 3}`, "", ""},
		{`["F3"]`, "", ""},
	} {
		s, ok := modelScenario(json.RawMessage(c.raw))
		if ok != (c.name != "") || s.Name != c.name || s.Description != c.desc {
			t.Errorf("modelScenario(%s) = %+v, %v; want %q %q", c.raw, s, ok, c.name, c.desc)
		}
	}
}

// TestOpenNamesScenarioFile opens the test model with its meta naming a scenario file
// rather than a built-in name: the page names it and describes it, the same as for the
// built-in name.
func TestOpenNamesScenarioFile(t *testing.T) {
	e, f := trained(t, Options{})
	mf, err := modelfile.Decode(bytes.NewReader(f.model))
	if err != nil {
		t.Fatal(err)
	}
	mf.Meta.Scenario = scenarioFile(t, "F3")
	var b bytes.Buffer
	if err := modelfile.Encode(&b, mf, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	g, err := Open("test-F3-file.flns", b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g.TruthScenario() != "F3-clinical" || g.Info().Description != e.Info().Description || g.Info().ClassNote != e.Info().ClassNote {
		t.Errorf("scenario file: %q, %+v; built-in name: %+v", g.TruthScenario(), g.Info(), e.Info())
	}
}

// FuzzModelScenario checks modelScenario against groundtruth.ModelScenario: whatever
// groundtruth reads, the page names with the same name and description (the page reads
// less strictly; truthcheck applies groundtruth's checks when a check runs).
func FuzzModelScenario(f *testing.F) {
	f.Add([]byte(`"F3"`))
	f.Add([]byte(`"F0-sum-all"`))
	f.Add(scenarioFile(f, "F6"))
	f.Add([]byte(`{"name": "x\u00e9", "description": "d", "weights": [{"feature": "clinical_a[0]", "weight": 2}]}`))
	f.Add([]byte(`{"name": "a", "name": "b"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, ok := modelScenario(raw)
		if ok && s.Name == "" {
			t.Fatalf("%q: named a scenario without a name", raw)
		}
		sc, err := groundtruth.ModelScenario(raw)
		if err != nil {
			return
		}
		if !ok || s.Name != sc.Name || s.Description != sc.Description {
			t.Fatalf("%q: page reads %+v, %v; groundtruth %q %q", raw, s, ok, sc.Name, sc.Description)
		}
	})
}
