//go:build js && wasm

package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"image"
	"math"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	vjs "github.com/vugu/vugu/js"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/site"
)

// The ground-truth check runs in a Web Worker (check.js starting check.wasm, built from
// ./wasm/check): its packages (cohort, latent and what they need) stay out of main.wasm,
// it is only downloaded when the user first asks for a check, and its one long step
// (drawing the cases) no longer pauses the page. Messages are plain objects; see
// wasm/check for the protocol. postMessage talks to a script of this origin and sends
// nothing over the network.

// checkWorker is the page's client of one check worker (check.js running check.wasm).
type checkWorker struct {
	mu      sync.Mutex
	w       js.Value // the Worker, or undefined before the first request and after a stop
	onMsg   js.Func
	onErr   js.Func
	nextID  int
	replies map[int]chan js.Value // by request id
	ref     *drawn                // the last reference images drawn (drawReference)
}

// checker runs the ground-truth checks.
var checker = &checkWorker{replies: map[int]chan js.Value{}}

// imager decodes the image files the user brings (package imagefile, in check.wasm, so
// that main.wasm links no image decoders). It is a worker of its own so that an upload
// never waits behind a running check; it starts on the first upload.
var imager = &checkWorker{replies: map[int]chan js.Value{}}

// call sends msg (an object; call sets its id) to the worker and returns the worker's
// answer, passing progress messages (and a cohort's early "cohort-importance") to
// progress meanwhile. An error message from the
// worker, or its failing to start, becomes an error. When progress returns an error the
// worker is stopped (the next request starts a new one) and call returns that error.
func (c *checkWorker) call(msg js.Value, progress func(js.Value) error) (js.Value, error) {
	c.mu.Lock()
	if err := c.start(); err != nil {
		c.mu.Unlock()
		return js.Undefined(), err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan js.Value, 64)
	c.replies[id] = ch
	w := c.w
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.replies, id)
		c.mu.Unlock()
	}()

	msg.Set("id", id)
	w.Call("postMessage", msg)
	for m := range ch {
		switch m.Get("type").String() {
		case "progress", "cohort-importance":
			if err := progress(m); err != nil {
				c.stop(w)
				return js.Undefined(), err
			}
		case "error":
			return js.Undefined(), errors.New(m.Get("message").String())
		default:
			return m, nil
		}
	}
	return js.Undefined(), errors.New("the check worker stopped")
}

// check is an explainer.CheckFunc: it sends the request to the worker and relays the
// worker's progress to pace until the result arrives. When pace says the check is no
// longer wanted (another model was chosen) the worker is stopped; the next check starts
// a new one.
func (c *checkWorker) check(req explainer.CheckRequest, pace engine.Pace) (engine.TruthCheck, error) {
	msg := js.Global().Get("Object").New()
	msg.Set("name", req.Name)
	msg.Set("model", bytesToJS(req.Model))
	msg.Set("autoencoder", bytesToJS(req.Autoencoder))
	msg.Set("method", req.Method)
	msg.Set("n", req.Options.TruthN)
	msg.Set("seed", strconv.FormatUint(req.Options.TruthSeed, 10)) // beyond 2^53 a JS number would round
	m, err := c.call(msg, func(m js.Value) error {
		if pace == nil {
			return nil
		}
		return pace(engine.Progress{What: m.Get("what").String(), Done: m.Get("done").Int(), Total: m.Get("total").Int()})
	})
	if err != nil {
		return engine.TruthCheck{}, err
	}
	if t := m.Get("type").String(); t != "result" {
		return engine.TruthCheck{}, errors.New("the check worker answered a check with " + strconv.Quote(t))
	}
	var res engine.TruthCheck
	if err := json.Unmarshal([]byte(m.Get("check").String()), &res); err != nil {
		return engine.TruthCheck{}, errors.New("the check worker's answer: " + err.Error())
	}
	return res, nil
}

