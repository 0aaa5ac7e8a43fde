package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/phantom"
	"github.com/fusionlens/fusionlens/weights"
)

// maxClinicalFile bounds a -clinical-file.
const maxClinicalFile = 1 << 20

// input is the case to explain.
type input struct {
	images       [2][]float32 // axial, coronal: 784 values each in [0,1]
	imageSource  [2]string
	conversions  [2][]string // what decoding changed or dropped (ctimage.Info.Conversions)
	synthetic    bool
	values       clinical.Values // physical values and which were given
	clinicalFrom string
}

// loadInput reads the images and clinical values the options name, or draws the
// synthetic example case.
func loadInput(o options) (*input, error) {
	in := &input{}
	if o.axial == "" {
		// The page's example case o.example has the same images.
		var ca, cc int
		in.images[0], in.images[1], ca, cc = phantom.Example(uint64(o.example))
		in.synthetic = true
		in.imageSource[0] = fmt.Sprintf("SYNTHETIC example case %d: axial phantom of the %s (%s)", o.example, phantom.ClassNames[ca], phantom.Provenance)
		in.imageSource[1] = fmt.Sprintf("SYNTHETIC example case %d: coronal phantom of the %s (%s)", o.example, phantom.ClassNames[cc], phantom.Provenance)
	} else {
		for k, path := range []string{o.axial, o.coronal} {
			flagName := [...]string{"-axial", "-coronal"}[k]
			data, err := limitread.File(path, ctimage.DefaultLimits().MaxBytes)
			if err != nil {
				return nil, usagef("%s: %w", flagName, err)
			}
			img, err := ctimage.Decode(data, ctimage.Options{})
			if err != nil {
				return nil, usagef("%s %s: %w", flagName, path, err)
			}
			in.images[k] = img.Pixels
			in.conversions[k] = img.Info.Conversions()
			in.imageSource[k] = fmt.Sprintf("%s (%s %dx%d", path, img.Info.Format, img.Info.Width, img.Info.Height)
			if len(in.conversions[k]) > 0 {
				in.imageSource[k] += ": " + strings.Join(in.conversions[k], ", ")
			}
			in.imageSource[k] += ")"
		}
	}
	var err error
	switch {
	case o.clinical != "":
		in.values, err = clinical.Parse(o.clinical, clinical.ParseOptions{AllowPartial: true})
		if err != nil {
			return nil, usagef("-clinical: %w", err)
		}
		in.clinicalFrom = "-clinical"
	case o.clinicalFile != "":
		data, err := limitread.File(o.clinicalFile, maxClinicalFile)
		if err != nil {
			return nil, usagef("-clinical-file: %w", err)
		}
		// Either form, as for -clinical: a JSON object or name=value text.
		in.values, err = clinical.Parse(string(data), clinical.ParseOptions{AllowPartial: true})
		if err != nil {
			return nil, usagef("-clinical-file %s: %w", o.clinicalFile, err)
		}
		in.clinicalFrom = o.clinicalFile
	default:
		in.values.X = clinical.Defaults()
		in.clinicalFrom = "none given: the clinical table's reference means"
	}
	return in, nil
}

// standardised returns the twenty standardised clinical values as the network reads them.
func (in *input) standardised() []float32 {
	z := in.values.Standardised()
	out := make([]float32, len(z))
	for i, v := range z {
		out[i] = float32(v)
	}
	return out
}

