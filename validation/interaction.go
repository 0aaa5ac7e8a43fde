package validation

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
)

// InteractionResult is one scenario's modality interactions: the ground truth (shares of
// the cohort mean |d²F/dx_i dx_j| over pairs of modalities, groundtruth.Interaction)
// beside the estimate (shares of the mean |Shapley interaction index| of the network's
// log-odds over pairs, importance.Interaction), pairs named "A|B" in the model's
// modality order. It marshals as results.json's "modality_interactions".
type InteractionResult struct {
	// Pairs lists the pair names in the model's order (JSON objects have none).
	Pairs    []string           `json:"pairs"`
	Truth    map[string]float64 `json:"truth"`
	Estimate map[string]float64 `json:"estimate"`
	// RMSE is the root mean square difference of the shares over the pairs; nil when the
	// truth has no interaction (F is additive across modalities), where shares of the
	// truth are undefined and Strength says how near zero the estimate is.
	RMSE *float64 `json:"rmse"`
	// TruthStrongest lists the pairs with the largest true share (several on a tie);
	// empty when the truth has no interaction.
	TruthStrongest []string `json:"truth_strongest"`
	// EstimateStrongest is the pair with the largest estimated share.
	EstimateStrongest string `json:"estimate_strongest"`
	// StrongestFound says EstimateStrongest is among TruthStrongest; nil when the truth
	// has no interaction.
	StrongestFound *bool `json:"strongest_found"`
	// Signed is the estimate's mean signed index per pair, in log-odds: positive where two
	// modalities reinforce each other, negative where they stand in for each other.
	Signed map[string]float64 `json:"estimate_signed"`
	// Strength is the estimate's total mean |index| over the pairs relative to the total
	// mean |Shapley value| over the modalities: near 0 for modalities acting on their own.
	Strength *float64 `json:"estimate_strength"`
	// Shapley is each modality's mean |Shapley value| over the cases in log-odds, from the
	// same coalition values (the denominator of Strength); nil when the index was sampled.
	Shapley map[string]float64 `json:"shapley,omitempty"`
	// Cases and Background are the test cases explained and the background cases.
	Cases      int     `json:"cases"`
	Background int     `json:"background"`
	Seconds    float64 `json:"seconds"`
	// Error is set when the interactions could not be computed.
	Error string `json:"error,omitempty"`
}

// modalityInteractions compares the estimated interactions of head over the test cohort
// c (with the coalition methods' options mo) with the truth of sc over the test cases'
// ground-truth features X.
func modalityInteractions(head *fusion.DenseHead, c importance.Cohort, sc *groundtruth.Scenario, X []float64, mo importance.Options) *InteractionResult {
	t0 := time.Now()
	res := &InteractionResult{}
	fail := func(err error) *InteractionResult {
		res.Error = err.Error()
		res.Seconds = time.Since(t0).Seconds()
		return res
	}
	truth, err := sc.Interaction(X)
	if err != nil {
		return fail(err)
	}
	est, err := importance.Interaction(head, importance.DefaultModalities(), c, mo)
	if err != nil {
		return fail(err)
	}
	if err := compareInteractions(res, truth, est); err != nil {
		return fail(err)
	}
	res.Seconds = time.Since(t0).Seconds()
	return res
}

// compareInteractions fills res from the truth and the estimate.
func compareInteractions(res *InteractionResult, truth *groundtruth.Interaction, est importance.Interactions) error {
	if len(est.Modalities) != groundtruth.NumModalities {
		return fmt.Errorf("validation: interactions over %d modalities, the truth has %d", len(est.Modalities), groundtruth.NumModalities)
	}
	for k, name := range est.Modalities {
		if name != groundtruth.Modalities[k] {
			return fmt.Errorf("validation: modality %d is %q in the estimate, %q in the truth", k, name, groundtruth.Modalities[k])
		}
	}
	res.Truth, res.Estimate, res.Signed = map[string]float64{}, map[string]float64{}, map[string]float64{}
	res.Cases, res.Background = est.Cases, est.Background
	var best float64
	var sq float64
	pairs := est.Pairs()
	for _, p := range pairs {
		t := truth.Share[p.I][p.J]
		res.Pairs = append(res.Pairs, p.Name)
		res.Truth[p.Name], res.Estimate[p.Name], res.Signed[p.Name] = t, p.Share, p.Index
		sq += (p.Share - t) * (p.Share - t)
		best = math.Max(best, t)
	}
	if s, ok := est.Strongest(); ok {
		res.EstimateStrongest = s.Name
	}
	if v := est.Strength(); !math.IsNaN(v) {
		res.Strength = &v
	}
	if est.Shapley != nil {
		res.Shapley = map[string]float64{}
		for k, v := range est.Shapley {
			res.Shapley[est.Modalities[k]] = v
		}
	}
	if truth.Total == 0 {
		return nil
	}
	rmse := math.Sqrt(sq / float64(len(pairs)))
	res.RMSE = &rmse
	found := false
	for _, p := range pairs {
		if truth.Share[p.I][p.J] >= best-1e-12 {
			res.TruthStrongest = append(res.TruthStrongest, p.Name)
			found = found || p.Name == res.EstimateStrongest
		}
	}
	res.StrongestFound = &found
	return nil
}

