package architecture

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/schema"
)

// Set is one thing to compare the variants on: a scenario of the synthetic world (the
// paper's inputs, with the exact ground truth), or a user's data set.
type Set struct {
	// Scenario, when set, draws a cohort of the synthetic world.
	Scenario *groundtruth.Scenario
	// Data and Schema, when Scenario is nil, are the user's cases.
	Data   fusion.Dataset
	Schema schema.Schema
	// Name names the set in the report (a scenario's name when empty); Source says where
	// it came from ("built-in", a path).
	Name, Source string
}

// Options control Run.
type Options struct {
	// Architectures are the variants to train (nil: all, in Names order).
	Architectures []string
	// Seeds is how many seeds to train each variant with (0: 3, or 2 when Quick); the
	// seeds are Seed, Seed+1, ... Each seed draws its own 70/10/20 split, the same for
	// every variant, and the variants' initial weights and shuffles.
	Seeds int
	// Seed is the first seed (0: 1). It also draws a scenario's cohort.
	Seed uint64
	// N is a scenario's cohort size (0: the scenario's CohortSize, or QuickN).
	N int
	// Epochs is the number of training epochs of every network (0: 8, or QuickEpochs).
	Epochs int
	// Patience stops each image network once its validation accuracy has not improved
	// for this many epochs, keeping its best epoch (TrainOptions.Patience); 0 runs every
	// epoch.
	Patience int
	// KeepBest, SelectBy, DecoupledWeightDecay, InputSparsity and RefitEpochs are the
	// TrainOptions of every variant's training (InputSparsity and RefitEpochs reach only
	// hybrid and separate, the variants with a fusion head); their zero values are the
	// paper's set-up.
	KeepBest             bool
	SelectBy             fusion.Selection
	DecoupledWeightDecay float32
	InputSparsity        float32
	RefitEpochs          int
	// Quick makes everything small enough for continuous integration.
	Quick bool
	// Method is the model-agnostic method whose shares are a variant's
	// modality_importance (0: "shapley").
	Method string
	// Methods bounds the methods (0 fields: Shapley explains 200 test cases, 40 when
	// Quick, against 50 background cases, 20 when Quick; 5 permutations).
	Methods MethodOptions
	// Jobs is how many variant-and-seed trainings run at once (0: GOMAXPROCS). Each
	// training's operations are split over GOMAXPROCS goroutines, so with two jobs on two
	// cores each runs on about one; the numbers do not depend on Jobs.
	Jobs int
	// Autoencoder gives the synthetic world's true image features; needed for scenarios.
	Autoencoder *latent.Model
	// Progress, when set, is told what the run is doing.
	Progress func(Progress)
}

// Sizes of a quick run.
const (
	QuickN      = 600
	QuickEpochs = 2
	QuickSeeds  = 2
)

// Progress says what a run is doing.
type Progress struct {
	Set, Sets    int // the current set, from 1, and how many
	Name         string
	Seed         uint64
	Architecture string
	Phase        string // "cohort", "train", "measure"
}

