package validation

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// Report is the outcome of a validation run. It marshals to results.json as is.
type Report struct {
	// Command reproduces the run (set by the caller, e.g. cmd/validate).
	Command string `json:"command,omitempty"`
	Seed    uint64 `json:"seed"`
	Quick   bool   `json:"quick"`
	// RBO states the rank-biased overlap used: persistence, variant and tie rule.
	RBO         string           `json:"rbo"`
	Persistence float64          `json:"rbo_persistence"`
	Options     MethodOptions    `json:"method_options"`
	Methods     []MethodInfo     `json:"methods"`
	Autoencoder AutoencoderInfo  `json:"autoencoder"`
	Scenarios   []ScenarioResult `json:"scenarios"`
	Summary     []Summary        `json:"summary"`
	Paper       Paper            `json:"paper"`
	// SeedRuns is how many runs each scenario had (Options.Seeds; 0 or 1: one), and
	// SpreadOver what changed between them (OverTraining, OverEvaluation, or both).
	SeedRuns   int    `json:"seed_runs,omitempty"`
	SpreadOver string `json:"spread_over,omitempty"`
	// Accuracy is the mean test accuracy over the scenarios, its mean and SD over the runs.
	Accuracy *Stat `json:"test_accuracy_over_seeds,omitempty"`
	// Comparisons are every pair of methods, with several runs (see Comparison).
	Comparisons []Comparison `json:"comparisons,omitempty"`
	Machine     string       `json:"machine"`
	Seconds     float64      `json:"seconds"`
	// Partial marks a report of a run still going or stopped before its end: it holds
	// the scenarios done (all their runs), of ScenariosPlanned, and its summary is over
	// them (Options.OnScenario). A finished run's report has neither field.
	Partial          bool `json:"partial,omitempty"`
	ScenariosPlanned int  `json:"scenarios_planned,omitempty"`
}

// PartialNote says how much of the run a partial report holds, e.g. "partial: 3 of 7
// scenarios", or "" for a finished run's report.
func (r *Report) PartialNote() string {
	if !r.Partial {
		return ""
	}
	return fmt.Sprintf("partial: %d of %d scenarios", len(r.Scenarios), r.ScenariosPlanned)
}

// MethodOptions records the options the methods ran with.
type MethodOptions struct {
	Cases          int `json:"coalition_cases"`      // test cases the per-case coalition methods explain
	Background     int `json:"background"`           // background cases for coalition methods
	Randomisations int `json:"randomised_heads"`     // randomised heads per method
	Epochs         int `json:"max_epochs"`           // most training epochs
	N              int `json:"cohort_size_override"` // 0: each scenario's own size
}

// MethodInfo describes a method.
type MethodInfo struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description"`
	// Extra is set for the methods this project adds to the paper's (importance.Added and
	// importance.ReferenceMethods).
	Extra bool `json:"extra"`
}

// AutoencoderInfo says which autoencoder defined the ground-truth image features.
type AutoencoderInfo struct {
	Seed       uint64  `json:"seed"`
	Epochs     int     `json:"epochs"`
	Images     int     `json:"images"`
	DataSource string  `json:"data_source"`
	TrainMSE   float64 `json:"train_mse"`
	Command    string  `json:"command,omitempty"`
}

// ScenarioResult is the validation of one scenario.
type ScenarioResult struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Formula     string `json:"formula"`
	// Labels says how labels were drawn from F when not by the threshold alone, e.g.
	// "logistic, scale 0.5" (groundtruth.LogisticLabels).
	Labels     string   `json:"labels,omitempty"`
	Source     string   `json:"source"`
	Modalities []string `json:"modalities"`
	// Truth is the ground-truth modality importance over the test cases, the ones the
	// methods explain; CohortTruth is over the whole cohort.
	Truth         []float64 `json:"truth"`
	TruthFeatures []float64 `json:"truth_features"`
	CohortTruth   []float64 `json:"cohort_truth"`
	// Ignored lists the modalities whose truth is exactly 0.
	Ignored []int     `json:"ignored"`
	Cases   Cases     `json:"cases"`
	Model   ModelInfo `json:"model"`
	// Test holds the network's accuracy, AUC and log-loss on the test cases.
	Test TestMetrics `json:"test"`
	// FusionSD is each fusion feature's standard deviation over the test cases.
	FusionSD []float64      `json:"fusion_sd"`
	Methods  []MethodResult `json:"methods"`
	// Interactions compares the estimated modality interactions with the truth.
	Interactions *InteractionResult `json:"modality_interactions,omitempty"`
	// Seeds holds every run's figures (the first is the run reported above) and Spread
	// their means and SDs, when the scenario ran more than once (Options.Seeds).
	Seeds   []SeedRun `json:"seeds,omitempty"`
	Spread  *Spread   `json:"spread,omitempty"`
	Seconds float64   `json:"seconds"`
}

