package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/testtool"
	"github.com/fusionlens/fusionlens/modelfile"
)

// testModel saves an untrained network: explaining needs weights, not good ones.
func testModel(t *testing.T) string {
	t.Helper()
	net, err := fusion.NewNet(fusion.DefaultConfig(), 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	path := filepath.Join(t.TempDir(), "fusion-F0.flns")
	if err := fusion.Save(path, net, modelfile.Meta{Scenario: json.RawMessage(`"F0"`), Seed: 7}, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	return path
}

func pngFile(t *testing.T, dir, name string, shade func(x, y int) uint8) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.SetGray(x, y, color.Gray{shade(x, y)})
		}
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d, stderr %s", args, code, stderr.String())
	}
	return stdout.String()
}

func TestExampleCaseTable(t *testing.T) {
	model := testModel(t)
	out := runOK(t, "-model", model)
	for _, want := range []string{"SYNTHETIC", "example case 1", "prediction  p(class 1) = ", "ct_axial", "ct_coronal",
		"clinical_a", "clinical_b", "reference means", "Gradient (paper)", "fusion features, 40 of 40", "creatinine"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if again := runOK(t, "-model", model); again != out {
		t.Error("two runs with the same inputs differ")
	}
}

func TestJSONAndMethods(t *testing.T) {
	model := testModel(t)
	for _, method := range []string{"gradient", "gradient_logit_sd", "kernelshap", "integrated_gradients", "occlusion"} {
		out := runOK(t, "-model", model, "-json", "-method", method, "-background", "30", "-clinical", "age=70, crp=40 mg/L")
		var r Result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v\n%s", method, err, out)
		}
		if !(r.P > 0 && r.P < 1) || r.Method.Name != method || len(r.Modalities) != 4 || !r.Case.Synthetic {
			t.Errorf("%s: %+v", method, r)
		}
		var s float64
		for _, m := range r.Modalities {
			s += m.Share
		}
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("%s: modality shares sum to %v", method, s)
		}
		if method != "kernelshap" && len(r.Features) != 40 {
			t.Errorf("%s: %d features", method, len(r.Features))
		}
		if len(r.Case.ClinicalGiven) != 2 || r.Case.Clinical["age"] != 70 {
			t.Errorf("%s: clinical %v given %v", method, r.Case.Clinical["age"], r.Case.ClinicalGiven)
		}
	}
}

func TestOwnImagesAndSaliency(t *testing.T) {
	model := testModel(t)
	dir := t.TempDir()
	ax := pngFile(t, dir, "ax.png", func(x, y int) uint8 { return uint8(4 * (x + y)) })
	co := pngFile(t, dir, "co.png", func(x, y int) uint8 { return uint8(255 - 3*x) })
	sal := filepath.Join(dir, "sal")
	out := runOK(t, "-model", model, "-axial", ax, "-coronal", co, "-saliency", sal)
	if strings.Contains(out, "SYNTHETIC") || !strings.Contains(out, "ax.png (PNG 64x48: centre 48×48 used, resampled from 48×48 to 28×28)") {
		t.Errorf("own images not reported:\n%s", out)
	}
	for _, name := range []string{"ct_axial_saliency.png", "ct_coronal_saliency.png"} {
		f, err := os.Open(filepath.Join(sal, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != 2*280+8 || img.Bounds().Dy() != 280 {
			t.Errorf("%s: %v, bounds %v", name, err, img.Bounds())
		}
	}
	// A real CT slice from pydicom's test files (a real scanner's DICOM).
	const dcm = "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm"
	if _, err := os.Stat(dcm); err != nil {
		testtool.Missing(t, "pydicom test file "+dcm)
		return
	}
	out = runOK(t, "-model", model, "-axial", dcm, "-coronal", co)
	if !strings.Contains(out, "DICOM 128x128") {
		t.Errorf("DICOM not reported:\n%s", out)
	}
}

func TestBadInputs(t *testing.T) {
	model := testModel(t)
	dir := t.TempDir()
	img := pngFile(t, dir, "ok.png", func(x, y int) uint8 { return 100 })
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("this is not an image at all"), 0o644)
	badJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(badJSON, []byte(`{"age": 63, "age": 64}`), 0o644)
	garbage := filepath.Join(dir, "garbage.flns")
	os.WriteFile(garbage, []byte("FLNS but not really a model file"), 0o644)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-model", model, "-axial", img}, "both -axial and -coronal"},
		{[]string{"-model", model, "-axial", filepath.Join(dir, "none.png"), "-coronal", img}, "-axial: open"},
		{[]string{"-model", model, "-axial", img, "-coronal", text}, "-coronal " + text + ": ctimage: input (27 bytes, starting 74 68 69 73"},
		{[]string{"-model", model, "-clinical", "age=abc"}, "clinical: age"},
		{[]string{"-model", model, "-clinical", "agee=63"}, `"age"`},
		{[]string{"-model", model, "-clinical", "age=300"}, "age"},
		{[]string{"-model", model, "-clinical-file", badJSON}, "age: given more than once"},
		{[]string{"-model", model, "-clinical", "age=60", "-clinical-file", badJSON}, "not both"},
		{[]string{"-model", model, "-method", "permutation"}, "scores a cohort"},
		{[]string{"-model", model, "-method", "magic"}, `no method "magic"`},
		{[]string{"-model", garbage}, "-model:"},
		{[]string{"-model", model, "extra.png"}, `unexpected argument "extra.png"`},
		{[]string{"-model", model, "-background", "1"}, "-background 1"},
		{[]string{"-model", model, "-example", "0"}, "-example 0"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: exit %d (want 2), stderr %q (want it to contain %q)", c.args, code, stderr.String(), c.msg)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: wrote to stdout on failure: %q", c.args, stdout.String())
		}
	}
}

func TestShippedModels(t *testing.T) {
	out := runOK(t)
	if !strings.Contains(out, "shipped F0-sum-all.flns") || !strings.Contains(out, "scenario F0") {
		t.Errorf("default model is not the shipped F0:\n%s", out)
	}
	out = runOK(t, "-shipped", "F5-nonlinear", "-method", "integrated_contribution", "-top", "3")
	if !strings.Contains(out, "shipped F5-nonlinear.flns") || !strings.Contains(out, "Integrated contribution") {
		t.Errorf("-shipped F5:\n%s", out)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-shipped", "F9"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no shipped model") {
		t.Errorf("-shipped F9: exit %d, %q", code, stderr.String())
	}
	if list := runOK(t, "-method", "list"); !strings.Contains(list, "permutation") || !strings.Contains(list, "cohort only") {
		t.Errorf("-method list:\n%s", list)
	}
}

func TestReferenceGradient(t *testing.T) {
	model := testModel(t)
	out := runOK(t, "-model", model, "-json", "-method", "reference_gradient", "-background", "100")
	var r Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Method.Name != "reference_gradient" || len(r.Modalities) != 4 || len(r.Features) != 40 {
		t.Fatalf("%+v", r)
	}
	var s float64
	for _, f := range r.Features {
		s += f.Share
		if f.Index < 20 && !strings.HasPrefix(f.Name, "latent feature ") {
			t.Errorf("image feature %d named %q, want a latent feature", f.Index, f.Name)
		}
	}
	if math.Abs(s-1) > 1e-9 {
		t.Errorf("feature shares sum to %v", s)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", model, "-method", "reference_gradient", "-background", "30"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "more than 66 cases") {
		t.Errorf("30 background cases: exit %d, %s", code, stderr.String())
	}
}
