package explainer

import (
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/site"
)

// TestPageModelErrors checks that a bad file leaves the loaded model in place and puts
// the reason next to the model input.
func TestPageModelErrors(t *testing.T) {
	_, f := trained(t, Options{})
	s := site.NewState(Opener(Options{ReferenceN: 4}))
	s.OpenModel(site.ModelChoice{ID: "opened:0", File: "good.flns"}, f.model)
	good := s.Engine
	s.OpenModel(site.ModelChoice{ID: "opened:1", File: "cut.flns"}, f.model[:len(f.model)/3])
	if s.Engine != good || !strings.HasPrefix(s.ModelErr, "cut.flns: ") {
		t.Errorf("after a cut file: error %q, engine replaced %v", s.ModelErr, s.Engine != good)
	}
	s.OpenModel(site.ModelChoice{ID: "opened:2", File: "ae.flns"}, f.aeFile)
	if !strings.Contains(s.ModelErr, "autoencoder") {
		t.Errorf("autoencoder opened as a model: %q", s.ModelErr)
	}
}
