package validation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
)

// BasisDraws is how many random image bases Basis draws per scenario run.
const BasisDraws = 1000

// BasisReport says how much of a report's figures rests on the basis of the image
// features (groundtruth.BasisSpread): for each scenario run, the truth beside its
// basis-free value and its farthest twin; for each method, its RMSE to the truth beside
// its RMSE to the basis-free truth; and the bound no method blind to the basis can be
// sure to beat on these scenarios.
type BasisReport struct {
	Draws     int             `json:"draws"`
	Scenarios []BasisScenario `json:"scenarios"`
	Methods   []BasisMethod   `json:"methods"`
	// Convention is the mean over scenarios (of the mean over runs) of RMSE(truth,
	// basis-free truth).
	Convention float64 `json:"convention"`
	// Bound is the mean over scenarios (of the mean over runs) of half the farthest
	// twin's RMSE. A method not told the basis answers each scenario and its twin alike,
	// so its mean RMSE over the scenarios or over their twins is at least Bound.
	Bound float64 `json:"bound"`
}

// BasisScenario is one scenario's runs.
type BasisScenario struct {
	Name string     `json:"name"`
	Runs []BasisRun `json:"runs"`
}

// BasisRun is one run's cohort and method seeds, its truth's basis spread and each method's RMSE to
// the truth and to the basis-free truth, in the report's method order.
type BasisRun struct {
	Seed       uint64    `json:"cohort_seed"`
	MethodSeed uint64    `json:"method_seed"` // the methods' seed, on the network and on the decision
	Truth      []float64 `json:"truth"`
	BasisFree  []float64 `json:"basis_free_truth"`
	Convention float64   `json:"convention_rmse"`
	MeanTwin   float64   `json:"mean_twin_rmse"`
	Twin       []float64 `json:"farthest_twin"`
	TwinRMSE   float64   `json:"farthest_twin_rmse"`
	// RMSE and RMSEBasisFree are NaN (null in JSON) for a method that failed.
	RMSE          []jsonFloat `json:"rmse"`
	RMSEBasisFree []jsonFloat `json:"rmse_basis_free"`
	// Decision is each method's RMSE to the truth when run on the decision itself (a
	// perfect network: DecisionMethods only, NaN for the others), and NetworkToDecision
	// the RMSE between its answers on the trained network and on the decision.
	Decision          []jsonFloat `json:"rmse_on_decision"`
	NetworkToDecision []jsonFloat `json:"rmse_network_to_decision"`
	// OnDecision is the modality shares of each of DecisionMethods on the decision.
	OnDecision map[string][]float64 `json:"on_decision"`
}

// BasisMethod is one method's mean RMSE over the scenarios, to the truth and to the
// basis-free truth, each as mean ± SD over the runs (run k of every scenario together).
type BasisMethod struct {
	Method    string `json:"method"`
	Label     string `json:"label"`
	RMSE      Stat   `json:"rmse"`
	BasisFree Stat   `json:"rmse_basis_free"`
	// Decision and NetworkToDecision are over DecisionMethods only (N 0 for the others).
	Decision          Stat `json:"rmse_on_decision"`
	NetworkToDecision Stat `json:"rmse_network_to_decision"`
}

// DecisionMethods are the methods Basis also runs on the decision itself: those that
// read only p(class 1), which the decision's step gives everywhere (the gradient
// methods would read its derivative, 0 almost everywhere with threshold labels).
var DecisionMethods = []string{"shapley", "kernelshap", "occlusion", "lime"}

// onDecision runs DecisionMethods that r ran on the decision of the test cohort itself
// (decisionHead over the cases' ground-truth features), with r's method options and the
// run's method seed, and returns each one's modality shares.
func onDecision(r *Report, test *cohort.Cohort, seed uint64) (map[string][]float64, error) {
	z := make([]float32, len(test.X))
	for i, v := range test.X {
		z[i] = float32(v)
	}
	c := importance.Cohort{Z: z, N: test.N, Labels: test.Labels}
	o := importance.Options{Seed: seed, Cases: r.Options.Cases, Background: r.Options.Background}
	out := map[string][]float64{}
	for _, name := range DecisionMethods {
		if !slices.ContainsFunc(r.Methods, func(m MethodInfo) bool { return m.Name == name }) {
			continue
		}
		m, err := importance.MethodByName(name)
		if err != nil {
			return nil, err
		}
		imp, err := m.Global(newDecisionHead(&test.Scenario, test.Threshold), importance.DefaultModalities(), c, o)
		if err != nil {
			return nil, fmt.Errorf("%s on the decision: %w", name, err)
		}
		out[name] = imp.Modalities
	}
	return out, nil
}

// jsonFloat is a float64 that encodes NaN as null.
type jsonFloat float64

// MarshalJSON encodes NaN as null.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) {
		return []byte("null"), nil
	}
	return fmt.Appendf(nil, "%v", float64(f)), nil
}

