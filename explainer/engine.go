package explainer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/phantom"
	"github.com/fusionlens/fusionlens/schema"
)

// Options set up an Engine. The zero value takes the defaults below.
type Options struct {
	// ReferenceN and ReferenceSeed choose the reference cohort, ReferenceCases(ReferenceN,
	// ReferenceSeed), as cmd/explain's -background and -seed. Defaults 200 and 1.
	ReferenceN    int
	ReferenceSeed uint64
	// Local are the options of the per-case methods (default: the package defaults with
	// Seed 1, as cmd/explain).
	Local importance.Options
	// Global are the options of the cohort-wide methods, over the reference cohort and
	// in the ground-truth check (default: Seed 1, and the per-case coalition methods
	// explain GlobalCases cases of the cohort).
	Global importance.Options
	// TruthN and TruthSeed choose the ground-truth check's cohort (cohort.Build). Default
	// 200 cases and TruthSeed.
	TruthN    int
	TruthSeed uint64
	// Slice is how long the work between two calls of pace may take. Default SliceBudget.
	Slice time.Duration
	// Check runs CheckTruth's ground-truth check: in the browser a client of the check
	// worker, natively truthcheck.Func(). Nil: the engine offers no check (CheckTruth
	// says so). The engine package itself links none of the check's packages (cohort,
	// latent), which keeps them out of the page's main.wasm.
	Check CheckFunc
	// Draw draws the reference cohort's images when the engine encodes the cohort itself
	// (a model of the paper's layout opened without its reference file, SetReference).
	// Open fills in DrawReference; Opener leaves Draw as given, so that a program that
	// passes its own (the page: its image worker, which links package phantom) does not
	// link the phantom generator. Nil there: the reference cohort comes only from a
	// reference file, and the methods that need it say so.
	Draw DrawFunc
}

// DrawFunc draws images lo..hi-1 of the reference cohort ReferenceCases(n, seed) into
// axial and coronal ((hi-lo) 28x28 images each, row-major).
type DrawFunc func(n int, seed uint64, lo, hi int, axial, coronal []float32) error

// Defaults of Options.
const (
	DefaultReferenceN = 200
	DefaultTruthN     = 200
	// TruthSeed draws the check cohort: a seed no shipped model trains on (they use small
	// seeds), so the check runs on cases the network has not seen.
	TruthSeed   = 0x7472757468 // "truth"
	GlobalCases = 50
	SliceBudget = 12 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if o.ReferenceN == 0 {
		o.ReferenceN = DefaultReferenceN
	}
	if o.ReferenceSeed == 0 {
		o.ReferenceSeed = 1
	}
	if o.Local.Seed == 0 {
		o.Local.Seed = 1
	}
	if o.Global.Seed == 0 {
		o.Global.Seed = 1
	}
	if o.Global.Cases == 0 {
		o.Global.Cases = GlobalCases
	}
	if o.TruthN == 0 {
		o.TruthN = DefaultTruthN
	}
	if o.TruthSeed == 0 {
		o.TruthSeed = TruthSeed
	}
	if o.Slice <= 0 {
		o.Slice = SliceBudget
	}
	return o
}

// latentKind is latent.Kind, the Meta.Kind of the ground-truth autoencoder's file
// (TestLatentKind keeps them equal): importing package latent for it would link its
// training code into the page.
const latentKind = "autoencoder"

// noReference lists the methods that explain a case from the head alone (see
// NeedsReference).
var noReference = map[string]bool{"gradient": true, "gradxinput": true, "gradient_logit": true}

// sensitivity lists the methods whose per-feature scores are derivatives: their sign says
// which way p would move, not what the feature contributed, so the page shows their
// magnitudes (which is what their modality scores sum).
var sensitivity = map[string]bool{"gradient": true, "smoothgrad": true, "gradient_logit": true, "gradient_sd": true, "gradient_logit_sd": true}

