package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/validation"
)

// smallAutoencoder trains a small autoencoder (a second or two) and saves it, so the
// end-to-end test does not spend its time on the default one.
func smallAutoencoder(t *testing.T) string {
	t.Helper()
	path, err := fixture.AutoencoderFile(t.TempDir(), 200, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestQuickEndToEnd runs the command in quick mode on two built-in scenarios and a
// scenario file and checks every output exists and every number is finite and sane.
func TestQuickEndToEnd(t *testing.T) {
	ae := smallAutoencoder(t)
	dir := t.TempDir()
	scFile := filepath.Join(dir, "mine.json")
	if err := os.WriteFile(scFile, []byte(`{"name":"my clinical/image case","weights":[{"modality":"clinical_b","weight":1},{"feature":"ct_axial[0]","weight":0.5}],"cohort_size":300,"seed":4}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"-quick", "-seeds", "2", "-n", "300", "-epochs", "2", "-autoencoder", ae, "-out", out, "-scenarios", "F1,F5",
		"-methods", "gradient,permutation,kernelshap,lime,mean4,gradient_logit_sd", scFile}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"F1-ct-axial", "F5-nonlinear", "my clinical/image case", "Summary over 3 scenarios", "Gradient (paper)", "0.122"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "scenario 3/3") || !strings.Contains(stderr.String(), "ETA") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
	for _, f := range []string{"results.json", "results.md", "validation.json", "figures/summary.svg", "figures/summary.png",
		"figures/F1-ct-axial.svg", "figures/F1-ct-axial.png", "figures/F5-nonlinear.png", "figures/my_clinical_image_case.svg"} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil || st.Size() < 200 {
			t.Errorf("output %s missing or tiny: %v", f, err)
		}
	}
	summaryPNG, _ := os.ReadFile(filepath.Join(out, "figures/summary.png"))
	if !bytes.HasPrefix(summaryPNG, []byte("\x89PNG")) {
		t.Error("summary.png is not a PNG")
	}
	svg, _ := os.ReadFile(filepath.Join(out, "figures/F1-ct-axial.svg"))
	if !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("ground truth")) {
		t.Error("F1 SVG lacks its header or legend")
	}

	r := readResults(t, out)
	if len(r.Scenarios) != 3 || len(r.Summary) != 6 || !r.Quick || r.Persistence != 0.9 {
		t.Fatalf("report: %d scenarios, %d summaries, quick %v, p %v", len(r.Scenarios), len(r.Summary), r.Quick, r.Persistence)
	}
	unit := func(what string, v []float64) {
		t.Helper()
		var s float64
		for _, x := range v {
			if math.IsNaN(x) || x < 0 || x > 1 {
				t.Errorf("%s: value %v outside [0,1]", what, x)
			}
			s += x
		}
		if math.Abs(s-1) > 1e-6 {
			t.Errorf("%s sums to %v, want 1", what, s)
		}
	}
	for _, sc := range r.Scenarios {
		unit(sc.Name+" truth", sc.Truth)
		if sc.Test.Accuracy < 0.4 || sc.Test.Accuracy > 1 || sc.Cases.Test < 50 {
			t.Errorf("%s: test accuracy %v on %d cases", sc.Name, sc.Test.Accuracy, sc.Cases.Test)
		}
		for _, m := range sc.Methods {
			if m.Error != "" {
				t.Errorf("%s %s failed: %s", sc.Name, m.Method, m.Error)
				continue
			}
			unit(sc.Name+" "+m.Method, m.Modalities)
			if !(m.RMSE >= 0 && m.RMSE <= 1) || !(m.RBO >= math.Pow(0.9, 4)-1e-9 && m.RBO <= 1+1e-9) {
				t.Errorf("%s %s: RMSE %v, RBO %v", sc.Name, m.Method, m.RMSE, m.RBO)
			}
			if m.Randomisation == nil || len(m.Randomisation.Similarity) != 1 {
				t.Errorf("%s %s: no randomisation check", sc.Name, m.Method)
			}
		}
	}
	if f1 := r.Scenarios[0]; len(f1.Ignored) != 3 || f1.Methods[0].IgnoredLast == nil {
		t.Errorf("F1 ignores %v modalities; ignored-last check %v", f1.Ignored, f1.Methods[0].IgnoredLast)
	}
	for _, s := range r.Summary {
		if s.Scenarios != 3 || math.IsNaN(s.MeanRMSE) || s.MeanRMSE > 1 {
			t.Errorf("summary %s: %d scenarios, mean RMSE %v", s.Method, s.Scenarios, s.MeanRMSE)
		}
	}
	checkSeeds(t, &r, stdout.String(), filepath.Join(out, "results.md"))

	// -from redraws the same outputs from results.json alone.
	res0 := filepath.Join(out, "results.json")
	again := filepath.Join(dir, "again")
	stdout.Reset()
	if code := run(context.Background(), []string{"-from", filepath.Join(out, "results.json"), "-out", again}, &stdout, &stderr); code != 0 {
		t.Fatalf("-from: exit %d: %s", code, stderr.String())
	}
	for _, f := range []string{"results.md", "figures/summary.svg", "figures/F5-nonlinear.png"} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, err := os.ReadFile(filepath.Join(again, f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("-from: %s differs from the run's (%v)", f, err)
		}
	}
	// -basis redraws the runs' test cases (the scenario file given again, the built-ins by
	// name) and writes basis.json, basis.md and figures/basis.svg and .png; without the
	// file it says which is missing.
	basisOut := filepath.Join(dir, "basis")
	stdout.Reset()
	if code := run(context.Background(), []string{"-from", res0, "-basis", "-autoencoder", ae, "-out", basisOut, scFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("-from -basis: exit %d: %s", code, stderr.String())
	}
	var basis validation.BasisReport
	bj, _ := os.ReadFile(filepath.Join(basisOut, "basis.json"))
	if err := json.Unmarshal(bj, &basis); err != nil || len(basis.Scenarios) != 3 || len(basis.Scenarios[0].Runs) != 2 || len(basis.Methods) != 6 {
		t.Errorf("basis.json: %v, %d scenarios, %d methods", err, len(basis.Scenarios), len(basis.Methods))
	}
	if md, err := os.ReadFile(filepath.Join(basisOut, "basis.md")); err != nil || !strings.Contains(string(md), "my clinical/image case") {
		t.Errorf("basis.md: %v", err)
	}
	if !strings.Contains(stdout.String(), "no method blind to the image basis") || !strings.Contains(stdout.String(), "basis.png") {
		t.Errorf("-basis printed no summary or no figure:\n%s", stdout.String())
	}
	// The figure: every scenario and the bound in the SVG, a PNG of a figure's size.
	figSVG, err := os.ReadFile(filepath.Join(basisOut, "figures", "basis.svg"))
	if err != nil || !bytes.HasPrefix(figSVG, []byte("<svg")) {
		t.Errorf("figures/basis.svg: %v", err)
	}
	for _, want := range []string{"my clinical/image case", fmt.Sprintf("below %.3f on these 3 scenarios", basis.Bound), "farthest twin"} {
		if !bytes.Contains(figSVG, []byte(want)) {
			t.Errorf("figures/basis.svg lacks %q", want)
		}
	}
	if pf, err := os.Open(filepath.Join(basisOut, "figures", "basis.png")); err != nil {
		t.Errorf("figures/basis.png: %v", err)
	} else {
		cfg, err := png.DecodeConfig(pf)
		pf.Close()
		if err != nil || cfg.Width < 760 || cfg.Height < 400 {
			t.Errorf("figures/basis.png: %v, %dx%d", err, cfg.Width, cfg.Height)
		}
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"-from", res0, "-basis", "-autoencoder", ae, "-out", basisOut}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "my clinical/image case") {
		t.Errorf("-basis without the scenario file: exit %d, %q", code, stderr.String())
	}

	if code := run(context.Background(), []string{"-from", filepath.Join(out, "validation.json"), "-out", again}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not a validation report") {
		t.Errorf("-from validation.json: exit %d, %q", code, stderr.String())
	}
	// Several reports in -from are merged; the same runs twice are refused.
	stderr.Reset()
	res := filepath.Join(out, "results.json")
	if code := run(context.Background(), []string{"-from", res + "," + res, "-out", again}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "twice") {
		t.Errorf("-from the same report twice: exit %d, %q", code, stderr.String())
	}

	var site validation.SiteReport
	sb, _ := os.ReadFile(filepath.Join(out, "validation.json"))
	if err := json.Unmarshal(sb, &site); err != nil || len(site.Methods) != 6 || len(site.Scenarios) != 3 || len(site.Scenarios[0].Estimates["gradient"]) != 4 {
		t.Errorf("validation.json: %v %+v", err, site)
	}
}

func TestBadUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","weights":[{"feature":"ct_axial[10]","weight":1}]}`), 0o644)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-scenarios", "F9"}, 2, "no built-in scenario"},
		{[]string{"-scenarios", "F1,F1-ct-axial"}, 2, "given twice"},
		{[]string{"-methods", "gradient,magic"}, 2, `no method "magic"`},
		{[]string{bad}, 2, "ct_axial[10]"},
		{[]string{filepath.Join(dir, "missing.json")}, 2, "no such file"},
		{[]string{"-n", "1"}, 2, "-n 1"},
		{[]string{"-refit-epochs", "2"}, 2, "-refit-epochs 2"},
		{[]string{"-input-sparsity", "-1"}, 2, "-input-sparsity -1"},
		{[]string{"-select-sparsity", "3,0"}, 2, "strength 2"},
		{[]string{"-select-sparsity", "6", "-input-sparsity", "6"}, 2, "not both"},
		{[]string{"-select-sparsity", "6", "-sparsity-tolerance", "1"}, 2, "-sparsity-tolerance 1"},
		{[]string{"-nope"}, 2, "flag provided but not defined"},
		{[]string{"-select-by", "auc"}, 2, "-select-by"},
		{[]string{"-patience", "-1"}, 2, "-patience -1"},
		{[]string{"-decoupled-weight-decay", "-0.5"}, 2, "-decoupled-weight-decay -0.5"},
		{[]string{"-seeds", "0"}, 2, "-seeds 0"},
		{[]string{"-seeds", "101"}, 2, "-seeds 101"},
		{[]string{"-models", filepath.Join(dir, "nowhere"), "-scenarios", "F0"}, 1, "-models"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr.String(), c.msg)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-methods", "list"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "gradient_logit") {
		t.Errorf("-methods list: exit %d, %q", code, stdout.String())
	}
}

// TestShippedModels checks that every shipped model loads and is matched to its
// built-in scenario (the end-to-end run on them draws 20,000-case cohorts, too slow for a
// unit test; RESULTS.md has that run).
func TestShippedModels(t *testing.T) {
	models, err := shippedModels()
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 8 {
		t.Fatalf("%d shipped models, want 8", len(models))
	}
	for i, sc := range validation.Builtins() {
		m := models[i]
		ms, err := validation.ModelScenario(m.Meta.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		if same, _ := validation.SameScenario(ms, sc.Scenario); !same || len(m.SHA256) != 64 || !strings.HasPrefix(m.Source, "weights/F") {
			t.Errorf("shipped model %d (%s) is not for %s, or lacks its digest", i, m.Source, sc.Scenario.Name)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-shipped", "-models", t.TempDir()}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "not both") {
		t.Errorf("-shipped with -models: exit %d, %q", code, stderr.String())
	}
}

// checkSeeds checks the structure of a run with -seeds 2: every scenario's two runs and
// their spread, the summary's means and SDs over runs, every pair of methods compared,
// and the tables that show them.
func checkSeeds(t *testing.T, r *validation.Report, stdout, mdPath string) {
	t.Helper()
	if r.SeedRuns != 2 || r.SpreadOver != validation.OverTraining || r.Accuracy == nil || r.Accuracy.N != 2 {
		t.Fatalf("seed runs %d, spread over %q, accuracy %+v", r.SeedRuns, r.SpreadOver, r.Accuracy)
	}
	for _, sc := range r.Scenarios {
		if len(sc.Seeds) != 2 || sc.Spread == nil || sc.Spread.Runs != 2 || len(sc.Spread.Methods) != len(r.Methods) {
			t.Fatalf("%s: %d runs, spread %+v", sc.Name, len(sc.Seeds), sc.Spread)
		}
		if sc.Seeds[0].Seed != r.Seed || sc.Seeds[1].Seed != r.Seed+1 || sc.Seeds[0].Accuracy != sc.Test.Accuracy {
			t.Errorf("%s: runs' seeds %d, %d; first accuracy %v, reported %v", sc.Name, sc.Seeds[0].Seed, sc.Seeds[1].Seed, sc.Seeds[0].Accuracy, sc.Test.Accuracy)
		}
		for i, m := range sc.Spread.Methods {
			if m.Method != r.Methods[i].Name || m.RMSE.N != 2 || !(m.RMSE.SD >= 0) || !(m.RBO.SD >= 0) {
				t.Errorf("%s: spread of %s: %+v", sc.Name, r.Methods[i].Name, m)
			}
			if want := (sc.Seeds[0].Methods[i].RMSE + sc.Seeds[1].Methods[i].RMSE) / 2; math.Abs(m.RMSE.Mean-want) > 1e-12 {
				t.Errorf("%s %s: mean RMSE %v, runs' mean %v", sc.Name, m.Method, m.RMSE.Mean, want)
			}
		}
	}
	for _, s := range r.Summary {
		if s.RMSEOverSeeds == nil || s.RBOOverSeeds == nil || s.RMSEOverSeeds.N != 2 || s.MeanRMSE != s.RMSEOverSeeds.Mean {
			t.Errorf("summary %s: over seeds %+v, mean RMSE %v", s.Method, s.RMSEOverSeeds, s.MeanRMSE)
		}
	}
	n := len(r.Methods)
	if len(r.Comparisons) != n*(n-1)/2 {
		t.Fatalf("%d comparisons for %d methods", len(r.Comparisons), n)
	}
	for _, c := range r.Comparisons {
		if c.Seeds != 2 || c.ExceedsSpread != (c.MeanDiff != 0 && math.Abs(c.MeanDiff) > validation.ExceedsFactor*c.SD) {
			t.Errorf("comparison %+v", c)
		}
	}
	md, err := os.ReadFile(mdPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Over 2 runs per scenario", "| method | mean RMSE ± SD | mean RBO ± SD | closer to the truth than", "Over 2 runs (training seeds"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q", want)
		}
	}
	for _, want := range []string{"Over 2 runs per scenario", "RMSE mean ± SD", "over 2 runs (training seeds"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

// TestSelectSparsityEndToEnd runs -select-sparsity on a quick scenario: the network's
// record lists the strengths tried (0 first, then the strongest), the chosen one is among
// them and is the strength recorded, and results.md says it was chosen on validation.
func TestSelectSparsityEndToEnd(t *testing.T) {
	ae := smallAutoencoder(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	args := []string{"-quick", "-seeds", "1", "-n", "300", "-epochs", "2", "-autoencoder", ae, "-out", out, "-scenarios", "F1",
		"-methods", "gradient", "-select-sparsity", "2,50", "-refit-epochs", "1", "-sparsity-tolerance", "0.01"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	r := readResults(t, out)
	m := r.Scenarios[0].Model
	sel := m.SparsitySelection
	if sel == nil || len(sel.Trials) < 2 || sel.Trials[0].Strength != 0 || sel.Trials[1].Strength != 50 || sel.Tolerance != 0.01 {
		t.Fatalf("sparsity selection %+v, want trials 0 then 50 at tolerance 0.01", sel)
	}
	if sel.Chosen != m.InputSparsity {
		t.Errorf("chosen %v but the model records input sparsity %v", sel.Chosen, m.InputSparsity)
	}
	found := false
	for _, tr := range sel.Trials {
		found = found || tr.Strength == sel.Chosen
	}
	if !found {
		t.Errorf("chosen %v is not among the trials %+v", sel.Chosen, sel.Trials)
	}
	if (m.RefitEpochs == 1) != (sel.Chosen > 0) {
		t.Errorf("refit epochs %d with chosen strength %v", m.RefitEpochs, sel.Chosen)
	}
	md, _ := os.ReadFile(filepath.Join(out, "results.md"))
	if !bytes.Contains(md, []byte("chosen on validation")) {
		t.Errorf("results.md does not say the strength was chosen:\n%s", md)
	}
}

// TestSelectByLossEndToEnd trains with -keep-best -patience -select-by loss and
// -decoupled-weight-decay: the network's record names the selection, the kept epoch is
// one that ran, its validation log-loss is recorded, and results.md says so.
func TestSelectByLossEndToEnd(t *testing.T) {
	ae := smallAutoencoder(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	args := []string{"-quick", "-seeds", "1", "-n", "300", "-epochs", "3", "-autoencoder", ae, "-out", out, "-scenarios", "F1",
		"-methods", "gradient", "-keep-best", "-patience", "2", "-select-by", "loss", "-decoupled-weight-decay", "0.5"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	r := readResults(t, out)
	m := r.Scenarios[0].Model
	if m.SelectBy != "loss" || m.Patience != 2 || m.DecoupledWeightDecay != 0.5 {
		t.Errorf("model record %+v, want select_by loss, patience 2, decoupled decay 0.5", m)
	}
	if m.Best < 1 || m.Best > m.Epochs || !(m.ValLogLoss > 0) {
		t.Errorf("kept epoch %d of %d, validation log-loss %v", m.Best, m.Epochs, m.ValLogLoss)
	}
	md, _ := os.ReadFile(filepath.Join(out, "results.md"))
	if !bytes.Contains(md, []byte("by validation loss, patience 2, kept epoch")) || !bytes.Contains(md, []byte("decoupled weight decay 0.5")) {
		t.Errorf("results.md does not describe the training:\n%s", md)
	}
}

// readResults reads the results.json a run wrote to dir.
func readResults(t *testing.T, dir string) validation.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r validation.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}