func (o Options) withDefaults() (Options, error) {
	if o.Architectures == nil {
		o.Architectures = Names()
	}
	for _, a := range o.Architectures {
		if !slices.Contains(Names(), a) {
			return o, fmt.Errorf("architecture: unknown architecture %q", a)
		}
	}
	if len(o.Architectures) == 0 {
		return o, fmt.Errorf("architecture: no architectures to compare")
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Seeds == 0 {
		o.Seeds = 3
		if o.Quick {
			o.Seeds = QuickSeeds
		}
	}
	if o.Epochs == 0 {
		o.Epochs = 8
		if o.Quick {
			o.Epochs = QuickEpochs
		}
	}
	if o.N == 0 && o.Quick {
		o.N = QuickN
	}
	if o.Method == "" {
		o.Method = Shapley
	}
	if o.Jobs == 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	if !slices.Contains([]string{Permutation, Occlusion, Shapley}, o.Method) {
		return o, fmt.Errorf("architecture: importance method %q, want permutation, occlusion or shapley", o.Method)
	}
	if o.Methods.Cases == 0 {
		o.Methods.Cases = 200
		if o.Quick {
			o.Methods.Cases = 40
		}
	}
	if o.Methods.Background == 0 {
		o.Methods.Background = 50
		if o.Quick {
			o.Methods.Background = 20
		}
	}
	switch {
	case o.Seeds < 1:
		return o, fmt.Errorf("architecture: %d seeds, want at least 1", o.Seeds)
	case o.Epochs < 1:
		return o, fmt.Errorf("architecture: %d epochs, want at least 1", o.Epochs)
	case o.Jobs < 0:
		return o, fmt.Errorf("architecture: %d jobs, want 0 (GOMAXPROCS) or more", o.Jobs)
	case o.N < 0:
		return o, fmt.Errorf("architecture: cohort size %d, want 0 (the scenario's) or more", o.N)
	}
	if err := o.trainOptions(0).check(); err != nil {
		return o, err
	}
	return o, nil
}

// trainOptions are the TrainOptions of every variant trained with seed.
func (o Options) trainOptions(seed uint64) TrainOptions {
	return TrainOptions{Epochs: o.Epochs, Patience: o.Patience, KeepBest: o.KeepBest, SelectBy: o.SelectBy,
		DecoupledWeightDecay: o.DecoupledWeightDecay, InputSparsity: o.InputSparsity, RefitEpochs: o.RefitEpochs, Seed: seed}
}

// Report is the comparison written to compare.json.
type Report struct {
	Seeds  []uint64 `json:"seeds"`
	N      int      `json:"n,omitempty"`
	Epochs int      `json:"epochs"`
	// Patience is Options.Patience (0: every network ran every epoch).
	Patience int `json:"patience,omitempty"`
	// KeepBest says whether the image networks kept their best epoch's weights
	// (Options.KeepBest, or Patience above 0) rather than their last; SelectBy names
	// the validation figure "best" and Patience went by ("accuracy" or "loss").
	KeepBest bool   `json:"keep_best"`
	SelectBy string `json:"select_by"`
	// DecoupledWeightDecay is the AdamW decay of every network (0: off);
	// InputSparsity and RefitEpochs the fusion head's input sparsity of the hybrid and
	// separate variants (0: off). With Patience and KeepBest they trace the figures to
	// the training that made them.
	DecoupledWeightDecay float32 `json:"decoupled_weight_decay"`
	InputSparsity        float32 `json:"input_sparsity"`
	RefitEpochs          int     `json:"refit_epochs"`
	Quick                bool    `json:"quick,omitempty"`
	// Method is the method behind each variant's modality_importance.
	Method      string       `json:"importance_method"`
	Comparisons []Comparison `json:"comparisons"`
	Command     string       `json:"command,omitempty"`
	Seconds     float64      `json:"seconds"`
}

// Comparison is the variants side by side on one scenario or data set.
type Comparison struct {
	Name        string   `json:"name"`
	Source      string   `json:"source,omitempty"`
	Description string   `json:"description,omitempty"`
	Modalities  []string `json:"modalities"`
	// Truth is the ground-truth modality importance of the test cases, the mean over the
	// seeds' splits (scenarios only).
	Truth map[string]float64 `json:"truth,omitempty"`
	// CrossModal names the pairs of modalities ("ct_axial|clinical_a") whose features the
	// decision multiplies together (scenarios only).
	CrossModal []string `json:"cross_modal_products,omitempty"`
	Cases      Cases    `json:"cases"`
	// Best is the most accurate variant.
	Best          string   `json:"best"`
	Architectures []Result `json:"architectures"`
}

// Cases counts a comparison's cases and their split (the same sizes for every seed).
type Cases struct {
	N, Train, Val, Test int
}

// Result is one variant on one set, over the seeds.
type Result struct {
	Name       string  `json:"name"`
	Accuracy   float64 `json:"accuracy"` // mean test accuracy over the seeds
	AccuracySD float64 `json:"accuracy_sd"`
	AUC        float64 `json:"auc"` // mean test AUC of p(class 1) (one-versus-rest mean with more classes)
	AUCSD      float64 `json:"auc_sd"`
	// ModalityImportance is the mean share of each modality by the report's Method,
	// ImportanceSD its SD over the seeds.
	ModalityImportance map[string]float64 `json:"modality_importance"`
	ImportanceSD       map[string]float64 `json:"importance_sd"`
	// RMSEToTruth compares ModalityImportance with the truth (scenarios only).
	RMSEToTruth *float64 `json:"rmse_to_truth,omitempty"`
	// Methods holds every method's mean shares (gradient only for the variants with a
	// fusion layer).
	Methods map[string]map[string]float64 `json:"methods"`
	// Interaction is the estimated modality interaction of the variants with a fusion
	// layer (importance.Interaction in log-odds): the mean over the seeds of its
	// Strength, and each pair's mean share.
	Interaction *Interaction `json:"interaction,omitempty"`
	Warnings    []string     `json:"warnings"`
	PerSeed     []SeedResult `json:"per_seed"`
}

// Interaction summarises the estimated modality interactions of a variant over the seeds.
type Interaction struct {
	// Strength is the total absolute pairwise interaction over the total absolute
	// Shapley value (near 0 when the modalities act on their own), its mean over the
	// seeds, and StrengthSD its SD.
	Strength   float64 `json:"strength"`
	StrengthSD float64 `json:"strength_sd"`
	// Shares are each pair's ("a|b") share of the total absolute interaction, Strongest
	// the pair with the largest.
	Shares    map[string]float64 `json:"shares"`
	Strongest string             `json:"strongest"`
}

// summarise returns the summary of one variant's interactions over the seeds, or nil when
// there are none (no fusion layer) or no seed's Strength is defined (NaN when every
// Shapley value is zero: a constant head gives no evidence either way). The shares are
// the mean over the seeds, Strongest the pair with the largest (the first by name on a
// tie).
func summarise(per []importance.Interactions) *Interaction {
	var strength []float64
	pairs := map[string]float64{}
	for _, in := range per {
		if v := in.Strength(); !math.IsNaN(v) {
			strength = append(strength, v)
		}
		for p, v := range in.Shares() {
			pairs[p] += v / float64(len(per))
		}
	}
	if len(strength) == 0 {
		return nil
	}
	out := &Interaction{Shares: pairs}
	out.Strength, out.StrengthSD = meanSD(strength)
	for p, v := range pairs {
		if best, ok := pairs[out.Strongest]; !ok || v > best || (v == best && p < out.Strongest) {
			out.Strongest = p
		}
	}
	return out
}

// SeedResult is one variant trained with one seed.
type SeedResult struct {
	Seed         uint64                        `json:"seed"`
	Accuracy     float64                       `json:"accuracy"`
	AUC          float64                       `json:"auc"`
	Methods      map[string]map[string]float64 `json:"methods"`
	TrainSeconds float64                       `json:"train_seconds"`
	// EpochsRun is how many epochs each image network trained (EpochsRun).
	EpochsRun []int `json:"epochs_run,omitempty"`
	// ValAccuracy is each image network's validation accuracy after each epoch it
	// trained (ValAccuracy), to see whether it had converged.
	ValAccuracy [][]float64 `json:"val_accuracy,omitempty"`
}

// Run compares the variants on every set.
func Run(ctx context.Context, sets []Set, o Options) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("architecture: nothing to compare on")
	}
	t0 := time.Now()
	r := &Report{N: o.N, Epochs: o.Epochs, Patience: o.Patience, Quick: o.Quick, Method: o.Method,
		KeepBest: o.KeepBest || o.Patience > 0, SelectBy: o.SelectBy.String(), DecoupledWeightDecay: o.DecoupledWeightDecay,
		InputSparsity: o.InputSparsity, RefitEpochs: o.RefitEpochs}
	for s := range o.Seeds {
		r.Seeds = append(r.Seeds, o.Seed+uint64(s))
	}
	drawn := map[drawKey]*cohort.Cohort{}
	for i, set := range sets {
		progress := func(p Progress) {
			if o.Progress != nil {
				p.Set, p.Sets = i+1, len(sets)
				o.Progress(p)
			}
		}
		c, err := compareSet(ctx, set, r.Seeds, o, drawn, progress)
		if err != nil {
			return nil, fmt.Errorf("architecture: %s: %w", setName(set), err)
		}
		r.Comparisons = append(r.Comparisons, *c)
	}
	r.Seconds = time.Since(t0).Seconds()
	return r, nil
}