// Engine explains cases with one fusion network of any layout of the family. It
// implements engine.Engine, engine.Family, engine.Preparer, engine.CasePreparer and
// engine.TruthChecker. Its methods may be called from several goroutines.
type Engine struct {
	opt      Options
	file     string
	data     []byte // the model file, for the ground-truth check
	info     engine.ModelInfo
	schema   schema.Schema
	paper    bool // the paper's layout: the synthetic world applies (see Offers)
	mods     []importance.Modality
	methods  []importance.Method
	scenario *scenarioInfo // nil when the file names none (or none this build knows)

	// work serialises Prepare and Finish; it is held while they call pace, so the
	// page's synchronous calls never take it.
	work sync.Mutex

	mu     sync.Mutex  // guards net's batch-1 path and everything below
	net    *fusion.Net // batch 1: Encode, Saliency and the per-case head
	dense  *fusion.DenseHead
	ref    importance.Cohort // the reference fusion vectors encoded so far
	refN   int               // cases of the reference cohort: ref is complete when ref.N == refN
	global map[string]importance.Importance
	checks map[string]engine.TruthCheck
	// globalIntervals keeps the intervals of the methods with no per-case form, which
	// are the same for every case.
	globalIntervals map[string]engine.Uncertainty
}

// Opener returns a engine.Opener that opens model files with the given options, as Open
// does but with o.Draw as given (see Options.Draw).
func Opener(o Options) engine.Opener {
	return func(name string, data []byte) (engine.Engine, error) {
		e, err := open(name, data, o)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

// Open reads a fusion model file (the fusionlens format or safetensors) for the browser
// explainer. The engine keeps data for the ground-truth check: the caller must not
// modify it afterwards. Any network of the family opens; the synthetic world (the
// reference cohort, its comparison methods, the ground-truth check) applies only to the
// paper's layout (see Paper and Offers), and the other layouts are offered the methods
// that explain a case from the head alone.
func Open(name string, data []byte, o Options) (*Engine, error) {
	if o.Draw == nil {
		o.Draw = DrawReference
	}
	return open(name, data, o)
}

// open is Open with o.Draw as given.
func open(name string, data []byte, o Options) (*Engine, error) {
	o = o.withDefaults()
	if o.ReferenceN < 2 || o.TruthN < 10 {
		return nil, fmt.Errorf("explainer: reference cohort of %d and check cohort of %d cases; want at least 2 and 10", o.ReferenceN, o.TruthN)
	}
	if len(data) == 0 {
		return nil, errors.New("the file is empty")
	}
	// The file is decoded once (this used to decode it twice: here for its kind, then in
	// fusion.LoadBytes), and fusion.FromFile builds the network from it.
	var f *modelfile.File
	var err error
	switch modelfile.Sniff(data) {
	case modelfile.SniffModel:
		if f, err = modelfile.Decode(bytes.NewReader(data)); err != nil {
			return nil, err
		}
		if f.Meta.Kind != "" && f.Meta.Kind != fusion.Kind {
			what := f.Meta.Kind
			if what == latentKind {
				what = "the ground-truth autoencoder"
			}
			return nil, fmt.Errorf("this model file holds %s, not a fusion network", what)
		}
	case modelfile.SniffSafetensors:
		if f, err = modelfile.DecodeSafetensors(bytes.NewReader(data)); err != nil {
			return nil, err
		}
	default:
		return nil, modelfile.NotModelError(data)
	}
	net, err := fusion.FromFile(f, 1)
	if err != nil {
		return nil, err
	}
	meta := f.Meta
	cfg := net.Config()
	dense, err := fusion.HeadOf(net)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		opt: o, file: name, data: data, net: net, dense: dense,
		schema: cfg.Schema, paper: Paper(cfg),
		global: map[string]importance.Importance{},
		checks: map[string]engine.TruthCheck{},

		globalIntervals: map[string]engine.Uncertainty{},
	}
	if e.paper {
		e.mods = importance.DefaultModalities()
		e.methods = defaultFirst(append(importance.Methods(), importance.Added()...))
		e.refN = o.ReferenceN
		// A scenario this build cannot read leaves the model usable, only uncheckable.
		if sc, ok := modelScenario(meta.Scenario); ok {
			e.scenario = &sc
		}
	} else {
		names := cfg.Schema.Modalities()
		for i, b := range cfg.Blocks() {
			e.mods = append(e.mods, importance.Modality{Name: names[i], Start: b[0], End: b[1]})
		}
		// The synthetic reference cohort does not fit these inputs: only the methods that
		// explain a case from the head alone apply.
		for _, m := range append(importance.Methods(), importance.Added()...) {
			if noReference[m.Name] && m.Local != nil {
				e.methods = append(e.methods, m)
			}
		}
	}
	e.info = e.describe(meta)
	return e, nil
}

// Paper reports whether cfg has the paper's layout, in which the synthetic world (phantom
// images, simulated clinical values, scenarios) applies: two 28x28 grey images named
// ct_axial and ct_coronal with ten features each, the twenty clinical variables of
// package clinical in two groups of ten, and two classes.
func Paper(cfg fusion.Config) bool {
	s := cfg.Schema
	if cfg.Images() != 2 || cfg.ImageSize() != phantom.Size || cfg.Clinical() != clinical.NumVars ||
		cfg.Features() != modality.Width || len(s.Groups) != 2 || cfg.Classes() != 2 {
		return false
	}
	for i, name := range s.Modalities() {
		if name != modality.Modality(i).ID() {
			return false
		}
	}
	for _, im := range s.Images {
		if im.Channels != 1 {
			return false
		}
	}
	vars := clinical.Variables()
	i := 0
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			if v.Kind != schema.KindNumeric || v.Name != vars[i].Name {
				return false
			}
			i++
		}
	}
	return true
}

