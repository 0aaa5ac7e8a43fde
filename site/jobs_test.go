package site

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/validation"
)

// slowEngine is the test engine with background work: its reference cohort takes steps
// calls of pace, and it reports each call on started.
type slowEngine struct {
	testEngine
	steps   int
	started chan engine.Progress
	mu      sync.Mutex
	ready   bool
	stopped error
}

func (e *slowEngine) Prepare(pace engine.Pace) error {
	for i := range e.steps {
		p := engine.Progress{What: "Encoding the reference cohort", Done: i, Total: e.steps}
		if e.started != nil {
			e.started <- p
		}
		if err := pace(p); err != nil {
			e.mu.Lock()
			e.stopped = err
			e.mu.Unlock()
			return err
		}
	}
	e.mu.Lock()
	e.ready = true
	e.mu.Unlock()
	return nil
}

// Explain leaves "occlusion" pending until the reference cohort is ready.
func (e *slowEngine) Explain(za, zc, clin []float32, method string) (engine.Explanation, error) {
	x, err := e.testEngine.Explain(za, zc, clin, method)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil && method == "occlusion" && !e.ready {
		x.Modalities, x.Features, x.Pending = nil, nil, "Waiting for the reference cohort."
	}
	return x, err
}

func (e *slowEngine) Finish(za, zc, clin []float32, method string, pace engine.Pace) (engine.Explanation, error) {
	if err := e.Prepare(pace); err != nil {
		return engine.Explanation{}, err
	}
	return e.Explain(za, zc, clin, method)
}

// TestPendingExplanationFinishes checks the synchronous path: a pending explanation
// shows the prediction at once and is completed by the job queue.
func TestPendingExplanationFinishes(t *testing.T) {
	s, _ := testState(t)
	eng := &slowEngine{steps: 3}
	s.SetEngine(eng, "slow", "loaded")
	if eng.ready || !strings.Contains(s.RefNote, "once the first explanation is on screen") {
		t.Fatalf("reference job ran before the first explanation was shown: ready %v, note %q", eng.ready, s.RefNote)
	}
	if s.Result == nil || s.Result.Pending != "" {
		t.Fatalf("no first explanation: %+v (%s)", s.Result, s.ResultErr)
	}
	s.Shown()
	if !eng.ready || !strings.Contains(s.RefNote, "ready") {
		t.Fatalf("reference job did not run once the explanation was shown: note %q", s.RefNote)
	}
	eng.ready = false // pretend it is not, to see Finish complete a pending result
	s.SetMethod("occlusion")
	if s.Result == nil || s.Result.Pending != "" || s.Result.Modalities == nil {
		t.Fatalf("occlusion not finished: %+v (%s)", s.Result, s.ResultErr)
	}
}

// TestJobsStopWhenTheModelChanges runs the queue on its worker goroutine (as in the
// browser) and replaces the engine while its reference cohort is being made: the old
// job must stop at its next pace and leave no trace on the page.
func TestJobsStopWhenTheModelChanges(t *testing.T) {
	s, _ := testState(t)
	env, _ := syncEnv()
	s.env = env
	old := &slowEngine{steps: 1000, started: make(chan engine.Progress, 1000)}
	env.Lock()
	s.SetMethod("occlusion") // a method that needs the reference cohort: it starts at once
	s.SetEngine(old, "old", "loaded")
	env.UnlockRender()
	<-old.started
	<-old.started // the worker is between paces
	env.Lock()
	if s.WorkKey != "reference" {
		t.Errorf("work key %q while the reference job runs", s.WorkKey)
	}
	next := &slowEngine{steps: 2}
	s.SetEngine(next, "new", "loaded")
	env.UnlockRender()
	deadline := time.Now().Add(10 * time.Second)
	for {
		env.RLock()
		done := !s.working
		env.RUnlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the queue did not drain")
		}
		time.Sleep(5 * time.Millisecond)
	}
	old.mu.Lock()
	stopped := old.stopped
	old.mu.Unlock()
	if !errors.Is(stopped, errStale) {
		t.Errorf("old job ended with %v, want errStale", stopped)
	}
	env.RLock()
	defer env.RUnlock()
	if !next.ready || !strings.Contains(s.RefNote, "ready") || s.RefErr != "" {
		t.Errorf("new engine: ready %v, note %q, error %q", next.ready, s.RefNote, s.RefErr)
	}
}

