package validation

import "testing"

func TestRegistry(t *testing.T) {
	if _, err := MethodByName("nope"); err == nil {
		t.Error("unknown method accepted")
	}
	seen := map[string]bool{}
	for _, m := range AllMethods() {
		if seen[m.Name] || m.Global == nil || m.Label == "" || m.Description == "" {
			t.Errorf("method %+v: duplicate or incomplete", m.Name)
		}
		seen[m.Name] = true
	}
	if !seen["gradient"] || !seen["mean4"] || !seen["gradient_logit_sd"] || !seen["reference_gradient"] {
		t.Error("registry or extras missing")
	}
	for _, m := range Methods() {
		if m.Name == "reference_gradient" {
			t.Error("Methods lists a method that needs reference features")
		}
	}
}
