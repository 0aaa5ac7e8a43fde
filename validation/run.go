package validation

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/pca"
	"github.com/fusionlens/fusionlens/radiomics"
)

// Scenario is one decision function to validate on, with where it came from.
type Scenario struct {
	Scenario *groundtruth.Scenario
	// Source is "built-in" or the scenario file's path.
	Source string
}

// Builtins returns the eight built-in scenarios F0..F7.
func Builtins() []Scenario {
	var out []Scenario
	for _, s := range groundtruth.Builtins() {
		out = append(out, Scenario{Scenario: &s, Source: "built-in"})
	}
	return out
}

// Model is a trained fusion network offered to Run instead of training one: it is used
// for the scenario its Meta.Scenario names.
type Model struct {
	Net  *fusion.Net
	Meta modelfile.Meta
	// Source says where it came from, e.g. its path.
	Source string
	// SHA256 is the hex digest of the file's bytes, when known.
	SHA256 string
}

// Options control Run. The zero value runs the full validation with seed 1.
type Options struct {
	// Seed seeds everything, as cmd/train does: the cohort's images and clinical values,
	// the 70/10/20 split, the network's initial weights and shuffling, the methods' random
	// draws and the randomised heads. 0 means 1. A model given in Models brings its own
	// seed (Meta.Seed), which then draws its cohort and split so that its test cases are
	// the ones it was not trained on.
	Seed uint64
	// Quick makes everything small enough for continuous integration: QuickCohort cases,
	// QuickEpochs epochs, fewer cases for the coalition methods, one randomised head.
	Quick bool
	// N overrides the cohort size (0: the scenario's CohortSize, or QuickCohort).
	N int
	// Epochs is the most training epochs (0: 20, as in the paper, or QuickEpochs).
	Epochs int
	// InputSparsity is fusion.TrainOptions.InputSparsity for the networks trained here
	// (0, the paper's set-up: off).
	InputSparsity float32
	// RefitEpochs is fusion.TrainOptions.RefitEpochs (with InputSparsity or
	// SelectSparsity).
	RefitEpochs int
	// SelectSparsity, when set (InputSparsity then 0), chooses each network's
	// input-sparsity strength on its validation split from these strengths and 0
	// (fusion.SelectInputSparsity): the sparsest that loses at most SparsityTolerance of
	// validation accuracy against the network trained without the penalty.
	SelectSparsity []float32
	// SparsityTolerance is SelectInputSparsity's tolerance (with SelectSparsity).
	SparsityTolerance float64
	// KeepBest, Patience and SelectBy are fusion.TrainOptions' for the networks trained
	// here: keep the best epoch's weights, stop after Patience epochs without a better
	// one, "better" by validation accuracy or log-loss. The zero values are the paper's
	// set-up (every epoch up to the accuracy stop, the last one kept).
	KeepBest bool
	Patience int
	SelectBy fusion.Selection
	// DecoupledWeightDecay is fusion.TrainOptions.DecoupledWeightDecay (AdamW's decay on
	// the weight matrices and kernels) for the networks trained here; 0 is off.
	DecoupledWeightDecay float32
	// Methods names the methods to run (see Methods); nil runs them all.
	Methods []string
	// Workers is how many methods run at once (0: GOMAXPROCS).
	Workers int
	// Randomisations is how many randomised heads, and as many re-initialised whole
	// networks, each method is checked on (0: 3, or 1 when Quick).
	Randomisations int
	// Autoencoder gives the ground-truth image features; nil takes latent.Default().
	Autoencoder *latent.Model
	// Models are trained networks to use where their scenario matches, instead of
	// training.
	Models []Model
	// Importance sets the methods' options; zero fields take Run's defaults (see
	// methodOptions), and Seed is always Options.Seed.
	Importance importance.Options
	// SaveModels, when set, is a folder where each network trained here is written as
	// fusion-<scenario>.flns (float32), with the scenario and seed in its meta, and the
	// autoencoder as autoencoder.flns, so a later run can take them back (LoadModels).
	SaveModels string
	// Progress, when set, is called as the run advances (from the calling goroutine).
	Progress func(Progress)
	// OnScenario, when set, is called (from the calling goroutine) each time a scenario
	// has finished all its runs, with a report of the scenarios done so far, summarised
	// over them: marked Partial, with ScenariosPlanned, until the last scenario, whose
	// call gets the finished report, equal to the one Run returns but for the time
	// taken (Report.Seconds). The report's scenario list and summary are its own; the
	// scenarios' results in it are shared with Run's report, to be read, not changed.
	// An error stops the run and Run returns it, so a caller saving the report as it
	// goes (cmd/validate) learns at once that it cannot.
	OnScenario func(*Report) error
	// Seeds is how many times each scenario runs, run k with seed Seed + k (0: once; at
	// most MaxSeeds); see seeds.go for what changes between runs and how they are
	// summarised. Runs after the first skip the sanity checks.
	Seeds int

	// extraRun marks a run after a scenario's first.
	extraRun bool
}