func TestTruthRows(t *testing.T) {
	r := &engine.TruthCheck{Truth: []float64{0.5, 0.5, 0, 0}, Estimate: []float64{0.4, 0.3, 0.2, 0.1}}
	rows := truthRows(r)
	if len(rows) != 4 || rows[0].TruthW != 0.5*truthBarMaxW || rows[3].EstValue != "0.1000" || rows[2].TruthText != "0.0 %" {
		t.Errorf("rows %+v", rows)
	}
	for _, bad := range []*engine.TruthCheck{
		{Truth: []float64{1, 0, 0}, Estimate: []float64{1, 0, 0, 0}},
		{Truth: []float64{1, 0, 0, -1}, Estimate: []float64{1, 0, 0, 0}},
	} {
		if checkTruth(bad) == nil || truthRows(bad) != nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestExportNeedsAFinishedExplanation(t *testing.T) {
	s := NewState(nil)
	if _, err := s.ExportJSON(); err == nil {
		t.Error("exported without a model")
	}
	s, _ = testState(t)
	s.Result.Pending = "waiting"
	if _, err := s.ExportSVG(); err == nil {
		t.Error("exported a pending explanation")
	}
	if got := s.exportName(); got != "fusionlens-test_model-gradient" {
		t.Errorf("file name %q", got)
	}
}

func TestPText(t *testing.T) {
	for p, want := range map[float64]string{0: "< 0.001", 0.0004: "< 0.001", 0.5: "= 0.500", 0.9996: "> 0.999", 0.123456: "= 0.123"} {
		if got := pText(p); got != want {
			t.Errorf("pText(%v) = %q, want %q", p, got, want)
		}
	}
}

func TestModelIndexAutoencoder(t *testing.T) {
	s := NewState(nil)
	if err := s.SetModelIndex([]byte(`{"models":[{"file":"F0.flns","name":"F0"}],"autoencoder":"ae.flns"}`)); err != nil {
		t.Fatal(err)
	}
	if s.Autoencoder != "models/ae.flns" {
		t.Errorf("autoencoder %q", s.Autoencoder)
	}
	if err := s.SetModelIndex([]byte(`{"models":[],"autoencoder":"../secret"}`)); err == nil {
		t.Error("accepted an autoencoder path outside models/")
	}
}

// TestValidationJSONFromThePlatform checks that the validation platform's browser
// summary (validation.SiteReport, what cmd/validate writes as validation.json) reads as
// the page's ValidationReport with nothing lost.
func TestValidationJSONFromThePlatform(t *testing.T) {
	rep := validation.SiteReport{Source: "go run ./cmd/validate -quick", RBOPersistence: 0.9,
		Methods:   []validation.SiteMethod{{ID: "gradient", Label: "Gradient (paper)", RMSE: 0.05, RBO: 0.97}},
		Scenarios: []validation.SiteCase{{Name: "F3-clinical", Accuracy: 0.96, Truth: []float64{0, 0, 0.6, 0.4}, Estimates: map[string][]float64{"gradient": {0.05, 0.05, 0.5, 0.4}}}}}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	s := NewState(nil)
	if err := s.SetValidation(data); err != nil {
		t.Fatal(err)
	}
	back, err := json.Marshal(s.Validation)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	json.Unmarshal(data, &a)
	json.Unmarshal(back, &b)
	if ja, jb := mustJSON(a), mustJSON(b); ja != jb {
		t.Errorf("validation.json read back differs:\n%s\n%s", ja, jb)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestReferenceDeferred checks when the reference cohort starts: not with a model whose
// method does not need it, nor when the page is drawn before there is an explanation,
// but when a method that needs it is chosen; at once for a model opened with such a
// method selected.
func TestReferenceDeferred(t *testing.T) {
	s := NewState(nil)
	s.Clinical = testFields()
	eng := &slowEngine{steps: 2}
	s.SetEngine(eng, "slow", "loaded")
	s.Shown() // no images yet, so no explanation on screen
	if eng.ready || s.Busy("reference") {
		t.Fatalf("reference cohort started with nothing explained: note %q", s.RefNote)
	}
	s.SetMethod("occlusion")
	if !eng.ready || !strings.Contains(s.RefNote, "ready") {
		t.Fatalf("choosing occlusion did not encode the reference cohort: note %q", s.RefNote)
	}

	next := &slowEngine{steps: 2}
	s.SetEngine(next, "next", "loaded") // occlusion stays selected
	if !next.ready || !strings.Contains(s.RefNote, "ready") {
		t.Fatalf("a model opened with occlusion selected did not encode its reference cohort: note %q", s.RefNote)
	}
}

// refEngine is slowEngine that also takes a reference file: "good" makes its reference
// cohort ready, anything else is refused.
type refEngine struct {
	slowEngine
	prepares int
}

func (e *refEngine) SetReference(data []byte) error {
	if string(data) != "good" {
		return errors.New("reference file of 3 cases; this engine's reference cohort has 200")
	}
	e.mu.Lock()
	e.ready = true
	e.mu.Unlock()
	return nil
}

func (e *refEngine) ReferenceReady() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ready
}

func (e *refEngine) Prepare(pace engine.Pace) error {
	e.prepares++
	return e.slowEngine.Prepare(pace)
}

func (e *refEngine) Finish(za, zc, clin []float32, method string, pace engine.Pace) (engine.Explanation, error) {
	if err := e.Prepare(pace); err != nil {
		return engine.Explanation{}, err
	}
	return e.Explain(za, zc, clin, method)
}

// TestShippedReference checks that a shipped model's reference file makes the default
// method's first explanation complete at once, with no reference job, and that a file
// the engine refuses is named on the page while the engine encodes the cohort itself.
func TestShippedReference(t *testing.T) {
	for _, tc := range []struct {
		ref      string
		prepares int
		note     string
	}{
		{"good", 0, "encoded when the site was built"},
		{"bad", 1, "was refused: reference file of 3 cases"},
	} {
		s, _ := testState(t)
		eng := &refEngine{slowEngine: slowEngine{steps: 2}}
		s.Opener = func(string, []byte) (engine.Engine, error) { return eng, nil }
		s.MethodID = "occlusion"
		c := ModelChoice{ID: "shipped:m.flns", File: "models/m.flns", Reference: "models/m.flns.ref"}
		s.openModel(c, []byte("model"), []byte(tc.ref))
		if s.ModelErr != "" || !strings.Contains(s.RefNote, tc.note) {
			t.Errorf("%s reference file: model error %q, note %q; want a note containing %q", tc.ref, s.ModelErr, s.RefNote, tc.note)
		}
		if s.Result == nil || s.Result.Pending != "" || s.Result.Method != "occlusion" {
			t.Fatalf("%s reference file: the first occlusion explanation is %+v (%s)", tc.ref, s.Result, s.ResultErr)
		}
		if eng.prepares != tc.prepares {
			t.Errorf("%s reference file: Prepare ran %d times; want %d", tc.ref, eng.prepares, tc.prepares)
		}
	}
}

// TestQueueOrder checks that what the user asked for goes ahead of the details the page
// computes on its own, in the order asked, and that a job replaces a queued one with its
// key where it stands.
func TestQueueOrder(t *testing.T) {
	var q []job
	for _, j := range []job{{key: "intervals", details: true}, {key: "interactions", details: true},
		{key: "reference"}, {key: "truth"}, {key: "intervals", details: true, gen: 7}} {
		q = queueJob(q, j)
	}
	var keys []string
	for _, j := range q {
		keys = append(keys, j.key)
	}
	if got, want := strings.Join(keys, ","), "reference,truth,intervals,interactions"; got != want {
		t.Errorf("queue %s, want %s", got, want)
	}
	if q[2].gen != 7 {
		t.Error("the second intervals job did not replace the first")
	}
}

// warmEngine is slowEngine that counts its warm-ups.
type warmEngine struct {
	slowEngine
	warms int
}

func (e *warmEngine) Warm(pace engine.Pace) error {
	e.warms++
	return pace(engine.Progress{What: "warming", Done: 1, Total: 1})
}

// TestWarmAfterFirstExplanation checks that the engine's explanation path is warmed once
// per model, only after a first explanation is on screen, and after the reference cohort
// it deferred.
func TestWarmAfterFirstExplanation(t *testing.T) {
	s := NewState(nil)
	s.Clinical = testFields()
	eng := &warmEngine{slowEngine: slowEngine{steps: 2}}
	s.SetEngine(eng, "warm", "loaded")
	s.Shown() // no images yet, so no explanation on screen
	if eng.warms != 0 {
		t.Fatalf("warmed %d times with nothing explained", eng.warms)
	}
	if err := s.SetImagePixels(modality.CTAxial, "a", "test", grey(0.25)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetImagePixels(modality.CTCoronal, "c", "test", grey(0.75)); err != nil {
		t.Fatal(err)
	}
	s.SetMethod(s.MethodID) // explains the case, as the page does once both images are in
	if s.Result == nil || s.Result.Pending != "" {
		t.Fatalf("no first explanation: %+v (%s)", s.Result, s.ResultErr)
	}
	if eng.warms != 0 {
		t.Fatalf("warmed %d times before the explanation was shown", eng.warms)
	}
	s.Shown()
	if eng.warms != 1 || !eng.ready {
		t.Fatalf("after the first explanation was shown: %d warm-ups (want 1), reference ready %v (want true)", eng.warms, eng.ready)
	}
	s.Shown()
	s.SetMethod("occlusion")
	s.Shown()
	if eng.warms != 1 {
		t.Errorf("warmed %d times for one model, want 1", eng.warms)
	}

	next := &warmEngine{slowEngine: slowEngine{steps: 2}}
	s.SetEngine(next, "next", "loaded")
	s.Shown()
	if next.warms != 1 || eng.warms != 1 {
		t.Errorf("after a second model: %d and %d warm-ups, want 1 each", eng.warms, next.warms)
	}
}
