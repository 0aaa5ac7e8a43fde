package site

import (
	"time"

	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/vugu/vugu"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/phantom/examples"
)

// State is everything the page shows, and the logic that keeps it consistent. It holds no
// browser objects, so it is driven directly by native tests; the components only move
// bytes and text between the DOM and these methods.
//
// Every method runs with the render lock held (in an event handler, or inside the apply
// function of async).
type State struct {
	Axial   ImageSlot // the paper's CT views (Slots in the paper's layout)
	Coronal ImageSlot
	// Slots are the image inputs of the model's layout, in fusion order: &Axial and
	// &Coronal in the paper's layout (see layout.go).
	Slots []*ImageSlot
	// Mods are the modalities of the fusion vector, in order.
	Mods []ModInfo
	// General is set when the layout is a schema's other than the paper's.
	General bool
	// Classes are the model's class names (nil when the engine names none); Class is the
	// class explained, -1 for the predicted one.
	Classes []string
	Class   int
	// Offers says which parts of the synthetic world apply to the model.
	Offers    engine.Offers
	family    engine.Family // the engine as a Family, nil when it is not one
	layoutKey string

	Clinical    []ClinicalField // the tabular fields in fusion order (the paper's twenty: group A then B), nil when unavailable
	ClinicalErr string          // why there are no clinical fields

	Models    []ModelChoice // shipped models, then opened files
	ModelID   string        // selected ModelChoice.ID, "" for none
	ModelErr  string
	ModelNote string // status next to the model controls (loading, loaded)
	ModelBusy bool
	Engine    engine.Engine // nil until a model is loaded
	Opener    engine.Opener // turns model files into engines; nil when this build has none
	// DecodeImage decodes the image files the user brings; nil when this build has none
	// (images then fail to load with a message).
	DecodeImage ImageDecoder

	// RunCohort explains a CSV of cases in the background (cohort mode); nil when this
	// build has none. Cohort is what cohort mode shows.
	RunCohort CohortFunc
	// Settled is set once the first explanation is on screen (or the page has stopped
	// waiting for one: no model, another tab, a model open two seconds with no case):
	// the cohort panel, below the results, is drawn only then, so that the renders before
	// the first explanation build only what it needs.
	Settled   bool
	Cohort    CohortView
	modelData []byte // the open model's file, for cohort mode's worker

	MethodID string
	Result   *engine.Explanation // nil when there is nothing to show
	// ResultErr explains a failed prediction; Waiting says what is missing before one.
	ResultErr string
	ExplainMS float64 // time of the last explanation, in milliseconds (0 if unknown)
	SaveErr   string  // why the last download failed
	Timings   Timings

	// Uncertainty holds the intervals of Result's shares once computed (details.go), nil
	// before; UncertaintyErr says why they failed.
	Uncertainty    *engine.Uncertainty
	UncertaintyErr string
	// Interactions are the modalities' interactions for interCase, nil until computed;
	// InteractionsErr says why they failed.
	Interactions    *engine.Interactions
	InteractionsErr string
	interCase       engine.Case

	// Work is the progress of the long computation running now (WorkKey names it: see
	// jobs.go), zero when none.
	Work    engine.Progress
	WorkKey string
	// RefNote says how far the engine's reference cohort is; RefErr why it failed.
	RefNote     string
	RefErr      string
	refDeferred bool // the reference cohort waits for Shown or a method that needs it
	warmPending bool // the engine's explanation path is to be warmed once a first explanation is on screen

	// Truth is the ground-truth check of the current model and method, nil when not run;
	// TruthErr says why it failed. Once asked for, the check follows method changes.
	Truth       *engine.TruthCheck
	TruthErr    string
	truthWanted bool
	// Autoencoder is the site file of the ground-truth autoencoder (from
	// models/index.json), "" when the build ships none.
	Autoencoder string
	aeData      []byte
	Fetch       func(url string) ([]byte, error) // reads the site's own files (a relative URL)

	ExampleNote string
	ExampleErr  string
	exampleN    int // the example case shown last (1, 2, ...), 0 before the first
	// examples are the example cases (SetExamples); examplesErr says why they could not
	// be read, and exampleWanted that a click came before they arrived.
	examples      *examples.File
	examplesErr   string
	exampleWanted bool

	Validation       *ValidationReport
	ValidationErr    string
	ValidationMethod string // method whose estimates the validation tab's charts show
	// ValidationLoading is set while the shipped validation results are read.
	ValidationLoading bool
	// loadValidation reads them (set by Root.Init in the browser; nil natively), once
	// wantValidation asks: they wait until the first explanation is on screen, so that
	// their reading and render do not come before it.
	loadValidation func()
	validationIdle bool // a timer asks for them when the model is open and no case comes

	Compare CompareState // the "Compare architectures" tab

	Tab string // "explain", "validation" or "compare"

	env   vugu.EventEnv // for async work; nil in tests that do not need it
	clock func() float64
	seq   int // generation of the current Result, so stale async results are dropped

	gen     int   // generation of the engine: jobs of an older one stop
	jobs    []job // queued long computations
	working bool  // the worker goroutine runs
	// foreground counts computations for the case on screen in flight (pixel saliency);
	// background jobs pause at their next pace until it is 0.
	foreground int
	draining   bool // jobs are running synchronously (no event environment)
}

