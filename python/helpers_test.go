package python_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

// python is Debian's interpreter, the one python3-torch installs into.
const python = "/usr/bin/python3"

// requireTorch skips the test (fails it under CI) unless /usr/bin/python3 imports torch,
// numpy and PIL; it returns the interpreter's path.
func requireTorch(t *testing.T) string {
	t.Helper()
	testtool.File(t, python)
	if out, err := exec.Command(python, "-c", "import torch, numpy, PIL").CombinedOutput(); err != nil {
		testtool.Missing(t, "python3-torch, python3-numpy and python3-pil under "+python+" ("+string(bytes.TrimSpace(out))+")")
	}
	return python
}

// runPython runs the interpreter with the package folder on PYTHONPATH and returns its
// standard output; a failure shows its standard error.
func runPython(t *testing.T, args ...string) []byte {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "OMP_NUM_THREADS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", python, args, err, stderr.String())
	}
	return out
}

// refCase is one case given to the reference: one image per input, the tabular values.
type refCase struct {
	Images  [][]float32 `json:"images"`
	Tabular []float32   `json:"tabular"`
}

// refOut is the reference's answer for one case.
type refOut struct {
	Probs   []float64
	Z       []float64
	Classes []struct {
		P       float64
		DZ      []float64
		DPixels [][]float64
	}
}

// torchReference runs fusionlens_torch.reference on the model file for cases; it returns
// its answers and the module's state_dict keys.
func torchReference(t *testing.T, model string, cases []refCase) ([]refOut, []string) {
	t.Helper()
	in, err := json.Marshal(map[string]any{"cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cases.json")
	if err := os.WriteFile(path, in, 0o644); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Cases     []refOut
		StateDict []string `json:"state_dict"`
	}
	if err := json.Unmarshal(runPython(t, "-m", "fusionlens_torch.reference", model, path), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Cases) != len(cases) {
		t.Fatalf("the reference answered %d cases, want %d", len(r.Cases), len(cases))
	}
	return r.Cases, r.StateDict
}

// relErr is max|got - want| / max|want|, the error of a vector relative to its scale (0
// when both are 0).
func relErr(got []float32, want []float64) float64 {
	var d, s float64
	for i, w := range want {
		d = math.Max(d, math.Abs(float64(got[i])-w))
		s = math.Max(s, math.Abs(w))
	}
	if s == 0 {
		return d
	}
	return d / s
}

// tol is the agreement asked of fusionlens (float32) with torch (float64).
const tol = 1e-5

// checkAgainstTorch explains cases with m (loaded by fusionlens from model) and compares,
// for every class k, p_k, every class probability, z, dp_k/dz and the pixel gradients
// with the torch reference; the module's state_dict keys must be m's tensor names.
func checkAgainstTorch(t *testing.T, model string, m *fusion.Net, cases []refCase) {
	t.Helper()
	ref, keys := torchReference(t, model, cases)
	if names := m.TensorNames(); !slices.Equal(keys, names) {
		t.Fatalf("the PyTorch module's state_dict keys\n%v\nare not fusionlens's tensor names\n%v", keys, names)
	}
	nonzero, worst := 0, 0.0
	for i, c := range cases {
		r := ref[i]
		check := func(what string, got []float32, want []float64) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("case %d %s: %d values, torch %d", i, what, len(got), len(want))
			}
			e := relErr(got, want)
			worst = math.Max(worst, e)
			if !(e <= tol) {
				t.Errorf("case %d %s: relative error %.3g against torch, want <= %g", i, what, e, tol)
			}
		}
		if len(r.Classes) != m.Config().Classes() {
			t.Fatalf("case %d: torch gives %d classes, fusionlens %d", i, len(r.Classes), m.Config().Classes())
		}
		for k, rk := range r.Classes {
			x, err := m.ExplainClass(k, c.Images, c.Tabular)
			if err != nil {
				t.Fatal(err)
			}
			p, sal, err := m.SaliencyClass(k, c.Images, c.Tabular)
			if err != nil {
				t.Fatal(err)
			}
			at := fmt.Sprintf("class %d ", k)
			check(at+"p", []float32{x.P}, []float64{rk.P})
			check(at+"p (Saliency)", []float32{p}, []float64{rk.P})
			check(at+"dp/dz", x.DZ, rk.DZ)
			if k == 0 {
				check("probabilities", x.Probs, r.Probs)
				check("z", x.Z, r.Z)
			}
			for j := range sal {
				check(at+"dp/dpixel of "+m.Schema().Images[j].Name, sal[j], rk.DPixels[j])
				for _, v := range rk.DPixels[j] {
					if v != 0 {
						nonzero++
					}
				}
			}
		}
	}
	if nonzero == 0 {
		t.Fatalf("every pixel gradient is 0: the comparison would prove nothing")
	}
	t.Logf("largest relative error against torch (float64): %.2g", worst)
}

// randomCases draws n cases for cfg: pixels uniform in [0, 1], tabular values normal
// (categorical one-hot blocks are one-hot).
func randomCases(cfg fusion.Config, n int, seed uint64) []refCase {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]refCase, n)
	for i := range out {
		for k := range cfg.Schema.Images {
			img := make([]float32, cfg.InputPixels(k))
			for j := range img {
				img[j] = rng.Float32()
			}
			out[i].Images = append(out[i].Images, img)
		}
		for _, g := range cfg.Schema.Groups {
			for _, v := range g.Variables {
				if v.Kind == "categorical" {
					oh := make([]float32, len(v.Levels))
					oh[rng.IntN(len(oh))] = 1
					out[i].Tabular = append(out[i].Tabular, oh...)
					continue
				}
				out[i].Tabular = append(out[i].Tabular, float32(rng.NormFloat64()))
			}
		}
		if out[i].Tabular == nil {
			out[i].Tabular = []float32{}
		}
	}
	return out
}

// asDataset turns cases into a fusion.Dataset with random labels.
func asDataset(cfg fusion.Config, cases []refCase, seed uint64) fusion.Dataset {
	rng := rand.New(rand.NewPCG(seed, 9))
	d := fusion.Dataset{N: len(cases), Inputs: make([][]float32, cfg.Images()), Clinical: []float32{}}
	for _, c := range cases {
		for k, img := range c.Images {
			d.Inputs[k] = append(d.Inputs[k], img...)
		}
		d.Clinical = append(d.Clinical, c.Tabular...)
		d.Labels = append(d.Labels, rng.IntN(cfg.Classes()))
	}
	return d
}

// trainGo trains a network of cfg for a few steps on random cases, so that its weights
// and batch-norm statistics are not those of a fresh network.
func trainGo(t *testing.T, cfg fusion.Config, seed uint64) *fusion.Net {
	t.Helper()
	m, err := fusion.NewNet(cfg, 8, seed)
	if err != nil {
		t.Fatal(err)
	}
	o := fusion.DefaultTrainOptions()
	o.Batch, o.Epochs, o.StopAccuracy, o.Seed = 8, 2, 1, seed
	train := asDataset(cfg, randomCases(cfg, 16, seed), seed)
	val := fusion.Dataset{Inputs: make([][]float32, cfg.Images())}
	if _, err := fusion.Train(context.Background(), m, train, val, o); err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	return m
}
