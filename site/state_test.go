package site

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vugu/vugu"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

// testFields returns twenty fields accepting 0..100, standardised as (v-50)/10.
func testFields() []ClinicalField {
	fs := make([]ClinicalField, 20)
	for i := range fs {
		g := modality.ClinicalA
		if i >= 10 {
			g = modality.ClinicalB
		}
		fs[i] = ClinicalField{
			Name: "v" + strconv.Itoa(i), Label: "Variable " + strconv.Itoa(i), Unit: "u", Range: "0–100", Group: g,
			parse: func(text string) (float32, error) {
				v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
				if err != nil {
					return 0, errors.New("not a number")
				}
				if v < 0 || v > 100 {
					return 0, errors.New("outside 0–100")
				}
				return float32((v - 50) / 10), nil
			},
		}
	}
	return fs
}

// testState returns a state with test clinical fields, both images and the test engine.
func testState(t *testing.T) (*State, *testEngine) {
	t.Helper()
	s := NewState(nil)
	s.Clinical = testFields()
	eng := &testEngine{}
	if err := s.SetImagePixels(modality.CTAxial, "a", "test", grey(0.25)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetImagePixels(modality.CTCoronal, "c", "test", grey(0.75)); err != nil {
		t.Fatal(err)
	}
	s.SetEngine(eng, "test", "loaded")
	return s, eng
}

func TestStateNoEngineShowsNothing(t *testing.T) {
	s := NewState(nil)
	s.Clinical = testFields()
	if err := s.SetImagePixels(modality.CTAxial, "a", "test", grey(0.5)); err != nil {
		t.Fatal(err)
	}
	if s.Result != nil {
		t.Fatal("a result without an engine")
	}
	if w := s.Waiting(); !strings.Contains(w, "a model") || !strings.Contains(w, "coronal") {
		t.Errorf("Waiting() = %q, want it to name the model and the coronal image", w)
	}
}

func TestStateExplainsAndCachesEncodings(t *testing.T) {
	s, eng := testState(t)
	if s.Result == nil {
		t.Fatalf("no result: %s %s", s.ResultErr, s.Waiting())
	}
	if s.MethodID != "gradient" {
		t.Errorf("method %q, want the engine's first, gradient", s.MethodID)
	}
	// z = [enc(axial), enc(coronal), 0 x20]: p = sigmoid(sum w_j z_j).
	ref := &testEngine{}
	za, _ := ref.Encode(grey(0.25))
	zc, _ := ref.Encode(grey(0.75))
	want := 0.0
	for j := 0; j < 10; j++ {
		want += testWeight(j)*float64(za[j]) + testWeight(10+j)*float64(zc[j])
	}
	want = 1 / (1 + math.Exp(-want))
	if math.Abs(s.Result.P-want) > 1e-6 {
		t.Errorf("P = %v, want %v", s.Result.P, want)
	}
	if eng.encodes != 2 {
		t.Fatalf("%d encodes for two images", eng.encodes)
	}
	// Clinical edits and method changes reuse the cached encodings.
	s.SetClinical("v3", "60")
	s.SetMethod("occlusion")
	if eng.encodes != 2 {
		t.Errorf("%d encodes after clinical and method changes, want still 2", eng.encodes)
	}
	if !s.Result.Signed || s.Result.Method != "occlusion" {
		t.Errorf("result %+v, want a signed occlusion result", s.Result)
	}
	// A new image re-encodes only that image.
	if err := s.SetImagePixels(modality.CTAxial, "a2", "test", grey(0.1)); err != nil {
		t.Fatal(err)
	}
	s.SetClinical("v3", "61")
	if eng.encodes != 3 {
		t.Errorf("%d encodes after one new image, want 3", eng.encodes)
	}
}

func TestStateClinicalErrorsBlockPrediction(t *testing.T) {
	s, _ := testState(t)
	s.SetClinical("v12", "140")
	f := s.field("v12")
	if f.Err == "" || !strings.Contains(f.Err, "0–100") {
		t.Fatalf("field error %q, want the range", f.Err)
	}
	if s.Result != nil {
		t.Error("a result while a clinical value is refused")
	}
	if !strings.Contains(s.Waiting(), "valid clinical values") {
		t.Errorf("Waiting() = %q", s.Waiting())
	}
	s.SetClinical("v12", "70")
	if f.Err != "" || s.Result == nil {
		t.Fatalf("after a valid value: error %q, result %v", f.Err, s.Result)
	}
	if f.Std != 2 {
		t.Errorf("standardised value %v, want 2", f.Std)
	}
	s.SetClinical("v12", "  ")
	if f.Std != 0 || f.Err != "" {
		t.Errorf("empty field: std %v err %q, want the mean (0) and no error", f.Std, f.Err)
	}
	s.SetClinical("nope", "1")
	if !strings.Contains(s.ResultErr, "nope") {
		t.Errorf("unknown field: ResultErr %q", s.ResultErr)
	}
}

func TestStateEngineFailuresAreShown(t *testing.T) {
	s, eng := testState(t)
	eng.failWith = errors.New("boom")
	s.SetMethod("gradient")
	if s.Result != nil || s.ResultErr != "boom" {
		t.Errorf("result %v, error %q; want no result and the engine's error", s.Result, s.ResultErr)
	}
	eng.failWith = nil
	eng.panicMsg = "index out of range"
	s.SetMethod("gradient")
	var pe *PanicError
	if s.Result != nil || !strings.Contains(s.ResultErr, "index out of range") {
		t.Errorf("after a panic: result %v, error %q", s.Result, s.ResultErr)
	}
	if err := safely("x", func() error { panic("y") }); !errors.As(err, &pe) || pe.Where != "x" {
		t.Errorf("safely returned %v", err)
	}
	eng.panicMsg = ""
	s.SetMethod("gradient")
	if s.Result == nil {
		t.Errorf("the page did not recover after the panic: %s", s.ResultErr)
	}
}

// badEngine returns explanations of the wrong shape.
type badEngine struct{ testEngine }

func (e *badEngine) Explain(za, zc, clin []float32, method string) (engine.Explanation, error) {
	return engine.Explanation{P: 0.5, Modalities: []float64{1, 2}}, nil
}

func TestStateRejectsMalformedExplanations(t *testing.T) {
	s, _ := testState(t)
	s.SetEngine(&badEngine{}, "bad", "")
	if s.Result != nil || !strings.Contains(s.ResultErr, "2 modality scores") {
		t.Errorf("result %v, error %q; want the shape named", s.Result, s.ResultErr)
	}
}

// syncEnv is an EventEnv whose UnlockRender signals a channel, for async tests.
func syncEnv() (vugu.EventEnv, chan bool) {
	ch := make(chan bool, 16)
	return vugu.NewEventEnvImpl(&sync.RWMutex{}, ch), ch
}

func TestStateSaliencyArrivesAsync(t *testing.T) {
	s, _ := testState(t)
	env, rendered := syncEnv()
	s.env = env
	env.Lock()
	s.SetMethod("gradient") // starts saliency
	if s.Axial.SaliencyURL != "" {
		t.Fatal("saliency computed synchronously")
	}
	env.UnlockOnly()
	<-rendered
	env.RLock()
	defer env.RUnlock()
	if s.Axial.SaliencyURL == "" || s.Coronal.SaliencyURL == "" {
		t.Fatalf("no saliency after the async step (err %q)", s.ResultErr)
	}
	if !strings.HasPrefix(s.Axial.SaliencyURL, "data:image/png;base64,") {
		t.Errorf("saliency URL %.40q", s.Axial.SaliencyURL)
	}
	if s.Axial.SaliencyPeak <= 0 {
		t.Errorf("saliency peak %v", s.Axial.SaliencyPeak)
	}
}

func TestStateStaleSaliencyDropped(t *testing.T) {
	s, _ := testState(t)
	env, rendered := syncEnv()
	s.env = env
	env.Lock()
	s.SetMethod("gradient")
	s.SetClinical("v1", "55") // a newer computation: the first saliency is stale
	env.UnlockOnly()
	<-rendered
	<-rendered
	env.RLock()
	defer env.RUnlock()
	if s.Axial.SaliencyURL == "" {
		t.Errorf("the newer saliency did not arrive: %q", s.ResultErr)
	}
}

func TestAsyncRecoversPanics(t *testing.T) {
	env, rendered := syncEnv()
	var got error
	async(env, "testing", func() error { panic("work failed") }, func(err error) { got = err })
	<-rendered
	var pe *PanicError
	if !errors.As(got, &pe) || pe.Value != "work failed" {
		t.Errorf("apply got %v, want the work's panic", got)
	}
	calls := 0
	async(env, "testing", func() error { return nil }, func(err error) {
		calls++
		if err == nil {
			panic("apply failed")
		}
		got = err
	})
	<-rendered
	if calls != 2 || !strings.Contains(got.Error(), "apply failed") {
		t.Errorf("apply called %d times with %v", calls, got)
	}
}

func TestCatchStoresPanic(t *testing.T) {
	var msg string
	func() {
		defer catch(&msg, "clicking")
		var m map[string]int
		m["x"] = 1
	}()
	if !strings.Contains(msg, "clicking") || !strings.Contains(msg, "nil map") {
		t.Errorf("caught %q", msg)
	}
}

func TestJoinAnd(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a and b"}, {[]string{"a", "b", "c"}, "a, b and c"}} {
		if got := joinAnd(c.in); got != c.want {
			t.Errorf("joinAnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLoadExample(t *testing.T) {
	s := withExamples(t, NewState(nil))
	s.LoadExample()
	if s.ExampleErr != "" {
		t.Fatal(s.ExampleErr)
	}
	if s.Axial.Pixels == nil || s.Coronal.Pixels == nil || s.Axial.NetURL == "" {
		t.Fatal("example case left an image slot empty")
	}
	for _, f := range s.Clinical {
		if f.Text == "" || f.Err != "" {
			t.Errorf("example clinical %s = %q (error %q)", f.Name, f.Text, f.Err)
		}
	}
	if !strings.Contains(s.ExampleNote, "synthetic") {
		t.Errorf("example note %q does not say it is synthetic", s.ExampleNote)
	}
	// The sequence is fixed: a fresh page draws the same first case.
	first := append([]float32(nil), s.Axial.Pixels...)
	s.LoadExample()
	if slices.Equal(first, s.Axial.Pixels) {
		t.Error("the second example case repeats the first")
	}
	again := withExamples(t, NewState(nil))
	again.LoadExample()
	if !slices.Equal(first, again.Axial.Pixels) {
		t.Error("example case 1 differs between two pages")
	}
	// With a model the example is explained at once.
	eng := &testEngine{}
	s.SetEngine(eng, "t", "")
	if s.Result == nil {
		t.Errorf("no result after the example with a model: %s %s", s.ResultErr, s.Waiting())
	}
}

// batchEngine is testEngine with EncodeImages: it counts the batches and the images in
// them, and encodes each as Encode does.
type batchEngine struct {
	testEngine
	batches, batched int
}

func (e *batchEngine) EncodeImages(imgs [][]float32) ([][]float32, error) {
	e.batches++
	out := make([][]float32, len(imgs))
	for k, img := range imgs {
		if img == nil {
			continue
		}
		e.batched++
		z, err := e.testEngine.Encode(img)
		e.encodes-- // count the page's own Encode calls only
		if err != nil {
			return nil, err
		}
		out[k] = z
	}
	return out, nil
}

// TestStateEncodesACaseAtOnce: with an engine.BatchEncoder, a case whose two images are
// both new (the example case) is encoded in one call, with the result of two Encode calls;
// one new image is encoded on its own.
func TestStateEncodesACaseAtOnce(t *testing.T) {
	var results [2]float64
	for i, eng := range []engine.Engine{&testEngine{}, &batchEngine{}} {
		s := withExamples(t, NewState(nil))
		s.SetEngine(eng, "t", "")
		s.LoadExample()
		if s.Result == nil {
			t.Fatalf("%T: no result after the example: %s %s", eng, s.ResultErr, s.Waiting())
		}
		results[i] = s.Result.P
		if be, ok := eng.(*batchEngine); ok {
			if be.batches != 1 || be.batched != 2 || be.encodes != 0 {
				t.Fatalf("example case: %d batches of %d images and %d Encode calls, want one batch of 2 and none", be.batches, be.batched, be.encodes)
			}
			if err := s.SetImagePixels(modality.CTAxial, "a2", "test", grey(0.1)); err != nil {
				t.Fatal(err)
			}
			s.SetClinical(s.Clinical[0].Name, s.Clinical[0].Text) // recomputes
			if s.Result == nil {
				t.Fatalf("no result after a new image: %s %s", s.ResultErr, s.Waiting())
			}
			if be.batches != 1 || be.encodes != 1 {
				t.Errorf("one new image: %d batches and %d Encode calls, want still 1 batch and 1 call", be.batches, be.encodes)
			}
		}
	}
	if results[0] != results[1] {
		t.Errorf("P = %v encoding one by one, %v at once", results[0], results[1])
	}
}

// TestSettled checks that the page counts as settled (cohort panel drawn, validation
// results read) only once a first result is on screen, and stays so after a reset.
func TestSettled(t *testing.T) {
	s := withExamples(t, NewState(nil))
	read := 0
	s.loadValidation = func() { read++ }
	s.Shown()
	if s.Settled || read != 0 {
		t.Fatalf("settled %v, validation read %d times before any result", s.Settled, read)
	}
	s.SetEngine(&testEngine{}, "t", "")
	s.LoadExample()
	if s.Result == nil {
		t.Fatal("no result for the example case")
	}
	s.Shown()
	if !s.Settled || read != 1 {
		t.Fatalf("settled %v, validation read %d times after the first result; want true, 1", s.Settled, read)
	}
	r := &Root{S: s}
	r.Reset(errors.New("test"))
	if !r.S.Settled {
		t.Error("a reset page is no longer settled")
	}
}