func setName(s Set) string {
	if s.Name == "" && s.Scenario != nil {
		return s.Scenario.Name
	}
	return s.Name
}

// split is one seed's cases.
type split struct {
	train, val, test fusion.Dataset
	truth            []float64 // the test cases' ground-truth modality importance, or nil
}

// drawKey names a draw of synthetic cases: its size and seed. The cases (images,
// clinical values, their true features) do not depend on the scenario, so scenarios of
// one run with the same key share them and only relabel (cohort.Relabel).
type drawKey struct {
	n    int
	seed uint64
}

// scenarioCohort returns the cohort of scenario sc for the run: a draw already made in
// drawn relabelled, or a new draw, remembered there.
func scenarioCohort(sc *groundtruth.Scenario, seed uint64, o Options, drawn map[drawKey]*cohort.Cohort) (*cohort.Cohort, error) {
	key := drawKey{n: o.N, seed: seed}
	if key.n == 0 {
		key.n = sc.CohortSize
	}
	if c, ok := drawn[key]; ok {
		return c.Relabel(sc)
	}
	c, err := cohort.Build(sc, o.Autoencoder, cohort.Options{N: key.n, Seed: seed})
	if err != nil {
		return nil, err
	}
	drawn[key] = c
	return c, nil
}

// splits returns the set's schema and the split of each seed.
func splits(set Set, seeds []uint64, o Options, drawn map[drawKey]*cohort.Cohort) (schema.Schema, []split, error) {
	if set.Scenario != nil {
		if o.Autoencoder == nil {
			return schema.Schema{}, nil, fmt.Errorf("a scenario needs the autoencoder of its world")
		}
		c, err := scenarioCohort(set.Scenario, seeds[0], o, drawn)
		if err != nil {
			return schema.Schema{}, nil, err
		}
		var out []split
		for _, seed := range seeds {
			tr, va, te, err := c.Splits(seed)
			if err != nil {
				return schema.Schema{}, nil, err
			}
			out = append(out, split{train: cohortData(tr), val: cohortData(va), test: cohortData(te),
				truth: slices.Clone(te.Truth.Modality[:])})
		}
		return fusion.PaperSchema(), out, nil
	}
	if err := set.Schema.Validate(); err != nil {
		return schema.Schema{}, nil, err
	}
	cfg, err := fusion.NewConfig(set.Schema, "separate", fusion.PaperConv, fusion.PaperDense, headWidths(len(set.Schema.Classes)))
	if err != nil {
		return schema.Schema{}, nil, err
	}
	if err := set.Data.Check(cfg); err != nil {
		return schema.Schema{}, nil, err
	}
	var out []split
	for _, seed := range seeds {
		sp, err := cohort.SplitLabels(set.Data.Labels, seed, cohort.ValShare, cohort.TestShare)
		if err != nil {
			return schema.Schema{}, nil, err
		}
		out = append(out, split{train: set.Data.Subset(sp.Train), val: set.Data.Subset(sp.Val), test: set.Data.Subset(sp.Test)})
	}
	return set.Schema, out, nil
}