// decodeImage is a site.ImageDecoder: the worker decodes the file with
// imagefile.DecodeAs to the input's shape.
func (c *checkWorker) decodeImage(data []byte, w site.WindowChoice, shape site.ImageShape) (site.DecodedImage, error) {
	msg := js.Global().Get("Object").New()
	msg.Set("kind", "image")
	msg.Set("data", bytesToJS(data))
	msg.Set("window", string(w))
	msg.Set("size", shape.Size)
	msg.Set("channels", shape.Channels)
	m, err := c.call(msg, func(js.Value) error { return nil })
	if err != nil {
		return site.DecodedImage{}, err
	}
	if t := m.Get("type").String(); t != "image" {
		return site.DecodedImage{}, errors.New("the image worker answered with " + strconv.Quote(t))
	}
	return imageFromJS(m, shape.Pixels())
}

// drawReference is the page's explainer.DrawFunc: the worker draws the reference
// cohort's images (explainer.DrawReference, package phantom, which main.wasm does not
// link), all n at the first call, kept for the slices that follow. The engine asks only
// for a model opened without its reference file (an upload of the paper's layout).
func (c *checkWorker) drawReference(n int, seed uint64, lo, hi int, axial, coronal []float32) error {
	c.mu.Lock()
	have := c.ref
	c.mu.Unlock()
	if have == nil || have.n != n || have.seed != seed {
		msg := js.Global().Get("Object").New()
		msg.Set("kind", "reference")
		msg.Set("n", n)
		msg.Set("seed", strconv.FormatUint(seed, 10)) // beyond 2^53 a JS number would round
		m, err := c.call(msg, func(js.Value) error { return nil })
		if err != nil {
			return err
		}
		if t := m.Get("type").String(); t != "reference" {
			return errors.New("the image worker answered a reference request with " + strconv.Quote(t))
		}
		px := n * 28 * 28
		r := &drawn{n: n, seed: seed}
		for _, v := range []struct {
			key string
			dst *[]float32
		}{{"axial", &r.axial}, {"coronal", &r.coronal}} {
			b := bytesFromJS(m.Get(v.key))
			if len(b) != 4*px {
				return errors.New("the image worker sent " + strconv.Itoa(len(b)) + " bytes of " + v.key + " reference images, want " + strconv.Itoa(4*px))
			}
			*v.dst = make([]float32, px)
			for i := range *v.dst {
				(*v.dst)[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
		}
		c.mu.Lock()
		c.ref = r
		c.mu.Unlock()
		have = r
	}
	const px = 28 * 28
	if lo < 0 || hi > n || lo > hi || len(axial) != (hi-lo)*px || len(coronal) != len(axial) {
		return errors.New("reference images " + strconv.Itoa(lo) + ".." + strconv.Itoa(hi-1) + " of " + strconv.Itoa(n) + " do not fit the buffers given")
	}
	copy(axial, have.axial[lo*px:hi*px])
	copy(coronal, have.coronal[lo*px:hi*px])
	return nil
}

// drawn is the reference cohort's images the worker drew for (n, seed).
type drawn struct {
	n              int
	seed           uint64
	axial, coronal []float32
}

// imageFromJS reads the worker's {pixels, width, height, preview, source, dicom}: the
// n network pixels as little-endian float32 bytes, the preview as width x height grey
// bytes (width 0 for none).
func imageFromJS(m js.Value, n int) (site.DecodedImage, error) {
	px := bytesFromJS(m.Get("pixels"))
	if len(px) != 4*n {
		return site.DecodedImage{}, errors.New("the image worker sent " + strconv.Itoa(len(px)) + " pixel bytes, want " + strconv.Itoa(4*n))
	}
	d := site.DecodedImage{Pixels: make([]float32, n), Source: m.Get("source").String(), DICOM: m.Get("dicom").Bool()}
	for i := range d.Pixels {
		d.Pixels[i] = math.Float32frombits(binary.LittleEndian.Uint32(px[4*i:]))
	}
	if w, h := m.Get("width").Int(), m.Get("height").Int(); w > 0 && h > 0 {
		pix := bytesFromJS(m.Get("preview"))
		if len(pix) != w*h {
			return site.DecodedImage{}, errors.New("the image worker sent a " + strconv.Itoa(w) + "x" + strconv.Itoa(h) + " preview of " + strconv.Itoa(len(pix)) + " bytes")
		}
		d.Preview = &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	return d, nil
}

// start creates the worker when there is none. c.mu is held.
func (c *checkWorker) start() error {
	if c.w.Truthy() {
		return nil
	}
	ctor := js.Global().Get("Worker")
	if !ctor.Truthy() {
		return errors.New("this browser cannot run the check in the background (no Web Workers)")
	}
	if c.onMsg.IsUndefined() {
		// One pair of callbacks for the page's lifetime: never released, never called
		// after a release.
		c.onMsg = js.FuncOf(func(this js.Value, args []js.Value) any {
			d := args[0].Get("data")
			c.deliver(d.Get("id").Int(), d)
			return nil
		})
		c.onErr = js.FuncOf(func(this js.Value, args []js.Value) any {
			msg := "the check worker failed to start"
			if e := args[0]; e.Truthy() && e.Get("message").Truthy() {
				msg += ": " + e.Get("message").String()
			}
			c.fail(msg)
			return nil
		})
	}
	c.w = ctor.New("check.js")
	c.w.Call("addEventListener", "message", c.onMsg)
	c.w.Call("addEventListener", "error", c.onErr)
	return nil
}

// deliver hands a worker message to the check waiting for it. An error message with id
// 0 concerns the worker itself and ends every waiting check.
func (c *checkWorker) deliver(id int, m js.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == 0 {
		for _, ch := range c.replies {
			sendLatest(ch, m)
		}
		c.terminateLocked()
		return
	}
	if ch, ok := c.replies[id]; ok {
		sendLatest(ch, m)
	}
}

// fail ends every waiting check with msg (the worker's script did not load).
func (c *checkWorker) fail(msg string) {
	m := js.Global().Get("Object").New()
	m.Set("type", "error")
	m.Set("message", msg)
	c.deliver(0, m)
}

// sendLatest queues m without blocking the JS callback: a full queue holds only
// progress, so the oldest progress report is dropped to make room.
func sendLatest(ch chan js.Value, m js.Value) {
	for {
		select {
		case ch <- m:
			return
		default:
			select {
			case <-ch:
			default:
			}
		}
	}
}

// stop ends the worker w if it is still the current one.
func (c *checkWorker) stop(w js.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w.Equal(w) {
		c.terminateLocked()
	}
}

func (c *checkWorker) terminateLocked() {
	if c.w.Truthy() {
		c.w.Call("terminate")
	}
	c.w = js.Undefined()
}

func bytesFromJS(v js.Value) []byte {
	if !v.Truthy() {
		return nil
	}
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b
}

func bytesToJS(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}

// cohorter explains the CSVs of cases of cohort mode, in a worker of its own (check.wasm
// again) so that a long cohort never holds up an upload or a check.
var cohorter = &checkWorker{replies: map[int]chan js.Value{}}

// cohort is a site.CohortFunc: the worker reads the files itself (see wasm/check). The
// cohort's importance and table arrive first (ready), the interaction matrix with the
// answer.
func (c *checkWorker) cohort(files vjs.Value, model []byte, method, class string, pace engine.Pace, ready func([]byte) error) ([]byte, error) {
	msg := js.Global().Get("Object").New()
	msg.Set("kind", "cohort")
	msg.Set("files", js.Value(files))
	msg.Set("model", bytesToJS(model))
	msg.Set("method", method)
	msg.Set("class", class)
	msg.Set("seed", "1")
	t0 := time.Now()
	// For the cohort benchmark's breakdown (wasm/cohort_bench_test.go): the time from
	// the request to each answer (the worker's start included) and the worker's own steps.
	debug := func(what string, m js.Value) {
		if ph := m.Get("phases"); ph.Type() == js.TypeString {
			js.Global().Get("console").Call("debug", "fusionlens cohort: "+what+" after "+strconv.FormatInt(time.Since(t0).Milliseconds(), 10)+" ms; worker: "+ph.String())
		}
	}
	m, err := c.call(msg, func(m js.Value) error {
		if m.Get("type").String() == "cohort-importance" {
			debug("importance", m)
			return ready([]byte(m.Get("result").String()))
		}
		return pace(engine.Progress{What: m.Get("what").String(), Done: m.Get("done").Int(), Total: m.Get("total").Int()})
	})
	if err != nil {
		return nil, err
	}
	if t := m.Get("type").String(); t != "cohort" {
		return nil, errors.New("the cohort worker answered with " + strconv.Quote(t))
	}
	debug("answered", m)
	return []byte(m.Get("result").String()), nil
}
