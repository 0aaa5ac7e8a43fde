package site

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
	"github.com/fusionlens/fusionlens/modality"
)

// CompareReport is the part of cmd/compare's compare.json the page shows: per scenario or
// data set, each fusion architecture's accuracy and its use of each modality, and the
// warnings a user can act on. It mirrors architecture.Report's field names; the page
// decodes it with encoding/json, which it already carries, instead of linking the
// architecture package.
type CompareReport struct {
	Seeds    []uint64 `json:"seeds"`
	N        int      `json:"n"`
	Epochs   int      `json:"epochs"`
	Patience int      `json:"patience"`
	Quick    bool     `json:"quick"`
	// SelectBy, DecoupledWeightDecay, InputSparsity and RefitEpochs are how the networks
	// were trained (cmd/compare's training flags); zero values are the paper's set-up.
	SelectBy             string              `json:"select_by"`
	DecoupledWeightDecay float64             `json:"decoupled_weight_decay"`
	InputSparsity        float64             `json:"input_sparsity"`
	RefitEpochs          int                 `json:"refit_epochs"`
	Method               string              `json:"importance_method"` // the method behind the shares
	Command              string              `json:"command"`
	Comparisons          []CompareComparison `json:"comparisons"`
}

// CompareComparison is the architectures side by side on one scenario or data set.
type CompareComparison struct {
	Name        string             `json:"name"`
	Source      string             `json:"source"`
	Description string             `json:"description"`
	Modalities  []string           `json:"modalities"`
	Truth       map[string]float64 `json:"truth"` // ground-truth shares, scenarios only
	CrossModal  []string           `json:"cross_modal_products"`
	Cases       struct {
		N, Train, Val, Test int
	} `json:"cases"`
	Best          string          `json:"best"`
	Architectures []CompareResult `json:"architectures"`
}

// CompareResult is one architecture on one comparison, over the seeds.
type CompareResult struct {
	Name               string             `json:"name"`
	Accuracy           float64            `json:"accuracy"`
	AccuracySD         float64            `json:"accuracy_sd"`
	AUC                float64            `json:"auc"`
	ModalityImportance map[string]float64 `json:"modality_importance"`
	ImportanceSD       map[string]float64 `json:"importance_sd"`
	RMSEToTruth        *float64           `json:"rmse_to_truth"`
	Warnings           []string           `json:"warnings"`
}

// Limits of a compare.json the page reads.
const (
	maxCompareBytes         = 8 << 20
	maxCompareComparisons   = 64
	maxCompareArchitectures = 16
	maxCompareModalities    = 32
	maxCompareWarnings      = 32
	maxCompareText          = 2000 // characters of a name, description or warning
	maxCompareSetting       = 1e6  // largest weight decay or input sparsity
	maxCompareEpochs        = 10000
)

// Training says how the networks were trained where it differs from the paper's
// set-up ("selected by validation log-loss, AdamW decay 1"), or "".
func (r *CompareReport) Training() string {
	var parts []string
	if r.SelectBy == "loss" {
		parts = append(parts, "selected by validation log-loss")
	}
	if r.DecoupledWeightDecay > 0 {
		parts = append(parts, "AdamW decay "+strconv.FormatFloat(r.DecoupledWeightDecay, 'g', 4, 64))
	}
	if r.InputSparsity > 0 {
		parts = append(parts, "input sparsity "+strconv.FormatFloat(r.InputSparsity, 'g', 4, 64)+" with "+strconv.Itoa(r.RefitEpochs)+" refit epochs (hybrid and separate)")
	}
	return strings.Join(parts, ", ")
}

