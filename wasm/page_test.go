//go:build !js

package main

// The page's state (package site) driven natively with the real engine (package
// explainer) and its ground-truth check (package truthcheck), as this program wires them
// in the browser but synchronously: with no event environment the page's background jobs
// run at once. The browser itself is tested in engine_browser_test.go.

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/explainer/truthcheck"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/phantom"
	"github.com/fusionlens/fusionlens/phantom/examples"
	"github.com/fusionlens/fusionlens/site"
)

// withExamples gives s phantom's first example cases, as the page reads them at start.
func withExamples(t *testing.T, s *site.State) *site.State {
	t.Helper()
	b, err := examples.Encode(phantom.ExampleCases(3))
	if err == nil {
		err = s.SetExamples(b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// small returns testmodel's small F3 model and its autoencoder.
func small(t *testing.T) *testmodel.Small {
	t.Helper()
	m, err := testmodel.SmallF3()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPageModelErrors checks that a bad file leaves the loaded model in place and puts
// the reason next to the model input.
func TestPageModelErrors(t *testing.T) {
	f := small(t)
	s := site.NewState(explainer.Opener(explainer.Options{ReferenceN: 4, Draw: explainer.DrawReference}))
	s.OpenModel(site.ModelChoice{ID: "opened:0", File: "good.flns"}, f.Model)
	good := s.Engine
	s.OpenModel(site.ModelChoice{ID: "opened:1", File: "cut.flns"}, f.Model[:len(f.Model)/3])
	if s.Engine != good || !strings.HasPrefix(s.ModelErr, "cut.flns: ") {
		t.Errorf("after a cut file: error %q, engine replaced %v", s.ModelErr, s.Engine != good)
	}
	s.OpenModel(site.ModelChoice{ID: "opened:2", File: "ae.flns"}, f.AEFile)
	if !strings.Contains(s.ModelErr, "autoencoder") {
		t.Errorf("autoencoder opened as a model: %q", s.ModelErr)
	}
}

// TestPageWithEngine drives the page's state with the real engine, as the browser does
// but synchronously (no event environment: background jobs run at once): the example
// case, a per-case method, a slow one, a cohort-wide one, the ground-truth check
// following the method, and the saved explanation.
func TestPageWithEngine(t *testing.T) {
	f := small(t)
	s := withExamples(t, site.NewState(explainer.Opener(explainer.Options{ReferenceN: 20, TruthN: 40, Check: truthcheck.Func(), Draw: explainer.DrawReference})))
	s.LoadExample()
	s.OpenModel(site.ModelChoice{ID: "opened:0", Label: "test (opened file)", File: "test-F3.flns"}, f.Model)
	if s.Engine == nil || s.ModelErr != "" {
		t.Fatalf("model not opened: %q", s.ModelErr)
	}
	if !strings.Contains(s.RefNote, "ready") {
		t.Errorf("reference note %q after the synchronous jobs", s.RefNote)
	}
	if s.Result == nil || s.Result.Pending != "" || s.Result.Method != explainer.DefaultMethod {
		t.Fatalf("first result %+v (%s)", s.Result, s.ResultErr)
	}
	// The details follow at once here (no event environment): intervals over the
	// reference cases, and the case's interaction matrix.
	if u := s.Uncertainty; u == nil || u.Method != explainer.DefaultMethod || u.Exact || len(u.Modalities) != modality.Count {
		t.Errorf("intervals of the first result: %+v (%s)", u, s.UncertaintyErr)
	}
	if x := s.Interactions; x == nil || len(x.Index) != modality.Count || x.Background != 20 {
		t.Errorf("interactions of the first case: %+v (%s)", x, s.InteractionsErr)
	}
	for _, m := range []string{"kernelshap", "permutation", "occlusion"} {
		s.SetMethod(m)
		if s.Result == nil || s.Result.Pending != "" || s.Result.Method != m || s.ResultErr != "" {
			t.Fatalf("%s: result %+v, error %q", m, s.Result, s.ResultErr)
		}
	}
	if s.Result.Background != 20 {
		t.Errorf("occlusion used %d reference cases, want 20", s.Result.Background)
	}

	// The ground-truth check reads the autoencoder through the page's fetch, once.
	fetched := 0
	s.Autoencoder = "models/ae.flns"
	s.Fetch = func(url string) ([]byte, error) {
		if url != "models/ae.flns" {
			return nil, errors.New("unexpected fetch of " + url)
		}
		fetched++
		return f.AEFile, nil
	}
	if s.TruthScenario() != "F3-clinical" {
		t.Fatalf("truth scenario %q", s.TruthScenario())
	}
	s.RunTruth()
	if s.Truth == nil || s.Truth.Method != "occlusion" || s.TruthErr != "" {
		t.Fatalf("check %+v, error %q", s.Truth, s.TruthErr)
	}
	s.SetMethod("gradient")
	if s.Truth == nil || s.Truth.Method != "gradient" || fetched != 1 {
		t.Errorf("after a method change the check is %+v; autoencoder fetched %d times", s.Truth, fetched)
	}

	data, err := s.ExportJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc site.Export
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Uncertainty == nil || !doc.Uncertainty.Exact || doc.Interactions == nil || doc.Modality[0].Interval == nil {
		t.Errorf("exported without the gradient's exact intervals or the interactions: %s", data)
	}
	if doc.P != s.Result.P || doc.Method.ID != "gradient" || len(doc.Features) != modality.FusionSize || doc.Truth == nil ||
		doc.Model.TestAccuracy == nil || len(doc.Case.Clinical) != 20 || doc.Features[25].Name != s.Clinical[5].Name {
		t.Errorf("exported %s", data)
	}
	shares := 0.0
	for _, m := range doc.Modality {
		shares += m.Share
	}
	if math.Abs(shares-1) > 1e-9 {
		t.Errorf("exported shares sum to %v", shares)
	}
	svg, err := s.ExportSVG()
	if err != nil {
		t.Fatal(err)
	}
	// The page background, a track and a bar per modality, a bar per fusion feature.
	var root struct {
		XMLName xml.Name
		Rects   []struct{} `xml:"rect"`
	}
	if err := xml.Unmarshal([]byte(svg), &root); err != nil || root.XMLName.Local != "svg" || len(root.Rects) != 1+2*4+modality.FusionSize {
		t.Errorf("exported SVG: %v, root %q with %d rects", err, root.XMLName.Local, len(root.Rects))
	}
}

// TestPageDefaultMethodLine opens a shipped model with the shipped validation results
// and checks the line under the method select: the default is the engine's, and the
// figure is the one weights/validation.json gives for it.
func TestPageDefaultMethodLine(t *testing.T) {
	model, err := os.ReadFile("../weights/F0-sum-all.flns")
	if err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile("../weights/validation.json")
	if err != nil {
		t.Fatal(err)
	}
	s := site.NewState(explainer.Opener(explainer.Options{ReferenceN: 4, Draw: explainer.DrawReference}))
	s.OpenModel(site.ModelChoice{ID: "opened:0", File: "F0-sum-all.flns"}, model)
	if err := s.SetValidation(report); err != nil {
		t.Fatal(err)
	}
	var rmse float64
	for _, m := range s.Validation.Methods {
		if m.ID == explainer.DefaultMethod {
			rmse = m.RMSE
		}
	}
	line := s.DefaultNote()
	want := "Default: Occlusion — closest to the ground truth of the methods fast enough for every keystroke (mean RMSE " +
		strconv.FormatFloat(rmse, 'f', 3, 64) + " on the 8 validation scenarios; slower: Shapley values"
	if s.MethodID != explainer.DefaultMethod || !strings.HasPrefix(line, want) {
		t.Errorf("method %q, line %q; want %q...", s.MethodID, line, want)
	}
}
