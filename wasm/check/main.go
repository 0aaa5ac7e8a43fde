//go:build js && wasm

// Command check is the ground-truth check's Web Worker program (check.wasm, started by
// check.js): it runs package truthcheck off the page's thread, so the page's main.wasm
// links none of the check's packages and stays responsive while the check draws its
// cases. It also decodes the image files the user brings (package imagefile), which keeps
// the image decoders out of main.wasm; the page runs a second worker for that.
//
// Protocol (plain objects through postMessage, nothing over the network). The page
// sends {id, name, model: Uint8Array, autoencoder: Uint8Array, method, n, seed: decimal
// string}; the worker answers with any number of {id, type: "progress", what, done,
// total}, then {id, type: "result", check: JSON of engine.TruthCheck} or {id, type:
// "error", message}. Requests are answered one at a time, in order. The worker keeps the
// Checker of the last model (the same bytes, n and seed), so a check of another method
// reuses the cases already drawn.
//
// An image request is {id, kind: "image", data: Uint8Array, window, size, channels} (size
// and channels of the model's image input; absent: the paper's 28 and 1); the answer is
// {id, type: "image", pixels: Uint8Array (the channels x size x size network pixels as
// little-endian float32, channel-major),
// width, height, preview: Uint8Array (width x height grey bytes; width 0 for none),
// source, dicom} or {id, type: "error", message}. Image requests are answered in order
// too, on their own goroutine: they do not wait for a check's next pause, but share the
// program's one thread with it.
//
// A reference request is {id, kind: "reference", n, seed: decimal string}: the answer is
// {id, type: "reference", axial: Uint8Array, coronal: Uint8Array} (the n images of each
// view of explainer.ReferenceCases(n, seed), little-endian float32), for a model the
// page opened without its reference file; or {id, type: "error", message}.
//
// A cohort request (cohort mode: a CSV of the user's cases with its image files) is {id,
// kind: "cohort", model: Uint8Array, files: [File, ...] (exactly one .csv and the image
// files its rows name, matched by casefile.Uploads; or one .zip holding the CSV and its
// images, read by casefile.ReadZip), method, class, seed: decimal string}; the worker
// reads the files itself (the page's program never copies them), answers with progress
// messages, {id, type: "cohort-importance", result: JSON of cases.Result without the
// interactions, phases} as soon as the cohort's importance and every case are explained,
// more progress messages while the cohort's modality interactions are computed, and then
// {id, type: "cohort", result: JSON of cases.Result with the cohort's modality
// interactions, phases: the steps' times} or {id, type: "error", message}
// (casefile's errors name the row and the column). The page runs cohort requests in a
// worker of their own.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"syscall/js"
	"time"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/explainer/truthcheck"
	"github.com/fusionlens/fusionlens/site/imagefile"
)

// request is one check the page asked for.
type request struct {
	id                 int
	name, method       string
	model, autoencoder []byte
	n                  int
	seed               uint64
}

// progressEvery is the least time between two progress messages.
const progressEvery = 100 * time.Millisecond

func main() {
	reqs := make(chan request, 16)
	images := make(chan imageRequest, 16)
	go decodeImages(images)
	cohorts := make(chan js.Value, 4)
	go explainCohorts(cohorts)
	onMessage := js.FuncOf(func(this js.Value, args []js.Value) any {
		d := args[0]
		id := d.Get("id").Int()
		if d.Get("kind").String() == "cohort" {
			cohorts <- d
			return nil
		}
		if d.Get("kind").String() == "reference" {
			seed, err := strconv.ParseUint(d.Get("seed").String(), 10, 64)
			if err != nil {
				post(id, "error", "message", "reference request: seed "+strconv.Quote(d.Get("seed").String())+" is not a number")
				return nil
			}
			images <- imageRequest{id: id, reference: true, n: d.Get("n").Int(), seed: seed}
			return nil
		}
		if d.Get("kind").String() == "image" {
			r := imageRequest{id: id, data: bytesFromJS(d.Get("data")), window: d.Get("window").String(), size: 28, channels: 1}
			if v := d.Get("size"); v.Type() == js.TypeNumber {
				r.size = v.Int()
			}
			if v := d.Get("channels"); v.Type() == js.TypeNumber {
				r.channels = v.Int()
			}
			images <- r
			return nil
		}
		seed, err := strconv.ParseUint(d.Get("seed").String(), 10, 64)
		if err != nil {
			post(id, "error", "message", "check request: seed "+strconv.Quote(d.Get("seed").String())+" is not a number")
			return nil
		}
		reqs <- request{id: id, name: d.Get("name").String(), method: d.Get("method").String(),
			model: bytesFromJS(d.Get("model")), autoencoder: bytesFromJS(d.Get("autoencoder")),
			n: d.Get("n").Int(), seed: seed}
		return nil
	})
	js.Global().Call("fusionlensCheckServe", onMessage)
	var (
		last      *truthcheck.Checker
		lastModel []byte
		lastN     int
		lastSeed  uint64
	)
	for r := range reqs {
		if last == nil || !bytes.Equal(r.model, lastModel) || r.n != lastN || r.seed != lastSeed {
			last = nil
			c, err := safely(func() (*truthcheck.Checker, error) {
				return truthcheck.New(r.name, r.model, explainer.Options{TruthN: r.n, TruthSeed: r.seed})
			})
			if err != nil {
				post(r.id, "error", "message", err.Error())
				continue
			}
			last, lastModel, lastN, lastSeed = c, r.model, r.n, r.seed
		}
		var t time.Time
		var what string
		pace := func(p engine.Progress) error {
			// A new step is said at once (the next may be one long step); within a step
			// at most every progressEvery, and its end.
			if now := time.Now(); p.What != what || now.Sub(t) >= progressEvery || (p.Total > 0 && p.Done == p.Total) {
				t, what = now, p.What
				post(r.id, "progress", "what", p.What, "done", p.Done, "total", p.Total)
			}
			return nil
		}
		res, err := safely(func() (engine.TruthCheck, error) { return last.Check(r.autoencoder, r.method, pace) })
		if err != nil {
			post(r.id, "error", "message", err.Error())
			continue
		}
		b, err := json.Marshal(res)
		if err != nil {
			post(r.id, "error", "message", err.Error())
			continue
		}
		post(r.id, "result", "check", string(b))
	}
}