// Timings are performance.now() measurements of the page's work, in milliseconds, for
// the curious and the browser tests (the wasm entry publishes them as
// window.fusionlensTimings).
type Timings struct {
	EncodeMS    float64 // last image encoding (one image)
	ExplainMS   float64 // last synchronous Explain call
	FinishMS    float64 // last completion of a pending explanation
	SaliencyMS  float64 // last pixel saliency of both images
	ReferenceMS float64 // encoding the reference cohort
	TruthMS     float64 // last ground-truth check
	OpenMS      float64 // opening the last model file (decoding it, building the engine)
	ModelAt     float64 // performance.now() when the last model was opened
	Explained   float64 // performance.now() when the last result (or its completion) was set
	SaliencyAt  float64 // performance.now() when the last saliency was set
}

// NewState returns the page's state: empty image slots, the clinical fields from the
// clinical package's table, no model.
func NewState(opener engine.Opener) *State {
	s := &State{Opener: opener, Tab: "explain", layoutKey: paperLayout, Class: 1,
		Offers: engine.Offers{Example: true, Class: 1}}
	s.paperLayout()
	return s
}

// slot returns the image slot for a view.
func (s *State) slot(v modality.Modality) (*ImageSlot, error) {
	switch {
	case s.General:
	case v == modality.CTAxial:
		return &s.Axial, nil
	case v == modality.CTCoronal:
		return &s.Coronal, nil
	}
	return nil, errors.New("no image slot for modality " + v.Label())
}

// SetImage decodes a file the user brought into the slot for view with DecodeImage,
// holding the render lock meanwhile (the page's image input decodes off it). A file that
// cannot be decoded leaves the slot's previous image in place and sets its error.
func (s *State) SetImage(view modality.Modality, name string, data []byte) {
	sl, err := s.slot(view)
	if err != nil {
		s.ResultErr = err.Error()
		return
	}
	r := s.startDecode(sl, name, data, sl.Window)
	s.applyDecode(r, r.run)
}

// SetWindow re-decodes a slot's DICOM file with another display window, holding the
// render lock meanwhile like SetImage.
func (s *State) SetWindow(view modality.Modality, w WindowChoice) {
	sl, err := s.slot(view)
	if err != nil {
		s.ResultErr = err.Error()
		return
	}
	sl.Err = ""
	r, err := s.rewindowRequest(sl, w)
	if err != nil {
		sl.Err = err.Error()
		return
	}
	if r != nil {
		s.applyDecode(r, r.run)
	}
}

// applyDecode applies what decode gives for r and explains the new inputs.
func (s *State) applyDecode(r *decodeRequest, decode func() (DecodedImage, error)) {
	if r.apply(decode()) {
		s.recompute()
	}
}