// MaxSeeds bounds Options.Seeds.
const MaxSeeds = 100

// Sizes of a quick run.
const (
	QuickCohort = 800
	QuickEpochs = 4
)

// Progress reports how far a run is.
type Progress struct {
	Scenario, Scenarios int    // the current scenario, from 1, and how many there are
	Name                string // its name
	Phase               string // "cohort", "train", "load", "methods" or "done"
	Detail              string // e.g. "epoch 3/20" or "kernelshap"
	// Done is the share of the whole run completed, in [0, 1], from the phases' typical
	// costs.
	Done float64
}

// Phase weights within one scenario for Progress.Done (measured shares of a full run
// that trains; the methods take the rest).
const (
	wCohort = 0.08
	wTrain  = 0.80
)

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Epochs == 0 {
		o.Epochs = 20
		if o.Quick {
			o.Epochs = QuickEpochs
		}
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Randomisations == 0 {
		o.Randomisations = 3
		if o.Quick {
			o.Randomisations = 1
		}
	}
	return o
}

// methodOptions fills the methods' options: the package defaults, except that the
// per-case coalition methods explain a sample of the test cases (200, or 40 when
// quick) against 50 background cases (20 when quick), which keeps KernelSHAP over
// forty features within seconds; Seed is the run's.
func (o Options) methodOptions() importance.Options {
	m := o.Importance
	m.Seed = o.Seed
	if m.Cases == 0 {
		m.Cases = 200
		if o.Quick {
			m.Cases = 40
		}
	}
	if m.Background == 0 && o.Quick {
		m.Background = 20
	}
	return m
}

// selected returns the methods named in o.Methods (all when nil), checking the names.
func (o Options) selected() ([]importance.Method, error) {
	if o.Methods == nil {
		return importance.AllMethods(), nil
	}
	if len(o.Methods) == 0 {
		return nil, fmt.Errorf("validation: no methods selected")
	}
	seen := map[string]bool{}
	var out []importance.Method
	for _, name := range o.Methods {
		m, err := importance.MethodByName(name)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("validation: method %q selected twice", name)
		}
		seen[name] = true
		out = append(out, m)
	}
	return out, nil
}