// basisRuns returns a scenario's runs (each with its methods' seed) and the cohort seed
// of each: a run's own seed when its network was trained with it, the recorded cohort
// seed when one network served every run or the report has one run (whose methods ran
// with the report's seed, as Merge counts it).
func basisRuns(r *Report, res *ScenarioResult) (runs []SeedRun, cohortSeeds []uint64) {
	runs = res.Seeds
	if len(runs) == 0 {
		return []SeedRun{seedRun(res, r.Seed)}, []uint64{res.Cases.Seed}
	}
	overTraining := res.Spread == nil || res.Spread.Over == OverTraining
	for _, run := range runs {
		s := res.Cases.Seed
		if overTraining {
			s = run.Seed
		}
		cohortSeeds = append(cohortSeeds, s)
	}
	return runs, cohortSeeds
}

// Basis redraws the test cases of every run in r (the scenarios by name from scenarios,
// the images' features from ae, which must be the run's autoencoder) and measures how far
// each truth depends on the basis of the image features. It fails when a scenario of r
// is not among scenarios, or when a redrawn cohort's truth is not the one r recorded
// (another autoencoder, cohort size or code).
func Basis(ctx context.Context, r *Report, scenarios []Scenario, ae *latent.Model, progress func(name string, seed uint64)) (*BasisReport, error) {
	if ae == nil {
		return nil, fmt.Errorf("validation: basis: no autoencoder")
	}
	byName := map[string]*groundtruth.Scenario{}
	for _, s := range scenarios {
		byName[s.Scenario.Name] = s.Scenario
	}
	out := &BasisReport{Draws: BasisDraws}
	// Per run and method, sums over the scenarios: RMSE to the truth and to the basis-free
	// truth; on the decision itself, RMSE to the truth and the network's distance from it.
	var network, onDec pairSums
	for i := range r.Scenarios {
		res := &r.Scenarios[i]
		sc := byName[res.Name]
		if sc == nil {
			return nil, fmt.Errorf("validation: basis: scenario %s of the report is not given (pass its file, or its built-in name)", res.Name)
		}
		runs, seeds := basisRuns(r, res)
		bs := BasisScenario{Name: res.Name}
		var conv, bound float64
		for k, run := range runs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil {
				progress(res.Name, seeds[k])
			}
			c, err := cohort.Build(sc, ae, cohort.Options{N: res.Cases.N, Seed: seeds[k]})
			if err != nil {
				return nil, fmt.Errorf("validation: basis: %s: %w", res.Name, err)
			}
			_, _, test, err := c.Splits(seeds[k])
			if err != nil {
				return nil, fmt.Errorf("validation: basis: %s: %w", res.Name, err)
			}
			sp, err := sc.BasisSpread(test.X, BasisDraws, seeds[k])
			if err != nil {
				return nil, fmt.Errorf("validation: basis: %s: %w", res.Name, err)
			}
			if seeds[k] == res.Cases.Seed {
				if d, err := importance.RMSE(sp.Truth[:], res.Truth); err != nil || d > 1e-9 {
					return nil, fmt.Errorf("validation: basis: %s: the redrawn test cases' truth %v is not the report's %v: another autoencoder, cohort size or code made the report",
						res.Name, sp.Truth, res.Truth)
				}
			}
			if got := labelsText(&test.Scenario); got != res.Labels {
				return nil, fmt.Errorf("validation: basis: %s: labels %q, the report's %q: give the run's label flags again", res.Name, got, res.Labels)
			}
			br := BasisRun{Seed: seeds[k], MethodSeed: run.Seed, Truth: sp.Truth[:], BasisFree: sp.BasisFree[:], Convention: sp.Convention,
				MeanTwin: sp.MeanTwin, Twin: sp.Twin[:], TwinRMSE: sp.TwinRMSE}
			decision, err := onDecision(r, test, run.Seed)
			if err != nil {
				return nil, fmt.Errorf("validation: basis: %s: %w", res.Name, err)
			}
			br.OnDecision = decision
			for j, m := range run.Methods {
				a, b := math.NaN(), math.NaN()
				if m.Error == "" && len(m.Modalities) == groundtruth.NumModalities {
					a, _ = importance.RMSE(m.Modalities, br.Truth)
					b, _ = importance.RMSE(m.Modalities, br.BasisFree)
					network.add(k, j, len(r.Methods), a, b)
				}
				br.RMSE = append(br.RMSE, jsonFloat(a))
				br.RMSEBasisFree = append(br.RMSEBasisFree, jsonFloat(b))
				d, nd := math.NaN(), math.NaN()
				if est := decision[m.Method]; est != nil {
					d, _ = importance.RMSE(est, br.Truth)
				}
				if est := decision[m.Method]; est != nil && !math.IsNaN(a) {
					// Counted only beside the network's answer, so that both means are
					// over the same runs.
					nd, _ = importance.RMSE(m.Modalities, est)
					onDec.add(k, j, len(r.Methods), d, nd)
				}
				br.Decision = append(br.Decision, jsonFloat(d))
				br.NetworkToDecision = append(br.NetworkToDecision, jsonFloat(nd))
			}
			bs.Runs = append(bs.Runs, br)
			conv += sp.Convention / float64(len(runs))
			bound += sp.TwinRMSE / 2 / float64(len(runs))
		}
		out.Scenarios = append(out.Scenarios, bs)
		out.Convention += conv / float64(len(r.Scenarios))
		out.Bound += bound / float64(len(r.Scenarios))
	}
	for j, m := range r.Methods {
		a, b := network.stats(j, len(r.Scenarios))
		d, nd := onDec.stats(j, len(r.Scenarios))
		out.Methods = append(out.Methods, BasisMethod{Method: m.Name, Label: m.Label, RMSE: a, BasisFree: b, Decision: d, NetworkToDecision: nd})
	}
	// Closest to the truth first; a method with no complete run last.
	key := func(m BasisMethod) float64 {
		if m.RMSE.N == 0 {
			return math.Inf(1)
		}
		return m.RMSE.Mean
	}
	sort.SliceStable(out.Methods, func(a, b int) bool { return key(out.Methods[a]) < key(out.Methods[b]) })
	return out, nil
}