func cohortData(c *cohort.Cohort) fusion.Dataset {
	return fusion.Dataset{N: c.N, Axial: c.Axial, Coronal: c.Coronal, Clinical: c.Clinical, Labels: c.Labels}
}

// compareSet trains and measures every variant on one set.
func compareSet(ctx context.Context, set Set, seeds []uint64, o Options, drawn map[drawKey]*cohort.Cohort, progress func(Progress)) (*Comparison, error) {
	name := setName(set)
	progress(Progress{Name: name, Phase: "cohort"})
	label(ctx, "cohort", "")
	s, sp, err := splits(set, seeds, o, drawn)
	label(ctx, "", "")
	if err != nil {
		return nil, err
	}
	c := &Comparison{Name: name, Source: set.Source, Modalities: s.Modalities(),
		Cases: Cases{N: sp[0].train.N + sp[0].val.N + sp[0].test.N, Train: sp[0].train.N, Val: sp[0].val.N, Test: sp[0].test.N}}
	var truth []float64
	if set.Scenario != nil {
		c.Description = set.Scenario.Description
		c.CrossModal = CrossModalProducts(set.Scenario)
		truth = make([]float64, len(c.Modalities))
		for _, x := range sp {
			for m, v := range x.truth {
				truth[m] += v / float64(len(sp))
			}
		}
		c.Truth = shares(c.Modalities, truth)
	}
	done, err := runJobs(ctx, s, sp, seeds, o, func(j job, phase string) {
		progress(Progress{Name: name, Seed: seeds[j.seed], Architecture: j.arch, Phase: phase})
	})
	if err != nil {
		return nil, err
	}
	for a, arch := range o.Architectures {
		res := Result{Name: arch}
		per := map[string][][]float64{} // method -> seed -> shares
		var acc, auc []float64
		var inters []importance.Interactions
		for k := range seeds {
			jr := done[a][k]
			sr := jr.seed
			sr.Methods = map[string]map[string]float64{}
			for meth, v := range jr.imp {
				per[meth] = append(per[meth], v)
				sr.Methods[meth] = shares(c.Modalities, v)
			}
			if jr.inter != nil {
				inters = append(inters, *jr.inter)
			}
			acc, auc = append(acc, sr.Accuracy), append(auc, sr.AUC)
			res.PerSeed = append(res.PerSeed, sr)
		}
		res.Interaction = summarise(inters)
		res.Accuracy, res.AccuracySD = meanSD(acc)
		res.AUC, res.AUCSD = meanSD(auc)
		res.Methods = map[string]map[string]float64{}
		for meth, v := range per {
			mean, _ := columnMeanSD(v)
			res.Methods[meth] = shares(c.Modalities, mean)
		}
		mean, sd := columnMeanSD(per[o.Method])
		res.ModalityImportance, res.ImportanceSD = shares(c.Modalities, mean), shares(c.Modalities, sd)
		if truth != nil {
			e, err := importance.RMSE(mean, truth)
			if err != nil {
				return nil, err
			}
			res.RMSEToTruth = &e
		}
		c.Architectures = append(c.Architectures, res)
	}
	Warn(c, o.Method)
	return c, nil
}