// Run validates every scenario: it builds the cohort, trains the fusion network (or uses
// a given model trained for the scenario), runs each method on the fusion vectors of
// the held-out test cases and compares its modality importance with the ground truth of
// those cases; then it summarises each method over the scenarios. It stops early with
// ctx's error when ctx is cancelled.
func Run(ctx context.Context, scenarios []Scenario, o Options) (*Report, error) {
	o = o.withDefaults()
	if len(scenarios) == 0 {
		return nil, fmt.Errorf("validation: no scenarios")
	}
	methods, err := o.selected()
	if err != nil {
		return nil, err
	}
	if o.N < 0 || o.N == 1 {
		return nil, fmt.Errorf("validation: cohort size %d, want 0 (the scenario's) or at least 2", o.N)
	}
	if o.Epochs < 0 {
		return nil, fmt.Errorf("validation: %d epochs, want at least 1", o.Epochs)
	}
	if o.Seeds < 0 || o.Seeds > MaxSeeds {
		return nil, fmt.Errorf("validation: %d seeds, want 0 (one run) to %d", o.Seeds, MaxSeeds)
	}
	for i, s := range scenarios {
		if s.Scenario == nil {
			return nil, fmt.Errorf("validation: scenario %d is nil", i)
		}
		if err := s.Scenario.Validate(); err != nil {
			return nil, fmt.Errorf("validation: scenario %d (%s): %w", i, s.Scenario.Name, err)
		}
	}
	start := time.Now()
	r := newReport(o, methods)
	progress := func(k int, name, phase, detail string, frac float64) {
		if o.Progress != nil {
			o.Progress(Progress{Scenario: k + 1, Scenarios: len(scenarios), Name: name, Phase: phase, Detail: detail,
				Done: (float64(k) + frac) / float64(len(scenarios))})
		}
	}
	ae := o.Autoencoder
	if ae == nil {
		progress(0, scenarios[0].Scenario.Name, "cohort", "training the default autoencoder", 0)
		if ae, err = latent.Default(); err != nil {
			return nil, fmt.Errorf("validation: default autoencoder: %w", err)
		}
	}
	r.Autoencoder = autoencoderInfo(ae)
	if o.SaveModels != "" {
		// The saved networks mean something only in the world of this autoencoder.
		if err := os.MkdirAll(o.SaveModels, 0o755); err != nil {
			return nil, err
		}
		if err := ae.Save(filepath.Join(o.SaveModels, "autoencoder.flns"), modelfile.Options{}); err != nil {
			return nil, fmt.Errorf("validation: saving the autoencoder: %w", err)
		}
	}
	runs := max(o.Seeds, 1)
	overs := map[string]bool{}
	for k, s := range scenarios {
		var first *ScenarioResult
		var seeds []SeedRun
		over := OverTraining
		for j := range runs {
			oj := o
			oj.Seed = o.Seed + uint64(j)
			if j > 0 {
				oj.SaveModels, oj.extraRun = "", true
			}
			res, err := runScenario(ctx, s, ae, methods, oj, func(phase, detail string, frac float64) {
				if runs > 1 {
					detail = strings.TrimSpace(fmt.Sprintf("run %d/%d %s", j+1, runs, detail))
				}
				progress(k, s.Scenario.Name, phase, detail, (float64(j)+frac)/float64(runs))
			})
			if err != nil {
				return nil, fmt.Errorf("validation: scenario %s, seed %d: %w", s.Scenario.Name, oj.Seed, err)
			}
			if res.Model.Source != "trained" {
				over = OverEvaluation
			}
			seeds = append(seeds, seedRun(res, oj.Seed))
			if j == 0 {
				first = res
			}
		}
		if runs > 1 {
			first.Seeds, first.Spread = seeds, spread(seeds, over)
			overs[over] = true
		}
		r.Scenarios = append(r.Scenarios, *first)
		progress(k, s.Scenario.Name, "done", "", 1)
		if o.OnScenario != nil {
			if err := o.OnScenario(sofar(r, runs, overs, len(scenarios), start)); err != nil {
				return nil, fmt.Errorf("validation: after scenario %s (%d of %d): %w", s.Scenario.Name, k+1, len(scenarios), err)
			}
		}
	}
	finish(r, runs, overs, start)
	return r, nil
}

// finish fills in what a report has once its scenarios are in: the runs per scenario and
// what varied between them, the summary and the time taken since start.
func finish(r *Report, runs int, overs map[string]bool, start time.Time) {
	r.SeedRuns, r.SpreadOver = 0, ""
	if runs > 1 {
		r.SeedRuns = runs
		var parts []string
		for _, v := range []string{OverTraining, OverEvaluation} {
			if overs[v] {
				parts = append(parts, v)
			}
		}
		r.SpreadOver = strings.Join(parts, "; and, for the scenarios with a given model, ")
	}
	r.summarise()
	r.Seconds = time.Since(start).Seconds()
}

// sofar returns a finished copy of r, the report of its scenarios so far out of
// planned, marked partial when there are fewer. The copy shares nothing Run changes
// later: its scenario list is its own, and the scenarios in it are not changed again.
func sofar(r *Report, runs int, overs map[string]bool, planned int, start time.Time) *Report {
	c := *r
	c.Scenarios = append([]ScenarioResult(nil), r.Scenarios...)
	finish(&c, runs, overs, start)
	if len(c.Scenarios) < planned {
		c.Partial, c.ScenariosPlanned = true, planned
	}
	return &c
}