// writeInteractionTable writes a scenario's interactions under its method table.
func writeInteractionTable(b *strings.Builder, sc *ScenarioResult) {
	in := sc.Interactions
	if in == nil {
		return
	}
	if in.Error != "" {
		fmt.Fprintf(b, "  modality interactions failed: %s\n", in.Error)
		return
	}
	fmt.Fprintf(b, "  modality interactions (Shapley interaction index of the log-odds, %d cases, %d background): strength %s\n",
		in.Cases, in.Background, optFloat(in.Strength))
	fmt.Fprintf(b, "  %-26s %7s %9s %13s\n", "pair", "truth", "estimate", "signed index")
	for _, p := range in.Pairs {
		fmt.Fprintf(b, "  %-26s %7.3f %9.3f %+13.4f\n", p, in.Truth[p], in.Estimate[p], in.Signed[p])
	}
	b.WriteString("  " + interactionVerdict(in) + "\n")
}

// interactionVerdict says in one line how close the estimate came.
func interactionVerdict(in *InteractionResult) string {
	if in.RMSE == nil {
		return fmt.Sprintf("truth: no interaction (F is additive across modalities); estimated strength %s", optFloat(in.Strength))
	}
	found := "NOT found"
	if *in.StrongestFound {
		found = "found"
	}
	return fmt.Sprintf("RMSE %.3f over pairs; strongest pair %s %s (estimate's: %s)", *in.RMSE, strings.Join(in.TruthStrongest, ", "), found, in.EstimateStrongest)
}

// writeInteractionMarkdown writes a scenario's interactions as a Markdown table.
func writeInteractionMarkdown(b *strings.Builder, sc *ScenarioResult) {
	in := sc.Interactions
	if in == nil {
		return
	}
	if in.Error != "" {
		fmt.Fprintf(b, "\nModality interactions failed: %s\n", in.Error)
		return
	}
	fmt.Fprintf(b, "\nModality interactions (Shapley interaction index of the log-odds, %d test cases, %d background cases): %s.\n\n",
		in.Cases, in.Background, interactionVerdict(in))
	b.WriteString("| pair | truth | estimate | mean signed index |\n|---|---:|---:|---:|\n")
	for _, p := range in.Pairs {
		fmt.Fprintf(b, "| %s | %.3f | %.3f | %+.4f |\n", strings.ReplaceAll(p, "|", `\|`), in.Truth[p], in.Estimate[p], in.Signed[p])
	}
}

// writeInteractionSummary writes one line on the interactions over all scenarios.
func writeInteractionSummary(b *strings.Builder, r *Report) {
	var with, found, without int
	var rmse float64
	var strength []string
	for _, sc := range r.Scenarios {
		in := sc.Interactions
		if in == nil || in.Error != "" {
			continue
		}
		if in.RMSE == nil {
			without++
			strength = append(strength, sc.Name+" "+optFloat(in.Strength))
			continue
		}
		with++
		rmse += *in.RMSE
		if *in.StrongestFound {
			found++
		}
	}
	if with+without == 0 {
		return
	}
	fmt.Fprintf(b, "  modality interactions: ")
	if with > 0 {
		fmt.Fprintf(b, "strongest pair found in %d/%d scenarios with interactions, mean RMSE %.3f; ", found, with, rmse/float64(with))
	}
	fmt.Fprintf(b, "estimated strength where the truth has none: %s\n", strings.Join(strength, ", "))
}
