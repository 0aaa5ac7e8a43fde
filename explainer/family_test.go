package explainer

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// familyCase draws one case of net's schema: images in [0,1] and a tabular vector of
// standardised numeric values and one-hot levels.
func familyCase(net *fusion.Net, seed uint64) (images [][]float32, tab []float32) {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := net.Schema()
	for _, im := range s.Images {
		img := make([]float32, im.Pixels())
		for i := range img {
			img[i] = rng.Float32()
		}
		images = append(images, img)
	}
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			if len(v.Levels) > 0 {
				one := make([]float32, len(v.Levels))
				one[rng.IntN(len(one))] = 1
				tab = append(tab, one...)
				continue
			}
			tab = append(tab, float32(rng.NormFloat64()))
		}
	}
	return images, tab
}

// TestFamilyEngine opens issue 13's three-input, three-class model and checks that the
// engine lays it out from its schema, offers only the head-alone methods, refuses the
// paper-layout calls, and explains every class with the network's own numbers.
func TestFamilyEngine(t *testing.T) {
	net, file, err := testmodel.ThreeInputs(5)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open("three.flns", file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Schema().Modalities(), []string{"mri", "photo", "xray", "vitals", "labs"}; !slices.Equal(got, want) {
		t.Fatalf("modalities %v, want %v", got, want)
	}
	if o := e.Offers(); o.Example || o.Reference || o.Truth || o.Class != -1 {
		t.Errorf("offers %+v, want nothing of the synthetic world and the predicted class", o)
	}
	if e.TruthScenario() != "" {
		t.Errorf("truth scenario %q for a model outside the synthetic world", e.TruthScenario())
	}
	var ids []string
	for _, m := range e.Methods() {
		ids = append(ids, m.ID)
		if m.Reference || m.Global {
			t.Errorf("method %s needs the synthetic reference cohort", m.ID)
		}
	}
	if !slices.Equal(ids, []string{"gradient", "gradxinput", "gradient_logit"}) {
		t.Errorf("methods %v", ids)
	}
	if err := e.Prepare(nil); err != nil {
		t.Errorf("Prepare: %v", err)
	}
	if _, err := e.Encode(make([]float32, 784)); err == nil || !strings.Contains(err.Error(), "EncodeImage") {
		t.Errorf("Encode on three inputs: %v", err)
	}
	if _, err := e.Explain(nil, nil, nil, "gradient"); err == nil {
		t.Error("Explain accepted the paper's layout for a three-input model")
	}
	if _, err := e.EncodeImage(1, make([]float32, 32*32)); err == nil || !strings.Contains(err.Error(), `"photo"`) {
		t.Errorf("a grey image for the RGB input: %v", err)
	}
	if _, err := e.EncodeImage(3, nil); err == nil {
		t.Error("image input 3 of 3 accepted")
	}

	images, tab := familyCase(net, 1)
	var feats [][]float32
	for k, img := range images {
		f, err := e.EncodeImage(k, img)
		if err != nil {
			t.Fatal(err)
		}
		feats = append(feats, f)
	}
	mods := []importance.Modality{{Name: "mri", Start: 0, End: 5}, {Name: "photo", Start: 5, End: 10}, {Name: "xray", Start: 10, End: 15}, {Name: "vitals", Start: 15, End: 19}, {Name: "labs", Start: 19, End: 20}}
	dense, err := fusion.HeadOf(net)
	if err != nil {
		t.Fatal(err)
	}
	for _, class := range []int{-1, 0, 1, 2} {
		want, err := net.ExplainClass(class, images, tab)
		if err != nil {
			t.Fatal(err)
		}
		c := engine.Case{Features: feats, Images: images, Tabular: tab, Class: class}
		x, err := e.ExplainCase(c, "gradient")
		if err != nil {
			t.Fatal(err)
		}
		if x.Class != want.Class || !close4(x.P, float64(want.P)) || len(x.Probs) != 3 {
			t.Fatalf("class %d: explained class %d p %v (%d probs), want class %d p %v", class, x.Class, x.P, len(x.Probs), want.Class, want.P)
		}
		for i, p := range want.Probs {
			if !close4(x.Probs[i], float64(p)) {
				t.Errorf("class %d: p[%d] = %v, want %v", class, i, x.Probs[i], p)
			}
		}
		if len(x.Modalities) != len(mods) {
			t.Fatalf("%d modality scores, want %d", len(x.Modalities), len(mods))
		}
		for i, m := range mods {
			s := 0.0
			for j := m.Start; j < m.End; j++ {
				s += math.Abs(float64(want.DZ[j]))
			}
			if !close4(x.Modalities[i], s) {
				t.Errorf("class %d: %s scores %v, want sum |dp/dz| %v", class, m.Name, x.Modalities[i], s)
			}
		}
		// The log-odds gradient is the dense head's for the same class.
		xl, err := e.ExplainCase(c, "gradient_logit")
		if err != nil {
			t.Fatal(err)
		}
		h, err := dense.ForClass(want.Class)
		if err != nil {
			t.Fatal(err)
		}
		a, err := importance.GradientLogitLocal(h, mods, want.Z, importance.Cohort{}, importance.Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range mods {
			if !close4(xl.Modalities[i], a.Modalities[i]) {
				t.Errorf("class %d: log-odds %s %v, want %v", class, mods[i].Name, xl.Modalities[i], a.Modalities[i])
			}
		}
		sal, err := e.SaliencyCase(c)
		if err != nil {
			t.Fatal(err)
		}
		_, wantSal, err := net.SaliencyClass(want.Class, images, tab)
		if err != nil {
			t.Fatal(err)
		}
		for k := range wantSal {
			if !slices.Equal(sal[k], wantSal[k]) {
				t.Errorf("class %d: saliency of image %d differs from the network's", class, k)
			}
		}
	}
	if _, err := e.ExplainCase(engine.Case{Features: feats, Tabular: tab, Class: 3}, "gradient"); err == nil {
		t.Error("class 3 of 3 accepted")
	}
	if _, err := e.ExplainCase(engine.Case{Features: feats[:2], Tabular: tab, Class: 0}, "gradient"); err == nil {
		t.Error("two image encodings of three accepted")
	}
}

// TestPaperOffers checks that the paper's models keep the synthetic world and explain
// class 1 through ExplainCase exactly as through Explain.
func TestPaperOffers(t *testing.T) {
	e, _ := trained(t, Options{ReferenceN: 4})
	if o := e.Offers(); !o.Example || !o.Reference || !o.Truth || o.Class != 1 {
		t.Errorf("offers %+v, want the whole synthetic world and class 1", o)
	}
	ax, co, clin := testCase(3)
	za, _ := e.Encode(ax)
	zc, _ := e.Encode(co)
	if f, err := e.EncodeImage(0, ax); err != nil || !slices.Equal(f, za) {
		t.Fatalf("EncodeImage(0) = %v, %v; want Encode's %v", f, err, za)
	}
	want, err := e.Explain(za, zc, clin, "gradient")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.ExplainCase(engine.Case{Features: [][]float32{za, zc}, Tabular: clin, Class: 1}, "gradient")
	if err != nil {
		t.Fatal(err)
	}
	if got.P != want.P || !slices.Equal(got.Modalities, want.Modalities) || want.Class != 1 || len(want.Probs) != 2 {
		t.Errorf("ExplainCase %+v, Explain %+v", got, want)
	}
	if math.Abs(want.Probs[1]-want.P) > 1e-6 || math.Abs(want.Probs[0]+want.Probs[1]-1) > 1e-5 {
		t.Errorf("probs %v with p(class 1) %v", want.Probs, want.P)
	}
}