// runScenario validates one scenario.
func runScenario(ctx context.Context, s Scenario, ae *latent.Model, methods []importance.Method, o Options,
	progress func(phase, detail string, frac float64)) (*ScenarioResult, error) {
	t0 := time.Now()
	if o.extraRun {
		o.Randomisations = 0 // the sanity checks are the first run's
	}
	sc := s.Scenario
	res := &ScenarioResult{Name: sc.Name, Description: sc.Description, Formula: sc.Formula(), Labels: labelsText(sc), Source: s.Source,
		Modalities: groundtruth.Modalities[:]}

	model, err := matchModel(sc, o.Models)
	if err != nil {
		return nil, err
	}
	seed, n := o.Seed, o.N
	if n == 0 && o.Quick {
		n = QuickCohort
	}
	if model != nil {
		seed = model.Meta.Seed
		if seed == 0 {
			seed = 1
		}
		n = commandN(model.Meta.Command) // cmd/train's -n, else the scenario's size
	}
	// Phase weights for Progress.Done: without training, the cohort and methods share it.
	wc, wt := wCohort, wTrain
	if model != nil {
		wc, wt = 0.3, 0
	}
	wm := 1 - wc - wt
	progress("cohort", "drawing images", 0)
	c, err := cohort.Build(sc, ae, cohort.Options{N: n, Seed: seed})
	if err != nil {
		return nil, err
	}
	trainC, valC, testC, err := c.Splits(seed)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Cases = Cases{N: c.N, Train: trainC.N, Val: valC.N, Test: testC.N, Positive: c.Positive, Flipped: c.Flipped, Images: c.Source, Seed: seed}
	res.Truth = append([]float64(nil), testC.Truth.Modality[:]...)
	res.TruthFeatures = append([]float64(nil), testC.Truth.Feature[:]...)
	res.CohortTruth = append([]float64(nil), c.Truth.Modality[:]...)
	res.Ignored = Ignored(res.Truth)

	var net *fusion.Net
	if model != nil {
		progress("load", model.Source, wc)
		net = model.Net.Clone(256)
		res.Model = ModelInfo{Source: model.Source, SHA256: model.SHA256, Seed: seed, Epochs: model.Meta.Epochs,
			Command: model.Meta.Command, DataSource: model.Meta.DataSource, FileTestAccuracy: model.Meta.TestAccuracy}
	} else {
		if net, res.Model, err = train(ctx, trainC, valC, seed, o, func(p fusion.Progress) {
			frac := (float64(p.Epoch-1) + float64(p.Step)/float64(max(p.Steps, 1))) / float64(max(p.Epochs, 1))
			progress("train", fmt.Sprintf("epoch %d/%d", p.Epoch, p.Epochs), wc+wt*frac)
		}); err != nil {
			return nil, err
		}
	}
	test := dataset(testC)
	tm, err := net.Evaluate(test)
	if err != nil {
		return nil, err
	}
	res.Test = testMetrics(tm)
	if model == nil && o.SaveModels != "" {
		if res.Model.Saved, err = saveModel(o.SaveModels, net, sc, s.Source, c, res, n, o.Epochs); err != nil {
			return nil, err
		}
	}
	z, p, err := net.Embed(test)
	if err != nil {
		return nil, err
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		return nil, err
	}
	if err := sameHead(head, p, z, testC.N); err != nil {
		return nil, err
	}
	res.FusionSD = importance.ColumnSD(z, testC.N, head.Dim())
	measured, err := measuredFeatures(testC)
	if err != nil {
		return nil, err
	}
	basis, err := basisFeatures(testC)
	if err != nil {
		return nil, err
	}
	coh := importance.Cohort{Z: z, N: testC.N, Labels: testC.Labels, Reference: referenceFeatures(testC), Measured: measured, Basis: basis}

	progress("methods", "", wc+wt)
	done := 0
	nets, err := randomNetworks(net, test, coh, o.Randomisations, o.Seed)
	if err != nil {
		return nil, err
	}
	res.Methods, err = runMethods(ctx, head, coh, nets, res.Truth, res.Ignored, methods, o, func(name string) {
		done++
		progress("methods", name, wc+wt+wm*float64(done)/float64(len(methods)))
	})
	if err != nil {
		return nil, err
	}
	res.Interactions = modalityInteractions(head, coh, sc, testC.X, o.methodOptions())
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

// randomNetwork is a re-initialised network (encoder and head) and the test cases
// embedded by it, for the network-randomisation check.
type randomNetwork struct {
	head   *fusion.DenseHead
	cohort importance.Cohort
}

// randomNetworks re-initialises n networks of net's configuration from seeds of their own
// and embeds the test cases with each. A fresh network's batch norms hold the running
// statistics 0 and 1, so its image features would come out at whatever scale the random
// encoder gives; they are standardised over the cases, which is the last batch norm
// with the cohort's own statistics, so that they enter the head at the scale a trained
// network's do. c's labels and reference features are kept: they belong to the cases.
func randomNetworks(net *fusion.Net, test fusion.Dataset, c importance.Cohort, n int, seed uint64) ([]randomNetwork, error) {
	cfg := net.Config()
	dim, img := cfg.Dim(), cfg.Dim()-cfg.Clinical()
	out := make([]randomNetwork, n)
	for r := range out {
		rn, err := fusion.NewNet(cfg, net.MaxBatch(), seed<<8+uint64(r)+0x80)
		if err != nil {
			return nil, err
		}
		z, _, err := rn.Embed(test)
		if err != nil {
			return nil, err
		}
		mean, sd := importance.ColumnMean(z, test.N, dim), importance.ColumnSD(z, test.N, dim)
		for j := range img {
			scale := 0.0
			if sd[j] > 0 {
				scale = 1 / sd[j]
			}
			for i := range test.N {
				z[i*dim+j] = float32((float64(z[i*dim+j]) - mean[j]) * scale)
			}
		}
		h, err := fusion.HeadOf(rn)
		if err != nil {
			return nil, err
		}
		rc := c
		rc.Z = z
		out[r] = randomNetwork{head: h, cohort: rc}
	}
	return out, nil
}

// referenceFeatures returns the cohort's ground-truth features as float32 reference features
// (fusion-vector order: each image's whitened autoencoder latents, then the clinical values).
func referenceFeatures(c *cohort.Cohort) []float32 {
	out := make([]float32, len(c.X))
	for i, v := range c.X {
		out[i] = float32(v)
	}
	return out
}

// measuredFeatures returns the reference features a user could have for the cohort's
// cases (fusion-vector order): each image's radiomics measurements, computed from the
// image alone, then the clinical values. Nothing of the autoencoder enters.
func measuredFeatures(c *cohort.Cohort) ([]float32, error) {
	const side = 28
	return perImageFeatures(c, radiomics.NumFeatures, "radiomics measurements", func(imgs []float32, n int) ([]float32, error) {
		m, err := radiomics.MeasureAll(imgs, n, side, side)
		if err != nil {
			return nil, err
		}
		out := make([]float32, len(m))
		for i, v := range m {
			out[i] = float32(v)
		}
		return out, nil
	})
}

// BasisComponents is how many principal components of each image input the basis
// gradient counts in: as many as the image has fusion features, since its map goes from
// a modality's reference features to its fusion features one width to the other.
const BasisComponents = 10

// basisFeatures returns the reference features of the cohort's own basis (fusion-vector
// order): each image's standardised scores on the first BasisComponents principal
// components of that image input over these cases, then the clinical values. Only the
// images enter; nothing of the autoencoder.
func basisFeatures(c *cohort.Cohort) ([]float32, error) {
	const pixels = 28 * 28
	return perImageFeatures(c, BasisComponents, "principal components", func(imgs []float32, n int) ([]float32, error) {
		b, err := pca.Fit(imgs, n, pixels, BasisComponents)
		if err != nil {
			return nil, err
		}
		return b.Scores(imgs, n)
	})
}

// perImageFeatures lays out reference features in fusion-vector order: the k features
// per case that feat makes from each image input's n images (rows of k), then the
// clinical values. what names the features in errors.
func perImageFeatures(c *cohort.Cohort, k int, what string, feat func(imgs []float32, n int) ([]float32, error)) ([]float32, error) {
	clin := len(c.Clinical) / max(c.N, 1)
	dim := 2*k + clin
	if len(c.X) != c.N*dim {
		return nil, fmt.Errorf("validation: %d %s per image and %d clinical values make %d features, the cohort has %d per case", k, what, clin, dim, len(c.X)/max(c.N, 1))
	}
	out := make([]float32, c.N*dim)
	for v, imgs := range [][]float32{c.Axial, c.Coronal} {
		f, err := feat(imgs, c.N)
		if err != nil {
			return nil, fmt.Errorf("validation: %s of the %s images: %w", what, groundtruth.Modalities[v], err)
		}
		if len(f) != c.N*k {
			return nil, fmt.Errorf("validation: %d %s of the %s images, want %d per case for %d cases", len(f), what, groundtruth.Modalities[v], k, c.N)
		}
		for i := 0; i < c.N; i++ {
			copy(out[i*dim+v*k:i*dim+(v+1)*k], f[i*k:(i+1)*k])
		}
	}
	for i := 0; i < c.N; i++ {
		copy(out[i*dim+2*k:(i+1)*dim], c.Clinical[i*clin:(i+1)*clin])
	}
	return out, nil
}

// sameHead checks that the copied head predicts what the network predicted.
func sameHead(h *fusion.DenseHead, p, z []float32, n int) error {
	q := make([]float32, n)
	h.Prob(z, n, q)
	for i := range q {
		if d := math.Abs(float64(q[i]) - float64(p[i])); d > 1e-4 {
			return fmt.Errorf("validation: the copied head predicts %v for test case %d, the network %v", q[i], i, p[i])
		}
	}
	return nil
}

func dataset(c *cohort.Cohort) fusion.Dataset {
	return fusion.Dataset{N: c.N, Axial: c.Axial, Coronal: c.Coronal, Clinical: c.Clinical, Labels: c.Labels}
}

// train trains a fresh network on the training cases as cmd/train does.
func train(ctx context.Context, trainC, valC *cohort.Cohort, seed uint64, o Options, progress func(fusion.Progress)) (*fusion.Net, ModelInfo, error) {
	to := fusion.DefaultTrainOptions()
	to.Batch = min(to.Batch, trainC.N)
	to.Epochs, to.Seed, to.InputSparsity, to.RefitEpochs = o.Epochs, seed, o.InputSparsity, o.RefitEpochs
	to.KeepBest, to.Patience, to.SelectBy, to.DecoupledWeightDecay = o.KeepBest, o.Patience, o.SelectBy, o.DecoupledWeightDecay
	newNet := func() (*fusion.Net, error) { return fusion.NewNet(fusion.DefaultConfig(), max(to.Batch, 256), seed) }
	var last time.Time
	to.Progress = func(p fusion.Progress) {
		if p.EpochDone || time.Since(last) > 200*time.Millisecond {
			last = time.Now()
			progress(p)
		}
	}
	t0 := time.Now()
	var (
		net    *fusion.Net
		tr     fusion.TrainResult
		choice *fusion.SparsityChoice
		err    error
	)
	if len(o.SelectSparsity) > 0 {
		var ch fusion.SparsityChoice
		net, tr, ch, err = fusion.SelectInputSparsity(ctx, newNet, dataset(trainC), dataset(valC), to, o.SelectSparsity, o.SparsityTolerance)
		choice, to.InputSparsity, to.RefitEpochs = &ch, ch.Chosen, 0
		if ch.Chosen > 0 {
			to.RefitEpochs = o.RefitEpochs
		}
	} else if net, err = newNet(); err == nil {
		tr, err = fusion.Train(ctx, net, dataset(trainC), dataset(valC), to)
	}
	if err != nil {
		return nil, ModelInfo{}, err
	}
	info := ModelInfo{Source: "trained", Seed: seed, Epochs: len(tr.Epochs), EarlyStopped: tr.EarlyStopped,
		InputSparsity: to.InputSparsity, RefitEpochs: to.RefitEpochs, SparsitySelection: choice,
		TrainSeconds: time.Since(t0).Seconds(), SamplesPerSec: tr.SamplesPerSec,
		DecoupledWeightDecay: to.DecoupledWeightDecay, Best: tr.Best, Patience: to.Patience}
	if to.KeepBest || to.Patience > 0 {
		info.SelectBy = to.SelectBy.String()
	}
	if len(tr.Epochs) > 0 {
		kept := tr.Epochs[len(tr.Epochs)-1]
		if tr.Best > 0 {
			kept = tr.Epochs[tr.Best-1]
		}
		info.ValAccuracy = kept.Val.Accuracy
		if to.SelectBy == fusion.ByLogLoss || to.DecoupledWeightDecay > 0 {
			info.ValLogLoss = kept.Val.LogLoss
		}
	}
	return net, info, nil
}

// runMethods runs each method on the test cohort with o.Workers at a time, compares it
// with the truth and runs the sanity checks. A method that fails is recorded with its
// error; the others go on.
func runMethods(ctx context.Context, head *fusion.DenseHead, c importance.Cohort, nets []randomNetwork, truth []float64, ignored []int,
	methods []importance.Method, o Options, done func(string)) ([]MethodResult, error) {
	mods := importance.DefaultModalities()
	mo := o.methodOptions()
	rand := make([]*fusion.DenseHead, o.Randomisations)
	for r := range rand {
		rand[r] = head.Randomised(o.Seed<<8 + uint64(r) + 1)
	}
	out := make([]MethodResult, len(methods))
	jobs := make(chan int)
	finished := make(chan string)
	var wg sync.WaitGroup
	for range min(o.Workers, len(methods)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = runMethod(methods[i], head, rand, nets, mods, c, truth, ignored, mo)
				finished <- methods[i].Name
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range methods {
			if ctx.Err() != nil {
				return
			}
			jobs <- i
		}
	}()
	go func() { wg.Wait(); close(finished) }()
	for name := range finished {
		done(name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// runMethod computes one method's importance, its agreement with the truth and its
// sanity checks.
func runMethod(m importance.Method, head *fusion.DenseHead, rand []*fusion.DenseHead, nets []randomNetwork, mods []importance.Modality, c importance.Cohort,
	truth []float64, ignored []int, mo importance.Options) MethodResult {
	t0 := time.Now()
	res := MethodResult{Method: m.Name}
	fail := func(err error) MethodResult {
		res.Error = err.Error()
		res.Seconds = time.Since(t0).Seconds()
		return res
	}
	imp, err := m.Global(head, mods, c, mo)
	if err != nil {
		return fail(err)
	}
	res.Modalities, res.Features = imp.Modalities, imp.Features
	if res.Agreement, err = Compare(imp.Modalities, truth); err != nil {
		return fail(err)
	}
	if len(ignored) > 0 {
		ok, err := importance.IgnoredLast(imp.Modalities, ignored...)
		if err != nil {
			return fail(err)
		}
		res.IgnoredLast = &ok
	}
	// The original importance is computed once; ParameterRandomisation gets it back from
	// this wrapper instead of running the method again.
	cached := func(h importance.Head, mods []importance.Modality, c importance.Cohort, o importance.Options) (importance.Importance, error) {
		if h == importance.Head(head) {
			return imp, nil
		}
		return m.Global(h, mods, c, o)
	}
	check := func(h importance.Head, rc importance.Cohort, rr *RandomisationResult) error {
		r, err := importance.ModelRandomisation(cached, head, c, h, rc, mods, mo)
		if err != nil {
			return err
		}
		rmse, err := importance.RMSE(r.Randomised.Modalities, truth)
		if err != nil {
			return err
		}
		rr.Similarity = append(rr.Similarity, r.Similarity)
		rr.ModalityRBO = append(rr.ModalityRBO, r.ModalityRBO)
		rr.RMSE = append(rr.RMSE, rmse)
		return nil
	}
	finish := func(rr *RandomisationResult) *RandomisationResult {
		if len(rr.Similarity) == 0 {
			return nil
		}
		rr.MeanSimilarity = mean(rr.Similarity)
		rr.MeanRMSE = mean(rr.RMSE)
		rr.Passed = rr.MeanSimilarity <= RandomisationMaxSimilarity
		return rr
	}
	heads, whole := &RandomisationResult{}, &RandomisationResult{}
	for _, rh := range rand {
		if err := check(rh, c, heads); err != nil {
			return fail(fmt.Errorf("randomised head: %w", err))
		}
	}
	for _, rn := range nets {
		if err := check(rn.head, rn.cohort, whole); err != nil {
			return fail(fmt.Errorf("randomised network: %w", err))
		}
	}
	res.Randomisation, res.NetworkRandomisation = finish(heads), finish(whole)
	res.Seconds = time.Since(t0).Seconds()
	return res
}

// RandomisationMaxSimilarity is the largest mean rank correlation between a method's
// importances on the trained head and on randomised heads for the method to pass the
// parameter-randomisation check: the importance must depend on what the head learned.
const RandomisationMaxSimilarity = 0.5

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func autoencoderInfo(ae *latent.Model) AutoencoderInfo {
	return AutoencoderInfo{Seed: ae.Info.Seed, Epochs: ae.Info.Epochs, Images: ae.Info.Images,
		DataSource: ae.Info.DataSource, TrainMSE: ae.Info.TrainMSE, Command: ae.Info.Command}
}

// labelsText describes sc's label mode for ScenarioResult.Labels: "" for the default
// threshold labels.
func labelsText(sc *groundtruth.Scenario) string {
	if sc.LabelMode == groundtruth.ThresholdLabels {
		return ""
	}
	return fmt.Sprintf("%s, scale %g", sc.LabelMode, sc.LabelScale)
}