// imageRequest is one image file to decode.
type imageRequest struct {
	id     int
	data   []byte
	window string
	size   int // side of the model's image input
	// channels of the model's image input: 1 grey, 3 RGB
	channels int
	// reference asks for the reference cohort's images instead: n cases from seed.
	reference bool
	n         int
	seed      uint64
}

// decodeImages answers image requests (see the package documentation).
func decodeImages(reqs <-chan imageRequest) {
	for r := range reqs {
		if r.reference {
			drawReference(r)
			continue
		}
		img, err := safely(func() (imagefile.Image, error) { return imagefile.DecodeAs(r.data, r.window, r.size, r.channels) })
		if err != nil {
			post(r.id, "error", "message", err.Error())
			continue
		}
		px := make([]byte, 4*len(img.Pixels))
		for i, v := range img.Pixels {
			binary.LittleEndian.PutUint32(px[4*i:], math.Float32bits(v))
		}
		var w, h int
		var preview []byte
		if p := img.Preview; p != nil {
			w, h = p.Rect.Dx(), p.Rect.Dy()
			preview = make([]byte, 0, w*h)
			for y := p.Rect.Min.Y; y < p.Rect.Max.Y; y++ {
				i := p.PixOffset(p.Rect.Min.X, y)
				preview = append(preview, p.Pix[i:i+w]...)
			}
		}
		post(r.id, "image", "pixels", bytesToJS(px), "width", w, "height", h, "preview", bytesToJS(preview),
			"source", img.Source, "dicom", img.DICOM)
	}
}

// drawReference answers a reference request: the n images of each view of
// explainer.ReferenceCases(n, seed) as little-endian float32 bytes.
func drawReference(r imageRequest) {
	const maxN = 10000
	if r.n < 1 || r.n > maxN {
		post(r.id, "error", "message", "reference request: "+strconv.Itoa(r.n)+" cases; want 1 to "+strconv.Itoa(maxN))
		return
	}
	px := r.n * 28 * 28
	ax, co := make([]float32, px), make([]float32, px)
	if _, err := safely(func() (struct{}, error) { return struct{}{}, explainer.DrawReference(r.n, r.seed, 0, r.n, ax, co) }); err != nil {
		post(r.id, "error", "message", err.Error())
		return
	}
	post(r.id, "reference", "axial", bytesToJS(float32Bytes(ax)), "coronal", bytesToJS(float32Bytes(co)))
}

// float32Bytes returns v as little-endian float32 bytes.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesToJS(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}

// post sends {id, type, key: value, ...} to the page.
func post(id int, typ string, kv ...any) {
	m := js.Global().Get("Object").New()
	m.Set("id", id)
	m.Set("type", typ)
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	js.Global().Call("postMessage", m)
}

// safely runs f, turning a panic into an error: a panic would end the worker's program
// and leave later checks unanswered.
func safely[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in the ground-truth check: %v", p)
		}
	}()
	return f()
}

func bytesFromJS(v js.Value) []byte {
	if !v.Truthy() {
		return nil
	}
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b
}
