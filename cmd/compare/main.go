// Command compare trains fusion architectures side by side on the same data and shows how
// well each predicts and which inputs each actually uses: early fusion (inputs joined
// before any learned layer), hybrid (the paper's: a shared image encoder, image features
// fused with the raw tabular values), separate (one encoder per image) and late (one
// model per modality, their class scores combined).
//
//	go run ./cmd/compare -scenario F6                      # one built-in scenario, 3 seeds
//	go run ./cmd/compare -scenario F0 -scenario my.json -architectures early,hybrid
//	go run ./cmd/compare -data cases.csv -images axial,coronal
//	go run ./cmd/compare -quick                           # small and fast, for CI
//
// Each variant is trained with every seed on that seed's 70/10/20 split (the same split
// for every variant; the built-in scenarios share one draw of cases, each labelling it
// by its own decision), its image networks for at most -epochs, stopped once their
// validation accuracy has not improved for -patience epochs (their best epoch kept),
// with the training flags cmd/train and cmd/validate take (-select-by, -keep-best,
// -decoupled-weight-decay for every network; -input-sparsity and -refit-epochs for
// hybrid and separate, the variants with a fusion head; compare.json records them),
// scored on the test cases, and its modality importance measured by
// permutation, occlusion and exact Shapley over modalities (and the paper's gradient
// where there is a fusion layer). It prints a table per scenario or data set with the
// warnings a user can act on (unimodal collapse, accuracy clearly below the best, late
// fusion on a decision with cross-modal products, or on your own data whose modalities
// interact in the best fused variant, gradient and model-agnostic methods disagreeing), and writes to -out: compare.json and figures/<name>.svg and .png.
// Progress goes to stderr. -jobs trainings (a variant with a seed) run side by side, one
// per core by default. The same flags give the same numbers on the same machine, whatever
// -jobs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/fusionlens/fusionlens/architecture"
	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/cmd/internal/trainflags"
	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/weights"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

type options struct {
	scenarios                                      list
	archs, out, method, autoencoder                string
	cpuprofile                                     string
	data, images, groups                           string
	seeds, n, epochs, imageSize, cases, background int
	jobs                                           int
	seed                                           uint64
	quick                                          bool
	train                                          trainflags.Flags
}

// defaultPatience is cmd/compare's -patience: its image networks have always stopped
// after 2 epochs without improvement, keeping their best epoch, where cmd/train and
// cmd/validate default to 0 (off).
const defaultPatience = 2