// loadModel reads -model, or the shipped model of -shipped.
func loadModel(o options) (*fusion.Net, modelfile.Meta, string, error) {
	var net *fusion.Net
	var meta modelfile.Meta
	path := o.model
	if path != "" {
		var err error
		if net, meta, err = fusion.Load(path); err != nil {
			return nil, meta, "", usagef("-model: %w", err)
		}
	} else {
		if len(weights.List()) == 0 {
			return nil, meta, "", usagef("no -model given and this build ships no models; train one with `go run ./cmd/train -scenario F0` (it writes fusion-F0.flns) and pass -model fusion-F0.flns")
		}
		m, err := weights.Lookup(o.shipped)
		if err != nil {
			return nil, meta, "", usagef("-shipped: %w", err)
		}
		b, err := weights.Open(m.File)
		if err != nil {
			return nil, meta, "", err
		}
		if net, meta, err = fusion.LoadBytes(b); err != nil {
			return nil, meta, "", fmt.Errorf("shipped model %s: %w", m.File, err)
		}
		path = "shipped " + m.File
	}
	cfg := net.Config()
	if cfg.Images() != 2 || cfg.ImageSize() != phantom.Size || cfg.Clinical() != clinical.NumVars || len(cfg.Modalities()) != 4 {
		return nil, meta, "", usagef("model %s reads %d images of %dx%d and %d clinical values in %d modalities; explain needs the paper's layout (2 images of 28x28, 20 values, 4 modalities)",
			path, cfg.Images(), cfg.ImageSize(), cfg.ImageSize(), cfg.Clinical(), len(cfg.Modalities()))
	}
	return net, meta, path, nil
}

// referenceExplain explains the case by the reference gradient, with the shipped
// autoencoder's whitened latent features of each image and the clinical values as the
// reference features of the case and of the background (explainer.ReferenceCases(n, seed)).
func referenceExplain(head importance.Head, mods []importance.Modality, z []float32, images [][]float32, clin []float32,
	bg importance.Cohort, o options) (importance.Attribution, *importance.Uncertainty, []float32, error) {
	n, seed := o.background, o.seed
	fail := func(err error) (importance.Attribution, *importance.Uncertainty, []float32, error) {
		return importance.Attribution{}, nil, nil, fmt.Errorf("reference features: %w", err)
	}
	b, err := weights.Autoencoder()
	if err != nil {
		return fail(err)
	}
	ae, err := latent.LoadBytes(b)
	if err != nil {
		return fail(err)
	}
	ref := explainer.ReferenceCases(n, seed)
	if bg.Reference, err = referenceRows(ae, ref.Axial, ref.Coronal, ref.Clinical, n); err != nil {
		return fail(err)
	}
	r, err := referenceRows(ae, images[0], images[1], clin, 1)
	if err != nil {
		return fail(err)
	}
	f := func(h importance.Head, mods []importance.Modality, x []float32, bg importance.Cohort, io importance.Options) (importance.Attribution, error) {
		return importance.ReferenceGradientLocal(h, mods, x, r, bg, io)
	}
	a, u, err := explainLocal(f, head, mods, z, bg, o, o.resamples > 0)
	return a, u, r, err
}

// referenceRows returns n rows of 40 reference features: the autoencoder's ten whitened
// latents of the axial and of the coronal image, then the twenty clinical values.
func referenceRows(ae *latent.Model, ax, co, clin []float32, n int) ([]float32, error) {
	fa, err := ae.Features(phantom.Axial, ax, n)
	if err != nil {
		return nil, err
	}
	fc, err := ae.Features(phantom.Coronal, co, n)
	if err != nil {
		return nil, err
	}
	k := latent.Dim
	nc := len(clin) / n
	out := make([]float32, n*(2*k+nc))
	for i := 0; i < n; i++ {
		row := out[i*(2*k+nc):]
		for j := 0; j < k; j++ {
			row[j] = float32(fa[i*k+j])
			row[k+j] = float32(fc[i*k+j])
		}
		for j := 0; j < nc; j++ {
			row[2*k+j] = clin[i*nc+j]
		}
	}
	return out, nil
}

