package site

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/engine"
)

// ModelChoice is one entry of the model select: a model shipped with the site (fetched
// from models/ on demand) or a file the user opened.
type ModelChoice struct {
	ID    string // option value: "shipped:<file>" or "opened:<n>"
	Label string
	File  string // shipped: path relative to the page; opened: the file name
	// Reference is a shipped model's reference file (path relative to the page), the
	// fusion vectors of its reference cohort encoded when the site was built; "" when
	// there is none, and the engine encodes the cohort in the page.
	Reference string
	data      []byte // opened files only
}

// referenceSetter is an engine that takes its reference cohort from a reference file
// (explainer.Engine.SetReference), so that it need not encode it.
type referenceSetter interface {
	SetReference(data []byte) error
	ReferenceReady() bool
}

// modelIndex is models/index.json, written by build.sh: the shipped fusion models and
// the ground-truth autoencoder's file, when shipped.
type modelIndex struct {
	Models []struct {
		File      string `json:"file"`
		Name      string `json:"name"`
		Reference string `json:"reference"`
	} `json:"models"`
	Autoencoder string `json:"autoencoder"`
}

// plainName reports whether name is a file name with no path in it.
func plainName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "/\\") && !strings.HasPrefix(name, ".")
}

// SetModelIndex lists the shipped models from models/index.json.
func (s *State) SetModelIndex(data []byte) error {
	var idx modelIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return errors.New("models/index.json: " + err.Error())
	}
	if idx.Autoencoder != "" && !plainName(idx.Autoencoder) {
		return errors.New("models/index.json: autoencoder file name " + strconv.Quote(idx.Autoencoder) + ", want a plain file name")
	}
	var shipped []ModelChoice
	for i, m := range idx.Models {
		if !plainName(m.File) {
			return errors.New("models/index.json: model " + strconv.Itoa(i) + " has file name " + strconv.Quote(m.File) + ", want a plain file name")
		}
		label := m.Name
		if label == "" {
			label = strings.TrimSuffix(m.File, fileExt(m.File))
		}
		c := ModelChoice{ID: "shipped:" + m.File, Label: label, File: "models/" + m.File}
		if m.Reference != "" {
			if !plainName(m.Reference) {
				return errors.New("models/index.json: model " + strconv.Itoa(i) + " has reference file name " + strconv.Quote(m.Reference) + ", want a plain file name")
			}
			c.Reference = "models/" + m.Reference
		}
		shipped = append(shipped, c)
	}
	ae := ""
	if idx.Autoencoder != "" {
		ae = "models/" + idx.Autoencoder
	}
	s.setModels(shipped, ae)
	return nil
}

// setModels lists the shipped models (and the autoencoder's path, when not ""), keeping
// the files the user opened after them.
func (s *State) setModels(shipped []ModelChoice, autoencoder string) {
	for _, c := range s.Models {
		if c.data != nil {
			shipped = append(shipped, c)
		}
	}
	s.Models = shipped
	if autoencoder != "" {
		s.Autoencoder = autoencoder
	}
}

// Choice returns the model choice with the given ID.
func (s *State) Choice(id string) (ModelChoice, bool) {
	for _, c := range s.Models {
		if c.ID == id {
			return c, true
		}
	}
	return ModelChoice{}, false
}

// OpenModel turns model bytes into an engine with the build's Opener and selects it.
// A file the user opened is added to the model select so it can be chosen again.
func (s *State) OpenModel(c ModelChoice, data []byte) { s.openModel(c, data, nil) }

// openModel is OpenModel with the model's reference file, when one was fetched (nil
// otherwise): an engine that takes it need not encode its reference cohort. A file the
// engine refuses is noted, and the engine encodes the cohort as for a model without one.
func (s *State) openModel(c ModelChoice, data, ref []byte) {
	s.ModelErr = ""
	if s.Opener == nil {
		s.ModelErr = "This build cannot run models yet: the network engine is not wired in. Nothing was loaded."
		return
	}
	var eng engine.Engine
	t0 := s.now()
	err := safely("opening "+c.File, func() error {
		var err error
		eng, err = s.Opener(c.File, data)
		return err
	})
	s.Timings.OpenMS = s.now() - t0
	if err != nil {
		s.ModelErr = c.File + ": " + err.Error()
		return
	}
	if eng == nil {
		s.ModelErr = c.File + ": the engine opened no model"
		return
	}
	if _, known := s.Choice(c.ID); !known {
		s.Models = append(s.Models, c)
	}
	info := eng.Info()
	note := "Loaded " + info.Name
	if info.HasAccuracy {
		note += " (test accuracy " + ftoa(100*info.Accuracy, 1) + " %)"
	}
	s.Timings.ModelAt = s.now()
	s.modelData = data
	s.Cohort = CohortView{gen: s.Cohort.gen + 1} // a running cohort's answer is for the old model
	var refused error
	if rs, ok := eng.(referenceSetter); ok && ref != nil {
		refused = rs.SetReference(ref)
	}
	s.SetEngine(eng, c.ID, note)
	if refused != nil {
		s.RefNote = "The site's precomputed reference cohort (" + c.Reference + ") was refused: " + refused.Error() + ". " + s.RefNote
	}
}

// openedChoice makes the model-select entry for a file the user opened.
func (s *State) openedChoice(name string, data []byte) ModelChoice {
	n := 0
	for _, c := range s.Models {
		if c.data != nil {
			n++
		}
	}
	return ModelChoice{ID: "opened:" + strconv.Itoa(n), Label: name + " (opened file)", File: name, data: data}
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}
