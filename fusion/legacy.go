package fusion

import (
	"fmt"
	"slices"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/schema"
)

// PaperSchema returns the schema of the paper's network: two 28x28 grey CT images,
// ct_axial and ct_coronal, windowed at W400/L50; the groups clinical_a and clinical_b,
// whose variables are the twenty of package clinical with their names, labels, units,
// plausible ranges and reference means and SDs; and the classes negative and positive.
func PaperSchema() schema.Schema {
	w1, w2 := PaperWindow, PaperWindow
	s := schema.Schema{
		Images: []schema.Image{
			{Name: "ct_axial", Label: "CT, axial", Size: 28, Channels: 1, Window: &w1},
			{Name: "ct_coronal", Label: "CT, coronal", Size: 28, Channels: 1, Window: &w2},
		},
		Classes: slices.Clone(PaperClasses),
	}
	for _, g := range []clinical.Group{clinical.GroupA, clinical.GroupB} {
		s.Groups = append(s.Groups, schema.Group{Name: g.Modality(), Variables: paperVariables(clinical.GroupVariables(g))})
	}
	s.Groups[0].Label = "Demographics, vital signs, metabolism"
	s.Groups[1].Label = "Blood tests"
	return s
}

func paperVariables(vs []clinical.Variable) []schema.Variable {
	out := make([]schema.Variable, len(vs))
	for i, v := range vs {
		out[i] = schema.Variable{Name: v.Name, Label: v.Label, Unit: v.Unit, Kind: schema.KindNumeric,
			Mean: v.Mean, SD: v.SD, Min: v.Min, Max: v.Max}
	}
	return out
}

// LegacyConfig is the configuration JSON of model files written before schemas existed:
// Images square grey images of ImageSize pixels read by one shared encoder, Clinical
// tabular values, two classes, and Modalities naming the blocks of the fusion vector.
// ParseConfig reads it and Convert turns it into a Config.
type LegacyConfig struct {
	ImageSize  int         `json:"image_size"`
	Images     int         `json:"images"`
	Clinical   int         `json:"clinical"`
	Conv       []ConvLayer `json:"conv"`
	Dense      []int       `json:"dense"`
	Head       []int       `json:"head"`
	Modalities []Modality  `json:"modalities"`
}

// Convert returns the Config of the same network, with the same tensors under the same
// names. The images become grey inputs named by their modalities with the paper's CT
// window; the classes are negative and positive. A clinical part laid out as the paper's
// (twenty values in two groups of ten) gets the variables of package clinical; any other
// gets numeric variables "<group>.<i>" that read values already standardised (mean 0,
// SD 1, range ±1e6).
func (l LegacyConfig) Convert() (Config, error) {
	if l.Images < 1 || l.Images > schema.MaxImages {
		return Config{}, fmt.Errorf("fusion: config: images is %d, want 1..%d", l.Images, schema.MaxImages)
	}
	if len(l.Dense) == 0 {
		return Config{}, fmt.Errorf("fusion: config: no dense layers")
	}
	if len(l.Modalities) < l.Images {
		return Config{}, fmt.Errorf("fusion: config: %d modalities, want one per image (%d) and then the clinical groups", len(l.Modalities), l.Images)
	}
	s := schema.Schema{Classes: slices.Clone(PaperClasses)}
	for _, m := range l.Modalities[:l.Images] {
		if m.Width != l.Dense[len(l.Dense)-1] {
			return Config{}, fmt.Errorf("fusion: config: image modality %q has width %d, want the encoder's %d features", m.Name, m.Width, l.Dense[len(l.Dense)-1])
		}
		w := PaperWindow
		s.Images = append(s.Images, schema.Image{Name: m.Name, Size: l.ImageSize, Channels: 1, Window: &w})
	}
	groups := l.Modalities[l.Images:]
	clin := 0
	for _, m := range groups {
		if m.Width <= 0 {
			return Config{}, fmt.Errorf("fusion: config: clinical modality %q has width %d, want at least 1", m.Name, m.Width)
		}
		clin += m.Width
	}
	if clin != l.Clinical {
		return Config{}, fmt.Errorf("fusion: config: clinical modalities cover %d values, want clinical = %d", clin, l.Clinical)
	}
	paper := len(groups) == 2 && groups[0].Width == clinical.GroupSize && groups[1].Width == clinical.GroupSize
	if paper {
		ps := PaperSchema()
		s.Images = ps.Images[:0:0]
		for k := range l.Images {
			im := schema.Image{Name: l.Modalities[k].Name, Size: l.ImageSize, Channels: 1, Window: new(schema.Window)}
			*im.Window = PaperWindow
			if k < len(ps.Images) && im.Name == ps.Images[k].Name {
				im.Label = ps.Images[k].Label
			}
			s.Images = append(s.Images, im)
		}
		for i, m := range groups {
			g := ps.Groups[i]
			g.Name = m.Name
			if m.Name != ps.Groups[i].Name {
				g.Label = ""
			}
			s.Groups = append(s.Groups, g)
		}
	} else {
		for _, m := range groups {
			g := schema.Group{Name: m.Name}
			for i := range m.Width {
				g.Variables = append(g.Variables, schema.Variable{Name: fmt.Sprintf("%s.%d", m.Name, i),
					Kind: schema.KindNumeric, SD: 1, Min: -1e6, Max: 1e6})
			}
			s.Groups = append(s.Groups, g)
		}
	}
	if err := s.Validate(); err != nil {
		return Config{}, fmt.Errorf("fusion: config: converting an old configuration: %w", err)
	}
	c, err := NewConfig(s, "shared", l.Conv, l.Dense, l.Head)
	if err != nil {
		return Config{}, err
	}
	if c.Images() != l.Images || c.Clinical() != l.Clinical || len(c.Encoders) != 1 {
		return Config{}, fmt.Errorf("fusion: config: an old configuration did not convert to the same network")
	}
	return c, nil
}
