package site

import (
	"encoding/json"
	"errors"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

// The explanation on screen can be saved as JSON (every number, for a record or a
// script) and as a standalone SVG chart (for a report); the browser turns the SVG into a
// PNG with a canvas. Both are made here, natively testable, and handed to the browser as
// blobs: nothing is uploaded.

// Export is the JSON document of one explanation. Field names follow cmd/explain -json
// where they mean the same.
type Export struct {
	Generator string       `json:"generator"`
	Model     ExportModel  `json:"model"`
	Case      ExportCase   `json:"case"`
	Method    ExportMethod `json:"method"`
	// P is p(class 1), as cmd/explain -json writes it; PExplained is p of the
	// explained class (the same number for the paper's networks, which explain class
	// 1) and Probs every class's probability in the model's class order.
	P          float64   `json:"p_class1"`
	PExplained float64   `json:"p_explained"`
	Probs      []float64 `json:"class_probabilities,omitempty"`
	Class      int       `json:"predicted_class"`
	// PredictedClass names the predicted class, ExplainedClass the class whose p and
	// importances the document holds (the model's class names).
	PredictedClass string        `json:"predicted_class_name,omitempty"`
	ExplainedClass string        `json:"explained_class,omitempty"`
	Scores         string        `json:"scores"` // what a modality or feature value means
	Modality       []ExportShare `json:"modalities"`
	Features       []ExportShare `json:"features,omitempty"`
	Gradient       []float64     `json:"gradient_dp_dz"`
	Saliency       *ExportPeaks  `json:"saliency_peak,omitempty"`
	Truth          *ExportTruth  `json:"ground_truth_check,omitempty"`
	// Uncertainty says how the intervals of the shares were made, when computed.
	Uncertainty *ExportUncertainty `json:"uncertainty,omitempty"`
	// Interactions are the modalities' pairwise interactions for the case, when computed.
	Interactions *ExportInteractions `json:"modality_interactions,omitempty"`
	Notice       string              `json:"notice"`
	Timings      map[string]any      `json:"timings_ms,omitempty"`
}

// ExportModel describes the model.
type ExportModel struct {
	Name         string   `json:"name"`
	File         string   `json:"file"`
	Description  string   `json:"description,omitempty"`
	DataSource   string   `json:"data_source,omitempty"`
	TestAccuracy *float64 `json:"test_accuracy,omitempty"`
	TestAUC      *float64 `json:"test_auc,omitempty"`
	Command      string   `json:"command,omitempty"`
}

// ExportCase describes the inputs.
type ExportCase struct {
	Axial    ExportImage      `json:"axial"`
	Coronal  ExportImage      `json:"coronal"`
	Clinical []ExportClinical `json:"clinical"`
	// Images are the image inputs of a schema's layout, by modality name (the paper's
	// layout fills Axial and Coronal instead).
	Images map[string]ExportImage `json:"images,omitempty"`
}

// ExportImage names one image and how it was read.
type ExportImage struct {
	File   string `json:"file"`
	Source string `json:"source"`
}

// ExportClinical is one clinical variable as typed and as the network saw it.
type ExportClinical struct {
	Name         string  `json:"name"`
	Label        string  `json:"label"`
	Unit         string  `json:"unit"`
	Text         string  `json:"text"` // "" stands for the population mean
	Standardised float64 `json:"standardised"`
}

// ExportMethod names the method.
type ExportMethod struct {
	ID          string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Scope       string `json:"scope"`
	Background  int    `json:"background_cases,omitempty"`
}

// ExportShare is one modality's or feature's score.
type ExportShare struct {
	Index    int     `json:"index"`
	Name     string  `json:"name"`
	Modality string  `json:"modality"`
	Value    float64 `json:"value"`
	Share    float64 `json:"share"`
	// Interval is the share's interval ([lo, hi]) when computed; RankSupported (modalities
	// only) whether the resamples support the modality's place in the ranking.
	Interval      *engine.Interval `json:"interval,omitempty"`
	RankSupported *bool            `json:"rank_supported,omitempty"`
}

// ExportUncertainty says how the intervals were made, as cmd/explain -json does.
type ExportUncertainty struct {
	Interval         string            `json:"interval"`
	Resampled        string            `json:"resampled"`
	Resamples        int               `json:"resamples"`
	Level            float64           `json:"level"`
	Exact            bool              `json:"exact,omitempty"`
	MethodRuns       int               `json:"extra_method_runs"`
	RankSupportLevel float64           `json:"rank_support_level"`
	RankSupport      []ExportRankOrder `json:"rank_support"`
}

// ExportRankOrder is the support of one order: Higher ranked above Lower.
type ExportRankOrder struct {
	Higher    string  `json:"higher"`
	Lower     string  `json:"lower"`
	Support   float64 `json:"support"`
	Supported bool    `json:"supported"`
}

// ExportInteractions are the case's modality interactions, as cmd/explain -json gives
// them: the signed index per pair "A|B" (model order), each pair's share of the total
// |index|, the symmetric matrix, the strongest pair and the strength.
type ExportInteractions struct {
	Value      string             `json:"value"`
	Modalities []string           `json:"modalities"`
	Index      map[string]float64 `json:"index"`
	Shares     map[string]float64 `json:"shares"`
	Matrix     [][]float64        `json:"matrix"`
	Strongest  string             `json:"strongest,omitempty"`
	Strength   *float64           `json:"strength,omitempty"`
	Exact      bool               `json:"exact"`
	Background int                `json:"background_cases"`
}

// ExportPeaks are the largest |dp/dpixel| per image.
type ExportPeaks struct {
	Axial   float64 `json:"axial"`
	Coronal float64 `json:"coronal"`
}

// ExportTruth is the ground-truth check of the same model and method.
type ExportTruth struct {
	Scenario    string    `json:"scenario"`
	Cases       int       `json:"cases"`
	Source      string    `json:"source"`
	Truth       []float64 `json:"truth"`
	Estimate    []float64 `json:"estimate"`
	RMSE        float64   `json:"rmse"`
	RBO         float64   `json:"rbo"`
	Persistence float64   `json:"rbo_persistence"`
}

// exportNotice travels with every saved explanation.
const exportNotice = "Made by the fusionlens browser explainer on this machine; nothing was sent anywhere. Research software: not a medical device, not a diagnosis."

// exportDoc assembles the document of the explanation on screen.
func (s *State) exportDoc() (*Export, error) {
	if s.Engine == nil || s.Result == nil || s.Result.Pending != "" {
		return nil, errors.New("there is no finished explanation to save")
	}
	r, info := s.Result, s.Engine.Info()
	d := &Export{Generator: "fusionlens browser explainer", P: r.P, PExplained: r.P, Gradient: r.Gradient, Notice: exportNotice}
	if r.P >= 0.5 {
		d.Class = 1
	}
	d.ExplainedClass = s.ClassName(1)
	if s.General && len(r.Probs) > 0 {
		d.Class, d.ExplainedClass = argmax(r.Probs), s.ClassName(r.Class)
		d.Probs = r.Probs
		if len(r.Probs) > 1 {
			d.P = r.Probs[1]
		}
	}
	d.PredictedClass = s.ClassName(d.Class)
	d.Model = ExportModel{Name: info.Name, Description: info.Description, DataSource: info.DataSource, Command: info.Command}
	if c, ok := s.Choice(s.ModelID); ok {
		d.Model.File = c.File
	}
	if info.HasAccuracy {
		d.Model.TestAccuracy = &info.Accuracy
	}
	if info.HasAUC {
		d.Model.TestAUC = &info.AUC
	}
	if s.General {
		d.Case.Images = map[string]ExportImage{}
		for _, sl := range s.Slots {
			d.Case.Images[sl.ID] = ExportImage{File: sl.File, Source: sl.Source}
		}
		d.Class = r.Class
	} else {
		d.Case.Axial = ExportImage{File: s.Axial.File, Source: s.Axial.Source}
		d.Case.Coronal = ExportImage{File: s.Coronal.File, Source: s.Coronal.Source}
	}
	for _, f := range s.Clinical {
		d.Case.Clinical = append(d.Case.Clinical, ExportClinical{Name: f.Name, Label: f.Label, Unit: f.Unit, Text: f.Text, Standardised: float64(f.Std)})
	}
	m, _ := s.Method()
	d.Method = ExportMethod{ID: r.Method, Label: m.Label, Description: s.classGeneric(m.Description), Scope: "this case", Background: r.Background}
	if r.Scope != "" {
		d.Method.Scope = r.Scope
	}
	d.Scores = "modality values are sums of |dp/dz| over their features (sensitivity); share is |value| over the sum of |values|"
	if r.Signed {
		d.Scores = s.classGeneric("values are signed contributions to p(class 1): positive raises p, negative lowers it; share is |value| over the sum of |values|")
	}
	bars, err := modalityBarsFor(r, s.Mods)
	if err != nil {
		return nil, err
	}
	u := s.uncertainty()
	for i, b := range bars {
		d.Modality = append(d.Modality, ExportShare{Index: i, Name: b.ID, Modality: b.ID, Value: b.Score, Share: b.Share})
		if u != nil {
			iv, ok := u.Modalities[i], u.RankSupported[i]
			d.Modality[i].Interval, d.Modality[i].RankSupported = &iv, &ok
		}
	}
	if u != nil {
		d.Uncertainty = s.exportUncertainty(u)
	}
	if x := s.interactions(); x != nil {
		d.Interactions = s.exportInteractions(x)
	}
	if r.Features != nil {
		total := 0.0
		for _, v := range r.Features {
			total += math.Abs(v)
		}
		for j, v := range r.Features {
			share := 0.0
			if total > 0 {
				share = math.Abs(v) / total
			}
			d.Features = append(d.Features, ExportShare{Index: j, Name: s.featureName(j), Modality: s.Mods[s.featureModality(j)].ID, Value: v, Share: share})
			if u != nil && len(u.Features) == len(r.Features) {
				iv := u.Features[j]
				d.Features[j].Interval = &iv
			}
		}
	}
	if !s.General && s.Axial.SaliencyURL != "" && s.Coronal.SaliencyURL != "" {
		d.Saliency = &ExportPeaks{Axial: s.Axial.SaliencyPeak, Coronal: s.Coronal.SaliencyPeak}
	}
	if t := s.Truth; t != nil && t.Method == r.Method {
		d.Truth = &ExportTruth{Scenario: t.Scenario, Cases: t.Cases, Source: t.Source, Truth: t.Truth, Estimate: t.Estimate,
			RMSE: t.RMSE, RBO: t.RBO, Persistence: t.Persistence}
	}
	return d, nil
}

// exportUncertainty describes u in the JSON's terms.
func (s *State) exportUncertainty(u *engine.Uncertainty) *ExportUncertainty {
	out := &ExportUncertainty{Interval: ftoa(100*u.Level, 0) + " % percentile bootstrap", Resampled: u.Over, Resamples: u.Resamples,
		Level: u.Level, Exact: u.Exact, MethodRuns: u.MethodRuns, RankSupportLevel: u.RankSupportLevel, RankSupport: []ExportRankOrder{}}
	for _, r := range u.Ranks {
		out.RankSupport = append(out.RankSupport, ExportRankOrder{Higher: s.Mods[r.Higher].ID, Lower: s.Mods[r.Lower].ID, Support: r.Support, Supported: r.Supported})
	}
	return out
}

// exportInteractions describes x in the JSON's terms.
func (s *State) exportInteractions(x *engine.Interactions) *ExportInteractions {
	out := &ExportInteractions{Value: x.Value, Index: map[string]float64{}, Shares: map[string]float64{}, Matrix: x.Index,
		Exact: x.Exact, Background: x.Background}
	total := 0.0
	for i := range x.Index {
		out.Modalities = append(out.Modalities, s.Mods[i].ID)
		for j := i + 1; j < len(x.Index); j++ {
			total += math.Abs(x.Index[i][j])
		}
	}
	for i := range x.Index {
		for j := i + 1; j < len(x.Index); j++ {
			name := s.Mods[i].ID + "|" + s.Mods[j].ID
			out.Index[name] = x.Index[i][j]
			out.Shares[name] = 0
			if total > 0 {
				out.Shares[name] = math.Abs(x.Index[i][j]) / total
			}
		}
	}
	st, i, j := interactionMatrixStrength(x.Index, x.Shapley)
	if i >= 0 {
		out.Strongest = s.Mods[i].ID + "|" + s.Mods[j].ID
	}
	if !math.IsNaN(st) {
		out.Strength = &st
	}
	return out
}

// featureName names fusion feature j: an encoder feature of an image, or the clinical
// variable itself.
func (s *State) featureName(j int) string {
	if s.General {
		mi, in := featureMod(s.Mods, j)
		if mi < len(s.Slots) {
			return s.Mods[mi].ID + " encoder feature " + strconv.Itoa(in)
		}
		return s.Mods[mi].ID + " value " + strconv.Itoa(in)
	}
	m := modality.Modality(j / modality.Width)
	if m == modality.CTAxial || m == modality.CTCoronal {
		return m.ID() + " encoder feature " + strconv.Itoa(j%modality.Width)
	}
	if k := j - 2*modality.Width; k >= 0 && k < len(s.Clinical) {
		return s.Clinical[k].Name
	}
	return "z[" + strconv.Itoa(j) + "]"
}

// featureTitle heads the feature chart of a saved SVG.
func (s *State) featureTitle() string {
	if s.General {
		return strconv.Itoa(len(s.Result.Features)) + " FUSED FEATURES (SCALED TO THE LARGEST)"
	}
	return "FORTY FUSED FEATURES (SCALED TO THE LARGEST)"
}

// featureModality is the index of fusion feature j's modality.
func (s *State) featureModality(j int) int {
	mi, _ := featureMod(s.Mods, j)
	return mi
}

// ExportJSON returns the explanation on screen as indented JSON.
func (s *State) ExportJSON() ([]byte, error) {
	d, err := s.exportDoc()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(d, "", "  ")
}

// modalityColours are the page's modality colours (style.css), for charts that leave it.
var modalityColours = [modality.Count]string{"#0072b2", "#56b4e9", "#e69f00", "#009e73"}

// layoutColours are the colours of a schema's modalities (style.css, .modc-0 ...).
var layoutColours = [8]string{"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f", "#5a6676"}

// colour is modality i's colour.
func (s *State) colour(i int) string {
	if s.General {
		return layoutColours[i%len(layoutColours)]
	}
	return modalityColours[i%modality.Count]
}

// ExportSVG returns the explanation on screen as a standalone SVG chart: the model,
// prediction and method, the modality shares and the forty feature scores, with every
// colour and font inline so it looks the same anywhere.
func (s *State) ExportSVG() (string, error) {
	d, err := s.exportDoc()
	if err != nil {
		return "", err
	}
	const w, pad = 640, 20
	var b strings.Builder
	y := 0.0
	text := func(x, y float64, size int, weight, fill, anchor, t string) {
		b.WriteString(`<text x="` + ftoa(x, 1) + `" y="` + ftoa(y, 1) + `" font-size="` + strconv.Itoa(size) +
			`" font-weight="` + weight + `" fill="` + fill + `" text-anchor="` + anchor + `">` + html.EscapeString(t) + "</text>\n")
	}
	rect := func(x, y, w, h float64, fill string) {
		b.WriteString(`<rect x="` + ftoa(x, 2) + `" y="` + ftoa(y, 2) + `" width="` + ftoa(w, 2) + `" height="` + ftoa(h, 2) + `" fill="` + fill + `"/>` + "\n")
	}
	y = 28
	text(pad, y, 16, "600", "#1a2330", "start", "fusionlens: "+d.Model.Name)
	y += 22
	text(pad, y, 13, "400", "#1a2330", "start", "Predicted: "+d.PredictedClass+" · p("+d.ExplainedClass+") = "+ftoa(d.PExplained, 3))
	y += 18
	text(pad, y, 12, "400", "#5a6676", "start", "Method: "+d.Method.Label+" · scores for "+d.Method.Scope)
	y += 26
	text(pad, y, 12, "600", "#5a6676", "start", "SHARE OF THE IMPORTANCE PER INPUT")
	y += 10
	bars, _ := modalityBarsFor(s.Result, s.Mods)
	bars = withIntervals(bars, s.uncertainty())
	const labelW, valueW = 110, 120
	barMax := float64(w - 2*pad - labelW - valueW)
	line := func(x1, y1, x2, y2 float64) {
		b.WriteString(`<line x1="` + ftoa(x1, 2) + `" y1="` + ftoa(y1, 2) + `" x2="` + ftoa(x2, 2) + `" y2="` + ftoa(y2, 2) + `" stroke="#1a2330" stroke-width="1.5"/>` + "\n")
	}
	for i, bar := range bars {
		text(pad, y+15, 12, "400", "#1a2330", "start", bar.Label)
		rect(pad+labelW, y+3, barMax, 16, "#eef1f4")
		rect(pad+labelW, y+3, bar.Share*barMax, 16, s.colour(i))
		end := bar.Share * barMax
		if bar.Whisker {
			lo, hi := pad+labelW+bar.Lo*barMax, pad+labelW+bar.Hi*barMax
			line(lo, y+11, hi, y+11)
			line(lo, y+6, lo, y+16)
			line(hi, y+6, hi, y+16)
			end = math.Max(end, bar.Hi*barMax)
		}
		if bar.Unsupported {
			text(pad+labelW-4, y+15, 12, "700", "#a33a00", "end", "≈")
		}
		text(pad+labelW+end+6, y+15, 12, "400", "#1a2330", "start", bar.Percent+s.signSuffix(bar.Sign))
		y += 24
	}
	if u := s.uncertainty(); u != nil {
		note := "No sampling spread: the method is deterministic and reads no background, so no whiskers."
		if !u.Exact {
			note = "Whiskers: " + ftoa(100*u.Level, 0) + " % bootstrap intervals, " + strconv.Itoa(u.Resamples) + " resamples; ≈ marks a rank they cannot support."
		}
		text(pad, y+10, 10, "400", "#5a6676", "start", note)
		y += 16
	}
	if s.Result.Features != nil {
		y += 16
		text(pad, y, 12, "600", "#5a6676", "start", s.featureTitle())
		y += 8
		fb, base, _ := featureBarsFor(s.Result, s.Mods)
		scale := float64(w-2*pad) / float64(featureChartWidth(s.Mods))
		top := y
		b.WriteString(`<line x1="` + ftoa(pad, 1) + `" y1="` + ftoa(top+base*scale, 2) + `" x2="` + ftoa(w-pad, 1) + `" y2="` + ftoa(top+base*scale, 2) + `" stroke="#c3ccd5"/>` + "\n")
		for _, f := range fb {
			rect(pad+f.X*scale, top+f.Y*scale, f.W*scale, f.H*scale, s.colour(int(f.Modality)))
		}
		y = top + float64(featureChartH)*scale + 14
		for _, g := range featureGroupsFor(s.Mods) {
			text(pad+g.X*scale, y, 11, "400", "#5a6676", "middle", g.Label)
		}
	}
	y += 24
	text(pad, y, 10, "400", "#5a6676", "start", "Made on this machine by the fusionlens browser explainer. Research software, not a diagnosis.")
	y += 12
	h := int(math.Ceil(y))
	head := `<svg xmlns="http://www.w3.org/2000/svg" width="` + strconv.Itoa(w) + `" height="` + strconv.Itoa(h) + `" viewBox="0 0 ` +
		strconv.Itoa(w) + " " + strconv.Itoa(h) + `" font-family="Helvetica, Arial, sans-serif">` + "\n" +
		`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n"
	return head + b.String() + "</svg>\n", nil
}

func (s *State) signSuffix(sign string) string {
	if sign == "" {
		return ""
	}
	return ", " + sign
}

// exportName is the file name stem of a saved explanation: model and method.
func (s *State) exportName() string {
	name := "fusionlens"
	if s.Engine != nil {
		name += "-" + s.Engine.Info().Name
	}
	name += "-" + s.MethodID
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