// describe builds the page's description of the model from its file's meta m.
func (e *Engine) describe(m modelfile.Meta) engine.ModelInfo {
	info := engine.ModelInfo{Name: e.file, Positive: "class 1", DataSource: m.DataSource, Command: m.Command}
	if e.scenario != nil {
		short, _, _ := strings.Cut(e.scenario.Name, "-")
		info.Name = e.scenario.Name
		info.Description = "Trained for the synthetic decision function " + short + ": " + e.scenario.Description
		info.ClassNote = "Class 1 means that the synthetic decision value F of " + e.scenario.Name +
			" lies above its threshold; the network estimates p(class 1) from the images and clinical values."
	}
	if m.TestAccuracy > 0 {
		info.Accuracy, info.HasAccuracy = m.TestAccuracy, true
	}
	if m.TestAUC > 0 {
		info.AUC, info.HasAUC = m.TestAUC, true
	}
	info.Synthetic = strings.Contains(m.DataSource, "synthetic") || strings.Contains(m.DataSource, "phantom")
	if !e.paper {
		s := e.schema
		info.Positive = s.Classes[len(s.Classes)-1]
		if len(s.Classes) == 2 {
			info.Positive = s.Classes[1]
		}
		info.Description = "A fusion network from " + e.file + " reading " + count(len(s.Images), "image input") + " and " +
			count(len(s.Groups), "tabular group") + ", deciding between " + count(len(s.Classes), "class") +
			"; its importances are explained per class, and there is no ground truth to check them against."
	}
	if info.Description == "" {
		info.Description = "A fusion network from " + e.file + "; the file names no decision function, so its importances cannot be checked against a ground truth."
	}
	return info
}

// count says "1 image input", "3 classes".
func count(n int, what string) string {
	s := strconv.Itoa(n) + " " + what
	if n != 1 {
		if strings.HasSuffix(what, "s") {
			return s + "es"
		}
		return s + "s"
	}
	return s
}

// Schema is what the model reads and decides (a copy).
func (e *Engine) Schema() schema.Schema { return e.schema.Clone() }

// Offers says which parts of the synthetic world apply: all of them for the paper's
// layout (the ground-truth check when the file names its scenario), none otherwise.
func (e *Engine) Offers() engine.Offers {
	if !e.paper {
		return engine.Offers{Class: -1}
	}
	return engine.Offers{Example: true, Reference: true, Truth: e.scenario != nil, Class: 1}
}

// Info describes the model.
func (e *Engine) Info() engine.ModelInfo { return e.info }

// Meta returns the model file's training facts. It reads them from the model file again:
// the Engine keeps no modelfile.Meta, because the page holds Engines in interfaces and a
// time.Time reachable from them (Meta.Created) makes the linker keep all of time.Time's
// formatting and JSON methods in main.wasm (about 34 KB gzip).
func (e *Engine) Meta() modelfile.Meta {
	// Open decoded the same bytes, which the caller may not modify, so this cannot fail.
	_, meta, _ := fusion.LoadBytes(e.data)
	return meta
}