// Result is what explain reports, and its JSON form.
type Result struct {
	Model      ModelInfo      `json:"model"`
	Case       CaseInfo       `json:"case"`
	P          float64        `json:"p_class1"`
	Class      int            `json:"predicted_class"`
	Method     MethodInfo     `json:"method"`
	Modalities []ModalityItem `json:"modalities"`
	Features   []FeatureItem  `json:"features,omitempty"`
	Saliency   []string       `json:"saliency,omitempty"`
	// Interactions says which modalities act together in this case.
	Interactions *Interactions `json:"modality_interactions,omitempty"`
	// Uncertainty says how the intervals of the shares were made (nil with -resamples 0).
	Uncertainty *Uncertainty `json:"uncertainty,omitempty"`
}

// ModelInfo describes the model used.
type ModelInfo struct {
	Path         string  `json:"path"`
	Scenario     string  `json:"scenario,omitempty"`
	DataSource   string  `json:"data_source,omitempty"`
	TestAccuracy float64 `json:"test_accuracy,omitempty"`
	Command      string  `json:"command,omitempty"`
}

// CaseInfo describes the inputs.
type CaseInfo struct {
	Synthetic bool   `json:"synthetic"`
	Axial     string `json:"axial"`
	Coronal   string `json:"coronal"`
	// AxialConversions and CoronalConversions say what decoding each image changed or
	// dropped on the way to 28x28 (colour, frames, crop, resampling, window, bit depth).
	AxialConversions   []string           `json:"axial_conversions,omitempty"`
	CoronalConversions []string           `json:"coronal_conversions,omitempty"`
	ClinicalFrom       string             `json:"clinical_from"`
	Clinical           map[string]float64 `json:"clinical"`
	ClinicalGiven      []string           `json:"clinical_given"`
}

// MethodInfo names the method.
type MethodInfo struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Background  int    `json:"background_cases,omitempty"`
}

// ModalityItem is one modality's attribution: Value as the method gives it (signed for
// additive methods, a sum of magnitudes for gradients) and Share, |Value| normalised.
type ModalityItem struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Share float64 `json:"share"`
	// Interval is the share's interval (see Result.Uncertainty), as [lo, hi].
	Interval *importance.Interval `json:"share_interval,omitempty"`
	// RankSupported says whether the intervals support the modality's rank: its order
	// against each neighbour in the ranking holds in at least 95 % of resamples.
	RankSupported *bool `json:"rank_supported,omitempty"`
}

// FeatureItem is one fusion feature's attribution.
type FeatureItem struct {
	Index    int     `json:"index"`
	Name     string  `json:"name"`
	Modality string  `json:"modality"`
	Z        float64 `json:"z"` // the fusion-vector value
	// Physical is the clinical value in its unit (clinical features only).
	Physical *float64 `json:"physical,omitempty"`
	Unit     string   `json:"unit,omitempty"`
	Value    float64  `json:"value"`
	Share    float64  `json:"share"`
	// Interval is the share's interval (see Result.Uncertainty), as [lo, hi].
	Interval *importance.Interval `json:"share_interval,omitempty"`
}