// SetImagePixels puts a 28x28 image that needs no decoding (a phantom) into a slot.
func (s *State) SetImagePixels(view modality.Modality, name, source string, px []float32) error {
	sl, err := s.slot(view)
	if err != nil {
		return err
	}
	if err := sl.setPixels(name, source, px); err != nil {
		sl.Err = err.Error()
		return err
	}
	sl.Err = ""
	return nil
}

// SetClinical takes the text typed into a clinical field. Out-of-range or unreadable
// values mark the field and keep the model from using it; an empty field stands for the
// population mean (standardised value 0).
func (s *State) SetClinical(name, text string) {
	f := s.field(name)
	if f == nil {
		s.ResultErr = "no clinical field named " + strconv.Quote(name)
		return
	}
	f.set(text)
	s.recompute()
}

// SetClinicalCut takes the start of a text that was length characters long when it was
// typed, set or pasted into a clinical field: the page's loader cuts a value beyond the
// field's maxlength before the input event reaches Go (Vugu copies the field's whole
// value into every event, seconds for a megabyte in wasm). The field is marked too long,
// as SetClinical marks the whole text.
func (s *State) SetClinicalCut(name, text string, length int) {
	f := s.field(name)
	if f == nil {
		s.ResultErr = "no clinical field named " + strconv.Quote(name)
		return
	}
	f.cut(text, length)
	s.recompute()
}

func (s *State) field(name string) *ClinicalField {
	for i := range s.Clinical {
		if s.Clinical[i].Name == name {
			return &s.Clinical[i]
		}
	}
	return nil
}

// ClinicalGroup returns the fields of one clinical modality.
func (s *State) ClinicalGroup(m modality.Modality) []*ClinicalField {
	var out []*ClinicalField
	for i := range s.Clinical {
		if s.Clinical[i].Group == m {
			out = append(out, &s.Clinical[i])
		}
	}
	return out
}

// SetEngine installs a loaded model and explains the current inputs with it. An engine
// with a reference cohort encodes it in the background: at once when the method needs
// it, else after the first explanation is on screen (Shown) or when a method that needs
// it is chosen.
func (s *State) SetEngine(e engine.Engine, id, note string) {
	s.dropJobs()
	s.applyLayout(e)
	s.Engine = e
	s.ModelID = id
	s.ModelErr = ""
	s.ModelNote = note
	s.RefNote, s.RefErr = "", ""
	s.Truth, s.TruthErr, s.truthWanted = nil, "", false
	s.Interactions, s.interCase = nil, engine.Case{}
	for _, sl := range s.Slots {
		sl.enc = nil
	}
	if e != nil {
		ms := e.Methods()
		keep := false
		for _, m := range ms {
			keep = keep || m.ID == s.MethodID
		}
		if !keep && len(ms) > 0 {
			s.MethodID = ms[0].ID
		}
	}
	// The reference cohort (200 synthetic cases through the network, seconds in wasm)
	// starts at once only when the method needs it. Otherwise it waits for the first
	// explanation and its saliency on screen (Shown), so that nothing the first
	// explanation does not need holds up the page's one thread before it.
	s.refDeferred = false
	_, s.warmPending = e.(engine.Warmer)
	if rs, ok := e.(referenceSetter); ok && s.Offers.Reference && rs.ReferenceReady() {
		s.RefNote = "Reference cohort ready (encoded when the site was built)."
	} else if _, ok := e.(engine.Preparer); ok && s.Offers.Reference {
		if m, ok := s.Method(); ok && m.Reference {
			s.startReference()
		} else {
			s.refDeferred = true
			s.RefNote = "The reference cohort of synthetic cases is encoded in the background once the first explanation is on screen."
		}
	}
	s.recompute()
}