// pairSums holds, per run k and method j, the sums over scenarios of two figures and
// how many scenarios added to them.
type pairSums struct {
	sum [][][2]float64
	n   [][]int
}

// add adds x and y to run k's sums for method j of methods (j beyond methods is ignored:
// a run lists the report's methods).
func (p *pairSums) add(k, j, methods int, x, y float64) {
	for len(p.sum) <= k {
		p.sum = append(p.sum, make([][2]float64, methods))
		p.n = append(p.n, make([]int, methods))
	}
	if j < methods {
		p.sum[k][j][0] += x
		p.sum[k][j][1] += y
		p.n[k][j]++
	}
}

// stats returns method j's two means over the scenarios, as mean ± SD over the runs in
// which it has a figure for every one of them.
func (p *pairSums) stats(j, scenarios int) (Stat, Stat) {
	var x, y []float64
	for k := range p.sum {
		if p.n[k][j] == scenarios {
			x = append(x, p.sum[k][j][0]/float64(scenarios))
			y = append(y, p.sum[k][j][1]/float64(scenarios))
		}
	}
	return newStat(x), newStat(y)
}

// WriteJSON writes the report as indented JSON.
func (b *BasisReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// WriteMarkdown writes the report as Markdown tables: the scenarios, then the methods.
func (b *BasisReport) WriteMarkdown(w io.Writer) error {
	var s strings.Builder
	fmt.Fprintf(&s, "# How much of the truth is the image basis\n\n")
	fmt.Fprintf(&s, "The ground truth sums |dF/dx_j| over each image's ten autoencoder features, a basis no user sees. "+
		"Rotating it (%d uniformly random orthonormal bases per image and run) gives twin worlds with the same images, values and labels. "+
		"A method not told the basis answers a scenario and its twin alike, so by the triangle inequality its mean RMSE over these scenarios, or over their twins, is at least **%.3f**. "+
		"The truth's own distance from its basis-free value (its expectation over a random basis) averages %.3f.\n\n", b.Draws, b.Bound, b.Convention)
	s.WriteString("| scenario | cohort seed | truth | basis-free truth | RMSE truth to basis-free | mean RMSE to a twin | farthest twin | its RMSE |\n|---|---:|---|---|---:|---:|---|---:|\n")
	for _, sc := range b.Scenarios {
		for _, r := range sc.Runs {
			fmt.Fprintf(&s, "| %s | %d | %s | %s | %.3f | %.3f | %s | %.3f |\n", sc.Name, r.Seed, shares(r.Truth), shares(r.BasisFree),
				r.Convention, r.MeanTwin, shares(r.Twin), r.TwinRMSE)
		}
	}
	s.WriteString("\nEach method's mean RMSE over the scenarios, mean ± SD over the runs. \"On the decision itself\" runs the method " +
		"on a perfect network (the labels' own probability of class 1, read from the truth's features) with the same options and seed; " +
		"\"network to decision\" is the RMSE between its answers on the trained network and on the decision:\n\n")
	s.WriteString("| method | RMSE to the truth | RMSE to the basis-free truth | on the decision itself | network to decision |\n|---|---:|---:|---:|---:|\n")
	for _, m := range b.Methods {
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s |\n", m.Label, statText(m.RMSE), statText(m.BasisFree), statText(m.Decision), statText(m.NetworkToDecision))
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// shares formats modality shares as "0.250 / 0.250 / 0.250 / 0.250".
func shares(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(parts, " / ")
}

// statText formats a Stat as "0.075 ± 0.012", or the mean alone for one run.
func statText(s Stat) string {
	if s.N == 0 {
		return "-"
	}
	if s.N == 1 {
		return fmt.Sprintf("%.3f", s.Mean)
	}
	return pm(s)
}
