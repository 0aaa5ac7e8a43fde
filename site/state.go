package site

import (
	"errors"
	"strconv"
	"strings"

	"github.com/vugu/vugu"
)

// State is everything the page shows, and the logic that keeps it consistent. It holds no
// browser objects, so it is driven directly by native tests; the components only move
// bytes and text between the DOM and these methods.
//
// Every method runs with the render lock held (in an event handler, or inside the apply
// function of async).
type State struct {
	Axial   ImageSlot
	Coronal ImageSlot

	Clinical    []ClinicalField // twenty fields in fusion order (group A then B), nil when unavailable
	ClinicalErr string          // why there are no clinical fields

	Models    []ModelChoice // shipped models, then opened files
	ModelID   string        // selected ModelChoice.ID, "" for none
	ModelErr  string
	ModelNote string // status next to the model controls (loading, loaded)
	ModelBusy bool
	Engine    Engine // nil until a model is loaded
	Opener    Opener // turns model files into engines; nil when this build has none

	MethodID string
	Result   *Explanation // nil when there is nothing to show
	// ResultErr explains a failed prediction; Waiting says what is missing before one.
	ResultErr string
	ExplainMS float64 // time of the last Explain call, in milliseconds (0 if unknown)

	ExampleNote string
	ExampleErr  string
	exampleN    int // example cases drawn so far

	Validation    *ValidationReport
	ValidationErr string

	Tab string // "explain" or "validation"

	env   vugu.EventEnv // for async work; nil in tests that do not need it
	clock func() float64
	seq   int // generation of the current Result, so stale async results are dropped
}

// NewState returns the page's state: empty image slots, the clinical fields from the
// clinical package's table, no model.
func NewState(opener Opener) *State {
	s := &State{
		Axial:   ImageSlot{View: CTAxial, Title: "Axial slice", TestID: "upload-ct-axial", Window: WindowAuto},
		Coronal: ImageSlot{View: CTCoronal, Title: "Coronal slice", TestID: "upload-ct-coronal", Window: WindowAuto},
		Opener:  opener,
		Tab:     "explain",
	}
	fields, err := clinicalFields()
	if err != nil {
		s.ClinicalErr = err.Error()
	} else {
		s.Clinical = fields
	}
	return s
}

// slot returns the image slot for a view.
func (s *State) slot(v Modality) (*ImageSlot, error) {
	switch v {
	case CTAxial:
		return &s.Axial, nil
	case CTCoronal:
		return &s.Coronal, nil
	}
	return nil, errors.New("no image slot for modality " + v.Label())
}

// SetImage decodes a file the user brought into the slot for view. A file that cannot
// be decoded leaves the slot's previous image in place and sets its error.
func (s *State) SetImage(view Modality, name string, data []byte) {
	sl, err := s.slot(view)
	if err != nil {
		s.ResultErr = err.Error()
		return
	}
	sl.Err = ""
	if err := sl.load(name, data); err != nil {
		sl.Err = err.Error()
		return
	}
	s.recompute()
}

// SetWindow re-decodes a slot's DICOM file with another display window.
func (s *State) SetWindow(view Modality, w WindowChoice) {
	sl, err := s.slot(view)
	if err != nil {
		s.ResultErr = err.Error()
		return
	}
	sl.Err = ""
	if err := sl.rewindow(w); err != nil {
		sl.Err = err.Error()
		return
	}
	s.recompute()
}

// SetImagePixels puts a 28x28 image that needs no decoding (a phantom) into a slot.
func (s *State) SetImagePixels(view Modality, name, source string, px []float32) error {
	sl, err := s.slot(view)
	if err != nil {
		return err
	}
	if err := sl.setPixels(name, source, px); err != nil {
		sl.Err = err.Error()
		return err
	}
	sl.Err = ""
	return nil
}

// SetClinical takes the text typed into a clinical field. Out-of-range or unreadable
// values mark the field and keep the model from using it; an empty field stands for the
// population mean (standardised value 0).
func (s *State) SetClinical(name, text string) {
	f := s.field(name)
	if f == nil {
		s.ResultErr = "no clinical field named " + strconv.Quote(name)
		return
	}
	f.set(text)
	s.recompute()
}

func (s *State) field(name string) *ClinicalField {
	for i := range s.Clinical {
		if s.Clinical[i].Name == name {
			return &s.Clinical[i]
		}
	}
	return nil
}

// ClinicalGroup returns the fields of one clinical modality.
func (s *State) ClinicalGroup(m Modality) []*ClinicalField {
	var out []*ClinicalField
	for i := range s.Clinical {
		if s.Clinical[i].Group == m {
			out = append(out, &s.Clinical[i])
		}
	}
	return out
}