// startReference queues the encoding of the engine's reference cohort.
func (s *State) startReference() {
	p, ok := s.Engine.(engine.Preparer)
	if !ok || !s.Offers.Reference {
		return
	}
	s.refDeferred = false
	s.RefNote, s.RefErr = "Encoding the reference cohort of synthetic cases in the background.", ""
	s.enqueue(job{key: "reference", run: p.Prepare,
		ms: func(ms float64) { s.Timings.ReferenceMS = ms },
		done: func(err error) {
			if err != nil {
				s.RefNote, s.RefErr = "", "Reference cohort: "+err.Error()
				return
			}
			s.RefNote = "Reference cohort ready"
			if s.Timings.ReferenceMS > 0 {
				s.RefNote += " (encoded in " + ftoa(s.Timings.ReferenceMS/1000, 1) + " s)"
			}
			s.RefNote += "."
		}})
}

// Shown tells the state that the page has been drawn (the wasm entry calls it after
// every render, with the lock held). Once an explanation is on screen, with its pixel
// saliency (foreground work) done, the reference cohort that SetEngine deferred starts
// encoding in the background, and the engine's explanation path is warmed.
func (s *State) Shown() {
	if s.refDeferred && s.Result != nil && s.Result.Pending == "" && s.foreground == 0 {
		s.startReference()
	}
	// Then, behind everything else, the explanation path runs on synthetic cases so that
	// the browser compiles it with its optimising tier before the user's next case
	// (BENCHMARKS.md, "Issue 16: the full explanation (branch kern3)"). Nothing is shown
	// and its result is dropped: a failure here would show on the next real explanation.
	if s.warmPending && s.Result != nil && s.Result.Pending == "" && s.foreground == 0 {
		s.warmPending = false
		if w, ok := s.Engine.(engine.Warmer); ok {
			s.enqueue(job{key: "warm", run: w.Warm, done: func(error) {}, details: true})
		}
	}
	// The validation results (for the default method's line and the validation tab) come
	// after the first explanation, or at once when the tab is chosen or no model opened;
	// with a model open and no case, a moment later.
	// So does the explain tab's cohort panel (Settled).
	switch {
	case s.loadValidation == nil:
	case s.Result != nil, s.ModelErr != "", s.Tab != "explain":
		s.settle()
	case s.Engine != nil && !s.validationIdle && s.env != nil:
		s.validationIdle = true
		ee := s.env
		time.AfterFunc(validationWait, func() {
			ee.Lock()
			defer ee.UnlockRender()
			s.settle()
		})
	}
}

// settle marks the page past its first explanation (or past waiting for one): the
// validation results are read and the parts of the explain tab a first explanation does
// not need (the cohort panel) are drawn from the next render on.
func (s *State) settle() {
	s.Settled = true
	s.wantValidation()
}

// validationWait is how long the validation results wait for a first case after the
// default model opened.
const validationWait = 2 * time.Second

// wantValidation starts reading the validation results, once.
func (s *State) wantValidation() {
	if f := s.loadValidation; f != nil {
		s.loadValidation = nil
		s.ValidationLoading = true
		f()
	}
}

// SetMethod selects the attribution method (and re-runs the ground-truth check for it
// when the check was asked for).
func (s *State) SetMethod(id string) {
	s.MethodID = id
	if m, ok := s.Method(); ok && m.Reference && s.refDeferred {
		s.startReference()
	}
	s.recompute()
	if s.truthWanted {
		s.RunTruth()
	}
}

// Method returns the selected method's description, if the engine offers it.
func (s *State) Method() (engine.Method, bool) {
	if s.Engine == nil {
		return engine.Method{}, false
	}
	for _, m := range s.Engine.Methods() {
		if m.ID == s.MethodID {
			return m, true
		}
	}
	return engine.Method{}, false
}