// DefaultMethod is the method the page explains with until the user picks another, in
// the paper's layout: of the per-case methods fast enough to re-explain at every
// keystroke, the one closest to the ground truth on the validation platform's scenarios
// (RESULTS.md, the paper's training: RMSE 0.044 on the shipped models' eight built-in
// scenarios, 0.046 on the sealed scenario files U7-U9, ahead of the whitened gradient's
// 0.063 and 0.054). Shapley values and KernelSHAP come closer (0.036 on the built-ins)
// but cost 3-9 ms a case in the browser against occlusion's 0.6-0.7 ms (BENCHMARKS.md),
// beyond the design's "well under a millisecond" per keystroke, so they stay slow
// methods, run off the event handler; permutation (0.027) has no per-case form. The page shows why in one line under the method select, with the figure read
// from the shipped validation results; TestDefaultMethodIsMostFaithfulFast keeps the
// choice true to them. Other layouts have no reference cohort and start with the
// paper's gradient.
const DefaultMethod = "occlusion"

// defaultFirst moves DefaultMethod to the front of ms, keeping the others' order.
func defaultFirst(ms []importance.Method) []importance.Method {
	out := make([]importance.Method, 0, len(ms))
	for _, m := range ms {
		if m.Name == DefaultMethod {
			out = append(out, m)
		}
	}
	for _, m := range ms {
		if m.Name != DefaultMethod {
			out = append(out, m)
		}
	}
	return out
}

// Methods lists importance.Methods then importance.Added, DefaultMethod first in the
// paper's layout, the paper's gradient first in others.
func (e *Engine) Methods() []engine.Method {
	out := make([]engine.Method, len(e.methods))
	for i, m := range e.methods {
		out[i] = engine.Method{ID: m.Name, Label: m.Label, Description: m.Description,
			Reference: !noReference[m.Name], Global: m.Local == nil, Fast: m.Local != nil && !slow[m.Name]}
		if m.Local == nil {
			out[i].Description += " It has no per-case form, so it is shown for the reference cohort of " +
				strconv.Itoa(e.opt.ReferenceN) + " synthetic cases."
		}
	}
	return out
}

func (e *Engine) method(id string) (importance.Method, error) {
	for _, m := range e.methods {
		if m.Name == id {
			return m, nil
		}
	}
	return importance.Method{}, fmt.Errorf("no importance method %q", id)
}

// errLayout refuses Engine's paper-layout calls on other layouts.
func (e *Engine) errLayout(op, instead string) error {
	if e.paper {
		return nil
	}
	return fmt.Errorf("%s reads the paper's two 28x28 images and twenty clinical values; this model reads %d image inputs and %d tabular values: use %s", op, len(e.schema.Images), e.schema.TabularWidth(), instead)
}

// EncodeImage returns the fusion features of one image of input k.
func (e *Engine) EncodeImage(k int, img []float32) ([]float32, error) {
	if k < 0 || k >= len(e.schema.Images) {
		return nil, fmt.Errorf("image input %d, the model has %d", k, len(e.schema.Images))
	}
	im := e.schema.Images[k]
	if len(img) != im.Pixels() {
		return nil, fmt.Errorf("image %q has %d values, want %d x %dx%d = %d", im.Name, len(img), im.Channels, im.Size, im.Size, im.Pixels())
	}
	for i, v := range img {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("image %q pixel %d is %v", im.Name, i, v)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.net.EncodeInput(k, img), nil
}

// EncodeImages returns the fusion features of several images of one case at once: imgs
// holds one entry per image input (nil: not encoded, its result nil). The images that
// share an encoder go through it as one batch, so a case's two images cost less than two
// EncodeImage calls.
func (e *Engine) EncodeImages(imgs [][]float32) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.net.EncodeInputsChecked(imgs)
}

