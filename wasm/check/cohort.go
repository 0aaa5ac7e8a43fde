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

// matrixBackground is the most background cases of the page's cohort interaction
// matrix: half of cmd/explain's 200, for half the matrix's time (the longest step of a
// cohort in the page), with the standard error that sample brings in the answer and on
// the page (BENCHMARKS.md, "Cohort mode in the page": on 1,000 cases of the paper's
// network the strongest pair stays, and every pair's index stays within two standard
// errors of its value at 200).
const matrixBackground = 100

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
	// The files are read in chunks: each chunk's files joined into one Blob whose
	// arrayBuffer() the browser reads at once (one promise and one copy into Go per
	// chunk instead of one per file), with the next chunk's read in flight while this
	// one is sorted, so at most readAhead chunks are held at a time.
	type chunk struct {
		files []js.Value
		names []string
		sizes []int64
	}
	var chunks []chunk
	for lo := 0; lo < n; {
		var c chunk
		var bytes int64
		for hi := lo; hi < n && len(c.files) < readChunkFiles && (len(c.files) == 0 || bytes < readChunkBytes); hi++ {
			f := files.Index(hi)
			name := f.Get("name").String()
			if rp := f.Get("webkitRelativePath"); rp.Type() == js.TypeString && rp.String() != "" {
				name = rp.String()
			}
			size := int64(f.Get("size").Float())
			if total += size; total > maxCohortBytes {
				return nil, errors.New("the chosen files are larger than 1 GiB together; choose fewer cases")
			}
			c.files, c.names, c.sizes, bytes = append(c.files, f), append(c.names, name), append(c.sizes, size), bytes+size
		}
		chunks = append(chunks, c)
		lo += len(c.files)
	}
	reads := make([]*blobRead, len(chunks))
	defer func() {
		for _, r := range reads {
			if r != nil {
				r.wait(nil, nil) // a read still in flight ends before its callbacks go
			}
		}
	}()
	for i := range min(readAhead, len(chunks)) {
		reads[i] = startRead(chunks[i].files)
	}
	var last time.Time
	done := 0
	for ci, c := range chunks {
		data, err := reads[ci].wait(c.files, c.sizes)
		reads[ci] = nil
		if next := ci + readAhead; next < len(chunks) {
			reads[next] = startRead(chunks[next].files)
		}
		if err != nil {
			return nil, err
		}
		for i, name := range c.names {
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
		done += len(c.files)
		if now := time.Now(); now.Sub(last) >= cohortProgressEvery || done == n {
			last = now
			post(id, "progress", "what", "read the chosen files", "done", done, "total", n)
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
	return cases.Explain(net, tab, cases.Options{Method: d.Get("method").String(), Class: d.Get("class").String(), Seed: seed,
		Interactions: true, InteractionBackground: matrixBackground,
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
// readChunkBytes bytes only when one file is larger; readAhead chunks are read at once.
const (
	readChunkFiles = 256
	readChunkBytes = 32 << 20
	readAhead      = 2
)

// blobRead is one chunk's read in flight: new Blob(files).arrayBuffer().
type blobRead struct {
	ch          chan readResult
	then, catch js.Func
}

type readResult struct {
	v   js.Value
	err error
}

// startRead starts reading the blobs joined into one.
func startRead(blobs []js.Value) *blobRead {
	r := &blobRead{ch: make(chan readResult, 1)}
	r.then = js.FuncOf(func(this js.Value, args []js.Value) any { r.ch <- readResult{v: args[0]}; return nil })
	r.catch = js.FuncOf(func(this js.Value, args []js.Value) any {
		r.ch <- readResult{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	parts := make([]any, len(blobs))
	for i, b := range blobs {
		parts[i] = b
	}
	js.Global().Get("Blob").New(js.ValueOf(parts)).Call("arrayBuffer").Call("then", r.then, r.catch)
	return r
}

// wait waits for the read and splits its bytes into the blobs of the given sizes. When
// the joined read fails, the blobs are read one by one (readBlobs) so that the error
// names the one that failed. With no blobs it only waits.
func (r *blobRead) wait(blobs []js.Value, sizes []int64) ([][]byte, error) {
	res := <-r.ch
	r.then.Release()
	r.catch.Release()
	if blobs == nil {
		return nil, nil
	}
	if res.err != nil {
		return readBlobs(blobs)
	}
	all := bytesFromJS(js.Global().Get("Uint8Array").New(res.v))
	var want int64
	for _, s := range sizes {
		want += s
	}
	if int64(len(all)) != want {
		return nil, errors.New("reading the chosen files: read " + strconv.Itoa(len(all)) + " bytes of " + strconv.Itoa(len(blobs)) + " files of " + strconv.FormatInt(want, 10) + " bytes together; did a file change?")
	}
	out := make([][]byte, len(blobs))
	for i, s := range sizes {
		out[i], all = all[:s:s], all[s:]
	}
	return out, nil
}

// readBlobs awaits the arrayBuffer() of every blob together (Promise.all) and copies the
// bytes into Go, each file failing on its own. An error names the blob that failed.
func readBlobs(blobs []js.Value) ([][]byte, error) {
	out := make([][]byte, len(blobs))
	u8 := js.Global().Get("Uint8Array")
	for i, b := range blobs {
		ch := make(chan readResult, 1)
		then := js.FuncOf(func(this js.Value, args []js.Value) any { ch <- readResult{v: args[0]}; return nil })
		catch := js.FuncOf(func(this js.Value, args []js.Value) any {
			ch <- readResult{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
			return nil
		})
		b.Call("arrayBuffer").Call("then", then, catch)
		r := <-ch
		then.Release()
		catch.Release()
		if r.err != nil {
			return nil, errors.New("reading the chosen file " + strconv.Quote(b.Get("name").String()) + ": " + r.err.Error())
		}
		out[i] = bytesFromJS(u8.New(r.v))
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