// Waiting says what the page still needs before it can predict, or "" when it has all.
func (s *State) Waiting() string {
	var need []string
	if s.Engine == nil {
		need = append(need, "a model")
	}
	for _, sl := range s.Slots {
		if sl.Pixels == nil {
			need = append(need, sl.need)
		}
	}
	if s.Clinical == nil && !s.General {
		need = append(need, "clinical variables (not in this build)")
	}
	for i := range s.Clinical {
		if s.Clinical[i].Err != "" {
			need = append(need, "valid clinical values")
			break
		}
	}
	for i := range s.Clinical {
		if f := &s.Clinical[i]; f.missing && f.Err == "" {
			need = append(need, "a level of "+f.Label)
		}
	}
	if len(need) == 0 {
		return ""
	}
	return "Waiting for " + joinAnd(need) + "."
}

// recompute predicts and explains the current inputs, if complete. Pixel saliency
// follows asynchronously when an event environment is available.
func (s *State) recompute() {
	s.seq++
	s.Result = nil
	s.ResultErr = ""
	s.clearDetails()
	for _, sl := range s.Slots {
		sl.clearSaliency()
	}
	if s.Waiting() != "" {
		return
	}
	err := safely("explaining the case", func() error {
		if err := s.encodeNew(); err != nil {
			return err
		}
		for k, sl := range s.Slots {
			if sl.enc != nil {
				continue
			}
			t0 := s.now()
			z, err := s.encodeSlot(k)
			s.Timings.EncodeMS = s.now() - t0
			if err != nil {
				return errors.New(sl.Title + ": " + err.Error())
			}
			sl.enc = z
		}
		mark("encoded")
		t0 := s.now()
		e, err := s.explainNow()
		s.ExplainMS = s.now() - t0
		s.Timings.ExplainMS = s.ExplainMS
		if err != nil {
			return err
		}
		if err := s.checkExplanation(&e); err != nil {
			return err
		}
		s.Result = &e
		s.Timings.Explained = s.now()
		mark("explained")
		return nil
	})
	if err != nil {
		s.ResultErr = err.Error()
		return
	}
	s.startSaliency()
	if s.Result.Pending != "" {
		s.finish()
	} else {
		s.unqueue("finish") // an older request for a pending explanation is not wanted now
		s.details()
	}
}

// checkExplanation refuses explanations the charts cannot show.
func (s *State) checkExplanation(e *engine.Explanation) error {
	if math.IsNaN(e.P) || e.P < 0 || e.P > 1 {
		return errors.New("the engine gave p = " + ftoa(e.P, 4) + ", want a probability")
	}
	if e.Pending != "" {
		return nil
	}
	if _, err := modalityBarsFor(e, s.Mods); err != nil {
		return err
	}
	if e.Features != nil {
		if _, _, err := featureBarsFor(e, s.Mods); err != nil {
			return err
		}
	}
	return nil
}

// finish completes a pending explanation off the event handler, unless the inputs
// change meanwhile (then a newer request replaces it).
func (s *State) finish() {
	p, ok := s.Engine.(engine.Preparer)
	cp, cok := s.Engine.(engine.CasePreparer)
	if !ok && !(cok && s.family != nil) {
		s.ResultErr = s.Result.Pending + " This engine cannot finish it."
		return
	}
	seq := s.seq
	c := engine.Case{Features: s.features(), Tabular: s.tabular(), Class: s.Class}
	method := s.MethodID
	var x engine.Explanation
	s.enqueue(job{key: "finish",
		run: func(pace engine.Pace) error {
			var err error
			if cok && s.family != nil {
				x, err = cp.FinishCase(c, method, pace)
			} else {
				x, err = p.Finish(c.Features[0], c.Features[1], c.Tabular, method, pace)
			}
			return err
		},
		ms: func(ms float64) { s.Timings.FinishMS = ms },
		done: func(err error) {
			if seq != s.seq {
				return // the inputs changed; a newer request follows
			}
			if err == nil {
				err = s.checkExplanation(&x)
			}
			if err == nil && x.Pending != "" {
				err = errors.New("the engine left the explanation unfinished: " + x.Pending)
			}
			if err != nil {
				s.ResultErr = err.Error()
				return
			}
			s.Result = &x
			s.ExplainMS = s.Timings.FinishMS
			s.Timings.Explained = s.now()
			s.details()
		}})
}