func explain(o options, stdout io.Writer) error {
	m, err := importance.MethodByName(o.method)
	if err != nil {
		return usagef("-method: %w", err)
	}
	byReference := m.Name == "reference_gradient"
	if m.Local == nil && !byReference {
		return usagef("-method %s scores a cohort, not one case; see -method list", m.Name)
	}
	in, err := loadInput(o)
	if err != nil {
		return err
	}
	net, meta, path, err := loadModel(o)
	if err != nil {
		return err
	}
	clin := in.standardised()
	feats := make([][]float32, 2)
	for k, img := range in.images {
		if feats[k], err = net.EncodeChecked(img); err != nil {
			return fmt.Errorf("model %s: %w", path, err)
		}
	}
	z, err := net.Fuse(feats, clin)
	if err != nil {
		return err
	}
	if err := net.CheckHead(z); err != nil {
		return fmt.Errorf("model %s: %w", path, err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		return err
	}
	var bg importance.Cohort
	if explainer.NeedsReference(m.Name) {
		if bg, err = explainer.ReferenceCohort(net, o.background, o.seed); err != nil {
			return err
		}
	}
	mods := importance.DefaultModalities()
	var a importance.Attribution
	var u *importance.Uncertainty
	var ref []float32 // the case's reference features, for the reference gradient
	if byReference {
		a, u, ref, err = referenceExplain(head, mods, z, in.images[:], clin, bg, o)
	} else {
		a, u, err = explainLocal(m.Local, head, mods, z, bg, o, o.resamples > 0)
	}
	if err != nil {
		return err
	}
	res := report(o, in, net, meta, path, m, a, z, ref, bg.N)
	addIntervals(res, u)
	if res.Interactions, err = caseInteractions(net, head, z, bg, o); err != nil {
		return err
	}
	if o.saliency != "" {
		if res.Saliency, err = writeSaliency(o.saliency, net, in.images, clin); err != nil {
			return err
		}
	}
	if o.json {
		return writeJSON(stdout, res)
	}
	return writeTable(stdout, res, o.top)
}

// report assembles the Result.
func report(o options, in *input, net *fusion.Net, meta modelfile.Meta, path string, m importance.Method,
	a importance.Attribution, z, ref []float32, nbg int) *Result {
	res := &Result{
		Model: ModelInfo{Path: path, Scenario: strings.Trim(string(meta.Scenario), `"`), DataSource: meta.DataSource,
			TestAccuracy: meta.TestAccuracy, Command: meta.Command},
		Case: CaseInfo{Synthetic: in.synthetic, Axial: in.imageSource[0], Coronal: in.imageSource[1],
			AxialConversions: in.conversions[0], CoronalConversions: in.conversions[1],
			ClinicalFrom: in.clinicalFrom, Clinical: map[string]float64{}},
		P:      a.P,
		Method: MethodInfo{Name: m.Name, Label: m.Label, Description: m.Description, Background: nbg},
	}
	if len(res.Model.Scenario) > 80 {
		res.Model.Scenario = res.Model.Scenario[:77] + "..."
	}
	if a.P > 0.5 {
		res.Class = 1
	}
	vars := clinical.Variables()
	for i, v := range vars {
		res.Case.Clinical[v.Name] = in.values.X[i]
		if in.values.Given[i] {
			res.Case.ClinicalGiven = append(res.Case.ClinicalGiven, v.Name)
		}
	}
	imp := a.Importance()
	for k, md := range mods(net) {
		res.Modalities = append(res.Modalities, ModalityItem{Name: md, Value: a.Modalities[k], Share: imp.Modalities[k]})
	}
	if a.Features != nil {
		cfg := net.Config()
		f := cfg.Features()
		for j, v := range a.Features {
			it := FeatureItem{Index: j, Z: float64(z[j]), Value: v, Share: imp.Features[j]}
			if ref != nil {
				it.Z = float64(ref[j]) // the method scores reference features, not fusion features
			}
			if j < cfg.Images()*f {
				it.Modality = cfg.Modalities()[j/f].Name
				it.Name = fmt.Sprintf("encoder feature %d", j%f)
				if ref != nil {
					it.Name = fmt.Sprintf("latent feature %d", j%f)
				}
			} else {
				cv := vars[j-cfg.Images()*f]
				it.Modality = cv.Group.Modality()
				it.Name = cv.Name
				x := in.values.X[cv.Index]
				it.Physical, it.Unit = &x, cv.Unit
			}
			res.Features = append(res.Features, it)
		}
	}
	return res
}

func mods(net *fusion.Net) []string {
	var out []string
	for _, m := range net.Config().Modalities() {
		out = append(out, m.Name)
	}
	return out
}

// writeTable prints the result for a person.
func writeTable(w io.Writer, r *Result, top int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "model     %s", r.Model.Path)
	if r.Model.Scenario != "" {
		fmt.Fprintf(&b, " (scenario %s", r.Model.Scenario)
		if r.Model.TestAccuracy > 0 {
			fmt.Fprintf(&b, ", test accuracy %.3f", r.Model.TestAccuracy)
		}
		b.WriteString(")")
	}
	b.WriteString("\n")
	if r.Case.Synthetic {
		b.WriteString("case      SYNTHETIC: no patient data; pass -axial and -coronal to explain your own images\n")
	}
	fmt.Fprintf(&b, "axial     %s\ncoronal   %s\nclinical  %s", r.Case.Axial, r.Case.Coronal, r.Case.ClinicalFrom)
	if n := len(r.Case.ClinicalGiven); n > 0 && n < clinical.NumVars {
		fmt.Fprintf(&b, " (%d given, the other %d at the table's reference means)", n, clinical.NumVars-n)
	}
	fmt.Fprintf(&b, "\n\nprediction  p(class 1) = %.4f  ->  class %d\n", r.P, r.Class)
	fmt.Fprintf(&b, "method      %s: %s\n", r.Method.Label, r.Method.Description)
	if r.Method.Background > 0 {
		fmt.Fprintf(&b, "            background: %d synthetic phantom cases encoded by the model\n", r.Method.Background)
	}
	fmt.Fprintf(&b, "\n%-12s %12s %8s", "modality", "value", "share")
	if r.Uncertainty != nil {
		fmt.Fprintf(&b, "  %-16s", fmt.Sprintf("%g %% interval", 100*r.Uncertainty.Level))
	}
	b.WriteString("\n")
	for _, m := range r.Modalities {
		fmt.Fprintf(&b, "%-12s %12.5g %7.1f%%", m.Name, m.Value, 100*m.Share)
		if m.Interval != nil {
			fmt.Fprintf(&b, "  %-16s", intervalCell(*m.Interval, m.RankSupported))
		}
		fmt.Fprintf(&b, "  %s\n", strings.Repeat("#", int(math.Round(40*m.Share))))
	}
	writeUncertaintyNote(&b, r.Uncertainty, "")
	if len(r.Features) > 0 && top > 0 {
		order := make([]int, len(r.Features))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, c int) bool { return r.Features[order[a]].Share > r.Features[order[c]].Share })
		n := min(top, len(order))
		kind, col := "fusion features", "z"
		if r.Method.Name == "reference_gradient" {
			kind, col = "reference features (autoencoder latents of each image, clinical values)", "r"
		}
		fmt.Fprintf(&b, "\n%s, %d of %d by share (value: the method's attribution of the feature)\n", kind, n, len(order))
		fmt.Fprintf(&b, "%-4s %s %s %s %9s %12s %8s", "z#", pad("feature", 20), pad("modality", 11), padLeft("input", 15), col, "value", "share")
		if r.Uncertainty != nil {
			fmt.Fprintf(&b, "  %g %% interval", 100*r.Uncertainty.Level)
		}
		b.WriteString("\n")
		for _, i := range order[:n] {
			f := r.Features[i]
			input := "-"
			if f.Physical != nil {
				input = strings.TrimSpace(fmt.Sprintf("%.4g %s", *f.Physical, f.Unit))
			}
			fmt.Fprintf(&b, "%-4d %s %s %s %9.3f %12.5g %7.1f%%", f.Index, pad(f.Name, 20), pad(f.Modality, 11), padLeft(input, 15), f.Z, f.Value, 100*f.Share)
			if f.Interval != nil {
				fmt.Fprintf(&b, "  [%.1f, %.1f]", 100*f.Interval.Lo(), 100*f.Interval.Hi())
			}
			b.WriteString("\n")
		}
	}
	writeInteractions(&b, r.Interactions)
	for _, s := range r.Saliency {
		fmt.Fprintf(&b, "wrote %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// pad and padLeft pad s with spaces to n characters (runes: units such as µmol/L are
// wider in bytes than on screen).
func pad(s string, n int) string { return s + strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s))) }

func padLeft(s string, n int) string {
	return strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s))) + s
}
