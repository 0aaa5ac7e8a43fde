package site

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
	"github.com/fusionlens/fusionlens/schema"
)

// The page lays itself out from the model: one image slot per image input, one field
// per tabular variable, the modalities in fusion order and the class names. The paper's
// layout (two 28x28 CT slices, the twenty clinical variables of package clinical) is
// the page's own, used for the paper's models and for engines that name no schema; any
// other model of the family (engine.Family) gets the layout its schema describes.

// ModInfo is one modality of the fusion vector as the page shows it.
type ModInfo struct {
	ID    string // schema name, data-modality
	Label string
	Width int    // fusion features (of an image input: known once it is encoded)
	Class string // CSS class colouring it
}

// paperMods are the paper's four modalities.
func paperMods() []ModInfo {
	var out []ModInfo
	for _, m := range modality.All() {
		out = append(out, ModInfo{ID: m.ID(), Label: m.Label(), Width: modality.Width, Class: "mod-" + m.ID()})
	}
	return out
}

// paperLayout is the layout key of the paper's inputs.
const paperLayout = "paper"

// ImageShape is an image input's shape: Size x Size pixels of Channels 1 (grey) or 3
// (RGB).
type ImageShape struct{ Size, Channels int }

// Pixels is the number of values of one image: Channels x Size x Size.
func (s ImageShape) Pixels() int { return s.Channels * s.Size * s.Size }

// String says "64×64 grey" or "32×32 RGB".
func (s ImageShape) String() string {
	c := "grey"
	if s.Channels == 3 {
		c = "RGB"
	}
	return strconv.Itoa(s.Size) + "×" + strconv.Itoa(s.Size) + " " + c
}

// paperShape is the paper's image input: 28x28 grey.
var paperShape = ImageShape{Size: ImageSide, Channels: 1}

// FieldGroup is one tabular modality's fields.
type FieldGroup struct {
	ID, Label, Class string
	Fields           []*ClinicalField
}

// applyLayout lays the page out for engine e, keeping the inputs when the layout does
// not change. A nil engine keeps the current layout.
func (s *State) applyLayout(e engine.Engine) {
	if e == nil {
		return
	}
	fam, _ := e.(engine.Family)
	s.family = fam
	s.Classes = nil
	if fam == nil {
		_, prep := e.(engine.Preparer)
		_, truth := e.(engine.TruthChecker)
		s.Offers = engine.Offers{Example: true, Reference: prep, Truth: truth, Class: 1}
	} else {
		s.Offers = fam.Offers()
		s.Classes = fam.Schema().Classes
	}
	s.Class = s.Offers.Class
	key := paperLayout
	var sc schema.Schema
	if fam != nil && !s.Offers.Example {
		sc = fam.Schema()
		b, _ := json.Marshal(sc)
		key = string(b)
	}
	if key == s.layoutKey {
		return
	}
	s.layoutKey = key
	s.General = key != paperLayout
	if !s.General {
		s.paperLayout()
		return
	}
	s.Slots = nil
	for k, im := range sc.Images {
		title := im.Label
		if title == "" {
			title = im.Name
		}
		s.Slots = append(s.Slots, &ImageSlot{View: -1, Input: k, ID: im.Name, Title: title,
			TestID: "upload-" + im.Name, Window: WindowAuto, Shape: ImageShape{Size: im.Size, Channels: im.Channels},
			need: "an image for " + title})
	}
	s.Mods = nil
	s.Clinical, s.ClinicalErr = nil, ""
	for k, im := range sc.Images {
		s.Mods = append(s.Mods, ModInfo{ID: im.Name, Label: s.Slots[k].Title, Class: modClass(k)})
	}
	for gi, g := range sc.Groups {
		label := g.Label
		if label == "" {
			label = g.Name
		}
		s.Mods = append(s.Mods, ModInfo{ID: g.Name, Label: label, Width: g.Width(), Class: modClass(len(sc.Images) + gi)})
		for _, v := range g.Variables {
			s.Clinical = append(s.Clinical, schemaField(v, g.Name))
		}
	}
}

// paperLayout restores the page's own layout: the two CT slots and the twenty clinical
// fields.
func (s *State) paperLayout() {
	s.Slots = []*ImageSlot{&s.Axial, &s.Coronal}
	s.Mods = paperMods()
	s.Axial, s.Coronal = paperSlot(modality.CTAxial), paperSlot(modality.CTCoronal)
	fields, err := clinicalFields()
	s.Clinical, s.ClinicalErr = fields, ""
	if err != nil {
		s.Clinical, s.ClinicalErr = nil, err.Error()
	}
}