// ParseCompare reads a compare.json written by cmd/compare. It refuses files over
// maxCompareBytes, JSON of another shape, and reports without comparisons, modalities or
// architectures, shares outside [0, 1], accuracies outside [0, 1], and lists or texts
// beyond the page's limits; errors name the comparison, architecture and field.
func ParseCompare(b []byte) (*CompareReport, error) {
	if len(b) > maxCompareBytes {
		return nil, errors.New("compare.json: " + mib(int64(len(b))) + ", above the " + mib(maxCompareBytes) + " the page reads")
	}
	var r CompareReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, errors.New("compare.json: not a comparison written by cmd/compare: " + err.Error())
	}
	switch {
	case len(r.Comparisons) == 0:
		return nil, errors.New("compare.json: no comparisons")
	case len(r.Comparisons) > maxCompareComparisons:
		return nil, errors.New("compare.json: " + strconv.Itoa(len(r.Comparisons)) + " comparisons, more than the page shows (" + strconv.Itoa(maxCompareComparisons) + ")")
	case len(r.Method) > maxCompareText || len(r.Command) > maxCompareText:
		return nil, errors.New("compare.json: importance_method or command longer than " + strconv.Itoa(maxCompareText) + " bytes")
	case r.SelectBy != "" && r.SelectBy != "accuracy" && r.SelectBy != "loss":
		return nil, errors.New("compare.json: select_by " + quote.Short(r.SelectBy) + ", want accuracy or loss")
	case !(r.DecoupledWeightDecay >= 0 && r.DecoupledWeightDecay <= maxCompareSetting) || !(r.InputSparsity >= 0 && r.InputSparsity <= maxCompareSetting):
		return nil, errors.New("compare.json: decoupled_weight_decay " + ftoa(r.DecoupledWeightDecay, 4) + " or input_sparsity " + ftoa(r.InputSparsity, 4) + " outside 0.." + ftoa(maxCompareSetting, 0))
	case r.RefitEpochs < 0 || r.RefitEpochs > maxCompareEpochs:
		return nil, errors.New("compare.json: refit_epochs " + strconv.Itoa(r.RefitEpochs) + ", want 0.." + strconv.Itoa(maxCompareEpochs))
	}
	for i := range r.Comparisons {
		if err := checkComparison(&r.Comparisons[i]); err != nil {
			return nil, errors.New("compare.json: comparison " + strconv.Itoa(i+1) + " (" + quote.Short(r.Comparisons[i].Name) + "): " + err.Error())
		}
	}
	return &r, nil
}

func checkComparison(c *CompareComparison) error {
	for _, t := range []struct{ what, v string }{{"name", c.Name}, {"source", c.Source}, {"description", c.Description}, {"best", c.Best}} {
		if len(t.v) > maxCompareText {
			return errors.New(t.what + " longer than " + strconv.Itoa(maxCompareText) + " bytes")
		}
	}
	if c.Name == "" {
		return errors.New("no name")
	}
	if len(c.Modalities) == 0 || len(c.Modalities) > maxCompareModalities {
		return errors.New(strconv.Itoa(len(c.Modalities)) + " modalities, want 1.." + strconv.Itoa(maxCompareModalities))
	}
	seen := map[string]bool{}
	for _, m := range c.Modalities {
		if m == "" || len(m) > maxCompareText || seen[m] {
			return errors.New("modality " + quote.Short(m) + " is empty, too long or named twice")
		}
		seen[m] = true
	}
	if err := checkShares("truth", c.Truth, c.Modalities, c.Truth != nil); err != nil {
		return err
	}
	if len(c.CrossModal) > maxCompareWarnings {
		return errors.New(strconv.Itoa(len(c.CrossModal)) + " cross-modal products, more than " + strconv.Itoa(maxCompareWarnings))
	}
	if len(c.Architectures) == 0 || len(c.Architectures) > maxCompareArchitectures {
		return errors.New(strconv.Itoa(len(c.Architectures)) + " architectures, want 1.." + strconv.Itoa(maxCompareArchitectures))
	}
	for _, a := range c.Architectures {
		if err := checkResult(a, c.Modalities); err != nil {
			return errors.New("architecture " + quote.Short(a.Name) + ": " + err.Error())
		}
	}
	return nil
}

func checkResult(a CompareResult, mods []string) error {
	if a.Name == "" || len(a.Name) > maxCompareText {
		return errors.New("name empty or too long")
	}
	for _, v := range []struct {
		what string
		v    float64
	}{{"accuracy", a.Accuracy}, {"accuracy_sd", a.AccuracySD}, {"auc", a.AUC}} {
		if !(v.v >= 0 && v.v <= 1) {
			return errors.New(v.what + " " + ftoa(v.v, 4) + ", want 0..1")
		}
	}
	if a.RMSEToTruth != nil && !(*a.RMSEToTruth >= 0 && *a.RMSEToTruth <= 1) {
		return errors.New("rmse_to_truth " + ftoa(*a.RMSEToTruth, 4) + ", want 0..1")
	}
	if err := checkShares("modality_importance", a.ModalityImportance, mods, true); err != nil {
		return err
	}
	if err := checkShares("importance_sd", a.ImportanceSD, mods, false); err != nil {
		return err
	}
	if len(a.Warnings) > maxCompareWarnings {
		return errors.New(strconv.Itoa(len(a.Warnings)) + " warnings, more than " + strconv.Itoa(maxCompareWarnings))
	}
	for _, w := range a.Warnings {
		if len(w) > maxCompareText {
			return errors.New("a warning longer than " + strconv.Itoa(maxCompareText) + " bytes")
		}
	}
	return nil
}

