package site

import (
	"errors"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"
)

// Root is the page: header, the inputs column, the results column and the validation
// section.
type Root struct {
	S     *State // the page's state, shared with every child component
	Crash string // set by the wasm entry after a render failure, shown as a banner
}

// Init starts fetching the site's own lists: the shipped models, then (later, see
// State.wantValidation) the validation results.
func (c *Root) Init(ctx vugu.InitCtx) {
	ee := ctx.EventEnv()
	c.S.env = ee
	if !js.Global().Truthy() {
		return // rendered natively (tests): no browser to fetch from
	}
	c.S.clock = now
	c.S.Fetch = fetchLocal
	// The default model (the list's first) and its reference file are read with the list,
	// so that it opens with no render between (loader.js has usually fetched them all
	// already); the first render says it is on its way.
	c.S.ModelBusy = c.S.Opener != nil
	var index, data, ref, examples []byte
	var dataErr, examplesErr error
	var idx State // the list, read once off the render lock
	async(ee, "reading the model list", func() error {
		// The example cases (a few kB, fetched by loader.js at once) are taken after the
		// model, which the first explanation waits for longer, and whatever the list.
		defer func() { examples, examplesErr = fetchLocal(ExamplesURL) }()
		var err error
		if index, err = fetchLocal("models/index.json"); err != nil {
			return err
		}
		if err := idx.SetModelIndex(index); err != nil {
			return err
		}
		if len(idx.Models) > 0 {
			first := idx.Models[0]
			data, dataErr = fetchLocal(first.File)
			if dataErr == nil && first.Reference != "" {
				// Without its reference file the model still opens: the engine then
				// encodes the reference cohort itself.
				if ref, err = fetchLocal(first.Reference); err != nil {
					ref = nil
				}
			}
		}
		return nil
	}, func(err error) {
		mark("model list")
		c.S.ModelBusy = false
		if examplesErr == nil {
			examplesErr = c.S.SetExamples(examples)
		}
		if examplesErr != nil {
			c.S.examplesErr = examplesErr.Error()
			if c.S.exampleWanted {
				c.S.exampleWanted = false
				c.S.LoadExample()
			}
		}
		if err == nil {
			c.S.setModels(idx.Models, idx.Autoencoder)
		}
		if err != nil {
			c.S.ModelErr = "Could not list the shipped models: " + err.Error()
			return
		}
		// Open the first shipped model, so the example case explains at once.
		switch {
		case c.S.ModelID != "" || len(c.S.Models) == 0 || c.S.Opener == nil:
			if c.S.Engine == nil {
				c.S.wantValidation() // no model to wait for
			}
		case dataErr != nil:
			c.S.ModelErr = dataErr.Error()
		case data == nil:
			c.S.loadChoice(ee, c.S.Models[0])
		default:
			mark("model fetched")
			c.S.openModel(c.S.Models[0], data, ref)
		}
	})
	// The validation results are read later (State.wantValidation): nothing of them is
	// needed for the first explanation.
	c.S.loadValidation = func() {
		var report []byte
		async(ee, "reading the validation results", func() error {
			var err error
			report, err = fetchLocal("models/validation.json")
			return err
		}, func(err error) {
			mark("validation results")
			c.S.ValidationLoading = false
			var nf *notFoundError
			switch {
			case errors.As(err, &nf):
				// No results shipped: the section says so without calling it an error.
			case err == nil:
				if err := c.S.SetValidation(report); err != nil {
					c.S.ValidationErr = err.Error()
				}
			default:
				c.S.ValidationErr = err.Error()
			}
		})
	}
}

func (c *Root) tabClass(tab string) string {
	if c.S.Tab == tab {
		return "tab active"
	}
	return "tab"
}

// OnTab switches between the explainer, the validation section and the comparison of
// architectures.
func (c *Root) OnTab(tab string) { c.S.Tab = tab }

// OnExample loads the synthetic example case.
func (c *Root) OnExample(e vugu.DOMEvent) {
	defer catch(&c.S.ExampleErr, "loading the example case")
	c.S.LoadExample()
}

func (c *Root) current(tab string) interface{} {
	if c.S.Tab == tab {
		return "page"
	}
	return nil
}

func (c *Root) imagesTitle() string {
	if c.S.General {
		return "Images"
	}
	return "CT images"
}

// ariaTrue gives an ARIA state attribute the value "true", or removes it.
func ariaTrue(on bool) interface{} {
	if on {
		return "true"
	}
	return nil
}