// paperSlot is an empty slot for one of the paper's CT views.
func paperSlot(v modality.Modality) ImageSlot {
	sl := ImageSlot{View: v, Input: int(v), ID: v.ID(), Window: WindowAuto, Shape: paperShape}
	switch v {
	case modality.CTAxial:
		sl.Title, sl.TestID, sl.need = "Axial slice", "upload-ct-axial", "the axial image"
	default:
		sl.Title, sl.TestID, sl.need = "Coronal slice", "upload-ct-coronal", "the coronal image"
	}
	return sl
}

// modClass is the CSS class colouring the i-th modality of a schema's layout.
func modClass(i int) string { return "modc-" + strconv.Itoa(i%8) }

// schemaField is the field of one tabular variable of a schema.
func schemaField(v schema.Variable, group string) ClinicalField {
	label := v.Label
	if label == "" {
		label = v.Name
	}
	f := ClinicalField{Name: v.Name, Label: label, Unit: v.Unit, GroupID: group, Kind: v.Kind,
		Levels: v.Levels, width: v.Width()}
	if v.Kind == schema.KindCategorical {
		f.missing = true
	} else {
		f.Range = num(v.Min) + "–" + num(v.Max)
		f.Hint = num(v.Mean)
	}
	f.encode = func(text string) ([]float32, error) {
		out := make([]float32, v.Width())
		if err := v.Encode(out, text); err != nil {
			return nil, err
		}
		return out, nil
	}
	return f
}

// num formats a schema number compactly.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// Groups returns the tabular fields by modality, in fusion order.
func (s *State) Groups() []FieldGroup {
	var out []FieldGroup
	for _, m := range s.Mods {
		g := FieldGroup{ID: m.ID, Label: m.Label, Class: m.Class}
		for i := range s.Clinical {
			if s.Clinical[i].groupID() == m.ID {
				g.Fields = append(g.Fields, &s.Clinical[i])
			}
		}
		if len(g.Fields) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// SetClass chooses the class to explain: -1 for the predicted one.
func (s *State) SetClass(k int) {
	if k < -1 || k >= len(s.Classes) {
		s.ResultErr = "no class " + strconv.Itoa(k)
		return
	}
	s.Class = k
	s.recompute()
}

// ClassName names class k ("class k" when the model names none).
func (s *State) ClassName(k int) string {
	if k >= 0 && k < len(s.Classes) {
		return s.Classes[k]
	}
	return "class " + strconv.Itoa(k)
}

// SetImageAt decodes a file into the slot of image input k, as SetImage does.
func (s *State) SetImageAt(k int, name string, data []byte) {
	if k < 0 || k >= len(s.Slots) {
		s.ResultErr = "no image input " + strconv.Itoa(k)
		return
	}
	sl := s.Slots[k]
	r := s.startDecode(sl, name, data, sl.Window)
	s.applyDecode(r, r.run)
}

// tabular returns the tabular vector the network sees: the fields' values in order.
func (s *State) tabular() []float32 {
	var out []float32
	for i := range s.Clinical {
		out = append(out, s.Clinical[i].values()...)
	}
	return out
}

// features returns the slots' cached encodings.
func (s *State) features() [][]float32 {
	out := make([][]float32, len(s.Slots))
	for k, sl := range s.Slots {
		out[k] = sl.enc
	}
	return out
}

// pixels returns the slots' images.
func (s *State) pixels() [][]float32 {
	out := make([][]float32, len(s.Slots))
	for k, sl := range s.Slots {
		out[k] = sl.Pixels
	}
	return out
}

// encodeSlot runs the engine's encoder on slot k's image.
func (s *State) encodeSlot(k int) ([]float32, error) {
	sl := s.Slots[k]
	var z []float32
	var err error
	if s.family != nil {
		z, err = s.family.EncodeImage(k, sl.Pixels)
	} else {
		z, err = s.Engine.Encode(sl.Pixels)
	}
	if err == nil {
		err = s.takeEncoding(k, z)
	}
	if err != nil {
		return nil, err
	}
	return z, nil
}

// takeEncoding checks the features the engine gave for slot k's image: the paper's
// layout has ten per image; a general family's schema does not say how many, so its
// modality takes their count.
func (s *State) takeEncoding(k int, z []float32) error {
	if s.family == nil && len(z) != modality.Width {
		return errors.New("the encoder gave " + strconv.Itoa(len(z)) + " features, want " + strconv.Itoa(modality.Width))
	}
	if s.family != nil && s.General {
		s.Mods[k].Width = len(z)
	}
	return nil
}

// explainNow explains the current inputs (features cached).
func (s *State) explainNow() (engine.Explanation, error) {
	if s.family != nil {
		return s.family.ExplainCase(engine.Case{Features: s.features(), Tabular: s.tabular(), Class: s.Class}, s.MethodID)
	}
	f := s.features()
	return s.Engine.Explain(f[0], f[1], s.tabular(), s.MethodID)
}
