package site

import (
	"errors"
	"strconv"
	"sync"

	"github.com/vugu/vugu/js"
)

// Browser I/O through github.com/vugu/vugu/js, which compiles natively to placeholders:
// these functions only run in the browser, always off the event handler (they block on
// promises). Files are read locally; fetch only ever asks this page's own origin for its
// own files (the Content-Security-Policy allows nothing else).

// maxFileBytes bounds what the page reads into memory from one file (ctimage refuses
// larger images anyway; a model file is far smaller).
const maxFileBytes = 64 << 20

// fileRef is a File taken from an input or drop event while the event is live.
type fileRef struct {
	v    js.Value
	Name string
	Size int64
}

// fileFrom returns the first file of a FileList-bearing value (an <input type=file>
// target or a DataTransfer), or ok=false when it holds none.
func fileFrom(holder js.Value) (f fileRef, ok bool) {
	if !holder.Truthy() {
		return fileRef{}, false
	}
	files := holder.Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return fileRef{}, false
	}
	v := files.Index(0)
	return fileRef{v: v, Name: v.Get("name").String(), Size: int64(v.Get("size").Float())}, true
}

// read awaits file.arrayBuffer() and copies the bytes into Go.
func (f fileRef) read() ([]byte, error) {
	if f.Size > maxFileBytes {
		return nil, errors.New(f.Name + " is " + mib(f.Size) + ", above the " + mib(maxFileBytes) + " this page reads")
	}
	buf, err := await(f.v.Call("arrayBuffer"))
	if err != nil {
		return nil, errors.New("reading " + f.Name + ": " + err.Error())
	}
	return copyBuffer(buf), nil
}

// fetchLocal fetches a file of this site (a relative URL) and returns its bytes. A
// response loader.js started early (window.fusionlensPrefetched) is taken, once, instead
// of fetching again.
func fetchLocal(url string) ([]byte, error) {
	var pending js.Value
	if pf := js.Global().Get("fusionlensPrefetched"); pf.Truthy() {
		if p := pf.Get(url); p.Truthy() {
			js.Global().Get("Reflect").Call("deleteProperty", pf, url)
			pending = p
		}
	}
	if !pending.Truthy() {
		pending = js.Global().Call("fetch", url)
	}
	resp, err := await(pending)
	if err != nil {
		return nil, errors.New("fetching " + url + ": " + err.Error())
	}
	if st := resp.Get("status").Int(); st == 404 {
		return nil, &notFoundError{url}
	} else if !resp.Get("ok").Bool() {
		return nil, errors.New("fetching " + url + ": HTTP " + strconv.Itoa(st))
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, errors.New("reading " + url + ": " + err.Error())
	}
	return copyBuffer(buf), nil
}

// notFoundError is a 404 for one of the site's optional files.
type notFoundError struct{ url string }

// Error says which file is missing.
func (e *notFoundError) Error() string { return e.url + " is not part of this build" }

func copyBuffer(ab js.Value) []byte {
	u8 := js.Global().Get("Uint8Array").New(ab)
	b := make([]byte, u8.Length())
	js.CopyBytesToGo(b, u8)
	return b
}

// await blocks the calling goroutine until the promise p settles.
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	then := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		var v js.Value
		if len(args) > 0 {
			v = args[0]
		}
		ch <- settled{v: v}
		return nil
	})
	defer then.Release()
	fail := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		msg := "promise rejected"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		ch <- settled{err: errors.New(msg)}
		return nil
	})
	defer fail.Release()
	p.Call("then", then, fail)
	s := <-ch
	return s.v, s.err
}

// now returns performance.now() in milliseconds.
func now() float64 { return js.Global().Get("performance").Call("now").Float() }

// mark records the page reaching a step of its start as performance.mark
// "fusionlens:"+name, for the browser tests' account of the start (BENCHMARKS.md). It
// does nothing outside a browser.
func mark(name string) {
	if p := js.Global().Get("performance"); p.Truthy() {
		p.Call("mark", "fusionlens:"+name)
	}
}