// checkShares checks that every key of v is a modality and every value a share in [0,1];
// with all, that every modality has one.
func checkShares(what string, v map[string]float64, mods []string, all bool) error {
	for k, x := range v {
		if !(x >= 0 && x <= 1) {
			return errors.New(what + " of " + quote.Short(k) + " is " + ftoa(x, 4) + ", want a share in 0..1")
		}
		found := false
		for _, m := range mods {
			found = found || m == k
		}
		if !found {
			return errors.New(what + " names " + quote.Short(k) + ", which is not one of the modalities")
		}
	}
	if all && len(v) != len(mods) {
		return errors.New(what + " has " + strconv.Itoa(len(v)) + " values for " + strconv.Itoa(len(mods)) + " modalities")
	}
	return nil
}

// CompareState is the state of the "Compare architectures" tab: the report shown, where
// it came from, and what went wrong reading one.
type CompareState struct {
	Report  *CompareReport
	Source  string // "the example shipped with the page" or the chosen file's name
	Err     string
	Busy    bool // reading a file
	fetched bool // the shipped example was asked for
}

// compareExample is the example comparison shipped with the page (site/static).
const compareExample = "compare-example.json"

// compareModClass is the CSS class colouring modality id, the i-th of a comparison: the
// paper's modalities keep their colours, others take the schema's by position.
func compareModClass(id string, i int) string {
	for m := range modality.Count {
		if modality.Modality(m).ID() == id {
			return "mod-" + id
		}
	}
	return modClass(i)
}

// compareLabel is a modality's label: the paper's modalities by name, others as given.
func compareLabel(id string) string {
	for m := range modality.Count {
		if modality.Modality(m).ID() == id {
			return modality.Modality(m).Label()
		}
	}
	return id
}

// compareCell is one modality's share in the table.
type compareCell struct {
	ID, Text, Value string
}

// compareRow is one line of a comparison's table: the truth or an architecture.
type compareRow struct {
	Name, Accuracy, AUC, RMSE string
	Best, Truth               bool
	Warnings                  int
	Cells                     []compareCell
}

// compareRows lays out a comparison's table: the truth (when known), then each
// architecture with its accuracy +- SD, AUC, shares +- SD and RMSE to the truth.
func compareRows(c *CompareComparison) []compareRow {
	var rows []compareRow
	if c.Truth != nil {
		r := compareRow{Name: "ground truth", Truth: true, Accuracy: "–", AUC: "–", RMSE: "–"}
		for _, m := range c.Modalities {
			r.Cells = append(r.Cells, compareCell{ID: m, Text: ftoa(c.Truth[m], 3), Value: ftoa(c.Truth[m], 4)})
		}
		rows = append(rows, r)
	}
	for _, a := range c.Architectures {
		r := compareRow{Name: a.Name, Best: a.Name == c.Best, Warnings: len(a.Warnings),
			Accuracy: ftoa(a.Accuracy, 3) + " ± " + ftoa(a.AccuracySD, 3), AUC: ftoa(a.AUC, 3), RMSE: "–"}
		if a.RMSEToTruth != nil {
			r.RMSE = ftoa(*a.RMSEToTruth, 3)
		}
		for _, m := range c.Modalities {
			v := a.ModalityImportance[m]
			r.Cells = append(r.Cells, compareCell{ID: m, Text: ftoa(v, 3) + " ± " + ftoa(a.ImportanceSD[m], 3), Value: ftoa(v, 4)})
		}
		rows = append(rows, r)
	}
	return rows
}

// compareWarning is one warning, with the architecture it is about.
type compareWarning struct {
	Architecture, Text string
}