// Cases describes a scenario's cohort.
type Cases struct {
	N        int     `json:"n"`
	Train    int     `json:"train"`
	Val      int     `json:"val"`
	Test     int     `json:"test"`
	Positive float64 `json:"positive"` // share of class 1
	// Flipped counts the labels that differ from the threshold's, F > t (drawn by
	// logistic labels or flipped by label noise).
	Flipped int    `json:"flipped,omitempty"`
	Images  string `json:"images"` // where the images came from
	Seed    uint64 `json:"seed"`   // seed of the cohort and its split
}

// TestMetrics are the network's results on the test cases.
type TestMetrics struct {
	N        int      `json:"n"`
	Accuracy float64  `json:"accuracy"`
	AUC      *float64 `json:"auc"` // nil when the test cases hold one class only
	LogLoss  float64  `json:"log_loss"`
}

func testMetrics(m fusion.Metrics) TestMetrics {
	t := TestMetrics{N: m.N, Accuracy: m.Accuracy, LogLoss: m.LogLoss}
	if !math.IsNaN(m.AUC) {
		auc := m.AUC
		t.AUC = &auc
	}
	return t
}

// ModelInfo says where the network came from.
type ModelInfo struct {
	Source       string `json:"source"` // "trained", or the model file
	SHA256       string `json:"sha256,omitempty"`
	Seed         uint64 `json:"seed"`
	Epochs       int    `json:"epochs"`
	EarlyStopped bool   `json:"early_stopped"`
	// InputSparsity is the group-lasso strength the network was trained with here (0:
	// the paper's set-up).
	InputSparsity float32 `json:"input_sparsity,omitempty"`
	// RefitEpochs is how many epochs ran after the sparse ones without the penalty.
	RefitEpochs int `json:"refit_epochs,omitempty"`
	// DecoupledWeightDecay is the AdamW decay the network was trained with (0: none).
	DecoupledWeightDecay float32 `json:"decoupled_weight_decay,omitempty"`
	// SelectBy, with KeepBest or Patience, is the validation figure they went by
	// ("accuracy" or "loss"); Patience is the patience, Best the epoch kept (0: the last).
	SelectBy string `json:"select_by,omitempty"`
	Patience int    `json:"patience,omitempty"`
	Best     int    `json:"best_epoch,omitempty"`
	// ValAccuracy is the kept epoch's validation accuracy; ValLogLoss its validation
	// log-loss, recorded when training selected by it or used decoupled weight decay.
	ValAccuracy   float64 `json:"val_accuracy,omitempty"`
	ValLogLoss    float64 `json:"val_log_loss,omitempty"`
	TrainSeconds  float64 `json:"train_seconds,omitempty"`
	SamplesPerSec float64 `json:"samples_per_sec,omitempty"`
	Command       string  `json:"command,omitempty"`
	DataSource    string  `json:"data_source,omitempty"`
	// FileTestAccuracy is the test accuracy a model file's meta states (from its own
	// training run), for comparison with the one measured here.
	FileTestAccuracy float64 `json:"file_test_accuracy,omitempty"`
	// Saved is where the trained network was written (Options.SaveModels), if anywhere.
	Saved string `json:"saved,omitempty"`

	// SparsitySelection, when the input-sparsity strength was chosen on the validation
	// split (Options.SelectSparsity), gives each strength tried and its validation
	// accuracy; InputSparsity is then the chosen one.
	SparsitySelection *fusion.SparsityChoice `json:"sparsity_selection,omitempty"`
}

