package explainer

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/phantom"
)

// fixture is testmodel's small F3 model and its autoencoder, made once per test binary.
func fixture() (*fixtureData, error) {
	m, err := testmodel.SmallF3()
	if err != nil {
		return nil, err
	}
	return &fixtureData{ae: m.AE, aeFile: m.AEFile, model: m.Model}, nil
}

type fixtureData struct {
	ae     *latent.Model
	aeFile []byte
	model  []byte
}

func trained(t *testing.T, o Options) (*Engine, *fixtureData) {
	t.Helper()
	f, err := fixture()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open("test-F3.flns", f.model, o)
	if err != nil {
		t.Fatal(err)
	}
	return e, f
}

// testCase is one phantom case with simulated clinical values.
func testCase(seed uint64) (ax, co, clin []float32) {
	ax, _ = phantom.Dataset(1, seed, phantom.Axial)
	co, _ = phantom.Dataset(1, seed, phantom.Coronal)
	for _, v := range clinical.Simulate(1, seed) {
		clin = append(clin, float32(v))
	}
	return ax, co, clin
}

// native explains a case as cmd/explain does: the network from the same bytes, its
// encoder and Fuse, the head as fusion.HeadOf copies it, the method's per-case function
// with the background ReferenceCohort encodes (n cases, seed 1).
func native(t *testing.T, model []byte, ax, co, clin []float32, method string, n int) importance.Attribution {
	t.Helper()
	net, _, err := fusion.LoadBytes(model)
	if err != nil {
		t.Fatal(err)
	}
	z, err := net.Fuse([][]float32{net.Encode(ax), net.Encode(co)}, clin)
	if err != nil {
		t.Fatal(err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		t.Fatal(err)
	}
	m, err := importance.MethodByName(method)
	if err != nil {
		t.Fatal(err)
	}
	var bg importance.Cohort
	if NeedsReference(method) {
		if bg, err = ReferenceCohort(net, n, 1); err != nil {
			t.Fatal(err)
		}
	}
	a, err := m.Local(head, importance.DefaultModalities(), z, bg, importance.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func close4(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(1, math.Abs(b)) }

// TestExplainMatchesNative checks every per-case method against the command line's
// computation of the same case: p, the modality scores and the feature scores.
func TestExplainMatchesNative(t *testing.T) {
	const n = 24
	e, f := trained(t, Options{ReferenceN: n})
	ax, co, clin := testCase(9)
	za, err := e.Encode(ax)
	if err != nil {
		t.Fatal(err)
	}
	zc, err := e.Encode(co)
	if err != nil {
		t.Fatal(err)
	}
	// Before the reference cohort: gradient methods answer, the others wait.
	x, err := e.Explain(za, zc, clin, "occlusion")
	if err != nil || x.Pending == "" || x.Modalities != nil || x.P <= 0 || x.P >= 1 {
		t.Fatalf("occlusion before the reference cohort: %+v, %v", x, err)
	}
	if err := e.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.Methods() {
		if m.Global {
			continue
		}
		x, err := e.Explain(za, zc, clin, m.ID)
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if x.Pending != "" {
			if !slow[m.ID] {
				t.Fatalf("%s pending after Prepare: %s", m.ID, x.Pending)
			}
			if x, err = e.Finish(za, zc, clin, m.ID, nil); err != nil || x.Pending != "" {
				t.Fatalf("%s: Finish gave %+v, %v", m.ID, x, err)
			}
		}
		want := native(t, f.model, ax, co, clin, m.ID, n)
		if !close4(x.P, want.P) {
			t.Errorf("%s: p = %.6f, native %.6f", m.ID, x.P, want.P)
		}
		for i := range want.Modalities {
			if !close4(x.Modalities[i], want.Modalities[i]) {
				t.Errorf("%s: modality %d = %.6g, native %.6g", m.ID, i, x.Modalities[i], want.Modalities[i])
			}
		}
		if (x.Features == nil) != (want.Features == nil) {
			t.Fatalf("%s: features %v, native %v", m.ID, x.Features != nil, want.Features != nil)
		}
		for j := range want.Features {
			w := want.Features[j]
			if sensitivity[m.ID] {
				w = math.Abs(w)
			}
			if !close4(x.Features[j], w) {
				t.Errorf("%s: feature %d = %.6g, native %.6g", m.ID, j, x.Features[j], w)
			}
		}
		if m.Reference != (x.Background == n) {
			t.Errorf("%s: Reference %v but background %d", m.ID, m.Reference, x.Background)
		}
		if len(x.Gradient) != modality.FusionSize {
			t.Errorf("%s: %d gradient values", m.ID, len(x.Gradient))
		}
	}
}

// TestReferenceSlices checks that the reference cohort, drawn a slice at a time, is the
// cohort ReferenceCases draws (phantom.Dataset) and the page's Prepare encodes the
// fusion vectors ReferenceCohort encodes at once (cmd/explain's background).
func TestReferenceSlices(t *testing.T) {
	const n = 30
	e, f := trained(t, Options{ReferenceN: n, ReferenceSeed: 4})
	if err := e.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	net, _, err := fusion.LoadBytes(f.model)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReferenceCohort(net, n, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Reference()
	if got.N != n || len(got.Z) != len(want.Z) {
		t.Fatalf("Prepare encoded %d cases (%d values), ReferenceCohort %d (%d)", got.N, len(got.Z), want.N, len(want.Z))
	}
	for i := range got.Z {
		if math.Abs(float64(got.Z[i]-want.Z[i])) > 1e-5*math.Max(1, math.Abs(float64(want.Z[i]))) {
			t.Fatalf("reference z[%d]: Prepare %v, ReferenceCohort %v", i, got.Z[i], want.Z[i])
		}
	}
	cases := ReferenceCases(n, 4)
	if len(cases.Clinical) != n*clinical.NumVars {
		t.Errorf("ReferenceCases: %d clinical values for %d cases", len(cases.Clinical), n)
	}
	// DrawReference a slice at a time draws phantom.Dataset's images.
	px := phantom.Pixels
	ax, co := make([]float32, n*px), make([]float32, n*px)
	for lo := 0; lo < n; lo += 7 {
		hi := min(lo+7, n)
		if err := DrawReference(n, 4, lo, hi, ax[lo*px:hi*px], co[lo*px:hi*px]); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []struct {
		view phantom.View
		got  []float32
	}{{phantom.Axial, ax}, {phantom.Coronal, co}} {
		if want, _ := phantom.Dataset(n, 4, v.view); !slices.Equal(v.got, want) || !slices.Equal(cases.Axial, ax) || !slices.Equal(cases.Coronal, co) {
			t.Fatalf("%s: the sliced phantoms differ from phantom.Dataset or ReferenceCases", v.view)
		}
	}
	if err := DrawReference(n, 4, 3, 2, nil, nil); err == nil {
		t.Error("DrawReference drew images 3..1")
	}
}

// TestOpenerWithoutDraw checks that an engine opened with no DrawFunc (the page's, when
// it has no way to draw) refuses the reference cohort with an error naming the
// reference file, and takes one from a reference file.
func TestOpenerWithoutDraw(t *testing.T) {
	e, data := trained(t, Options{ReferenceN: 4})
	ref, err := e.ReferenceFile()
	if err == nil {
		t.Fatal("a reference file before the cohort was encoded")
	}
	if err := e.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	if ref, err = e.ReferenceFile(); err != nil {
		t.Fatal(err)
	}
	opened, err := Opener(Options{ReferenceN: 4})("m.flns", data.model)
	if err != nil {
		t.Fatal(err)
	}
	bare := opened.(*Engine)
	if err := bare.Prepare(nil); err == nil || !strings.Contains(err.Error(), "reference file") {
		t.Fatalf("Prepare with no DrawFunc: %v; want an error naming the reference file", err)
	}
	if err := bare.SetReference(ref); err != nil {
		t.Fatal(err)
	}
	if err := bare.Prepare(nil); err != nil || !bare.ReferenceReady() {
		t.Fatalf("with the reference file: Prepare %v, ready %v", err, bare.ReferenceReady())
	}
}

// TestPrepareStopsAndResumes stops the reference cohort half way through pace and checks
// that the next call finishes it from there, with the same vectors as one go.
func TestPrepareStopsAndResumes(t *testing.T) {
	const n = 12
	e, _ := trained(t, Options{ReferenceN: n, Slice: 1})
	stop := errors.New("model changed")
	var seen []engine.Progress
	err := e.Prepare(func(p engine.Progress) error {
		seen = append(seen, p)
		if p.Done >= n/2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Prepare returned %v, want the pace error", err)
	}
	half := e.Reference().N
	if half < n/2 || half >= n || e.ReferenceReady() {
		t.Fatalf("after stopping: %d of %d cases encoded", half, n)
	}
	if len(seen) < 2 || seen[0].Total != n || !strings.Contains(seen[0].What, "reference") {
		t.Errorf("progress reports %+v", seen)
	}
	if err := e.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	whole, _ := trained(t, Options{ReferenceN: n})
	if err := whole.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	a, b := e.Reference(), whole.Reference()
	if a.N != n || len(a.Z) != len(b.Z) {
		t.Fatalf("resumed cohort has %d cases, %d values; want %d, %d", a.N, len(a.Z), n, len(b.Z))
	}
	for i := range a.Z {
		if math.Abs(float64(a.Z[i]-b.Z[i])) > 1e-4 {
			t.Fatalf("value %d: resumed %g, in one go %g", i, a.Z[i], b.Z[i])
		}
	}
}

// TestGlobalMethodsOverReference checks the methods with no per-case form: pending until
// finished, then the method's global importance over the reference cohort, same for any
// case, with the scope said.
func TestGlobalMethodsOverReference(t *testing.T) {
	const n = 20
	e, f := trained(t, Options{ReferenceN: n})
	ax, co, clin := testCase(2)
	za, _ := e.Encode(ax)
	zc, _ := e.Encode(co)
	x, err := e.Explain(za, zc, clin, "permutation")
	if err != nil || x.Pending == "" {
		t.Fatalf("permutation before Finish: %+v, %v", x, err)
	}
	x, err = e.Finish(za, zc, clin, "permutation", nil)
	if err != nil || x.Pending != "" {
		t.Fatalf("Finish: %+v, %v", x, err)
	}
	if !strings.Contains(x.Scope, "reference cohort of 20") {
		t.Errorf("scope %q", x.Scope)
	}
	net, _, _ := fusion.LoadBytes(f.model)
	head, _ := fusion.HeadOf(net)
	want, err := importance.Permutation(head, importance.DefaultModalities(), e.Reference(), e.opt.Global)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Modalities {
		if !close4(x.Modalities[i], want.Modalities[i]) {
			t.Errorf("modality %d: %g, want %g", i, x.Modalities[i], want.Modalities[i])
		}
	}
	// Another case: the same scores, now without waiting.
	ax2, co2, clin2 := testCase(3)
	za2, _ := e.Encode(ax2)
	zc2, _ := e.Encode(co2)
	y, err := e.Explain(za2, zc2, clin2, "permutation")
	if err != nil || y.Pending != "" || y.Modalities[0] != x.Modalities[0] || y.P == x.P {
		t.Errorf("second case: %+v, %v", y, err)
	}
}

// TestCheckTruthAsksCheck checks the engine's side of the ground-truth check: it hands
// Options.Check the model file, the autoencoder, the method and its options, keeps each
// method's result, and says when there is nothing to check with. Package truthcheck
// tests the check itself.
func TestCheckTruthAsksCheck(t *testing.T) {
	if _, err := (&Engine{scenario: nil}).CheckTruth(nil, "gradient", nil); !errors.Is(err, errNoScenario) {
		t.Errorf("model without a scenario: %v", err)
	}
	e, f := trained(t, Options{TruthN: 40})
	if e.TruthScenario() != "F3-clinical" {
		t.Fatalf("scenario %q", e.TruthScenario())
	}
	if _, err := e.CheckTruth(f.aeFile, "gradient", nil); err == nil || !strings.Contains(err.Error(), "no ground-truth check") {
		t.Errorf("without Options.Check: %v", err)
	}
	var reqs []CheckRequest
	stop := errors.New("stop")
	check := func(req CheckRequest, pace engine.Pace) (engine.TruthCheck, error) {
		reqs = append(reqs, req)
		if err := pace(engine.Progress{What: "checking"}); err != nil {
			return engine.TruthCheck{}, err
		}
		return engine.TruthCheck{Method: req.Method, Cases: req.Options.TruthN}, nil
	}
	e, f = trained(t, Options{TruthN: 40, Check: check})
	if _, err := e.CheckTruth(f.aeFile, "gradient", func(engine.Progress) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("stopped check: %v", err)
	}
	for range 2 {
		res, err := e.CheckTruth(f.aeFile, "gradient", func(engine.Progress) error { return nil })
		if err != nil || res.Method != "gradient" || res.Cases != 40 {
			t.Errorf("check %+v, %v", res, err)
		}
	}
	if _, err := e.CheckTruth(f.aeFile, "no-such-method", nil); err == nil {
		t.Error("an unknown method was checked")
	}
	if len(reqs) != 2 {
		t.Fatalf("Check called %d times, want 2 (a stopped check, then one kept)", len(reqs))
	}
	r := reqs[1]
	if r.Name != "test-F3.flns" || !bytes.Equal(r.Model, f.model) || !bytes.Equal(r.Autoencoder, f.aeFile) ||
		r.Method != "gradient" || r.Options.TruthN != 40 || r.Options.TruthSeed != TruthSeed {
		t.Errorf("request %q, model %d bytes, autoencoder %d bytes, method %q, options %+v", r.Name, len(r.Model), len(r.Autoencoder), r.Method, r.Options)
	}
}

// TestLatentKind keeps the engine's copy of latent.Kind current.
func TestLatentKind(t *testing.T) {
	if latentKind != latent.Kind {
		t.Errorf("latentKind %q, latent.Kind %q", latentKind, latent.Kind)
	}
}

// TestEncodeCasesIsEncode checks the cohort encoder truthcheck uses against the engine's
// one-image Encode and the head, and its size errors.
func TestEncodeCasesIsEncode(t *testing.T) {
	e, _ := trained(t, Options{})
	var ax, co, clin []float32
	for s := uint64(1); s <= 3; s++ {
		a, c, k := testCase(s)
		ax, co, clin = append(ax, a...), append(co, c...), append(clin, k...)
	}
	steps := 0
	z, err := e.EncodeCases(ax, co, clin, 3, func(engine.Progress) error { steps++; return nil }, "encoding")
	if err != nil || len(z) != 3*modality.FusionSize || steps == 0 {
		t.Fatalf("%d values after %d progress reports, %v", len(z), steps, err)
	}
	p := e.Prob(z, 3)
	for i := range 3 {
		za, _ := e.Encode(ax[i*phantom.Pixels : (i+1)*phantom.Pixels])
		zc, _ := e.Encode(co[i*phantom.Pixels : (i+1)*phantom.Pixels])
		x, err := e.Explain(za, zc, clin[i*clinical.NumVars:(i+1)*clinical.NumVars], "gradient")
		if err != nil {
			t.Fatal(err)
		}
		if !close4(float64(p[i]), x.P) || !close4(float64(z[i*modality.FusionSize]), float64(za[0])) {
			t.Errorf("case %d: p %v, Explain %v; z[0] %v, Encode %v", i, p[i], x.P, z[i*modality.FusionSize], za[0])
		}
	}
	if _, err := e.EncodeCases(ax, co, clin[1:], 3, nil, ""); err == nil {
		t.Error("short clinical values encoded")
	}
}

// TestEncodeImagesIsEncode: a case's two images encoded at once give Encode's features of
// each, and a bad image is refused with the input named.
func TestEncodeImagesIsEncode(t *testing.T) {
	e, _ := trained(t, Options{})
	a, c, _ := testCase(2)
	z, err := e.EncodeImages([][]float32{a, c})
	if err != nil || len(z) != 2 {
		t.Fatalf("EncodeImages: %d results, %v", len(z), err)
	}
	for k, img := range [][]float32{a, c} {
		want, _ := e.Encode(img)
		if !slices.Equal(z[k], want) {
			t.Errorf("image %d at once %v, alone %v", k, z[k], want)
		}
	}
	if _, err := e.EncodeImages([][]float32{a, c[1:]}); err == nil || !strings.Contains(err.Error(), "image") {
		t.Errorf("a short image: %v, want an error", err)
	}
}

// TestKnownGradIsTheHeads: the head with its gradient at z known answers Grad at z
// with the network's own numbers, and runs the network anywhere else; and every local
// method explains as it does on the network itself.
func TestKnownGradIsTheHeads(t *testing.T) {
	e, _ := trained(t, Options{})
	a, c, clin := testCase(3)
	za, _ := e.Encode(a)
	zc, _ := e.Encode(c)
	z, err := e.net.Fuse([][]float32{za, zc}, clin)
	if err != nil {
		t.Fatal(err)
	}
	dim := len(z)
	p, g := make([]float32, 2), make([]float32, 2*dim)
	e.net.Grad(z, 1, p, g)
	h := &knownGrad{h: e.net, z: z, p: p[0], g: g[:dim]}
	two := append(slices.Clone(z), z...)
	two[dim+3] += 0.5
	e.net.Grad(two, 2, p, g)
	hp, hg := make([]float32, 2), make([]float32, 2*dim)
	h.Grad(two, 2, hp, hg)
	if !slices.Equal(hp, p) || !slices.Equal(hg, g) {
		t.Errorf("two rows: %v %v, the network's %v %v", hp, hg, p, g)
	}
	h.Grad(two[dim:], 1, hp, hg)
	if hp[0] != p[1] || !slices.Equal(hg[:dim], g[dim:]) {
		t.Errorf("another vector: %v, the network's %v", hp[0], p[1])
	}
	h.Grad(z, 1, hp, hg)
	if hp[0] != p[0] || !slices.Equal(hg[:dim], g[:dim]) {
		t.Errorf("at z: %v, the network's %v", hp[0], p[0])
	}
	if err := e.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	var ran []string
	defer func() {
		if !slices.Contains(ran, "gradient") || len(ran) < 3 {
			t.Errorf("compared the methods %v; want the gradient and others", ran)
		}
	}()
	for _, m := range importance.AllMethods() {
		if m.Local == nil || slow[m.Name] || isExtra(m.Name) {
			continue
		}
		bg := importance.Cohort{}
		if !noReference[m.Name] {
			bg = e.ref
		}
		ran = append(ran, m.Name)
		want, err1 := m.Local(e.net, e.mods, z, bg, e.opt.Local)
		got, err2 := m.Local(&knownGrad{h: e.net, z: z, p: p[0], g: g[:dim]}, e.mods, z, bg, e.opt.Local)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, %v with the known gradient; %+v, %v on the network", m.Name, got, err2, want, err1)
		}
	}
}

// TestOpenRefusesWhatIsNotAFusionModel checks the errors a user sees next to the model
// input.
func TestOpenRefusesWhatIsNotAFusionModel(t *testing.T) {
	_, f := trained(t, Options{})
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty.flns", nil, "empty"},
		{"junk.flns", []byte("certainly not a model"), ""},
		{"truncated.flns", f.model[:len(f.model)/2], ""},
		{"autoencoder.flns", f.aeFile, "autoencoder"},
	}
	for _, c := range cases {
		_, err := Open(c.name, c.data, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	bad := bytes.Clone(f.model)
	bad[len(bad)-3] ^= 0xff
	if _, err := Open("flipped.flns", bad, Options{}); err == nil {
		t.Error("a corrupted model file opened")
	}
}

// TestSaliencyIsTheNetwork's checks the engine's saliency against the network's own.
func TestSaliencyIsTheNetworks(t *testing.T) {
	e, f := trained(t, Options{})
	ax, co, clin := testCase(5)
	sa, sc, err := e.Saliency(ax, co, clin)
	if err != nil {
		t.Fatal(err)
	}
	net, _, _ := fusion.LoadBytes(f.model)
	_, want, err := net.Saliency([][]float32{ax, co}, clin)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sa, want[0]) || !slices.Equal(sc, want[1]) {
		t.Error("saliency differs from the network's")
	}
}

// FuzzOpen checks that no model file bytes make Open panic.
func FuzzOpen(f *testing.F) {
	f.Add([]byte("FLNS\x01\x00\x00\x00"))
	f.Add([]byte("{}"))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Open("fuzz.flns", data, Options{})
		if err == nil && e == nil {
			t.Fatal("no engine and no error")
		}
	})
}

// TestMetaIsTheFiles checks that Meta, which reads the model file again, gives the
// file's meta.
func TestMetaIsTheFiles(t *testing.T) {
	e, f := trained(t, Options{})
	_, want, err := fusion.LoadBytes(f.model)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Meta()
	if !reflect.DeepEqual(got, want) || string(got.Scenario) != `"F3"` || got.Seed != 3 {
		t.Errorf("Meta() = %+v, the file holds %+v", got, want)
	}
}
