package site

import (
	"strconv"
	"strings"

	"github.com/vugu/vugu"

	"github.com/fusionlens/fusionlens/engine"
)

// ModelPanel chooses the model (shipped or opened from a file) and the attribution
// method.
type ModelPanel struct {
	S *State
}

func (c *ModelPanel) noneLabel() string {
	if len(c.S.Models) == 0 {
		return "No shipped models in this build"
	}
	return "Choose a model"
}

func (c *ModelPanel) methods() []engine.Method {
	if c.S.Engine == nil {
		return nil
	}
	return c.S.Engine.Methods()
}

func (c *ModelPanel) methodHelp() string {
	if m, ok := c.S.Method(); ok {
		return c.S.classGeneric(m.Description)
	}
	return "Importance methods measure how much each input drove the prediction, at the layer where the inputs are fused."
}

// OnSelect loads the chosen model: shipped models are fetched from this site, opened
// files are already in memory.
func (c *ModelPanel) OnSelect(e vugu.DOMEvent) {
	defer catch(&c.S.ModelErr, "choosing a model")
	id := e.PropString("target", "value")
	if id == "" {
		c.S.SetEngine(nil, "", "")
		return
	}
	choice, ok := c.S.Choice(id)
	if !ok {
		c.S.ModelErr = "Unknown model " + id
		return
	}
	c.S.loadChoice(e.EventEnv(), choice)
}

// loadChoice opens a model choice: an opened file is already in memory, a shipped model
// is fetched from this site first.
func (s *State) loadChoice(ee vugu.EventEnv, choice ModelChoice) {
	if choice.data != nil {
		s.OpenModel(choice, choice.data)
		return
	}
	s.ModelBusy = true
	s.ModelErr = ""
	var data, ref []byte
	async(ee, "fetching "+choice.File, func() error {
		var err error
		data, err = fetchLocal(choice.File)
		if err == nil && choice.Reference != "" {
			// Without its reference file the model still opens: the engine then encodes
			// the reference cohort itself.
			if ref, err = fetchLocal(choice.Reference); err != nil {
				ref, err = nil, nil
			}
		}
		return err
	}, func(err error) {
		mark("model fetched")
		s.ModelBusy = false
		if err != nil {
			s.ModelErr = err.Error()
			return
		}
		s.openModel(choice, data, ref)
	})
}

// OnUpload opens a model file from the user's disk.
func (c *ModelPanel) OnUpload(e vugu.DOMEvent) {
	defer catch(&c.S.ModelErr, "opening a model file")
	f, ok := fileFrom(e.JSEventTarget())
	if !ok {
		return
	}
	e.JSEventTarget().Set("value", "")
	c.S.ModelBusy = true
	c.S.ModelErr = ""
	var data []byte
	async(e.EventEnv(), "reading "+f.Name, func() error {
		var err error
		data, err = f.read()
		return err
	}, func(err error) {
		c.S.ModelBusy = false
		if err != nil {
			c.S.ModelErr = err.Error()
			return
		}
		c.S.OpenModel(c.S.openedChoice(strings.TrimSpace(f.Name), data), data)
	})
}

// OnMethod changes the attribution method.
func (c *ModelPanel) OnMethod(e vugu.DOMEvent) {
	defer catch(&c.S.ResultErr, "changing the method")
	c.S.SetMethod(e.PropString("target", "value"))
}

func (c *ModelPanel) classListItem(i int, name string) string {
	if i < len(c.S.Classes)-1 {
		return name + ", "
	}
	return name
}

func (c *ModelPanel) predictedLabel() string {
	if r := c.S.Result; c.S.Class == -1 && r != nil && len(r.Probs) > 0 {
		return "the predicted class (" + c.S.ClassName(r.Class) + ")"
	}
	return "the predicted class"
}

// OnClass chooses the class whose probability is explained.
func (c *ModelPanel) OnClass(e vugu.DOMEvent) {
	defer catch(&c.S.ResultErr, "choosing the class")
	k, err := strconv.Atoi(e.PropString("target", "value"))
	if err != nil {
		c.S.ResultErr = "class " + strconv.Quote(e.PropString("target", "value")) + " is not a number"
		return
	}
	c.S.SetClass(k)
}
