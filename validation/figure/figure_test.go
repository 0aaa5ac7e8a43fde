package figure

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/validation"
)

// report builds a small report by hand: two scenarios, three methods.
func report() *validation.Report {
	r := &validation.Report{Seed: 1, Persistence: 0.9, Paper: validation.PaperFigures()}
	for _, m := range importance.AllMethods() {
		switch m.Name {
		case "gradient", "lime", "gradient_logit_sd":
			r.Methods = append(r.Methods, validation.MethodInfo{Name: m.Name, Label: m.Label, Extra: m.Name == "gradient_logit_sd"})
		}
	}
	mods := []string{"ct_axial", "ct_coronal", "clinical_a", "clinical_b"}
	for k, truth := range [][]float64{{0.25, 0.25, 0.25, 0.25}, {0.4, 0.3, 0.2, 0.1}} {
		auc := 0.97
		sc := validation.ScenarioResult{Name: []string{"F0-sum-all", "F5 <nonlinear> & co"}[k], Description: strings.Repeat("A description long enough to wrap. ", 6),
			Modalities: mods, Truth: truth, Test: validation.TestMetrics{Accuracy: 0.95, AUC: &auc}}
		for i, m := range r.Methods {
			est := []float64{0.3 - 0.02*float64(i), 0.2, 0.3, 0.2 + 0.02*float64(i)}
			a, err := validation.Compare(est, truth)
			if err != nil {
				panic(err)
			}
			sc.Methods = append(sc.Methods, validation.MethodResult{Method: m.Name, Modalities: est, Agreement: a})
		}
		sc.Methods = append(sc.Methods, validation.MethodResult{Method: "broken", Error: "failed"})
		r.Scenarios = append(r.Scenarios, sc)
	}
	for _, m := range r.Methods {
		s := validation.Summary{Method: m.Name, Label: m.Label, Scenarios: 2, MeanRMSE: 0.05, MeanRBO: 0.95}
		if v, ok := r.Paper.RMSE[m.Name]; ok {
			s.PaperRMSE = &v
		}
		r.Summary = append(r.Summary, s)
	}
	return r
}

// checkSVG parses the SVG as XML and returns its text content.
func checkSVG(t *testing.T, f *Figure) string {
	t.Helper()
	var b bytes.Buffer
	if err := f.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&b)
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
			text.WriteString("|")
		}
	}
	return text.String()
}

func checkPNG(t *testing.T, f *Figure, scale float64) {
	t.Helper()
	var b bytes.Buffer
	if err := f.WritePNG(&b, scale); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w < int(f.W*scale)-1 || w > int(f.W*scale)+1 || h < int(f.H*scale)-1 || h > int(f.H*scale)+1 {
		t.Errorf("PNG is %dx%d, want about %.0fx%.0f", w, h, f.W*scale, f.H*scale)
	}
}

func TestScenarioFigure(t *testing.T) {
	r := report()
	for i := range r.Scenarios {
		f := Scenario(r, &r.Scenarios[i])
		text := checkSVG(t, f)
		for _, want := range []string{r.Scenarios[i].Name, "ground truth", "Gradient (paper)", "Log-odds gradient x SD", "ct_coronal", "share of importance", "RMSE"} {
			if !strings.Contains(text, want) {
				t.Errorf("scenario %d SVG lacks %q", i, want)
			}
		}
		if strings.Contains(text, "broken") {
			t.Error("a failed method was drawn")
		}
		checkPNG(t, f, 1)
	}
}

func TestSummaryFigure(t *testing.T) {
	r := report()
	f := Summary(r)
	text := checkSVG(t, f)
	for _, want := range []string{"Mean RMSE", "paper 0.122", "paper 0.135", "mean RBO", "0.950", "the paper's best (mean of four, 0.084)"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary SVG lacks %q", want)
		}
	}
	checkPNG(t, f, 2)
	if err := f.WritePNG(io.Discard, 0); err == nil {
		t.Error("scale 0 accepted")
	}
}

func TestWrapAndWidth(t *testing.T) {
	if w := TextWidth("mmmm", 12, false); !(w > TextWidth("iiii", 12, false)) || w <= 0 {
		t.Errorf("widths: mmmm %v", w)
	}
	lines := Wrap("one two three four five six seven", 12, 60, false)
	if len(lines) < 3 || strings.Join(lines, " ") != "one two three four five six seven" {
		t.Errorf("Wrap: %q", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, " ") && TextWidth(l, 12, false) > 60 {
			t.Errorf("line %q wider than 60", l)
		}
	}
}