// compareWarnings lists every warning of a comparison, architecture by architecture.
func compareWarnings(c *CompareComparison) []compareWarning {
	var out []compareWarning
	for _, a := range c.Architectures {
		for _, w := range a.Warnings {
			out = append(out, compareWarning{Architecture: a.Name, Text: w})
		}
	}
	return out
}

// Grouped-bar figure of a comparison: one group per architecture (the truth first when
// known), one bar per modality, its height the share, a whisker of +- one SD over the
// seeds. Coordinates in viewBox units.
const (
	cmpBarW    = 14
	cmpGroupGp = 26
	cmpPlotH   = 150
	cmpTop     = 10
	cmpLeft    = 36
	cmpLabelH  = 30
	cmpMinW    = 240 // a figure of one or two small groups still gets room for its axis
)

// cmpBar is one modality's bar in one group.
type cmpBar struct {
	Class, ID         string
	X, Y, W, H        float64
	Whisker           bool
	WX, WY1, WY2      float64 // whisker's x and its ends
	Title, Value, Grp string
}

// cmpGroup labels a group of bars.
type cmpGroup struct {
	Label string
	X     float64 // centre
}

// cmpTick is a horizontal grid line with its label.
type cmpTick struct {
	Y     float64
	Label string
}

// compareChart is the laid-out figure of a comparison.
type compareChart struct {
	W, H     int
	Bars     []cmpBar
	Groups   []cmpGroup
	Ticks    []cmpTick
	Baseline float64
	Label    string // the figure's accessible description
}

// chartOf lays out the grouped bars of c. The axis runs from 0 to the largest share
// plus its SD, rounded up to a tenth.
func chartOf(c *CompareComparison) compareChart {
	type group struct {
		label    string
		share    map[string]float64
		sd       map[string]float64
		isTruth  bool
		fullName string
	}
	var groups []group
	if c.Truth != nil {
		groups = append(groups, group{label: "truth", share: c.Truth, isTruth: true, fullName: "ground truth"})
	}
	for _, a := range c.Architectures {
		groups = append(groups, group{label: a.Name, share: a.ModalityImportance, sd: a.ImportanceSD, fullName: a.Name})
	}
	top := 0.1
	for _, g := range groups {
		for _, m := range c.Modalities {
			top = math.Max(top, g.share[m]+g.sd[m])
		}
	}
	top = math.Min(1, math.Ceil(top*10-1e-9)/10)
	nm := len(c.Modalities)
	groupW := float64(nm * cmpBarW)
	ch := compareChart{
		W:        max(cmpMinW, cmpLeft+len(groups)*(nm*cmpBarW+cmpGroupGp)),
		H:        cmpTop + cmpPlotH + cmpLabelH,
		Baseline: cmpTop + cmpPlotH,
		Label: "Grouped bars: each architecture's share of the importance per modality (" +
			strconv.Itoa(len(c.Architectures)) + " architectures, " + strconv.Itoa(nm) + " modalities) in " + c.Name,
	}
	y := func(v float64) float64 { return cmpTop + cmpPlotH*(1-math.Min(v, top)/top) }
	for k := 0; k <= int(math.Round(top*10)); k += max(1, int(math.Round(top*10))/5) {
		v := float64(k) / 10
		ch.Ticks = append(ch.Ticks, cmpTick{Y: y(v), Label: ftoa(v, 1)})
	}
	for gi, g := range groups {
		x0 := float64(cmpLeft + cmpGroupGp/2 + gi*(nm*cmpBarW+cmpGroupGp))
		ch.Groups = append(ch.Groups, cmpGroup{Label: g.label, X: x0 + groupW/2})
		for mi, m := range c.Modalities {
			v := g.share[m]
			b := cmpBar{Class: "cbar " + compareModClass(m, mi), ID: m, Grp: g.label,
				X: x0 + float64(mi*cmpBarW), W: cmpBarW - 2, Y: y(v), H: y(0) - y(v),
				Value: ftoa(v, 4), Title: g.fullName + ", " + compareLabel(m) + ": " + ftoa(v, 3)}
			if s := g.sd[m]; s > 0 && !g.isTruth {
				b.Whisker, b.WX, b.WY1, b.WY2 = true, b.X+b.W/2, y(v+s), y(math.Max(0, v-s))
				b.Title += " ± " + ftoa(s, 3)
			}
			ch.Bars = append(ch.Bars, b)
		}
	}
	return ch
}
