package figure

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/validation"
)

// basisReport builds a small basis report by hand: n scenarios, the first with two runs.
func basisReport(n int) *validation.BasisReport {
	b := &validation.BasisReport{Draws: 1000, Bound: 0.0587, Convention: 0.065}
	names := []string{"U7-coronal-step", "U8 <images> & co", "F3-clinical"}
	for i := range n {
		run := validation.BasisRun{Seed: uint64(i + 1), Truth: []float64{0.4, 0.3, 0.2, 0.1}, BasisFree: []float64{0.35, 0.35, 0.2, 0.1},
			Twin: []float64{0.2, 0.5, 0.2, 0.1}, Convention: 0.035, TwinRMSE: 0.141}
		sc := validation.BasisScenario{Name: names[i%len(names)], Runs: []validation.BasisRun{run}}
		if i == 0 {
			second := run
			second.Seed = 2
			sc.Runs = append(sc.Runs, second)
		}
		b.Scenarios = append(b.Scenarios, sc)
	}
	return b
}

// svgCircles counts the figure's filled circles and its rings (circles with no fill).
func svgCircles(t *testing.T, f *Figure) (filled, rings int) {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&buf)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return filled, rings
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "circle" {
			for _, a := range e.Attr {
				if a.Name.Local == "fill" {
					if a.Value == "none" {
						rings++
					} else {
						filled++
					}
				}
			}
		}
	}
}

func TestBasisFigure(t *testing.T) {
	b := basisReport(3)
	f := Basis(b)
	text := checkSVG(t, f)
	for _, want := range []string{
		"No method blind to the image basis can be sure of a mean RMSE below 0.059 on these 3 scenarios.",
		"first of a scenario's 1-2 runs", "1,000 random orthonormal bases", "0.065 from its basis-free value",
		"ground truth", "basis-free truth", "farthest twin in a rotated image basis",
		"ct_axial", "clinical_b", "share of importance", "cohort seed 1, run 1 of 2", "0.141",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("basis SVG lacks %q", want)
		}
	}
	// One row per scenario: each name once, and per row a filled dot (the truth) and a
	// ring (the basis-free truth) for each of the four modalities, beside the legend's.
	for _, sc := range b.Scenarios {
		if got := strings.Count(text, "|"+sc.Name+"|"); got != 1 {
			t.Errorf("scenario %q drawn %d times, want once", sc.Name, got)
		}
	}
	if filled, rings := svgCircles(t, f); filled != 3*4+1 || rings != 3*4+1 {
		t.Errorf("%d dots and %d rings, want %d of each", filled, rings, 3*4+1)
	}
	checkPNG(t, f, 1.5)

	// One scenario, one run: the caption says so, and the figure is shorter.
	b1 := basisReport(1)
	b1.Scenarios[0].Runs = b1.Scenarios[0].Runs[:1]
	one := Basis(b1)
	text = checkSVG(t, one)
	for _, want := range []string{"below 0.059 on this scenario.", "a scenario's only run", "cohort seed 1|"} {
		if !strings.Contains(text, want) {
			t.Errorf("one-scenario SVG lacks %q", want)
		}
	}
	if !(one.H < f.H) {
		t.Errorf("one scenario is %v high, three %v", one.H, f.H)
	}
	if filled, rings := svgCircles(t, one); filled != 4+1 || rings != 4+1 {
		t.Errorf("one scenario: %d dots and %d rings, want 5 of each", filled, rings)
	}
	checkPNG(t, one, 1)
}

// A report with no scenarios, a scenario with no runs, missing or NaN shares, and shares
// outside [0, 1] still draws: the marks that can be placed, clamped to the axis.
func TestBasisFigureOddReports(t *testing.T) {
	nan := math.NaN()
	for name, b := range map[string]*validation.BasisReport{
		"empty":   {},
		"no runs": {Scenarios: []validation.BasisScenario{{Name: "lonely"}}},
		"odd": {Scenarios: []validation.BasisScenario{{Name: "odd", Runs: []validation.BasisRun{
			{Truth: []float64{nan, 1.5, -0.2, 0.3, 0.4}, BasisFree: []float64{0.1}, Twin: []float64{0.2, 0.3}},
		}}}},
	} {
		f := Basis(b)
		text := checkSVG(t, f)
		for _, sc := range b.Scenarios {
			if !strings.Contains(text, sc.Name) {
				t.Errorf("%s: scenario %q not drawn", name, sc.Name)
			}
		}
		checkPNG(t, f, 1)
		var buf bytes.Buffer
		if err := f.WriteSVG(&buf); err != nil {
			t.Fatal(err)
		}
		if s := buf.String(); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("%s: SVG has a non-finite number", name)
		}
	}
	if got := Basis(&validation.BasisReport{}); !strings.Contains(checkSVG(t, got), "no scenarios") {
		t.Error("an empty report does not say it has no scenarios")
	}
	b := Basis(&validation.BasisReport{Scenarios: []validation.BasisScenario{{Name: "odd", Runs: []validation.BasisRun{
		{Truth: []float64{0.1, 0.2, 0.3, 0.4, 0.5}, BasisFree: []float64{0.1}, Twin: []float64{0.2, 0.3}}}}}})
	if text := checkSVG(t, b); !strings.Contains(text, "modality 5") {
		t.Error("a fifth modality is not named")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -20000: "-20,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