// MethodResult is one method on one scenario.
type MethodResult struct {
	Method     string    `json:"method"`
	Modalities []float64 `json:"modalities"`
	Features   []float64 `json:"features,omitempty"`
	Agreement
	// IgnoredLast is whether the modalities the decision ignores rank strictly last; nil
	// when the scenario ignores none.
	IgnoredLast   *bool                `json:"ignored_last"`
	Randomisation *RandomisationResult `json:"randomisation,omitempty"`
	// NetworkRandomisation is the same check with the whole network re-initialised
	// (encoder and head) and the test cases embedded again: the fair test for a method
	// that reads the encoder too, such as the reference gradient.
	NetworkRandomisation *RandomisationResult `json:"network_randomisation,omitempty"`
	Seconds              float64              `json:"seconds"`
	// Error is set when the method failed; the other fields are then incomplete.
	Error string `json:"error,omitempty"`
}

// RandomisationResult is the parameter-randomisation check of one method: its
// importances on the trained head against those on heads with re-initialised weights.
type RandomisationResult struct {
	// Similarity is, per randomised head, the Spearman correlation of the per-feature
	// importances (per-modality for methods without them); see
	// importance.Randomisation.
	Similarity  []float64 `json:"similarity"`
	ModalityRBO []float64 `json:"modality_rbo"`
	// RMSE is the randomised importance's RMSE to the truth, per head.
	RMSE           []float64 `json:"rmse_to_truth"`
	MeanSimilarity float64   `json:"mean_similarity"`
	MeanRMSE       float64   `json:"mean_rmse_to_truth"`
	// Passed: MeanSimilarity <= RandomisationMaxSimilarity.
	Passed bool `json:"passed"`
}

// Summary is one method over all scenarios.
type Summary struct {
	Method string `json:"method"`
	Label  string `json:"label"`
	// Scenarios is how many scenarios the method completed; the means are over them.
	Scenarios         int      `json:"scenarios"`
	MeanRMSE          float64  `json:"mean_rmse"`
	MaxRMSE           float64  `json:"max_rmse"`
	MeanRBO           float64  `json:"mean_rbo"`
	MeanRBOIndexTies  float64  `json:"mean_rbo_index_ties"`
	MeanSpearman      *float64 `json:"mean_spearman"` // over scenarios where it is defined
	RandomisationPass int      `json:"randomisation_passed"`
	// NetworkRandomisationPass counts the scenarios passing the whole-network check, out
	// of NetworkRandomisationChecks (0 in reports made before the check existed).
	NetworkRandomisationPass   int `json:"network_randomisation_passed"`
	NetworkRandomisationChecks int `json:"network_randomisation_checked"`
	IgnoredLastPass            int `json:"ignored_last_passed"`
	IgnoredLastChecks          int `json:"ignored_last_checked"`
	// PaperRMSE is the paper's mean RMSE for this method, when it reports one.
	PaperRMSE *float64 `json:"paper_rmse,omitempty"`
	// RMSEOverSeeds and RBOOverSeeds are, with several runs per scenario, the mean and SD
	// over the runs of the mean over the scenarios; MeanRMSE, MeanRBO and MaxRMSE are then
	// over every run, the other counts over the first run's.
	RMSEOverSeeds *Stat   `json:"rmse_over_seeds,omitempty"`
	RBOOverSeeds  *Stat   `json:"rbo_over_seeds,omitempty"`
	Seconds       float64 `json:"seconds"`
}

// Paper holds the published figures the results are set beside.
type Paper struct {
	RMSE map[string]float64 `json:"rmse"`
	RBO  float64            `json:"rbo"`
	Note string             `json:"note"`
}

// PaperFigures returns the agreement with ground truth that the paper reports:
// mean RMSE over 8 cases x 4 modalities per method, and the average RBO, whose
// persistence and variant the paper does not state.
func PaperFigures() Paper {
	return Paper{
		RMSE: map[string]float64{"gradient": 0.122, "permutation": 0.088, "lime": 0.135, "kernelshap": 0.100, "mean4": 0.084},
		RBO:  0.93,
		Note: "Feature Importance Estimation Using Gradient Based Method for Multimodal Fused Neural Networks (2022): mean RMSE over its 8 cases; average RBO 0.93 with persistence and variant not stated. Its cases other than F0 are unpublished, so F1..F7 here are this project's own.",
	}
}