// job is one variant trained with one seed: architecture arch (an index into
// Options.Architectures) on split seed (an index into the seeds).
type job struct {
	arch string
	a    int
	seed int
}

// jobResult is what a job measured.
type jobResult struct {
	seed  SeedResult // without Methods, which imp holds unnamed
	imp   map[string][]float64
	inter *importance.Interactions // nil without a fusion layer
}

// runJobs trains and measures every variant with every seed on the splits sp, o.Jobs at a
// time, and returns the results indexed [architecture][seed]. The jobs share nothing but
// the read-only splits, and each one's numbers depend only on its variant, seed and
// split, so they equal those of a run one job at a time. The first error stops the rest.
func runJobs(ctx context.Context, s schema.Schema, sp []split, seeds []uint64, o Options, progress func(job, string)) ([][]jobResult, error) {
	var jobs []job
	for k := range seeds {
		for a, arch := range o.Architectures {
			jobs = append(jobs, job{arch: arch, a: a, seed: k})
		}
	}
	out := make([][]jobResult, len(o.Architectures))
	for a := range out {
		out[a] = make([]jobResult, len(seeds))
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex // serialises progress
	next := make(chan job)
	var wg sync.WaitGroup
	for range min(o.Jobs, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				say := func(phase string) {
					label(ctx, phase, j.arch)
					mu.Lock()
					defer mu.Unlock()
					progress(j, phase)
				}
				r, err := runJob(ctx, j, s, sp[j.seed], seeds[j.seed], o, say)
				if err != nil {
					cancel(err)
					continue
				}
				out[j.a][j.seed] = r
			}
		})
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// label sets the profiler labels "phase" and "arch" of the calling goroutine (none when
// phase is ""), which the goroutines it starts inherit: a CPU profile of a run
// (cmd/compare -cpuprofile) then splits by them (go tool pprof -tags).
func label(ctx context.Context, phase, arch string) {
	if phase == "" {
		pprof.SetGoroutineLabels(ctx)
		return
	}
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("phase", phase, "arch", arch)))
}

