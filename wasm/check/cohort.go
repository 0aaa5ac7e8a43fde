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

// cohortProgressEvery is the least time between two progress messages within a step of
// a cohort: each one re-renders the page, which shares the machine with this worker.
const cohortProgressEvery = 500 * time.Millisecond

// maxCohortBytes bounds the files of one cohort request together.
const maxCohortBytes = 1 << 30

// explainCohorts answers cohort requests (see the package documentation), in order.
func explainCohorts(reqs <-chan js.Value) {
	for d := range reqs {
		id := d.Get("id").Int()
		ph := &phases{start: time.Now()}
		res, err := safely(func() (*cases.Result, error) { return explainCohort(id, d, ph) })
		if err != nil {
			post(id, "error", "message", err.Error())
			continue
		}
		ph.mark("json")
		b, err := json.Marshal(res)
		if err != nil {
			post(id, "error", "message", err.Error())
			continue
		}
		ph.mark("post")
		post(id, "cohort", "result", string(b), "phases", ph.String())
	}
}

// explainCohort reads the request's files and explains the CSV's cases.
func explainCohort(id int, d js.Value, ph *phases) (*cases.Result, error) {
	ph.mark("read files")
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
		zipData []byte
	)
	n := files.Length()
	var last time.Time
	// The files are read in chunks, each chunk's arrayBuffer promises awaited together
	// (the browser reads them in parallel, and the program waits once per chunk instead
	// of once per file).
	for lo := 0; lo < n; {
		var chunk []js.Value
		var names []string
		var bytes int64
		for hi := lo; hi < n && len(chunk) < readChunkFiles && (len(chunk) == 0 || bytes < readChunkBytes); hi++ {
			f := files.Index(hi)
			name := f.Get("name").String()
			if rp := f.Get("webkitRelativePath"); rp.Type() == js.TypeString && rp.String() != "" {
				name = rp.String()
			}
			size := int64(f.Get("size").Float())
			if total += size; total > maxCohortBytes {
				return nil, errors.New("the chosen files are larger than 1 GiB together; choose fewer cases")
			}
			chunk, names, bytes = append(chunk, f), append(names, name), bytes+size
		}
		data, err := readBlobs(chunk)
		if err != nil {
			return nil, err
		}
		for i, name := range names {
			if strings.HasSuffix(strings.ToLower(name), ".zip") || casefile.IsZip(data[i]) {
				if n != 1 {
					return nil, errors.New("a zip (" + strconv.Quote(name) + ") was chosen with other files: choose the zip alone, holding the CSV and its images")
				}
				zipData = data[i]
				continue
			}
			if strings.HasSuffix(strings.ToLower(name), ".csv") {
				if csv != nil {
					return nil, errors.New("two CSV files were chosen (" + strconv.Quote(csvName) + " and " + strconv.Quote(name) + "): choose one CSV with its images")
				}
				csv, csvName = data[i], name
				continue
			}
			u.Add(name, data[i])
		}
		lo += len(chunk)
		if now := time.Now(); now.Sub(last) >= cohortProgressEvery || lo == n {
			last = now
			post(id, "progress", "what", "read the chosen files", "done", lo, "total", n)
		}
	}
	var tab *casefile.Table
	switch {
	case zipData != nil:
		ph.mark("parse CSV")
		if tab, err = casefile.ReadZip(zipData, casefile.Limits{}, casefile.ZipLimits{MaxBytes: maxCohortBytes}); err != nil {
			return nil, err
		}
	case csv == nil:
		return nil, errors.New("no CSV file among the chosen files: choose the CSV of cases together with its image files, or one zip holding both")
	default:
		ph.mark("parse CSV")
		if tab, err = casefile.Parse(csv, "", casefile.Limits{}); err != nil {
			return nil, err
		}
		tab.Files = &u
	}
	var t time.Time
	var what string
	return cases.Explain(net, tab, cases.Options{Method: d.Get("method").String(), Class: d.Get("class").String(), Seed: seed, Interactions: true,
		Ready: func(r *cases.Result) error {
			// The importance and the table go to the page now; the matrix follows.
			ph.mark("json of the importance")
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			post(id, "cohort-importance", "result", string(b), "phases", ph.String())
			return nil
		},
		Progress: func(w string, done, total int) error {
			ph.mark(w)
			if now := time.Now(); w != what || now.Sub(t) >= cohortProgressEvery || done == total {
				t, what = now, w
				post(id, "progress", "what", w, "done", done, "total", total)
			}
			return nil
		}})
}

// A chunk of files read together holds at most readChunkFiles files, and more than
// readChunkBytes bytes only when one file is larger.
const (
	readChunkFiles = 256
	readChunkBytes = 32 << 20
)

// readBlobs awaits the arrayBuffer() of every blob together (Promise.all) and copies the
// bytes into Go. An error names the blob that failed.
func readBlobs(blobs []js.Value) ([][]byte, error) {
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
	promises := make([]any, len(blobs))
	for i, b := range blobs {
		promises[i] = b.Call("arrayBuffer")
	}
	js.Global().Get("Promise").Call("all", js.ValueOf(promises)).Call("then", then, catch)
	r := <-ch
	if r.err != nil {
		return nil, errors.New("reading the chosen files: " + r.err.Error())
	}
	out := make([][]byte, len(blobs))
	u8 := js.Global().Get("Uint8Array")
	for i := range blobs {
		out[i] = bytesFromJS(u8.New(r.v.Index(i)))
	}
	return out, nil
}

// phases times the steps of one cohort request, for the benchmark's breakdown (the page
// logs them on its console at debug level).
type phases struct {
	start, at time.Time
	names     []string
	took      []time.Duration
}

// mark ends the current step and starts what (nothing when what is already running).
func (p *phases) mark(what string) {
	now := time.Now()
	if n := len(p.names); n > 0 {
		if p.names[n-1] == what {
			return
		}
		p.took[n-1] = now.Sub(p.at)
	}
	p.names, p.took, p.at = append(p.names, what), append(p.took, 0), now
}

// String ends the current step and lists the steps with their milliseconds.
func (p *phases) String() string {
	now := time.Now()
	if n := len(p.names); n > 0 {
		p.took[n-1] = now.Sub(p.at)
	}
	var b strings.Builder
	for i, n := range p.names {
		b.WriteString(n + " " + strconv.FormatInt(p.took[i].Milliseconds(), 10) + " ms; ")
	}
	b.WriteString("total " + strconv.FormatInt(now.Sub(p.start).Milliseconds(), 10) + " ms")
	return b.String()
}