// RBODescription states the RBO this platform reports.
const RBODescription = "extrapolated rank-biased overlap RBO_ext (Webber, Moffat & Zobel 2010, eq. 32) with persistence p = 0.9 over the four modality rankings; modalities tied in the ground truth are ranked in the estimate's order (rbo_index_ties breaks them by index instead). For two full rankings of four items RBO_ext is at least p^4 = 0.656."

func newReport(o Options, methods []importance.Method) *Report {
	mo := o.methodOptions()
	bg := mo.Background
	if bg == 0 {
		bg = importance.DefaultBackground
	}
	r := &Report{Seed: o.Seed, Quick: o.Quick, RBO: RBODescription, Persistence: Persistence, Paper: PaperFigures(),
		Options: MethodOptions{Cases: mo.Cases, Background: bg, Randomisations: o.Randomisations, Epochs: o.Epochs, N: o.N},
		Machine: fmt.Sprintf("%s/%s, GOMAXPROCS %d, %s", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version())}
	extra := map[string]bool{}
	for _, m := range append(importance.Added(), importance.ReferenceMethods()...) {
		extra[m.Name] = true
	}
	for _, m := range methods {
		r.Methods = append(r.Methods, MethodInfo{Name: m.Name, Label: m.Label, Description: m.Description, Extra: extra[m.Name]})
	}
	return r
}

// summarise fills r.Summary from r.Scenarios.
func (r *Report) summarise() {
	r.Summary = nil
	for k, mi := range r.Methods {
		s := Summary{Method: mi.Name, Label: mi.Label}
		var sp []float64
		for _, sc := range r.Scenarios {
			m := sc.Methods[k]
			s.Seconds += m.Seconds
			if m.Error != "" {
				continue
			}
			s.Scenarios++
			s.MeanRMSE += m.RMSE
			s.MaxRMSE = math.Max(s.MaxRMSE, m.RMSE)
			s.MeanRBO += m.RBO
			s.MeanRBOIndexTies += m.RBOIndexTies
			if m.Spearman != nil {
				sp = append(sp, *m.Spearman)
			}
			if m.Randomisation != nil && m.Randomisation.Passed {
				s.RandomisationPass++
			}
			if m.NetworkRandomisation != nil {
				s.NetworkRandomisationChecks++
				if m.NetworkRandomisation.Passed {
					s.NetworkRandomisationPass++
				}
			}
			if m.IgnoredLast != nil {
				s.IgnoredLastChecks++
				if *m.IgnoredLast {
					s.IgnoredLastPass++
				}
			}
		}
		if s.Scenarios > 0 {
			n := float64(s.Scenarios)
			s.MeanRMSE /= n
			s.MeanRBO /= n
			s.MeanRBOIndexTies /= n
		}
		if len(sp) > 0 {
			v := mean(sp)
			s.MeanSpearman = &v
		}
		if v, ok := r.Paper.RMSE[mi.Name]; ok {
			s.PaperRMSE = &v
		}
		r.Summary = append(r.Summary, s)
	}
	r.summariseSeeds()
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// SiteReport is the summary the browser's validation tab reads (validation.json): the
// per-method means and each scenario's truth and estimates.
type SiteReport struct {
	Source         string       `json:"source"`
	RBOPersistence float64      `json:"rbo_persistence"`
	Methods        []SiteMethod `json:"methods"`
	Scenarios      []SiteCase   `json:"scenarios"`
}

// SiteMethod is one method's means over the scenarios.
type SiteMethod struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	RMSE  float64 `json:"rmse"`
	RBO   float64 `json:"rbo"`
}

// SiteCase is one scenario's truth and estimates (method ID -> modality importance).
type SiteCase struct {
	Name      string               `json:"name"`
	Accuracy  float64              `json:"accuracy"`
	Truth     []float64            `json:"truth"`
	Estimates map[string][]float64 `json:"estimates"`
}