// Encode returns the ten encoder features of one 28x28 image (the paper's layout).
func (e *Engine) Encode(img []float32) ([]float32, error) {
	if err := e.errLayout("Encode", "EncodeImage"); err != nil {
		return nil, err
	}
	if len(img) != phantom.Pixels {
		return nil, fmt.Errorf("image has %d values, want 28x28 = %d", len(img), phantom.Pixels)
	}
	for i, v := range img {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("image pixel %d is %v", i, v)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.net.EncodeChecked(img)
}

// Explain predicts from the cached image features and the standardised clinical values
// and attributes the prediction with the method. When the method cannot answer within
// a frame (it needs the reference cohort before Prepare has made it, a Global method's
// scores are not computed yet, or it is one of the slow per-case methods) Explain gives
// the prediction with Pending set, and Finish completes it.
func (e *Engine) Explain(zAxial, zCoronal, clin []float32, method string) (engine.Explanation, error) {
	if err := e.errLayout("Explain", "ExplainCase"); err != nil {
		return engine.Explanation{}, err
	}
	return e.explain(engine.Case{Features: [][]float32{zAxial, zCoronal}, Tabular: clin, Class: 1}, method, nil, false)
}

// ExplainCase predicts a case of any layout and attributes p(c.Class) (c.Class -1: the
// predicted class), as Explain does for the paper's.
func (e *Engine) ExplainCase(c engine.Case, method string) (engine.Explanation, error) {
	return e.explain(c, method, nil, false)
}

// FinishCase completes an explanation ExplainCase left pending, as Finish does.
func (e *Engine) FinishCase(c engine.Case, method string, pace engine.Pace) (engine.Explanation, error) {
	return e.finish(c, method, pace)
}

// Finish completes an explanation Explain left pending: it encodes the rest of the
// reference cohort, computes a Global method's scores over it, or runs a slow per-case
// method, calling pace between slices of work.
func (e *Engine) Finish(zAxial, zCoronal, clin []float32, method string, pace engine.Pace) (x engine.Explanation, err error) {
	if err := e.errLayout("Finish", "FinishCase"); err != nil {
		return engine.Explanation{}, err
	}
	return e.finish(engine.Case{Features: [][]float32{zAxial, zCoronal}, Tabular: clin, Class: 1}, method, pace)
}

func (e *Engine) finish(c engine.Case, method string, pace engine.Pace) (x engine.Explanation, err error) {
	m, err := e.method(method)
	if err != nil {
		return engine.Explanation{}, err
	}
	e.work.Lock()
	defer e.work.Unlock()
	defer stopped(&err)
	if !noReference[m.Name] {
		if err := e.encodeReference(pace); err != nil {
			return engine.Explanation{}, err
		}
	}
	if m.Local == nil {
		if err := e.globalScores(m, pace); err != nil {
			return engine.Explanation{}, err
		}
	}
	return e.explain(c, method, pace, true)
}

// slow lists the per-case methods that evaluate the head on thousands of perturbed
// fusion vectors (tens to hundreds of milliseconds in wasm): the page runs them through
// Finish, off the event handler.
var slow = map[string]bool{"kernelshap": true, "kernelshap_features": true, "lime": true, "shapley": true}

func (e *Engine) explain(c engine.Case, method string, pace engine.Pace, allowSlow bool) (engine.Explanation, error) {
	m, err := e.method(method)
	if err != nil {
		return engine.Explanation{}, err
	}
	e.mu.Lock()
	locked := true
	defer func() {
		if locked {
			e.mu.Unlock()
		}
	}()
	z, err := e.net.Fuse(c.Features, c.Tabular)
	if err != nil {
		return engine.Explanation{}, err
	}
	for j, v := range z {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return engine.Explanation{}, fmt.Errorf("fusion feature %d is %v", j, v)
		}
	}
	classes := len(e.schema.Classes)
	if c.Class < -1 || c.Class >= classes {
		return engine.Explanation{}, fmt.Errorf("class %d, the model has classes 0..%d (or -1, the predicted one)", c.Class, classes-1)
	}
	// Every class probability, and p and dp/dz of the class explained, from one pass of
	// the head each way.
	probs, g := make([]float32, classes), make([]float32, len(z))
	k, pk := e.net.ExplainFused(c.Class, z, probs, g)
	ch, err := e.net.ClassHead(k)
	if err != nil {
		return engine.Explanation{}, err
	}
	p := [1]float32{pk}
	if !finite(probs) || !finite(g) {
		// The inputs are finite: name the head layer that overflowed, blaming the model.
		if err := e.net.CheckHead(z); err != nil {
			return engine.Explanation{}, err
		}
	}
	x := engine.Explanation{Method: m.Name, P: float64(p[0]), Gradient: widen(g), Class: k, Probs: widen(probs)}
	if m.Local == nil {
		imp, ok := e.global[m.Name]
		if !ok {
			x.Pending = e.pendingLocked(m)
			return x, nil
		}
		x.Modalities, x.Features = imp.Modalities, imp.Features
		x.Scope = "reference cohort of " + strconv.Itoa(e.ref.N) + " synthetic phantom cases"
		x.Background = e.ref.N
		return x, nil
	}
	var bg importance.Cohort
	if !noReference[m.Name] {
		if e.ref.N < e.refN {
			x.Pending = e.pendingLocked(m)
			return x, nil
		}
		bg = e.ref // complete, so never appended to again
		x.Background = bg.N
	}
	// The network itself is the head for importance's fast methods (its batch-1
	// evaluator allocates nothing); the log-odds methods need the head as dense layers
	// (fusion.DenseHead), and slow methods run on those without the lock, pausing for
	// the page.
	var head importance.Head = e.net
	if k != 1 {
		head = ch
	}
	// The gradient at z is known: a method that asks for it (the paper's) gets it without
	// another pass of the head.
	head = &knownGrad{h: head, z: z, p: pk, g: g}
	if isExtra(m.Name) {
		if head, err = e.dense.ForClass(k); err != nil {
			return engine.Explanation{}, err
		}
	}
	if slow[m.Name] {
		if !allowSlow {
			x.Pending = "Computing " + m.Label + " for this case."
			return x, nil
		}
		ph := e.paced(pace, m.Label+" for this case")
		if ph.h, err = e.dense.ForClass(k); err != nil {
			return engine.Explanation{}, err
		}
		head = ph
		e.mu.Unlock()
		locked = false
	}
	a, err := m.Local(head, e.mods, z, bg, e.opt.Local)
	if err != nil {
		return engine.Explanation{}, err
	}
	x.P = a.P
	x.Modalities = a.Modalities
	x.Features = a.Features
	x.Signed = !sensitivity[m.Name]
	if sensitivity[m.Name] && x.Features != nil {
		x.Features = abs(x.Features)
	}
	return x, nil
}

