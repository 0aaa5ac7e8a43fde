package explainer

import (
	"bytes"
	"encoding/json"
	"strings"
)

//go:generate go run ./internal/scenariotable -out scenarios_gen.go

// scenarioInfo is what the page shows of the decision function a model file names: its
// name and description. The engine keeps this, not a groundtruth.Scenario: linking
// package groundtruth (the scenario type's methods, the scenario file parser) would add
// about 40 KB gzip to the page's main.wasm, and only the ground-truth check, which runs
// in its own Web Worker (package truthcheck), needs the scenario itself.
type scenarioInfo struct {
	Name        string
	Description string
}

// modelScenario reads the name and description of the decision function named by a
// model file's Meta.Scenario, as groundtruth.ModelScenario does: a JSON string is a
// built-in scenario's full ("F3-clinical") or short ("F3") name, looked up in builtins
// (generated from groundtruth.Builtins); a JSON object is a scenario file, of which only
// the name (which must not be empty) and description are read here. Package truthcheck
// reads the whole scenario, with groundtruth's checks, when a check runs: a scenario file
// that fails them is named on the page and its check says what is wrong. ok is false
// when raw names no scenario this build knows.
func modelScenario(raw json.RawMessage) (s scenarioInfo, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return scenarioInfo{}, false
	}
	if raw[0] == '"' {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			return scenarioInfo{}, false
		}
		for _, b := range builtins {
			if short, _, _ := strings.Cut(b.Name, "-"); b.Name == name || short == name {
				return b, true
			}
		}
		return scenarioInfo{}, false
	}
	var f struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if raw[0] != '{' || json.Unmarshal(raw, &f) != nil || f.Name == "" {
		return scenarioInfo{}, false
	}
	return scenarioInfo{Name: f.Name, Description: f.Description}, true
}
