package site

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/staticrender"

	"github.com/fusionlens/fusionlens/modality"
)

// render builds the page for s natively with Vugu's static renderer, as the browser
// would draw it, and returns the HTML.
func render(t *testing.T, s *State) string {
	t.Helper()
	var b bytes.Buffer
	r := staticrender.New(&b)
	env, err := vugu.NewBuildEnv(r.EventEnv())
	if err != nil {
		t.Fatal(err)
	}
	// Root.Init hands the renderer's event environment to the state; give the test's
	// own back, so later changes do not start goroutines behind the test's back.
	prev := s.env
	defer func() { s.env = prev }()
	if err := r.Render(env.RunBuild(&Root{S: s})); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func count(html, substr string) int { return strings.Count(html, substr) }

func TestRenderWithoutModel(t *testing.T) {
	html := render(t, NewState(nil))
	for _, id := range []string{"upload-ct-axial", "upload-ct-coronal", "example-case", "model-select", "model-upload", "method-select"} {
		if n := count(html, `data-testid="`+id+`"`); n != 1 {
			t.Errorf("data-testid %q appears %d times", id, n)
		}
	}
	if !strings.Contains(html, "Model not loaded yet") {
		t.Error("no 'Model not loaded yet' statement")
	}
	for _, id := range []string{"prediction", "modality-importance"} {
		if strings.Contains(html, `data-testid="`+id+`"`) {
			t.Errorf("%s shown without a model", id)
		}
	}
	if !strings.Contains(html, "nothing you load leaves this machine") {
		t.Error("no privacy statement")
	}
}

func TestRenderErrorsNextToInputs(t *testing.T) {
	s := NewState(nil)
	s.Clinical = testFields()
	s.DecodeImage = fileDecoder
	s.SetImage(modality.CTCoronal, "junk.png", []byte("\x89PNG\r\n\x1a\njunk"))
	s.SetClinical("v4", "250")
	html := render(t, s)
	// The image error sits in the coronal slot, the clinical one in its field.
	slot := regexp.MustCompile(`(?s)<h3 class="slot-head">Coronal slice</h3>.*?data-testid="error"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if slot == nil || !strings.Contains(slot[1], "junk.png") {
		t.Errorf("no error naming junk.png in the coronal slot")
	}
	field := regexp.MustCompile(`(?s)data-testid="clinical-v4".*?data-testid="error"[^>]*>([^<]*)<`).FindStringSubmatch(html)
	if field == nil || !strings.Contains(field[1], "0–100") {
		t.Errorf("no range error next to clinical-v4")
	}
	if !strings.Contains(html, `aria-invalid="true"`) {
		t.Error("refused field not marked aria-invalid")
	}
}

func TestRenderExplanation(t *testing.T) {
	s, _ := testState(t)
	s.SetMethod("occlusion")
	html := render(t, s)
	pred := regexp.MustCompile(`(?s)data-testid="prediction".*?<span class="p-num">([^<]*)<`).FindStringSubmatch(html)
	if pred == nil || !strings.Contains(pred[1], "p(finding) = "+ftoa(s.Result.P, 3)) {
		t.Fatalf("prediction text %q, want p(finding) = %s", pred, ftoa(s.Result.P, 3))
	}
	chart := regexp.MustCompile(`(?s)<svg[^>]*data-testid="modality-importance"[^>]*>(.*?)</svg>`).FindStringSubmatch(html)
	if chart == nil {
		t.Fatal("no modality-importance chart")
	}
	rows := regexp.MustCompile(`<g class="mrow mod-(\w+)" data-modality="(\w+)"[^>]*data-value="([0-9.]+)"`).FindAllStringSubmatch(chart[1], -1)
	if len(rows) != 4 {
		t.Fatalf("%d modality rows, want 4", len(rows))
	}
	bars, _ := modalityBars(s.Result)
	for i, r := range rows {
		if r[2] != modality.Modality(i).ID() || r[3] != bars[i].Value {
			t.Errorf("row %d: modality %s value %s, want %s %s", i, r[2], r[3], modality.Modality(i).ID(), bars[i].Value)
		}
	}
	if n := count(html, `class="bar mod-`); n != modality.FusionSize {
		t.Errorf("%d feature bars, want %d", n, modality.FusionSize)
	}
	// A modality-only method hides the feature bars and says why.
	s.SetMethod("modality-only")
	html = render(t, s)
	if count(html, `class="bar mod-`) != 0 || !strings.Contains(html, "scores whole modalities only") {
		t.Error("modality-only method: feature bars shown or not explained")
	}
}

func TestRenderValidation(t *testing.T) {
	s := NewState(nil)
	s.Tab = "validation"
	html := render(t, s)
	if !strings.Contains(html, "No validation results are shipped") || !strings.Contains(html, "0.122") {
		t.Error("validation tab without results: missing statement or the paper's reference")
	}
	if err := s.SetValidation([]byte(`{"source":"test run","rbo_persistence":0.9,"methods":[{"id":"g","label":"Gradient","rmse":0.0512,"rbo":0.97}],
		"scenarios":[{"name":"F2","accuracy":0.95,"truth":[0,1,0,0],"estimates":{"g":[0.1,0.9,0,0]}}]}`)); err != nil {
		t.Fatal(err)
	}
	html = render(t, s)
	for _, want := range []string{"0.051", "0.970", "F2", "RBO (p = 0.90)", `class="seg mod-ct_coronal"`} {
		if !strings.Contains(html, want) {
			t.Errorf("validation tab lacks %q", want)
		}
	}
	// With several methods the charts show the one chosen, else the explainer's.
	if err := s.SetValidation([]byte(`{"source":"test run","rbo_persistence":0.9,"methods":[
		{"id":"gradient","label":"Gradient","rmse":0.05,"rbo":0.97},{"id":"lime","label":"LIME","rmse":0.2,"rbo":0.8}],
		"scenarios":[{"name":"F2","accuracy":0.95,"truth":[0,1,0,0],"estimates":{"gradient":[0.1,0.9,0,0],"lime":[0.5,0.5,0,0]}}]}`)); err != nil {
		t.Fatal(err)
	}
	s.MethodID = "lime"
	v := &ValidationView{S: s}
	if v.methodID() != "lime" || v.rows(s.Validation.Scenarios[0])[1].Label != "LIME" {
		t.Errorf("shown method %q, want the explainer's (lime)", v.methodID())
	}
	s.ValidationMethod = "gradient"
	html = render(t, s)
	if v.methodID() != "gradient" || !strings.Contains(html, `class="chosen" data-method="gradient"`) {
		t.Errorf("chosen method %q not marked", v.methodID())
	}
	if !strings.Contains(html, `<td class="num">0.122</td>`) {
		t.Error("the paper's RMSE for the gradient is not beside ours")
	}
}
