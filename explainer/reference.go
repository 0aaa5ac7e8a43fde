package explainer

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/phantom"
)

// encodeChunk is how many cases one slice of encoding runs through the network, as one
// batch of a copy made once: under node with the page's SIMD build 200 cases took 278 ms
// in batches of 4 against 343-391 ms one at a time, 289 ms in 2s and 441 ms in 8s, with
// the whole reference cohort about 0.65 s of which drawing the phantoms is 0.3 s
// (BENCHMARKS.md "The first explanation sooner"). fusion.Net.EmbedFolded was no faster
// there (300-333 ms) and clones the network on every call, which in slices costs more
// than a chunk's encoding.
const encodeChunk = 4

// Prepare encodes the reference cohort, once, calling pace between slices of work.
// Work stopped by pace is kept and resumed by the next call.
func (e *Engine) Prepare(pace engine.Pace) (err error) {
	e.work.Lock()
	defer e.work.Unlock()
	return e.encodeReference(pace)
}

// globalScores computes a Global method's scores over the complete reference cohort,
// once. e.work is held.
func (e *Engine) globalScores(m importance.Method, pace engine.Pace) error {
	e.mu.Lock()
	_, done := e.global[m.Name]
	ref := e.ref
	e.mu.Unlock()
	if done {
		return nil
	}
	what := m.Label + " over the reference cohort of " + strconv.Itoa(ref.N) + " synthetic cases"
	if err := call(pace, engine.Progress{What: what}); err != nil {
		return err
	}
	imp, err := m.Global(e.paced(pace, what), e.mods, ref, e.opt.Global)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Label, err)
	}
	e.mu.Lock()
	e.global[m.Name] = imp
	e.mu.Unlock()
	return nil
}

// ReferenceReady reports whether the reference cohort is encoded.
func (e *Engine) ReferenceReady() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ref.N == e.refN
}

// Reference returns the reference fusion vectors encoded so far (a copy).
func (e *Engine) Reference() importance.Cohort {
	e.mu.Lock()
	defer e.mu.Unlock()
	return importance.Cohort{Z: append([]float32(nil), e.ref.Z...), N: e.ref.N}
}

// ReferenceCases draws the reference cohort: n synthetic cases, phantom images of random
// organ classes (phantom.Dataset) and simulated clinical values (clinical.Simulate), all
// from seed. It is what "absent" or "typical" means for the methods that compare a case
// with others. An engine draws the same cases a slice at a time (Prepare, through
// Options.Draw; DrawReference by default).
func ReferenceCases(n int, seed uint64) fusion.Dataset {
	ax, co := make([]float32, n*phantom.Pixels), make([]float32, n*phantom.Pixels)
	DrawReference(n, seed, 0, n, ax, co)
	return fusion.Dataset{N: n, Axial: ax, Coronal: co, Clinical: referenceClinical(n, seed), Labels: make([]int, n)}
}

// ReferenceCohort encodes ReferenceCases(n, seed) with net at once: the fusion vectors
// Prepare encodes a slice at a time, for callers that need not pause (cmd/explain).
func ReferenceCohort(net *fusion.Net, n int, seed uint64) (importance.Cohort, error) {
	if n < 1 {
		return importance.Cohort{}, fmt.Errorf("explainer: reference cohort of %d cases; want at least 1", n)
	}
	z, _, err := net.Clone(min(n, 256)).Embed(ReferenceCases(n, seed))
	if err != nil {
		return importance.Cohort{}, err
	}
	return importance.Cohort{Z: z, N: n}, nil
}

// NeedsReference reports whether the named method compares a case with the reference
// cohort; the gradient methods explain a case from the network's head alone.
func NeedsReference(method string) bool { return !noReference[method] }

// referenceClinical is the reference cohort's standardised clinical values.
func referenceClinical(n int, seed uint64) []float32 {
	c64 := clinical.Simulate(n, seed)
	clin := make([]float32, len(c64))
	for i, v := range c64 {
		clin[i] = float32(v)
	}
	return clin
}

// encodeReference encodes the cases of the reference cohort not yet encoded: the cases of
// ReferenceCases, their images drawn a slice at a time by the options' Draw.
func (e *Engine) encodeReference(pace engine.Pace) error {
	e.mu.Lock()
	have := e.ref.N
	e.mu.Unlock()
	n, seed := e.refN, e.opt.ReferenceSeed
	if have == n {
		return nil
	}
	if e.opt.Draw == nil {
		return errors.New("explainer: the reference cohort needs the model's reference file: this engine draws no phantoms (Options.Draw)")
	}
	const what = "Encoding the reference cohort"
	if err := call(pace, engine.Progress{What: what, Done: have, Total: n}); err != nil {
		return err
	}
	px := phantom.Pixels
	ax, co := make([]float32, n*px), make([]float32, n*px)
	clin := referenceClinical(n, seed)
	var drawErr error
	draw := func(lo, hi int) {
		if drawErr == nil {
			drawErr = e.opt.Draw(n, seed, lo, hi, ax[lo*px:hi*px], co[lo*px:hi*px])
		}
	}
	err := e.encode(ax, co, clin, have, n, draw, pace, what, func(z []float32, k int) {
		e.mu.Lock()
		e.ref.Z = append(e.ref.Z, z...)
		e.ref.N += k
		e.mu.Unlock()
	})
	if drawErr != nil {
		return fmt.Errorf("explainer: drawing the reference cohort: %w", drawErr)
	}
	return err
}