func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// afterPaint blocks until the browser has drawn the page once more (a task after the
// next requestAnimationFrame), so work started after a change shows the change first.
// A hidden page draws no frames, so it waits at most 100 ms. It returns at once outside a
// browser.
func afterPaint() {
	w := js.Global()
	if !w.Truthy() || !w.Get("requestAnimationFrame").Truthy() {
		return
	}
	paint.once.Do(func() {
		// One pair of callbacks for the page's lifetime, so none is ever called after
		// being released; a wake-up with nobody waiting is harmless.
		paint.after = js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			paint.mu.Lock()
			for _, ch := range paint.waiting {
				close(ch)
			}
			paint.waiting = nil
			paint.mu.Unlock()
			return nil
		})
		paint.frame = js.FuncOf(func(this js.Value, args []js.Value) interface{} {
			w.Call("setTimeout", paint.after, 0)
			return nil
		})
	})
	ch := make(chan struct{})
	paint.mu.Lock()
	paint.waiting = append(paint.waiting, ch)
	paint.mu.Unlock()
	w.Call("requestAnimationFrame", paint.frame)
	w.Call("setTimeout", paint.after, 100)
	<-ch
}

var paint struct {
	once         sync.Once
	mu           sync.Mutex
	waiting      []chan struct{}
	after, frame js.Func
}

// saveBytes offers data to the user as a download named name, through a blob: URL: the
// bytes go from this page to the user's disk and nowhere else.
func saveBytes(name, mime string, data []byte) error {
	w := js.Global()
	if !w.Truthy() {
		return errors.New("saving needs a browser")
	}
	u8 := w.Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u8, data)
	parts := w.Get("Array").New()
	parts.Call("push", u8)
	opts := w.Get("Object").New()
	opts.Set("type", mime)
	saveBlob(name, w.Get("Blob").New(parts, opts))
	return nil
}

// saveBlob clicks a temporary <a download> pointing at blob, and revokes the URL a minute
// later (the download has long started by then).
func saveBlob(name string, blob js.Value) {
	w := js.Global()
	url := w.Get("URL").Call("createObjectURL", blob)
	doc := w.Get("document")
	a := doc.Call("createElement", "a")
	// Call, not Set: vugu's js.Value.Set cannot pass a js.Value.
	a.Call("setAttribute", "href", url)
	a.Call("setAttribute", "download", name)
	a.Call("setAttribute", "rel", "noopener")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	revoke := w.Get("URL").Get("revokeObjectURL").Call("bind", w.Get("URL"), url)
	w.Call("setTimeout", revoke, 60000)
}

// savePNG draws the SVG document on a canvas at scale and saves it as PNG. It blocks
// (image decoding and PNG encoding are promises): call it off the event handler.
func savePNG(name, svg string, scale float64) error {
	w := js.Global()
	if !w.Truthy() {
		return errors.New("saving needs a browser")
	}
	parts := w.Get("Array").New()
	parts.Call("push", svg)
	opts := w.Get("Object").New()
	opts.Set("type", "image/svg+xml")
	url := w.Get("URL").Call("createObjectURL", w.Get("Blob").New(parts, opts))
	defer w.Get("URL").Call("revokeObjectURL", url)
	img := w.Get("Image").New()
	img.Call("setAttribute", "src", url)
	if _, err := await(img.Call("decode")); err != nil {
		return errors.New("drawing the chart: " + err.Error())
	}
	cw, ch := img.Get("naturalWidth").Float()*scale, img.Get("naturalHeight").Float()*scale
	if !w.Get("OffscreenCanvas").Truthy() {
		return errors.New("this browser cannot draw a PNG here (no OffscreenCanvas); save the SVG instead")
	}
	canvas := w.Get("OffscreenCanvas").New(int(cw), int(ch))
	ctx := canvas.Call("getContext", "2d")
	ctx.Call("scale", scale, scale)
	ctx.Call("drawImage", img, 0, 0)
	blob, err := await(canvas.Call("convertToBlob"))
	if err != nil {
		return errors.New("encoding the PNG: " + err.Error())
	}
	saveBlob(name, blob)
	return nil
}
