package validation

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/pca"
	"github.com/fusionlens/fusionlens/radiomics"
)

// tinyAutoencoder trains a small autoencoder once for the package's tests.
var tinyAutoencoder = sync.OnceValues(func() (*latent.Model, error) { return fixture.Autoencoder(150, 1, 3) })

func tinyOptions(t *testing.T) Options {
	t.Helper()
	ae, err := tinyAutoencoder()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Quick: true, N: 240, Epochs: 1, Autoencoder: ae, Seed: 5,
		Methods: []string{"gradient", "permutation", "kernelshap", "gradient_logit"}}
}

// stripTimes zeroes the wall-clock fields, which are the only ones allowed to differ
// between two runs.
func stripTimes(r *Report) {
	r.Seconds = 0
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		s.Seconds, s.Model.TrainSeconds, s.Model.SamplesPerSec = 0, 0, 0
		if s.Interactions != nil {
			s.Interactions.Seconds = 0
		}
		for j := range s.Methods {
			s.Methods[j].Seconds = 0
		}
	}
	for i := range r.Summary {
		r.Summary[i].Seconds = 0
	}
}

func TestRunIsDeterministic(t *testing.T) {
	sc, _ := groundtruth.Builtin("F3")
	var reports []*Report
	var phases []string
	for k := range 2 {
		o := tinyOptions(t)
		o.Progress = func(p Progress) {
			if k == 0 && (len(phases) == 0 || phases[len(phases)-1] != p.Phase) {
				phases = append(phases, p.Phase)
			}
			if p.Done < 0 || p.Done > 1 {
				t.Errorf("progress %v outside [0,1]", p.Done)
			}
		}
		r, err := Run(context.Background(), []Scenario{{Scenario: sc, Source: "built-in"}}, o)
		if err != nil {
			t.Fatal(err)
		}
		stripTimes(r)
		reports = append(reports, r)
	}
	if !reflect.DeepEqual(reports[0], reports[1]) {
		a, _ := json.Marshal(reports[0])
		b, _ := json.Marshal(reports[1])
		t.Errorf("two runs with the same seed differ:\n%s\n%s", a, b)
	}
	if want := []string{"cohort", "train", "methods", "done"}; !reflect.DeepEqual(phases, want) {
		t.Errorf("phases %v, want %v", phases, want)
	}
	r := reports[0]
	s := r.Scenarios[0]
	if len(s.Ignored) != 2 || s.Ignored[0] != 0 || s.Ignored[1] != 1 {
		t.Errorf("F3 ignores %v, want the two images", s.Ignored)
	}
	if math.Abs(s.Truth[2]-0.6) > 0.01 || math.Abs(s.Truth[3]-0.4) > 0.01 {
		t.Errorf("F3 truth %v", s.Truth)
	}
	for _, m := range s.Methods {
		if m.Error != "" || len(m.Modalities) != 4 || m.Randomisation == nil || m.IgnoredLast == nil ||
			m.NetworkRandomisation == nil || len(m.NetworkRandomisation.Similarity) != 1 {
			t.Errorf("%s: %+v", m.Method, m)
		}
	}
	var text, md strings.Builder
	if err := r.WriteScenarioTable(&text, &r.Scenarios[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteSummaryTable(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"F3-clinical", "ground truth", "Gradient (paper)", "Gradient of log-odds", "0.122", "Summary over 1 scenarios", "net"} {
		if !strings.Contains(text.String(), want) || !strings.Contains(md.String(), want) {
			t.Errorf("tables lack %q:\n%s\n%s", want, text.String(), md.String())
		}
	}
	if !strings.Contains(md.String(), "| **ground truth** | **0.000** | **0.000** |") || !strings.Contains(md.String(), "Gradient of log-odds *") {
		t.Errorf("Markdown:\n%s", md.String())
	}
	if len(r.Summary) != 4 || r.Summary[0].PaperRMSE == nil || *r.Summary[0].PaperRMSE != 0.122 || r.Summary[3].PaperRMSE != nil {
		t.Errorf("summary %+v", r.Summary)
	}
}

// TestRunUsesMatchingModel saves a network for F3 and checks Run uses it for F3 (with the
// model's seed for the cohort) and trains for F1.
func TestRunUsesMatchingModel(t *testing.T) {
	o := tinyOptions(t)
	net, err := fusion.NewNet(fusion.DefaultConfig(), 1, 9)
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	dir := t.TempDir()
	meta := modelfile.Meta{Scenario: json.RawMessage(`"F3"`), Seed: 11, Command: "go run ./cmd/train -scenario F3 -n 240 -seed 11"}
	if err := fusion.Save(filepath.Join(dir, "f3.flns"), net, meta, modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a model"), 0o644)
	ae, _ := tinyAutoencoder()
	if err := ae.Save(filepath.Join(dir, "autoencoder.flns"), modelfile.Options{}); err != nil {
		t.Fatal(err)
	}
	folder, err := LoadModels(dir)
	if err != nil || len(folder.Models) != 1 || len(folder.Skipped) != 0 || folder.Autoencoder == nil {
		t.Fatalf("LoadModels: %v, %+v (want one network and the autoencoder)", err, folder)
	}
	o.Models = folder.Models
	o.Methods = []string{"gradient"}
	f1, _ := groundtruth.Builtin("F1")
	f3, _ := groundtruth.Builtin("F3-clinical")
	o.SaveModels = filepath.Join(dir, "saved")
	r, err := Run(context.Background(), []Scenario{{Scenario: f1, Source: "built-in"}, {Scenario: f3}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Scenarios[0].Model.Source; got != "trained" {
		t.Errorf("F1 model source %q, want trained", got)
	}
	m := r.Scenarios[1]
	if m.Model.Source != filepath.Join(dir, "f3.flns") || m.Cases.Seed != 11 || m.Cases.N != 240 {
		t.Errorf("F3 used model %q with cohort seed %d, %d cases; want the file, seed 11, 240 cases", m.Model.Source, m.Cases.Seed, m.Cases.N)
	}
}

func TestModelScenario(t *testing.T) {
	f3, _ := groundtruth.Builtin("F3")
	for _, raw := range []string{`"F3"`, `"F3-clinical"`, ` "F3" `} {
		sc, err := ModelScenario(json.RawMessage(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if same, _ := SameScenario(sc, f3); !same {
			t.Errorf("%s: not F3", raw)
		}
	}
	full, _ := json.Marshal(f3)
	sc, err := ModelScenario(full)
	if same, _ := SameScenario(sc, f3); err != nil || !same {
		t.Errorf("full F3 object: %v", err)
	}
	other := *f3
	other.Seed = 99
	if same, _ := SameScenario(&other, f3); same {
		t.Error("a different seed counts as the same scenario")
	}
	for _, bad := range []string{``, `"F9"`, `{"name":""}`, `[1]`, `"unterminated`} {
		if _, err := ModelScenario(json.RawMessage(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCommandN(t *testing.T) {
	for cmd, want := range map[string]int{
		"go run ./cmd/train -scenario F3 -n 240 -seed 11": 240,
		"go run ./cmd/train -n=300":                       300,
		"go run ./cmd/train --n 12":                       12,
		"go run ./cmd/train -scenario n":                  0,
		"go run ./cmd/train -n":                           0,
		"go run ./cmd/train -n=-3":                        0,
		"":                                                0,
	} {
		if got := commandN(cmd); got != want {
			t.Errorf("commandN(%q) = %d, want %d", cmd, got, want)
		}
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	sc, _ := groundtruth.Builtin("F0")
	ok := []Scenario{{Scenario: sc}}
	bad := map[string]func() ([]Scenario, Options){
		"no scenarios":   func() ([]Scenario, Options) { return nil, Options{} },
		"nil scenario":   func() ([]Scenario, Options) { return []Scenario{{}}, Options{} },
		"unknown method": func() ([]Scenario, Options) { return ok, Options{Methods: []string{"nope"}} },
		"no methods":     func() ([]Scenario, Options) { return ok, Options{Methods: []string{}} },
		"twice":          func() ([]Scenario, Options) { return ok, Options{Methods: []string{"lime", "lime"}} },
		"cohort of one":  func() ([]Scenario, Options) { return ok, Options{N: 1} },
		"invalid scenario": func() ([]Scenario, Options) {
			s := *sc
			s.Weights = [groundtruth.NumFeatures]float64{}
			return []Scenario{{Scenario: &s}}, Options{}
		},
	}
	for name, f := range bad {
		s, o := f()
		if _, err := Run(context.Background(), s, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzModelScenario(f *testing.F) {
	f.Add([]byte(`"F3"`))
	f.Add([]byte(`{"name":"x","weights":[{"feature":0,"weight":1}]}`))
	f.Add([]byte(`"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ModelScenario(data)
		if err != nil {
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("accepted an invalid scenario: %v", err)
		}
	})
}

func FuzzCommandN(f *testing.F) {
	f.Add("go run ./cmd/train -n 5")
	f.Add("-n=-3 -n x")
	f.Fuzz(func(t *testing.T, cmd string) { _ = commandN(cmd) })
}

// TestSavedModelsComeBack checks that a network Run saved is taken back by a later run.
func TestSavedModelsComeBack(t *testing.T) {
	o := tinyOptions(t)
	o.Methods = []string{"gradient"}
	o.SaveModels = t.TempDir()
	f1, _ := groundtruth.Builtin("F1")
	first, err := Run(context.Background(), []Scenario{{Scenario: f1, Source: "built-in"}}, o)
	if err != nil {
		t.Fatal(err)
	}
	saved := first.Scenarios[0].Model.Saved
	if saved != filepath.Join(o.SaveModels, "fusion-F1.flns") {
		t.Fatalf("saved as %q", saved)
	}
	folder, err := LoadModels(o.SaveModels)
	if err != nil || len(folder.Models) != 1 || folder.Autoencoder == nil {
		t.Fatalf("LoadModels: %v, %+v", err, folder)
	}
	o.SaveModels, o.Models = "", folder.Models
	second, err := Run(context.Background(), []Scenario{{Scenario: f1, Source: "built-in"}}, o)
	if err != nil {
		t.Fatal(err)
	}
	a, b := first.Scenarios[0], second.Scenarios[0]
	if b.Model.Source != saved || b.Cases != a.Cases || !reflect.DeepEqual(a.Methods[0].Modalities, b.Methods[0].Modalities) || !reflect.DeepEqual(a.Test, b.Test) {
		t.Errorf("reloaded model gives other results:\n%+v %+v\n%+v %+v", a.Cases, a.Methods[0].Modalities, b.Cases, b.Methods[0].Modalities)
	}
}

// TestNetworkRandomisationCanFail checks both randomisation checks on a method blind to
// the model (it scores each feature by the spread of the cases' reference features): it
// must fail both, since nothing it reports comes from the network; and the paper's
// gradient, which reads only the head, must come out of the network check with one
// similarity per network.
func TestNetworkRandomisationCanFail(t *testing.T) {
	cfg := fusion.DefaultConfig()
	dim, n := cfg.Dim(), 300
	headOf := func(seed uint64) *fusion.DenseHead {
		net, err := fusion.NewNet(cfg, 1, seed)
		if err != nil {
			t.Fatal(err)
		}
		h, err := fusion.HeadOf(net)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	cohortOf := func(seed uint64) importance.Cohort {
		rng := rand.New(rand.NewPCG(seed, 1))
		c := importance.Cohort{N: n, Z: make([]float32, n*dim), Reference: make([]float32, n*dim), Labels: make([]int, n)}
		for i := range c.Z {
			c.Z[i] = float32(rng.NormFloat64())
			c.Reference[i] = float32(rng.NormFloat64() * float64(1+i%dim)) // spread grows with the feature
		}
		for i := range c.Labels {
			c.Labels[i] = i % 2
		}
		return c
	}
	blind := importance.Method{Name: "blind", Label: "Model-blind", Global: func(h importance.Head, mods []importance.Modality, c importance.Cohort, o importance.Options) (importance.Importance, error) {
		f := importance.ColumnSD(c.Reference, c.N, h.Dim())
		m, err := importance.Aggregate(f, mods)
		return importance.Importance{Method: "blind", Features: f, Modalities: m}, err
	}}
	grad, err := importance.MethodByName("gradient")
	if err != nil {
		t.Fatal(err)
	}
	c := cohortOf(1)
	rc := c
	rc.Z = cohortOf(2).Z // the same cases embedded by another network: same labels and reference
	nets := []randomNetwork{{head: headOf(3), cohort: rc}}
	heads := []*fusion.DenseHead{headOf(4)}
	mods := importance.DefaultModalities()
	truth := []float64{0.25, 0.25, 0.25, 0.25}
	r := runMethod(blind, headOf(5), heads, nets, mods, c, truth, nil, importance.Options{Seed: 1})
	if r.Error != "" || r.NetworkRandomisation == nil || r.Randomisation == nil {
		t.Fatalf("blind method: %+v", r)
	}
	if r.NetworkRandomisation.Passed || r.Randomisation.Passed {
		t.Errorf("a model-blind method passed a randomisation check: head %.2f, network %.2f", r.Randomisation.MeanSimilarity, r.NetworkRandomisation.MeanSimilarity)
	}
	g := runMethod(grad, headOf(5), heads, nets, mods, c, truth, nil, importance.Options{Seed: 1})
	if g.Error != "" || g.NetworkRandomisation == nil || len(g.NetworkRandomisation.Similarity) != 1 {
		t.Fatalf("gradient: %+v", g)
	}
}

// TestMeasuredFeatures checks the layout of the measured reference features: each
// image's radiomics measurements, then the clinical values, per case; and that a
// mismatched cohort is refused.
func TestMeasuredFeatures(t *testing.T) {
	const n = 3
	c := &cohort.Cohort{N: n, Axial: make([]float32, n*784), Coronal: make([]float32, n*784), Clinical: make([]float32, n*20), X: make([]float64, n*40)}
	for i := range c.Axial {
		c.Axial[i] = float32(i%97) / 97
		c.Coronal[i] = float32(i%13) / 13
	}
	for i := range c.Clinical {
		c.Clinical[i] = float32(i) - 30
	}
	m, err := measuredFeatures(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != n*40 {
		t.Fatalf("%d measured values, want %d", len(m), n*40)
	}
	for i := 0; i < n; i++ {
		for v, imgs := range [][]float32{c.Axial, c.Coronal} {
			want, err := radiomics.Measure(imgs[i*784:(i+1)*784], 28, 28)
			if err != nil {
				t.Fatal(err)
			}
			for a, w := range want {
				if got := m[i*40+v*10+a]; got != float32(w) {
					t.Errorf("case %d image %d measurement %s = %v, want %v", i, v, radiomics.Names[a], got, w)
				}
			}
		}
		for j := 0; j < 20; j++ {
			if got, want := m[i*40+20+j], c.Clinical[i*20+j]; got != want {
				t.Errorf("case %d clinical %d = %v, want %v", i, j, got, want)
			}
		}
	}
	c.X = c.X[:n*39]
	if _, err := measuredFeatures(c); err == nil || !strings.Contains(err.Error(), "make 40 features, the cohort has 39") {
		t.Errorf("mismatched cohort: err = %v", err)
	}
}

// TestBasisFeatures checks the layout of the cohort's own basis: each image's
// standardised scores on its input's first ten principal components over these cases,
// then the clinical values, per case; and that too few cases are refused, naming the
// image input.
func TestBasisFeatures(t *testing.T) {
	const n = 40
	rng := rand.New(rand.NewPCG(8, 9))
	c := &cohort.Cohort{N: n, Axial: make([]float32, n*784), Coronal: make([]float32, n*784), Clinical: make([]float32, n*20), X: make([]float64, n*40)}
	for i := range c.Axial {
		c.Axial[i] = rng.Float32()
		c.Coronal[i] = rng.Float32() * rng.Float32()
	}
	for i := range c.Clinical {
		c.Clinical[i] = float32(i) - 30
	}
	got, err := basisFeatures(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n*40 {
		t.Fatalf("%d basis values, want %d", len(got), n*40)
	}
	for v, imgs := range [][]float32{c.Axial, c.Coronal} {
		b, err := pca.Fit(imgs, n, 784, 10)
		if err != nil {
			t.Fatal(err)
		}
		want, err := b.Scores(imgs, n)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			for a := 0; a < 10; a++ {
				if g, w := got[i*40+v*10+a], want[i*10+a]; g != w {
					t.Errorf("case %d image %d component %d = %v, want %v", i, v, a, g, w)
				}
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < 20; j++ {
			if g, w := got[i*40+20+j], c.Clinical[i*20+j]; g != w {
				t.Errorf("case %d clinical %d = %v, want %v", i, j, g, w)
			}
		}
	}
	few := &cohort.Cohort{N: 5, Axial: c.Axial[:5*784], Coronal: c.Coronal[:5*784], Clinical: c.Clinical[:5*20], X: c.X[:5*40]}
	if _, err := basisFeatures(few); err == nil || !strings.Contains(err.Error(), "ct_axial images") || !strings.Contains(err.Error(), "5 rows") {
		t.Errorf("five cases: err = %v", err)
	}
}
