//go:build js && wasm

// Command check is the ground-truth check's Web Worker program (check.wasm, started by
// check.js): it runs package truthcheck off the page's thread, so the page's main.wasm
// links none of the check's packages and stays responsive while the check draws its
// cases.
//
// Protocol (plain objects through postMessage, nothing over the network). The page
// sends {id, name, model: Uint8Array, autoencoder: Uint8Array, method, n, seed: decimal
// string}; the worker answers with any number of {id, type: "progress", what, done,
// total}, then {id, type: "result", check: JSON of site.TruthCheck} or {id, type:
// "error", message}. Requests are answered one at a time, in order. The worker keeps the
// Checker of the last model (the same bytes, n and seed), so a check of another method
// reuses the cases already drawn.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/explainer/truthcheck"
	"github.com/fusionlens/fusionlens/site"
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
	onMessage := js.FuncOf(func(this js.Value, args []js.Value) any {
		d := args[0]
		id := d.Get("id").Int()
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
		pace := func(p site.Progress) error {
			// A new step is said at once (the next may be one long step); within a step
			// at most every progressEvery, and its end.
			if now := time.Now(); p.What != what || now.Sub(t) >= progressEvery || (p.Total > 0 && p.Done == p.Total) {
				t, what = now, p.What
				post(r.id, "progress", "what", p.What, "done", p.Done, "total", p.Total)
			}
			return nil
		}
		res, err := safely(func() (site.TruthCheck, error) { return last.Check(r.autoencoder, r.method, pace) })
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