// knownGrad is a Head whose gradient at one fusion vector z is already computed (p and
// g = dp/dz, of the head's class): Grad at exactly z copies them, anything else runs
// the head.
type knownGrad struct {
	h    importance.Head
	z, g []float32
	p    float32
}

// Dim implements importance.Head.
func (h *knownGrad) Dim() int { return h.h.Dim() }

// Prob implements importance.Head.
func (h *knownGrad) Prob(z []float32, n int, p []float32) { h.h.Prob(z, n, p) }

// Grad implements importance.Head.
func (h *knownGrad) Grad(z []float32, n int, p, g []float32) {
	if n == 1 && slices.Equal(z[:len(h.z)], h.z) {
		p[0] = h.p
		copy(g[:len(h.g)], h.g)
		return
	}
	h.h.Grad(z, n, p, g)
}

func isExtra(name string) bool {
	for _, m := range importance.Added() {
		if m.Name == name {
			return true
		}
	}
	return false
}

// pendingLocked says what method waits for. e.mu is held.
func (e *Engine) pendingLocked(m importance.Method) string {
	s := "Waiting for the reference cohort: " + strconv.Itoa(e.ref.N) + " of " + strconv.Itoa(e.refN) + " synthetic cases encoded."
	if e.ref.N == e.refN {
		s = "Computing " + m.Label + " over the reference cohort of " + strconv.Itoa(e.refN) + " synthetic cases."
	}
	return s
}

// Saliency returns dp(class 1)/dpixel of both images of the case.
func (e *Engine) Saliency(axial, coronal, clin []float32) ([]float32, []float32, error) {
	if err := e.errLayout("Saliency", "SaliencyCase"); err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, s, err := e.net.Saliency([][]float32{axial, coronal}, clin)
	if err != nil {
		return nil, nil, err
	}
	return s[0], s[1], nil
}

// SaliencyCase returns dp(c.Class)/dpixel of each image of the case (c.Class -1: the
// predicted class).
func (e *Engine) SaliencyCase(c engine.Case) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := c.Class
	if k == -1 {
		x, err := e.net.ExplainClass(-1, c.Images, c.Tabular)
		if err != nil {
			return nil, err
		}
		k = x.Class
	}
	_, s, err := e.net.SaliencyClass(k, c.Images, c.Tabular)
	return s, err
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func abs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Abs(x)
	}
	return out
}

var (
	_ engine.Engine       = (*Engine)(nil)
	_ engine.Family       = (*Engine)(nil)
	_ engine.CasePreparer = (*Engine)(nil)
	_ engine.BatchEncoder = (*Engine)(nil)
	_ engine.Preparer     = (*Engine)(nil)
	_ engine.TruthChecker = (*Engine)(nil)
	_ engine.Warmer       = (*Engine)(nil)
)

// finite reports whether v holds no NaN or infinity.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
