//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/site"
)

// The ground-truth check runs in a Web Worker (check.js starting check.wasm, built from
// ./wasm/check): its packages (cohort, latent and what they need) stay out of main.wasm,
// it is only downloaded when the user first asks for a check, and its one long step
// (drawing the cases) no longer pauses the page. Messages are plain objects; see
// wasm/check for the protocol. postMessage talks to a script of this origin and sends
// nothing over the network.

// checkWorker is the page's client of the check worker.
type checkWorker struct {
	mu      sync.Mutex
	w       js.Value // the Worker, or undefined before the first check and after a stop
	onMsg   js.Func
	onErr   js.Func
	nextID  int
	replies map[int]chan js.Value // by request id
}

var checker = &checkWorker{replies: map[int]chan js.Value{}}

// check is an explainer.CheckFunc: it sends the request to the worker and relays the
// worker's progress to pace until the result arrives. When pace says the check is no
// longer wanted (another model was chosen) the worker is stopped; the next check starts
// a new one.
func (c *checkWorker) check(req explainer.CheckRequest, pace site.Pace) (site.TruthCheck, error) {
	c.mu.Lock()
	if err := c.start(); err != nil {
		c.mu.Unlock()
		return site.TruthCheck{}, err
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

	msg := js.Global().Get("Object").New()
	msg.Set("id", id)
	msg.Set("name", req.Name)
	msg.Set("model", bytesToJS(req.Model))
	msg.Set("autoencoder", bytesToJS(req.Autoencoder))
	msg.Set("method", req.Method)
	msg.Set("n", req.Options.TruthN)
	msg.Set("seed", strconv.FormatUint(req.Options.TruthSeed, 10)) // beyond 2^53 a JS number would round
	w.Call("postMessage", msg)

	for m := range ch {
		switch m.Get("type").String() {
		case "progress":
			p := site.Progress{What: m.Get("what").String(), Done: m.Get("done").Int(), Total: m.Get("total").Int()}
			if pace == nil {
				continue
			}
			if err := pace(p); err != nil {
				c.stop(w)
				return site.TruthCheck{}, err
			}
		case "result":
			var res site.TruthCheck
			if err := json.Unmarshal([]byte(m.Get("check").String()), &res); err != nil {
				return site.TruthCheck{}, errors.New("the check worker's answer: " + err.Error())
			}
			return res, nil
		default:
			return site.TruthCheck{}, errors.New(m.Get("message").String())
		}
	}
	return site.TruthCheck{}, errors.New("the check worker stopped")
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

func bytesToJS(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}