// encodeNew encodes at once the slots' new images when there are several and the engine
// is a BatchEncoder (a case's images through their shared encoder as one batch, as when
// the example case loads); recompute encodes any other new image on its own.
func (s *State) encodeNew() error {
	be, ok := s.Engine.(engine.BatchEncoder)
	imgs, n := make([][]float32, len(s.Slots)), 0
	for k, sl := range s.Slots {
		if sl.enc == nil {
			imgs[k] = sl.Pixels
			n++
		}
	}
	if !ok || n < 2 {
		return nil
	}
	t0 := s.now()
	zs, err := be.EncodeImages(imgs)
	s.Timings.EncodeMS = (s.now() - t0) / float64(n)
	if err != nil {
		return err
	}
	for k, sl := range s.Slots {
		if imgs[k] == nil {
			continue
		}
		if k >= len(zs) {
			return errors.New("the engine encoded " + strconv.Itoa(len(zs)) + " images, want " + strconv.Itoa(len(s.Slots)))
		}
		if err := s.takeEncoding(k, zs[k]); err != nil {
			return errors.New(sl.Title + ": " + err.Error())
		}
		sl.enc = zs[k]
	}
	return nil
}

// startSaliency computes pixel saliency for both images off the event handler and
// shows it when done, unless the inputs changed meanwhile.
func (s *State) startSaliency() {
	if s.env == nil || s.Result == nil {
		return
	}
	seq, eng, fam, slots := s.seq, s.Engine, s.family, s.Slots
	c := engine.Case{Images: s.pixels(), Tabular: s.tabular(), Class: s.Result.Class}
	if fam == nil || len(s.Result.Probs) == 0 {
		c.Class = s.Class
	}
	var sal [][]float32
	var ms float64
	s.foreground++
	async(s.env, "computing pixel saliency", func() error {
		// Let the browser draw the prediction first.
		afterPaint()
		t0 := s.now()
		var err error
		if fam != nil {
			sal, err = fam.SaliencyCase(c)
		} else {
			var a, b []float32
			a, b, err = eng.Saliency(c.Images[0], c.Images[1], c.Tabular)
			sal = [][]float32{a, b}
		}
		ms = s.now() - t0
		return err
	}, func(err error) {
		s.foreground--
		s.Timings.SaliencyMS = ms
		if seq != s.seq {
			return // inputs changed; a newer computation is on its way
		}
		if err == nil && len(sal) != len(slots) {
			err = errors.New("the engine gave saliency of " + strconv.Itoa(len(sal)) + " images, want " + strconv.Itoa(len(slots)))
		}
		for k := 0; err == nil && k < len(slots); k++ {
			err = slots[k].setSaliency(sal[k])
		}
		if err != nil {
			s.ResultErr = "saliency: " + err.Error()
			return
		}
		s.Timings.SaliencyAt = s.now()
	})
}

// clinicalStd returns the tabular values the network sees.
func (s *State) clinicalStd() []float32 { return s.tabular() }

func (s *State) now() float64 {
	if s.clock == nil {
		return 0
	}
	return s.clock()
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// TimeExplain re-explains the current case n times with the current method (as a
// clinical edit does: cached image features, the head only) and returns the mean time
// per call in milliseconds. One clock reading around all n calls keeps the browser's
// coarse timer (100 µs) out of the mean. It changes nothing on the page.
func (s *State) TimeExplain(n int) (float64, error) {
	if s.Engine == nil || s.Waiting() != "" {
		return 0, errors.New("nothing to explain yet")
	}
	for _, sl := range s.Slots {
		if sl.enc == nil {
			return 0, errors.New("nothing to explain yet")
		}
	}
	if n < 1 {
		return 0, errors.New("n = " + strconv.Itoa(n) + ", want at least 1")
	}
	t0 := s.now()
	for range n {
		if _, err := s.explainNow(); err != nil {
			return 0, err
		}
	}
	return (s.now() - t0) / float64(n), nil
}
