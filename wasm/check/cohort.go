//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/explainer/cases"
	"github.com/fusionlens/fusionlens/fusion"
)

// maxCohortBytes bounds the files of one cohort request together.
const maxCohortBytes = 1 << 30

// explainCohorts answers cohort requests (see the package documentation), in order.
func explainCohorts(reqs <-chan js.Value) {
	for d := range reqs {
		id := d.Get("id").Int()
		res, err := safely(func() (*cases.Result, error) { return explainCohort(id, d) })
		if err != nil {
			post(id, "error", "message", err.Error())
			continue
		}
		b, err := json.Marshal(res)
		if err != nil {
			post(id, "error", "message", err.Error())
			continue
		}
		post(id, "cohort", "result", string(b))
	}
}

// explainCohort reads the request's files and explains the CSV's cases.
func explainCohort(id int, d js.Value) (*cases.Result, error) {
	net, _, err := fusion.LoadBytes(bytesFromJS(d.Get("model")))
	if err != nil {
		return nil, err
	}
	seed, err := strconv.ParseUint(d.Get("seed").String(), 10, 64)
	if err != nil {
		return nil, errors.New("cohort request: seed " + strconv.Quote(d.Get("seed").String()) + " is not a number")
	}
	files := d.Get("files")
	var (
		csv     []byte
		csvName string
		u       casefile.Uploads
		total   int64
	)
	n := files.Length()
	var last time.Time
	for i := range n {
		f := files.Index(i)
		name := f.Get("name").String()
		if rp := f.Get("webkitRelativePath"); rp.Type() == js.TypeString && rp.String() != "" {
			name = rp.String()
		}
		if total += int64(f.Get("size").Float()); total > maxCohortBytes {
			return nil, errors.New("the chosen files are larger than 1 GiB together; choose fewer cases")
		}
		data, err := readBlob(f)
		if err != nil {
			return nil, errors.New("reading " + strconv.Quote(name) + ": " + err.Error())
		}
		if strings.HasSuffix(strings.ToLower(name), ".csv") {
			if csv != nil {
				return nil, errors.New("two CSV files were chosen (" + strconv.Quote(csvName) + " and " + strconv.Quote(name) + "): choose one CSV with its images")
			}
			csv, csvName = data, name
			continue
		}
		u.Add(name, data)
		if now := time.Now(); now.Sub(last) >= progressEvery || i+1 == n {
			last = now
			post(id, "progress", "what", "read the chosen files", "done", i+1, "total", n)
		}
	}
	if csv == nil {
		return nil, errors.New("no CSV file among the chosen files: choose the CSV of cases together with its image files")
	}
	tab, err := casefile.Parse(csv, "", casefile.Limits{})
	if err != nil {
		return nil, err
	}
	tab.Files = &u
	var t time.Time
	var what string
	return cases.Explain(net, tab, cases.Options{Method: d.Get("method").String(), Class: d.Get("class").String(), Seed: seed,
		Progress: func(w string, done, total int) error {
			if now := time.Now(); w != what || now.Sub(t) >= progressEvery || done == total {
				t, what = now, w
				post(id, "progress", "what", w, "done", done, "total", total)
			}
			return nil
		}})
}

// readBlob awaits blob.arrayBuffer() and copies the bytes into Go.
func readBlob(b js.Value) ([]byte, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(this js.Value, args []js.Value) any { ch <- result{v: args[0]}; return nil })
	catch := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	b.Call("arrayBuffer").Call("then", then, catch)
	r := <-ch
	if r.err != nil {
		return nil, r.err
	}
	return bytesFromJS(js.Global().Get("Uint8Array").New(r.v)), nil
}