// trainUsage rewords the shared training flags' help for a comparison of variants.
var trainUsage = map[string]string{
	"patience":               "stop each image network once its validation figure (-select-by) has not improved for this many epochs, keeping its best epoch (0: run every epoch and keep the last, unless -keep-best); the MLPs (early, late's tabular models) always run every epoch. The default is compare's own, as it has always trained; cmd/train and cmd/validate default to 0",
	"keep-best":              "keep each image network's best epoch (-select-by) even with -patience 0 (with -patience above 0 it is kept anyway); the MLPs keep their last",
	"select-by":              "the validation figure -patience and -keep-best go by: accuracy (highest) or loss (lowest log-loss)",
	"decoupled-weight-decay": "AdamW's decoupled weight decay of every network the variants train (image networks' weight matrices and kernels, MLPs' weight matrices), after each Adam step (0: off, the paper's set-up)",
	"input-sparsity":         "group-lasso strength on the fusion head's inputs of hybrid and separate, the variants with one (early and late have none and train without it; 0: the paper's set-up)",
	"refit-epochs":           "with -input-sparsity, epochs of hybrid and separate after the sparse ones without the penalty, the inputs it cut held at zero",
	"select-sparsity":        "not taken by compare (it would train a network per strength for every variant and seed): choose a strength with cmd/train or cmd/validate -select-sparsity, then give it as -input-sparsity",
	"sparsity-tolerance":     "not taken by compare (it goes with -select-sparsity)",
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&o.scenarios, "scenario", "a built-in scenario (F0..F7 or its full name) or a scenario file; repeat for more (default: F6 with -quick, else all eight unless -data)")
	fs.StringVar(&o.archs, "architectures", "early,hybrid,separate,late", "comma-separated variants to compare")
	fs.IntVar(&o.seeds, "seeds", 0, "seeds per variant (0: 3, or 2 with -quick)")
	fs.Uint64Var(&o.seed, "seed", 1, "first seed (the cohort's and the first split's)")
	fs.IntVar(&o.n, "n", 0, "cohort size of a scenario (0: the scenario's own, 5000 for the built-ins; 600 with -quick)")
	fs.IntVar(&o.epochs, "epochs", 0, "training epochs of every network (0: 8, or 2 with -quick)")
	o.train.Register(fs)
	o.train.Patience = defaultPatience
	fs.Lookup("patience").DefValue = fmt.Sprint(defaultPatience)
	for name, u := range trainUsage {
		fs.Lookup(name).Usage = u
	}
	fs.IntVar(&o.jobs, "jobs", 0, "variant-and-seed trainings to run at once (0: one per core); the numbers do not depend on it")
	fs.StringVar(&o.method, "method", architecture.Shapley, "model-agnostic method behind modality_importance: shapley, permutation or occlusion")
	fs.IntVar(&o.cases, "cases", 0, "test cases exact Shapley explains (0: 200, or 40 with -quick)")
	fs.IntVar(&o.background, "background", 0, "background cases standing for an absent modality in exact Shapley (0: 50, or 20 with -quick)")
	fs.BoolVar(&o.quick, "quick", false, "small cohorts, few epochs and seeds (a smoke test for CI, not the real figures)")
	fs.StringVar(&o.out, "out", filepath.Join("out", "compare"), "folder for compare.json and figures/")
	fs.StringVar(&o.autoencoder, "autoencoder", "", "autoencoder model file for the scenarios' true image features (default: the shipped one)")
	fs.StringVar(&o.data, "data", "", "a CSV of your own cases (as cmd/train -data reads it) to compare on")
	fs.StringVar(&o.images, "images", "", "with -data: the image columns, comma-separated")
	fs.StringVar(&o.groups, "groups", "", "with -data: tabular groups, e.g. 'vitals=age,bmi;labs=crp,wbc' (default: one group)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.IntVar(&o.imageSize, "image-size", 0, "with -data: resample every image to this many pixels a side (default: the files' own size)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: compare [flags]\n\nTrains fusion architectures on the same data and compares their accuracy and their use of each modality.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q: give scenario files with -scenario", fs.Args())
	}
	if o.data == "" && (o.images != "" || o.groups != "" || o.imageSize != 0) {
		return o, fmt.Errorf("-images, -groups and -image-size need -data")
	}
	if o.data != "" && o.images == "" {
		return o, fmt.Errorf("-data needs -images: the CSV columns that hold image files")
	}
	if o.seeds < 0 || o.n < 0 || o.epochs < 0 || o.cases < 0 || o.background < 0 || o.train.Patience < 0 || o.jobs < 0 {
		return o, fmt.Errorf("-seeds %d, -n %d, -epochs %d, -cases %d, -background %d, -patience %d, -jobs %d: want numbers >= 0",
			o.seeds, o.n, o.epochs, o.cases, o.background, o.train.Patience, o.jobs)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["select-sparsity"]:
		return o, fmt.Errorf("-select-sparsity: compare does not choose an input-sparsity strength (it would train a network per strength for every variant and seed); choose one with cmd/train or cmd/validate -select-sparsity and give it as -input-sparsity")
	case set["sparsity-tolerance"]:
		return o, fmt.Errorf("-sparsity-tolerance: compare does not take it: it goes with -select-sparsity, which compare does not take")
	}
	if err := o.train.Check(); err != nil {
		return o, err
	}
	if o.train.Sparsity > 0 {
		if archs, err := architecture.ParseNames(o.archs); err == nil && !slices.Contains(archs, architecture.Hybrid) && !slices.Contains(archs, architecture.Separate) {
			return o, fmt.Errorf("-input-sparsity %v: none of -architectures %s has a fusion head to make sparse (only hybrid and separate do)", o.train.Sparsity, o.archs)
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 2
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "compare: -cpuprofile:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "compare: -cpuprofile:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := compare(ctx, o, args, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "compare:", err)
		return 1
	}
	return 0
}

func compare(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	archs, err := architecture.ParseNames(o.archs)
	if err != nil {
		return fmt.Errorf("-architectures: %w", err)
	}
	sets, err := o.sets()
	if err != nil {
		return err
	}
	ao := architecture.Options{Architectures: archs, Seeds: o.seeds, Seed: o.seed, N: o.n, Epochs: o.epochs, Jobs: o.jobs, Quick: o.quick,
		Method: o.method, Methods: architecture.MethodOptions{Cases: o.cases, Background: o.background},
		Patience: o.train.Patience, KeepBest: o.train.KeepBest, SelectBy: o.train.Selection(), DecoupledWeightDecay: float32(o.train.DecoupledDecay),
		InputSparsity: float32(o.train.Sparsity), RefitEpochs: o.train.Refit}
	for _, s := range sets {
		if s.Scenario != nil {
			if ao.Autoencoder, err = o.loadAutoencoder(); err != nil {
				return err
			}
			break
		}
	}
	t0 := time.Now()
	ao.Progress = func(p architecture.Progress) {
		at := fmt.Sprintf("[%6.1fs] %d/%d %s", time.Since(t0).Seconds(), p.Set, p.Sets, p.Name)
		if p.Architecture == "" {
			fmt.Fprintf(stderr, "%s: %s\n", at, p.Phase)
			return
		}
		fmt.Fprintf(stderr, "%s: %s seed %d: %s\n", at, p.Architecture, p.Seed, p.Phase)
	}
	r, err := architecture.Run(ctx, sets, ao)
	if err != nil {
		return err
	}
	r.Command = "compare " + strings.Join(args, " ")
	printTables(stdout, r)
	return write(o.out, r)
}

// sets returns the scenarios and the data set to compare on.
func (o options) sets() ([]architecture.Set, error) {
	var out []architecture.Set
	names := o.scenarios
	if len(names) == 0 && o.data == "" {
		if o.quick {
			names = list{"F6"}
		} else {
			for _, s := range groundtruth.Builtins() {
				names = append(names, s.Name)
			}
		}
	}
	for _, n := range names {
		if sc, err := groundtruth.Builtin(n); err == nil {
			out = append(out, architecture.Set{Scenario: sc, Source: "built-in"})
			continue
		}
		if !strings.HasSuffix(n, ".json") {
			_, err := groundtruth.Builtin(n)
			return nil, fmt.Errorf("-scenario: %w (or a scenario file ending in .json)", err)
		}
		b, err := limitread.File(n, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("-scenario: %w", err)
		}
		sc, err := groundtruth.ParseScenario(b)
		if err != nil {
			return nil, fmt.Errorf("-scenario %s: %w", n, err)
		}
		out = append(out, architecture.Set{Scenario: sc, Source: n})
	}
	if o.data != "" {
		s, err := o.dataSet()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// dataSet reads the CSV of -data as cmd/train does; the tabular values are standardised
// by the first seed's training cases.
func (o options) dataSet() (architecture.Set, error) {
	tab, err := casefile.Read(o.data, casefile.Limits{})
	if err != nil {
		return architecture.Set{}, err
	}
	_, labels, err := casefile.Labels(tab)
	if err != nil {
		return architecture.Set{}, err
	}
	split, err := cohort.SplitLabels(labels, o.seed, cohort.ValShare, cohort.TestShare)
	if err != nil {
		return architecture.Set{}, err
	}
	io := casefile.InferOptions{ImageSize: o.imageSize, Train: split.Train}
	for _, c := range strings.Split(o.images, ",") {
		io.Images = append(io.Images, strings.TrimSpace(c))
	}
	if o.groups != "" {
		if io.Groups, err = casefile.ParseGroups(o.groups); err != nil {
			return architecture.Set{}, fmt.Errorf("-groups: %w", err)
		}
	}
	s, err := casefile.Infer(tab, io)
	if err != nil {
		return architecture.Set{}, err
	}
	c, err := casefile.Load(tab, s, casefile.LoadOptions{Resize: o.imageSize > 0})
	if err != nil {
		return architecture.Set{}, err
	}
	name := strings.TrimSuffix(filepath.Base(o.data), filepath.Ext(o.data))
	return architecture.Set{Name: name, Source: o.data, Schema: s,
		Data: fusion.Dataset{N: c.N, Inputs: c.Images, Clinical: c.Tabular, Labels: c.Labels}}, nil
}

func (o options) loadAutoencoder() (*latent.Model, error) {
	if o.autoencoder != "" {
		m, err := latent.Load(o.autoencoder)
		if err != nil {
			return nil, fmt.Errorf("-autoencoder: %w", err)
		}
		return m, nil
	}
	b, err := weights.Autoencoder()
	if err != nil {
		return nil, fmt.Errorf("shipped autoencoder: %w", err)
	}
	m, err := latent.LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("shipped autoencoder: %w", err)
	}
	return m, nil
}

// printTables prints a table per comparison, then its warnings.
func printTables(w io.Writer, r *architecture.Report) {
	for _, c := range r.Comparisons {
		stop := trainingNote(r)
		fmt.Fprintf(w, "\n%s (%d cases: %d train, %d validation, %d test; %d seed(s), %d epochs%s; shares by %s)\n",
			c.Name, c.Cases.N, c.Cases.Train, c.Cases.Val, c.Cases.Test, len(r.Seeds), r.Epochs, stop, r.Method)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "architecture\taccuracy\t± sd\tAUC\t")
		for _, m := range c.Modalities {
			fmt.Fprintf(tw, "%s\t", m)
		}
		fmt.Fprint(tw, "RMSE\tgradient\twarnings\t\n")
		if c.Truth != nil {
			fmt.Fprint(tw, "truth\t\t\t\t")
			for _, m := range c.Modalities {
				fmt.Fprintf(tw, "%.3f\t", c.Truth[m])
			}
			fmt.Fprint(tw, "\t\t\t\n")
		}
		for _, a := range c.Architectures {
			name := a.Name
			if name == c.Best {
				name += " *"
			}
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t", name, a.Accuracy, a.AccuracySD, a.AUC)
			for _, m := range c.Modalities {
				fmt.Fprintf(tw, "%.3f\t", a.ModalityImportance[m])
			}
			rmse := "-"
			if a.RMSEToTruth != nil {
				rmse = fmt.Sprintf("%.3f", *a.RMSEToTruth)
			}
			grad := "-"
			if g, ok := a.Methods[architecture.Gradient]; ok {
				var parts []string
				for _, m := range c.Modalities {
					parts = append(parts, fmt.Sprintf("%.2f", g[m]))
				}
				grad = strings.Join(parts, "/")
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t\n", rmse, grad, len(a.Warnings))
		}
		tw.Flush()
		if len(c.CrossModal) > 0 {
			fmt.Fprintf(w, "the decision multiplies features across modalities: %s\n", strings.Join(c.CrossModal, ", "))
		}
		for _, a := range c.Architectures {
			for _, s := range a.Warnings {
				fmt.Fprintf(w, "  ! %s: %s\n", a.Name, s)
			}
		}
	}
}

// trainingNote says how the networks were trained, after their epochs: nothing, or
// their patience, then what differs from the paper's set-up.
func trainingNote(r *architecture.Report) string {
	var b strings.Builder
	if r.Patience > 0 {
		fmt.Fprintf(&b, " at most, patience %d", r.Patience)
	} else if r.KeepBest {
		b.WriteString(", best kept")
	}
	if r.SelectBy != "" && r.SelectBy != fusion.ByAccuracy.String() {
		fmt.Fprintf(&b, " by validation %s", r.SelectBy)
	}
	if r.DecoupledWeightDecay > 0 {
		fmt.Fprintf(&b, ", AdamW decay %g", r.DecoupledWeightDecay)
	}
	if r.InputSparsity > 0 {
		fmt.Fprintf(&b, ", input sparsity %g", r.InputSparsity)
		if r.RefitEpochs > 0 {
			fmt.Fprintf(&b, " and %d refit epochs", r.RefitEpochs)
		}
		b.WriteString(" (hybrid, separate)")
	}
	return b.String()
}

// write writes compare.json and the figures into dir.
func write(dir string, r *architecture.Report) error {
	figs := filepath.Join(dir, "figures")
	if err := os.MkdirAll(figs, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "compare.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	for i := range r.Comparisons {
		f := architecture.Figure(r, &r.Comparisons[i])
		base := filepath.Join(figs, fileName(r.Comparisons[i].Name))
		for _, ext := range []string{".svg", ".png"} {
			file, err := os.Create(base + ext)
			if err != nil {
				return err
			}
			if ext == ".svg" {
				err = f.WriteSVG(file)
			} else {
				err = f.WritePNG(file, 2)
			}
			if cerr := file.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// fileName keeps the letters, digits, '-', '_' and '.' of a name.
func fileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}
