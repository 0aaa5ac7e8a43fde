package site

import (
	"errors"
	"strconv"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"
)

// CompareView is the "Compare architectures" tab: it opens a compare.json that
// cmd/compare wrote (the user's file, or the example shipped with the page) and shows,
// per scenario or data set, the architectures side by side in a table and a grouped-bar
// figure, with the warnings first.
type CompareView struct {
	S *State
}

// Init shows the example shipped with the page until the user opens a file.
func (c *CompareView) Init(ctx vugu.InitCtx) {
	s := c.S
	if s.Compare.fetched || s.Compare.Report != nil || s.Fetch == nil || !js.Global().Truthy() {
		return
	}
	s.Compare.fetched = true
	fetch := s.Fetch
	var b []byte
	async(ctx.EventEnv(), "reading the example comparison", func() error {
		var err error
		b, err = fetch(compareExample)
		return err
	}, func(err error) {
		var nf *notFoundError
		if s.Compare.Report != nil || errors.As(err, &nf) {
			return // a file was opened meanwhile, or this build ships no example
		}
		var r *CompareReport
		if err == nil {
			r, err = ParseCompare(b)
		}
		if err != nil {
			s.Compare.Err = "The example comparison could not be read: " + err.Error()
			return
		}
		s.Compare.Report, s.Compare.Source = r, "the example shipped with this page"
	})
}

// OnFile reads the chosen compare.json.
func (c *CompareView) OnFile(e vugu.DOMEvent) {
	s := c.S
	defer catch(&s.Compare.Err, "opening a comparison")
	f, ok := fileFrom(e.JSEventTarget())
	if !ok {
		return
	}
	if f.Size > maxCompareBytes {
		s.Compare.Err = f.Name + " is " + mib(f.Size) + ", above the " + mib(maxCompareBytes) + " the page reads for a comparison"
		return
	}
	s.Compare.Busy, s.Compare.Err = true, ""
	var r *CompareReport
	async(e.EventEnv(), "reading "+f.Name, func() error {
		b, err := f.read()
		if err == nil {
			r, err = ParseCompare(b)
		}
		return err
	}, func(err error) {
		s.Compare.Busy = false
		if err != nil {
			s.Compare.Err = f.Name + ": " + err.Error()
			return
		}
		s.Compare.Report, s.Compare.Source, s.Compare.Err = r, f.Name, ""
	})
	e.JSEventTarget().Set("value", "")
}

func (c *CompareView) summary() string {
	r := c.S.Compare.Report
	s := "Showing " + c.S.Compare.Source + ": " + strconv.Itoa(len(r.Comparisons)) + " comparison(s), " +
		strconv.Itoa(len(r.Seeds)) + " seed(s), up to " + strconv.Itoa(r.Epochs) + " epochs"
	if r.Patience > 0 {
		s += " (patience " + strconv.Itoa(r.Patience) + ")"
	}
	if t := r.Training(); t != "" {
		s += ", trained with " + t
	}
	if r.Quick {
		s += "; a -quick run: a smoke test, not the real figures"
	}
	if r.Command != "" {
		s += ". Made by: " + r.Command
	}
	return s
}
