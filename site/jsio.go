package site

import (
	"errors"
	"strconv"

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

// fetchLocal fetches a file of this site (a relative URL) and returns its bytes.
func fetchLocal(url string) ([]byte, error) {
	resp, err := await(js.Global().Call("fetch", url))
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

func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
