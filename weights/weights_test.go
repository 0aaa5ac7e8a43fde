package weights

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/latent"
)

// minTestAccuracy is the paper's lower bound of test accuracy over its eight cases.
const minTestAccuracy = 0.92

// maxFileSize is the design's bound on a shipped model file.
const maxFileSize = 300 << 10

// TestModels checks that every built-in scenario has exactly one shipped model, that it
// loads, that its stored scenario is that built-in, and that its recorded test accuracy
// reaches the paper's range.
func TestModels(t *testing.T) {
	ms := List()
	bs := groundtruth.Builtins()
	if len(ms) != len(bs) {
		t.Fatalf("%d shipped models, want one per built-in scenario (%d)", len(ms), len(bs))
	}
	for k, m := range ms {
		sc := bs[k]
		short, _, _ := strings.Cut(sc.Name, "-")
		if m.Name != sc.Name || m.File != sc.Name+".flns" || m.Scenario != short {
			t.Errorf("model %d is %q (file %q, scenario %q), want built-in %s", k, m.Name, m.File, m.Scenario, sc.Name)
		}
		b, err := Open(m.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != m.Size || m.Size > maxFileSize {
			t.Errorf("%s: %d bytes (index says %d), want at most %d", m.File, len(b), m.Size, maxFileSize)
		}
		net, meta, err := fusion.LoadBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", m.File, err)
		}
		if net == nil || meta.Kind != fusion.Kind {
			t.Errorf("%s: kind %q", m.File, meta.Kind)
		}
		var stored string
		if err := json.Unmarshal(meta.Scenario, &stored); err != nil || stored != short {
			t.Errorf("%s: stored scenario %s, want %q", m.File, meta.Scenario, short)
		}
		if m.Description != sc.Description {
			t.Errorf("%s: description %q, want the built-in's", m.File, m.Description)
		}
		if meta.TestAccuracy < minTestAccuracy {
			t.Errorf("%s: recorded test accuracy %.4f, want at least %.2f", m.File, meta.TestAccuracy, minTestAccuracy)
		}
		if !(meta.TestAUC > 0.5) || meta.Seed == 0 || meta.Epochs < 1 || !strings.Contains(meta.DataSource, "synthetic") {
			t.Errorf("%s: meta %+v", m.File, meta)
		}
		if want := "-o weights/" + m.File; !strings.HasPrefix(meta.Command, "go run ./cmd/train ") || !strings.Contains(meta.Command, want) ||
			!strings.Contains(meta.Command, "-autoencoder weights/autoencoder.flns") {
			t.Errorf("%s: command %q does not reproduce the file in place", m.File, meta.Command)
		}
	}
}

// freshCases is the size of the new cohort each shipped model is checked on.
const freshCases = 500

// minFreshAccuracy bounds the accuracy on a fresh cohort. It is below minTestAccuracy
// because the fresh cohort's latent standardisation and median threshold are fitted on
// 500 cases rather than 20,000, and because the model file holds int8 weights; at
// accuracy 0.93 the sampling SD on 500 cases is 0.011, so 0.88 is over four SDs below.
const minFreshAccuracy = 0.88