// runJob trains variant j.arch on split sp with seed and measures it on the test cases.
func runJob(ctx context.Context, j job, s schema.Schema, sp split, seed uint64, o Options, say func(string)) (jobResult, error) {
	say("train")
	t0 := time.Now()
	m, err := Train(ctx, j.arch, s, sp.train, sp.val, o.trainOptions(seed))
	if err != nil {
		return jobResult{}, err
	}
	secs := time.Since(t0).Seconds()
	say("measure")
	rep, p, err := representProbs(m, sp.test)
	if err != nil {
		return jobResult{}, err
	}
	met, err := fusion.ScoreClasses(p, len(s.Classes), sp.test.Labels)
	if err != nil {
		return jobResult{}, err
	}
	mo := o.Methods
	mo.Seed = seed
	imp, err := measure(m, sp.test, rep, mo)
	if err != nil {
		return jobResult{}, err
	}
	r := jobResult{seed: SeedResult{Seed: seed, Accuracy: met.Accuracy, AUC: met.AUC, TrainSeconds: secs, EpochsRun: EpochsRun(m),
		ValAccuracy: ValAccuracy(m)}, imp: imp}
	if m.FusionLayer() {
		in, err := interact(m, sp.test, rep, mo)
		if err != nil {
			return jobResult{}, err
		}
		r.inter = &in
	}
	return r, nil
}

// CrossModalProducts returns the pairs of modalities, "a|b" in fusion order, whose
// features a product term of sc multiplies together.
func CrossModalProducts(sc *groundtruth.Scenario) []string {
	var out []string
	for _, t := range sc.Terms {
		if t.Kind != groundtruth.Product {
			continue
		}
		a, b := t.Feature/groundtruth.FeaturesPerModality, t.Feature2/groundtruth.FeaturesPerModality
		if a == b {
			continue
		}
		a, b = min(a, b), max(a, b)
		pair := groundtruth.Modalities[a] + "|" + groundtruth.Modalities[b]
		if !slices.Contains(out, pair) {
			out = append(out, pair)
		}
	}
	return out
}

// shares names the values of v by the modalities.
func shares(mods []string, v []float64) map[string]float64 {
	out := make(map[string]float64, len(mods))
	for i, m := range mods {
		out[m] = v[i]
	}
	return out
}

// meanSD returns the mean and the sample SD (0 for one value) of v.
func meanSD(v []float64) (float64, float64) {
	var s float64
	for _, x := range v {
		s += x
	}
	mean := s / float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// columnMeanSD returns the mean and SD of each column of the rows of v.
func columnMeanSD(v [][]float64) (mean, sd []float64) {
	if len(v) == 0 {
		return nil, nil
	}
	mean, sd = make([]float64, len(v[0])), make([]float64, len(v[0]))
	col := make([]float64, len(v))
	for j := range mean {
		for i := range v {
			col[i] = v[i][j]
		}
		mean[j], sd[j] = meanSD(col)
	}
	return mean, sd
}