// SetEngine installs a loaded model and explains the current inputs with it.
func (s *State) SetEngine(e Engine, id, note string) {
	s.Engine = e
	s.ModelID = id
	s.ModelErr = ""
	s.ModelNote = note
	s.Axial.enc, s.Coronal.enc = nil, nil
	if e != nil {
		ms := e.Methods()
		keep := false
		for _, m := range ms {
			keep = keep || m.ID == s.MethodID
		}
		if !keep && len(ms) > 0 {
			s.MethodID = ms[0].ID
		}
	}
	s.recompute()
}

// SetMethod selects the attribution method.
func (s *State) SetMethod(id string) {
	s.MethodID = id
	s.recompute()
}

// Method returns the selected method's description, if the engine offers it.
func (s *State) Method() (Method, bool) {
	if s.Engine == nil {
		return Method{}, false
	}
	for _, m := range s.Engine.Methods() {
		if m.ID == s.MethodID {
			return m, true
		}
	}
	return Method{}, false
}

// Waiting says what the page still needs before it can predict, or "" when it has all.
func (s *State) Waiting() string {
	var need []string
	if s.Engine == nil {
		need = append(need, "a model")
	}
	if s.Axial.Pixels == nil {
		need = append(need, "the axial image")
	}
	if s.Coronal.Pixels == nil {
		need = append(need, "the coronal image")
	}
	if s.Clinical == nil {
		need = append(need, "clinical variables (not in this build)")
	}
	for i := range s.Clinical {
		if s.Clinical[i].Err != "" {
			need = append(need, "valid clinical values")
			break
		}
	}
	if len(need) == 0 {
		return ""
	}
	return "Waiting for " + joinAnd(need) + "."
}

// recompute predicts and explains the current inputs, if complete. Pixel saliency
// follows asynchronously when an event environment is available.
func (s *State) recompute() {
	s.seq++
	s.Result = nil
	s.ResultErr = ""
	s.Axial.clearSaliency()
	s.Coronal.clearSaliency()
	if s.Waiting() != "" {
		return
	}
	err := safely("explaining the case", func() error {
		for _, sl := range []*ImageSlot{&s.Axial, &s.Coronal} {
			if sl.enc != nil {
				continue
			}
			z, err := s.Engine.Encode(sl.Pixels)
			if err != nil {
				return errors.New(sl.Title + ": " + err.Error())
			}
			if len(z) != FeaturesPerModality {
				return errors.New(sl.Title + ": the encoder gave " + strconv.Itoa(len(z)) +
					" features, want " + strconv.Itoa(FeaturesPerModality))
			}
			sl.enc = z
		}
		t0 := s.now()
		e, err := s.Engine.Explain(s.Axial.enc, s.Coronal.enc, s.clinicalStd(), s.MethodID)
		s.ExplainMS = s.now() - t0
		if err != nil {
			return err
		}
		if _, err := modalityBars(&e); err != nil {
			return err
		}
		if e.Features != nil {
			if _, _, err := featureBars(&e); err != nil {
				return err
			}
		}
		s.Result = &e
		return nil
	})
	if err != nil {
		s.ResultErr = err.Error()
		return
	}
	s.startSaliency()
}

// startSaliency computes pixel saliency for both images off the event handler and
// shows it when done, unless the inputs changed meanwhile.
func (s *State) startSaliency() {
	if s.env == nil || s.Result == nil {
		return
	}
	seq, eng := s.seq, s.Engine
	ax, co, clin := s.Axial.Pixels, s.Coronal.Pixels, s.clinicalStd()
	var salA, salC []float32
	async(s.env, "computing pixel saliency", func() error {
		var err error
		salA, salC, err = eng.Saliency(ax, co, clin)
		return err
	}, func(err error) {
		if seq != s.seq {
			return // inputs changed; a newer computation is on its way
		}
		if err == nil {
			err = s.Axial.setSaliency(salA)
		}
		if err == nil {
			err = s.Coronal.setSaliency(salC)
		}
		if err != nil {
			s.ResultErr = "saliency: " + err.Error()
		}
	})
}

// clinicalStd returns the standardised clinical values the network sees.
func (s *State) clinicalStd() []float32 {
	clin := make([]float32, len(s.Clinical))
	for i := range s.Clinical {
		clin[i] = s.Clinical[i].Std
	}
	return clin
}

func (s *State) now() float64 {
	if s.clock == nil {
		return 0
	}
	return s.clock()
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