// TestFreshCohort runs every shipped model (int8 weights as loaded) on a new cohort
// drawn with a seed none of them was trained on, built with the embedded autoencoder and
// labelled by each model's scenario: the models must still predict the labels. The
// images, clinical values and features of a cohort do not depend on the scenario, so one
// cohort serves all eight, relabelled.
func TestFreshCohort(t *testing.T) {
	aeb, err := Autoencoder()
	if err != nil {
		t.Fatal(err)
	}
	ae, err := latent.LoadBytes(aeb)
	if err != nil {
		t.Fatalf("%s: %v", AutoencoderFile, err)
	}
	start := time.Now()
	c, err := cohort.Build(&groundtruth.Builtins()[0], ae, cohort.Options{N: freshCases, Seed: 0x66726573})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cohort of %d built in %v", c.N, time.Since(start).Round(time.Millisecond))
	for _, m := range List() {
		sc, err := groundtruth.Builtin(m.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		lab, err := sc.Label(c.X)
		if err != nil {
			t.Fatal(err)
		}
		y := make([]int, c.N)
		for i, v := range lab.Y {
			y[i] = int(v)
		}
		b, _ := Open(m.Name)
		net, _, err := fusion.LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got, err := net.Clone(128).Evaluate(fusion.Dataset{N: c.N, Axial: c.Axial, Coronal: c.Coronal, Clinical: c.Clinical, Labels: y})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: fresh cohort of %d: accuracy %.4f AUC %.4f (recorded test accuracy %.4f; %v)",
			m.Name, c.N, got.Accuracy, got.AUC, m.TestAccuracy, time.Since(start).Round(time.Millisecond))
		if got.Accuracy < minFreshAccuracy {
			t.Errorf("%s: accuracy %.4f on a fresh cohort, want at least %.2f", m.Name, got.Accuracy, minFreshAccuracy)
		}
	}
}

func TestAutoencoder(t *testing.T) {
	b, err := Autoencoder()
	if err != nil {
		t.Fatal(err)
	}
	m, err := latent.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.Images != 2*latent.DefaultPerView || m.Info.Seed != latent.DefaultOptions().Seed || m.Info.Epochs != latent.DefaultOptions().Epochs {
		t.Errorf("embedded autoencoder info %+v, want the default recipe", m.Info)
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"F3", "F3-clinical", "F3-clinical.flns"} {
		m, err := Lookup(name)
		if err != nil || m.Name != "F3-clinical" {
			t.Errorf("Lookup(%q) = %q, %v", name, m.Name, err)
		}
	}
	for _, name := range []string{"", "F9", "autoencoder.flns", "../weights.go", "f3"} {
		if _, err := Lookup(name); err == nil {
			t.Errorf("Lookup(%q) succeeded", name)
		}
		if _, err := Open(name); err == nil {
			t.Errorf("Open(%q) succeeded", name)
		}
	}
	a, b := List(), List()
	a[0].Name = "changed"
	if b[0].Name == "changed" || List()[0].Name == "changed" {
		t.Error("List shares its slice with callers")
	}
}

func TestIndexJSON(t *testing.T) {
	b, err := IndexJSON()
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Models []struct {
			File         string  `json:"file"`
			Name         string  `json:"name"`
			TestAccuracy float64 `json:"test_accuracy"`
			Size         int     `json:"size"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	ms := List()
	if len(idx.Models) != len(ms) {
		t.Fatalf("index has %d models, List %d", len(idx.Models), len(ms))
	}
	for i, m := range idx.Models {
		if m.File != ms[i].File || m.Name != ms[i].Name || m.TestAccuracy != ms[i].TestAccuracy || m.Size != ms[i].Size {
			t.Errorf("index entry %d %+v, List has %+v", i, m, ms[i])
		}
	}
}

// TestShippedModelsHaveThePaperSchema checks that every shipped model file, written
// before model files carried a schema, opens as the paper's network with the paper's
// schema (two 28x28 grey CT images, the twenty clinical variables, two classes).
func TestShippedModelsHaveThePaperSchema(t *testing.T) {
	want, _ := json.Marshal(fusion.DefaultConfig())
	for _, m := range List() {
		b, err := Open(m.Name)
		if err != nil {
			t.Fatal(err)
		}
		net, _, err := fusion.LoadBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		got, _ := json.Marshal(net.Config())
		if string(got) != string(want) {
			t.Errorf("%s: configuration\n%s\nwant the paper's\n%s", m.Name, got, want)
		}
		if s := net.Schema(); strings.Join(s.Modalities(), ",") != "ct_axial,ct_coronal,clinical_a,clinical_b" || s.TabularWidth() != 20 {
			t.Errorf("%s: modalities %v, tabular width %d", m.Name, s.Modalities(), s.TabularWidth())
		}
	}
}