// DrawReference is the DrawFunc of Open: it draws the images with package phantom, as
// ReferenceCases does.
func DrawReference(n int, seed uint64, lo, hi int, axial, coronal []float32) error {
	if lo < 0 || hi > n || lo > hi || len(axial) != (hi-lo)*phantom.Pixels || len(coronal) != len(axial) {
		return fmt.Errorf("explainer: images %d..%d of %d into %d and %d values; want %d each", lo, hi-1, n, len(axial), len(coronal), (hi-lo)*phantom.Pixels)
	}
	la, lc := phantom.Labels(n, seed, phantom.Axial), phantom.Labels(n, seed, phantom.Coronal)
	for i := lo; i < hi; i++ {
		o := (i - lo) * phantom.Pixels
		phantom.DatasetImage(la[i], i, seed, phantom.Axial, axial[o:o+phantom.Pixels])
		phantom.DatasetImage(lc[i], i, seed, phantom.Coronal, coronal[o:o+phantom.Pixels])
	}
	return nil
}

// encode runs cases from..n of the images and clinical values through a batch copy of
// the network, encodeChunk at a time (first drawing their images with draw, when not nil),
// handing each chunk's fusion vectors to keep and calling pace between slices.
func (e *Engine) encode(ax, co, clin []float32, from, n int, draw func(lo, hi int), pace engine.Pace, what string, keep func(z []float32, k int)) error {
	e.mu.Lock()
	net := e.net.Clone(encodeChunk) // own buffers, shared weights: the page's calls go on
	e.mu.Unlock()
	px, nc := phantom.Pixels, clinical.NumVars
	start := time.Now()
	for lo := from; lo < n; lo += encodeChunk {
		k := min(encodeChunk, n-lo)
		if draw != nil {
			draw(lo, lo+k)
		}
		d := fusion.Dataset{N: k, Axial: ax[lo*px : (lo+k)*px], Coronal: co[lo*px : (lo+k)*px],
			Clinical: clin[lo*nc : (lo+k)*nc], Labels: make([]int, k)}
		z, _, err := net.Embed(d)
		if err != nil {
			return err
		}
		keep(z, k)
		if time.Since(start) >= e.opt.Slice || lo+k == n {
			if err := call(pace, engine.Progress{What: what, Done: lo + k, Total: n}); err != nil {
				return err
			}
			start = time.Now()
		}
	}
	return nil
}

func call(pace engine.Pace, p engine.Progress) error {
	if pace == nil {
		return nil
	}
	return pace(p)
}

// pacedHead is the head the cohort-wide methods run on: a buffer-free copy of the
// network's head (fusion.DenseHead, so the page's own calls may use the network
// meanwhile), calling pace whenever a slice's worth of time has passed since the last
// call. Importance methods cannot return early, so a pace error unwinds them as a panic
// that stopped turns back into the error.
type pacedHead struct {
	h     *fusion.DenseHead
	pace  engine.Pace
	what  string
	slice time.Duration
	last  time.Duration // of the last pace call, since epoch
	// done and total are the progress a computation reported through progress (0, 0
	// when it reports none).
	done, total int
}

// epoch is the base of pacedHead's clock. A pacedHead keeps durations, not a time.Time:
// it reaches the importance methods as an interface, and a time.Time reachable from an
// interface makes the linker keep all of time.Time's formatting and JSON methods (about
// 34 KB gzip of main.wasm).
var epoch = time.Now()

func (e *Engine) paced(pace engine.Pace, what string) *pacedHead {
	return &pacedHead{h: e.dense, pace: pace, what: what, slice: e.opt.Slice, last: time.Since(epoch)}
}

// stop carries a pace error through an importance method.
type stop struct{ err error }

// stopped is deferred by the entry points that run importance methods on a pacedHead: it
// turns the stop panic back into the pace error. Other panics go on.
func stopped(err *error) {
	if r := recover(); r != nil {
		s, ok := r.(stop)
		if !ok {
			panic(r)
		}
		*err = s.err
	}
}

func (p *pacedHead) tick() {
	if p.pace == nil || time.Since(epoch)-p.last < p.slice {
		return
	}
	if err := p.pace(engine.Progress{What: p.what, Done: p.done, Total: p.total}); err != nil {
		panic(stop{err})
	}
	p.last = time.Since(epoch)
}

// progress records how far a computation on the head has come, shown at the next pace.
func (p *pacedHead) progress(what string, done, total int) {
	p.what, p.done, p.total = what, done, total
}

// Dim is the length of a fusion vector.
func (p *pacedHead) Dim() int { return p.h.Dim() }

// Prob evaluates p(class 1) for n fusion vectors.
func (p *pacedHead) Prob(z []float32, n int, out []float32) { p.tick(); p.h.Prob(z, n, out) }

// Grad evaluates p(class 1) and dp/dz for n fusion vectors.
func (p *pacedHead) Grad(z []float32, n int, out, g []float32) { p.tick(); p.h.Grad(z, n, out, g) }

// GradLogit evaluates the log-odds of class 1 and its gradient for n fusion vectors.
func (p *pacedHead) GradLogit(z []float32, n int, s, g []float32) {
	p.tick()
	p.h.GradLogit(z, n, s, g)
}

var errNoScenario = errors.New("the model file names no decision function this build knows, so there is no ground truth to check against")