// Site returns the browser's summary of r; source says how it was made.
func (r *Report) Site(source string) SiteReport {
	if r.Partial {
		source += " (" + r.PartialNote() + ")"
	}
	s := SiteReport{Source: source, RBOPersistence: r.Persistence}
	for _, m := range r.Summary {
		if m.Scenarios == 0 {
			continue
		}
		s.Methods = append(s.Methods, SiteMethod{ID: m.Method, Label: m.Label, RMSE: m.MeanRMSE, RBO: m.MeanRBO})
	}
	for _, sc := range r.Scenarios {
		c := SiteCase{Name: sc.Name, Accuracy: sc.Test.Accuracy, Truth: sc.Truth, Estimates: map[string][]float64{}}
		for _, m := range sc.Methods {
			if m.Error == "" {
				c.Estimates[m.Method] = m.Modalities
			}
		}
		s.Scenarios = append(s.Scenarios, c)
	}
	return s
}

// label returns the method's label.
func (r *Report) label(name string) string {
	for _, m := range r.Methods {
		if m.Name == name {
			return m.Label
		}
	}
	return name
}

// WriteScenarioTable writes one scenario's table: truth, then each method's modality
// importance, RMSE, RBO, Spearman and sanity checks.
func (r *Report) WriteScenarioTable(w io.Writer, sc *ScenarioResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  (%s)\n  %s\n", sc.Name, sc.Source, sc.Description)
	src := sc.Model.Source
	if src == "trained" {
		stop := ""
		if sc.Model.EarlyStopped {
			stop = ", early stop"
		}
		src = fmt.Sprintf("trained here: %d epochs%s, %.0f s", sc.Model.Epochs, stop, sc.Model.TrainSeconds)
		src += trainingNote(sc.Model)
		if sel := sc.Model.SparsitySelection; sel != nil {
			src += fmt.Sprintf("; input sparsity %v chosen on validation (%s)", sel.Chosen, sparsityTrials(sel))
		}
	}
	fmt.Fprintf(&b, "  cohort %d cases (%d train, %d val, %d test); network %s\n", sc.Cases.N, sc.Cases.Train, sc.Cases.Val, sc.Cases.Test, src)
	fmt.Fprintf(&b, "  test accuracy %.4f  AUC %s\n", sc.Test.Accuracy, optFloat(sc.Test.AUC))
	if sc.Labels != "" {
		fmt.Fprintf(&b, "  labels %s\n", labelsLine(sc))
	}
	fmt.Fprintf(&b, "  %-22s", "method")
	for _, m := range sc.Modalities {
		fmt.Fprintf(&b, " %10s", m)
	}
	fmt.Fprintf(&b, " %7s %6s %8s %9s %9s %8s\n", "RMSE", "RBO", "Spearman", "rand.sim", "net.sim", "ign.last")
	fmt.Fprintf(&b, "  %-22s", "ground truth")
	for _, v := range sc.Truth {
		fmt.Fprintf(&b, " %10.3f", v)
	}
	b.WriteString("\n")
	for _, m := range sc.Methods {
		fmt.Fprintf(&b, "  %-22s", r.label(m.Method))
		if m.Error != "" {
			fmt.Fprintf(&b, " failed: %s\n", m.Error)
			continue
		}
		for _, v := range m.Modalities {
			fmt.Fprintf(&b, " %10.3f", v)
		}
		fmt.Fprintf(&b, " %7.3f %6.3f %8s %9s %9s %8s\n", m.RMSE, m.RBO, optFloat(m.Spearman), randCell(m.Randomisation),
			randCell(m.NetworkRandomisation), ignCell(m.IgnoredLast))
	}
	writeSpreadTable(&b, r, sc)
	writeInteractionTable(&b, sc)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummaryTable writes the per-method means over the scenarios beside the paper's.
func (r *Report) WriteSummaryTable(w io.Writer) error {
	var b strings.Builder
	if r.Partial {
		fmt.Fprintf(&b, "Report %s: the run stopped or is still going; the summary is over the scenarios done\n", r.PartialNote())
	}
	fmt.Fprintf(&b, "Summary over %d scenarios (RBO: RBO_ext, p = %.1f; truth ties in the estimate's order)\n", len(r.Scenarios), r.Persistence)
	fmt.Fprintf(&b, "  %-22s %9s %9s %8s %8s %9s %8s %10s %9s %9s\n", "method", "mean RMSE", "paper", "max RMSE", "mean RBO", "RBO(idx)", "Spearman", "rand.pass", "net.pass", "ign.last")
	for _, s := range r.Summary {
		paper := "-"
		if s.PaperRMSE != nil {
			paper = fmt.Sprintf("%.3f", *s.PaperRMSE)
		}
		if s.Scenarios == 0 {
			fmt.Fprintf(&b, "  %-22s failed on every scenario\n", s.Label)
			continue
		}
		ign := "-"
		if s.IgnoredLastChecks > 0 {
			ign = fmt.Sprintf("%d/%d", s.IgnoredLastPass, s.IgnoredLastChecks)
		}
		fmt.Fprintf(&b, "  %-22s %9.3f %9s %8.3f %8.3f %9.3f %8s %10s %9s %9s\n", s.Label, s.MeanRMSE, paper, s.MaxRMSE, s.MeanRBO,
			s.MeanRBOIndexTies, optFloat(s.MeanSpearman), fmt.Sprintf("%d/%d", s.RandomisationPass, s.Scenarios), netCell(s), ign)
	}
	writeInteractionSummary(&b, r)
	fmt.Fprintf(&b, "  paper: mean RBO %.2f (persistence and variant not stated)\n", r.Paper.RBO)
	writeSpreadSummary(&b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

func optFloat(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}

// netCell gives the whole-network randomisation count, "-" where it was not checked.
func netCell(s Summary) string {
	if s.NetworkRandomisationChecks == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", s.NetworkRandomisationPass, s.NetworkRandomisationChecks)
}

func randCell(r *RandomisationResult) string {
	if r == nil {
		return "-"
	}
	mark := "ok"
	if !r.Passed {
		mark = "FAIL"
	}
	return fmt.Sprintf("%.2f %s", r.MeanSimilarity, mark)
}

func ignCell(v *bool) string {
	switch {
	case v == nil:
		return "-"
	case *v:
		return "ok"
	}
	return "FAIL"
}

// WriteMarkdown writes the summary and every scenario's table as Markdown (GitHub
// tables), for RESULTS.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	if r.Partial {
		fmt.Fprintf(&b, "**%s**: the run stopped or is still going; the summary is over the scenarios done.\n\n", r.PartialNote())
	}
	fmt.Fprintf(&b, "### Summary over %d scenarios\n\n", len(r.Scenarios))
	b.WriteString("| method | mean RMSE | paper's RMSE | max RMSE | mean RBO | mean RBO (index ties) | mean Spearman | randomisation passed | network randomisation passed | ignored modality last |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Summary {
		if s.Scenarios == 0 {
			fmt.Fprintf(&b, "| %s | failed | | | | | | | | |\n", s.Label)
			continue
		}
		paper := ""
		if s.PaperRMSE != nil {
			paper = fmt.Sprintf("%.3f", *s.PaperRMSE)
		}
		ign := "-"
		if s.IgnoredLastChecks > 0 {
			ign = fmt.Sprintf("%d/%d", s.IgnoredLastPass, s.IgnoredLastChecks)
		}
		label := s.Label
		for _, m := range r.Methods {
			if m.Name == s.Method && m.Extra {
				label += " *"
			}
		}
		fmt.Fprintf(&b, "| %s | %.3f | %s | %.3f | %.3f | %.3f | %s | %d/%d | %s | %s |\n", label, s.MeanRMSE, paper, s.MaxRMSE,
			s.MeanRBO, s.MeanRBOIndexTies, optFloat(s.MeanSpearman), s.RandomisationPass, s.Scenarios, netCell(s), ign)
	}
	fmt.Fprintf(&b, "\n\\* added by this project (package importance). The paper reports a mean RBO of %.2f without its persistence or variant.\n", r.Paper.RBO)
	writeSpreadMarkdown(&b, r)
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		formula := sc.Formula
		if len(formula) > 200 { // F0's forty terms say less than its description
			cut := strings.LastIndex(formula[:190], " + ")
			if cut < 0 {
				cut = 190
			}
			formula = formula[:cut] + " + ..."
		}
		fmt.Fprintf(&b, "\n### %s\n\n%s `%s`\n\n", sc.Name, sc.Description, formula)
		src := sc.Model.Source
		if src == "trained" {
			src = fmt.Sprintf("trained here (%d epochs, %.0f s)", sc.Model.Epochs, sc.Model.TrainSeconds)
			src += trainingNote(sc.Model)
			if sel := sc.Model.SparsitySelection; sel != nil {
				src += fmt.Sprintf(", input sparsity %v chosen on validation (strength: validation accuracy %s)", sel.Chosen, sparsityTrials(sel))
			}
		} else {
			src = "`" + src + "`"
		}
		fmt.Fprintf(&b, "Cohort %d cases (%d train, %d validation, %d test), seed %d; network %s; test accuracy %.3f, AUC %s.\n\n",
			sc.Cases.N, sc.Cases.Train, sc.Cases.Val, sc.Cases.Test, sc.Cases.Seed, src, sc.Test.Accuracy, optFloat(sc.Test.AUC))
		if sc.Labels != "" {
			fmt.Fprintf(&b, "Labels %s.\n\n", labelsLine(sc))
		}
		b.WriteString("| method |")
		for _, m := range sc.Modalities {
			fmt.Fprintf(&b, " %s |", m)
		}
		b.WriteString(" RMSE | RBO | Spearman | randomised head similarity | randomised network similarity | ignored last |\n|---|")
		for range sc.Modalities {
			b.WriteString("---:|")
		}
		b.WriteString("---:|---:|---:|---:|---:|---:|\n| **ground truth** |")
		for _, v := range sc.Truth {
			fmt.Fprintf(&b, " **%.3f** |", v)
		}
		b.WriteString(" | | | | | |\n")
		for _, m := range sc.Methods {
			fmt.Fprintf(&b, "| %s |", r.label(m.Method))
			if m.Error != "" {
				fmt.Fprintf(&b, " failed: %s |\n", m.Error)
				continue
			}
			for _, v := range m.Modalities {
				fmt.Fprintf(&b, " %.3f |", v)
			}
			fmt.Fprintf(&b, " %.3f | %.3f | %s | %s | %s | %s |\n", m.RMSE, m.RBO, optFloat(m.Spearman), randCell(m.Randomisation),
				randCell(m.NetworkRandomisation), ignCell(m.IgnoredLast))
		}
		writeScenarioSpreadMarkdown(&b, r, sc)
		writeInteractionMarkdown(&b, sc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// labelsLine describes a scenario's labels when they are not the threshold's alone, e.g.
// "logistic, scale 0.45: 812 of 5000 (16.2 %) differ from F > t".
func labelsLine(sc *ScenarioResult) string {
	return fmt.Sprintf("%s: %d of %d (%.1f %%) differ from F > t", sc.Labels, sc.Cases.Flipped, sc.Cases.N,
		100*float64(sc.Cases.Flipped)/float64(max(sc.Cases.N, 1)))
}

// trainingNote says how a network trained here departed from the paper's training in
// model selection and decoupled weight decay ("" when it did not), e.g. "; by validation
// loss, patience 3, kept epoch 5; decoupled weight decay 1".
func trainingNote(m ModelInfo) string {
	var s string
	if m.SelectBy != "" {
		s += "; by validation " + m.SelectBy
		if m.Patience > 0 {
			s += fmt.Sprintf(", patience %d", m.Patience)
		}
		if m.Best > 0 {
			s += fmt.Sprintf(", kept epoch %d", m.Best)
		}
	}
	if m.DecoupledWeightDecay > 0 {
		s += fmt.Sprintf("; decoupled weight decay %v", m.DecoupledWeightDecay)
	}
	return s
}

// sparsityTrials lists the strengths SelectInputSparsity tried with their validation
// accuracy, e.g. "0: 0.665, 6: 0.655 (20 cut), 3: 0.662 (12 cut)".
func sparsityTrials(c *fusion.SparsityChoice) string {
	var parts []string
	for _, t := range c.Trials {
		p := fmt.Sprintf("%v: %.4f", t.Strength, t.ValAccuracy)
		if t.Cut > 0 {
			p += fmt.Sprintf(" (%d cut)", t.Cut)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
