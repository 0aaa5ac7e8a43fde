// Command validate runs fusionlens's validation platform: for each scenario with a known
// answer it builds the synthetic cohort, trains the fusion network (or uses a trained
// model file made for that scenario), runs every importance method on the held-out test
// cases and measures how close each comes to the ground-truth modality importance.
//
//	go run ./cmd/validate                         # the eight built-in scenarios F0..F7
//	go run ./cmd/validate -quick                  # small and fast, for CI
//	go run ./cmd/validate -shipped                # the shipped models (package weights), no training
//	go run ./cmd/validate -scenarios F0,F5 my.json -methods gradient,permutation
//	go run ./cmd/validate -save-models out/models # keep the trained networks ...
//	go run ./cmd/validate -models out/models      # ... and reuse them where the scenario matches
//	go run ./cmd/validate -seeds 5                # five runs per scenario (default 3): mean and SD
//	go run ./cmd/validate -from a/results.json,b/results.json -out merged   # runs made apart, as one
//	go run ./cmd/validate -scenarios F0 -labels logistic -label-scale 0.45   # labels drawn as sigmoid(0.45 (F - median))
//	go run ./cmd/validate -from a/results.json -basis -out b a/*.json    # how much of the truth is the image basis
//
// Each scenario runs -seeds times (run k with seed -seed + k). A network trained here is
// trained again each run (cohort, split, initial weights, methods' draws all change); a
// given model (-shipped, -models) stays with its held-out test cases, so its spread is
// over the methods' draws only. The tables and results.json give the mean and SD of each
// figure over the runs, and which pairs of methods differ in mean RMSE by more than the
// seed-to-seed spread (validation.Comparison).
//
// It prints a table per scenario and a summary beside the paper's figures, and writes to
// -out: results.json (everything), results.md (the tables as Markdown), validation.json
// (the browser's validation tab),
// figures/<scenario>.svg and .png, and figures/summary.svg and .png. Progress goes to
// stderr. The same flags and seed give the same numbers on the same machine.
//
// A long run survives being stopped: after each scenario (all its runs) it writes
// results.json and results.md of the scenarios done so far to -out, marked partial
// ("partial": true and "scenarios_planned" in results.json, "partial: k of N scenarios"
// in results.md); the end of the run replaces them with the finished report. Every file
// is written to a temporary file beside it and renamed into place, so a run killed while
// writing leaves the previous results.json whole. -from redraws a partial report alone;
// it refuses to merge one with others.
//
// With -basis it then redraws each run's test cases and writes basis.json and basis.md:
// how far each truth depends on the basis of the image features (validation.Basis), each
// method's RMSE to the basis-free truth beside its RMSE to the truth, and the mean RMSE
// no method blind to that basis can be sure to beat on these scenarios; and
// figures/basis.svg and .png, each scenario's truth beside its basis-free value and its
// farthest twin, under that bound (figure.Basis). With -from, the
// report's scenario files must be given again (built-ins are found by name).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fusionlens/fusionlens/cmd/internal/trainflags"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/validation"
	"github.com/fusionlens/fusionlens/validation/figure"
	"github.com/fusionlens/fusionlens/weights"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	out, scenarios, methods, models, autoencoder, saveModels, from string
	files                                                          []string
	quick, shipped, basis                                          bool
	seed                                                           uint64
	workers, n, epochs, seeds                                      int
	train                                                          trainflags.Flags
	labels                                                         labelFlags
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", filepath.Join("out", "validate"), "folder for results.json, validation.json and figures/")
	fs.StringVar(&o.scenarios, "scenarios", "", "comma-separated built-in scenarios (F0..F7 or full names); default all eight unless scenario files are given")
	fs.BoolVar(&o.quick, "quick", false, "small cohorts and few epochs (a smoke test for CI, not the real figures)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the cohorts, splits, training and methods")
	fs.IntVar(&o.seeds, "seeds", 3, "runs per scenario, run k with seed -seed + k; tables and results.json report mean and SD over them, and which methods differ beyond the spread. A network trained here is trained again each run; a given model (-shipped, -models) stays, and only the methods' draws change")
	fs.BoolVar(&o.shipped, "shipped", false, "use the shipped models (package weights) where their scenario matches, instead of training")
	fs.StringVar(&o.models, "models", "", "folder of trained model files (.flns, .safetensors) to use where their scenario matches; an autoencoder file there defines the ground truth")
	fs.StringVar(&o.saveModels, "save-models", "", "write each network trained here to this folder (fusion-<scenario>.flns), for -models")
	fs.StringVar(&o.methods, "methods", "", "comma-separated methods to run (default all; see -methods list)")
	fs.IntVar(&o.workers, "workers", 0, "methods run at once (0: one per CPU)")
	fs.IntVar(&o.n, "n", 0, "cohort size (0: each scenario's own, 5000 for the built-ins; 800 with -quick)")
	fs.IntVar(&o.epochs, "epochs", 0, "most training epochs (0: 20, or 4 with -quick)")
	o.train.Register(fs)
	fs.StringVar(&o.from, "from", "", "redraw the tables, results.md, validation.json and figures of an earlier results.json into -out, without running; several, comma-separated, are merged first (runs of the same scenarios and methods with different seeds). A partial results.json (a run stopped before its last scenario) is redrawn alone, its tables marked partial; merging it with others is refused")
	fs.StringVar(&o.autoencoder, "autoencoder", "", "autoencoder model file for the ground-truth image features (default: the shipped one, or the -models folder's)")
	fs.BoolVar(&o.basis, "basis", false, "then redraw each run's test cases and write basis.json, basis.md and figures/basis.svg and .png: how far the truth depends on the image features' basis, and each method's RMSE to the basis-free truth (with -from, give the report's scenario files again)")
	o.labels.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: validate [flags] [scenario.json ...]\n\n"+
			"Measures how close each importance method comes to the ground truth of synthetic scenarios.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	o.files = fs.Args()
	if o.shipped && o.models != "" {
		return o, usageError{fmt.Errorf("give -shipped or -models, not both")}
	}
	if err := o.train.Check(); err != nil {
		return o, usageError{err}
	}
	if err := o.labels.check(); err != nil {
		return o, usageError{err}
	}
	if o.seeds < 1 || o.seeds > validation.MaxSeeds {
		return o, usageError{fmt.Errorf("-seeds %d: want 1..%d", o.seeds, validation.MaxSeeds)}
	}
	if o.workers < 0 || o.n < 0 || o.n == 1 || o.epochs < 0 {
		return o, usageError{fmt.Errorf("-workers %d, -n %d, -epochs %d: want -workers >= 0, -n 0 or >= 2, -epochs >= 0", o.workers, o.n, o.epochs)}
	}
	return o, nil
}

// scenarios returns the scenarios to run: the named built-ins, then the files; all eight
// built-ins when neither is given.
func (o options) scenarioList() ([]validation.Scenario, error) {
	var out []validation.Scenario
	if o.scenarios == "" && len(o.files) == 0 {
		out = validation.Builtins()
		for _, s := range out {
			o.labels.apply(s.Scenario)
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, name := range splitList(o.scenarios) {
		sc, err := groundtruth.Builtin(name)
		if err != nil {
			return nil, fmt.Errorf("-scenarios: %w", err)
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("-scenarios: %s given twice", sc.Name)
		}
		seen[sc.Name] = true
		o.labels.apply(sc)
		out = append(out, validation.Scenario{Scenario: sc, Source: "built-in"})
	}
	files, err := o.fileScenarios()
	return append(out, files...), err
}

// fileScenarios reads the scenario files given as arguments.
func (o options) fileScenarios() ([]validation.Scenario, error) {
	var out []validation.Scenario
	for _, path := range o.files {
		b, err := limitread.File(path, groundtruth.MaxFileSize)
		if err != nil {
			return nil, err
		}
		sc, err := groundtruth.ParseScenario(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, validation.Scenario{Scenario: sc, Source: path})
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// run is the command; it returns the exit status: 0 on success, 2 for bad usage, 1 for
// any other failure, 130 when interrupted.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "validate:", err)
		return 2
	}
	if o.methods == "list" {
		for _, m := range importance.AllMethods() {
			fmt.Fprintf(stdout, "%-22s %s\n", m.Name, m.Description)
		}
		return 0
	}
	if o.from != "" {
		r, err := redraw(o, stdout)
		if err == nil && o.basis {
			err = writeBasis(ctx, o, r, stdout, stderr)
		}
		if err != nil {
			fmt.Fprintln(stderr, "validate:", err)
			return 1
		}
		return 0
	}
	r, err := validate(ctx, o, args, stdout, stderr)
	if err == nil && o.basis {
		err = writeBasis(ctx, o, r, stdout, stderr)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "\nvalidate: interrupted")
			return 130
		}
		fmt.Fprintln(stderr, "validate:", err)
		var u usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	return 0
}

// usageError marks a failure caused by the command line (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func validate(ctx context.Context, o options, args []string, stdout, stderr io.Writer) (*validation.Report, error) {
	scenarios, err := o.scenarioList()
	if err != nil {
		return nil, usageError{err}
	}
	vo := validation.Options{Seed: o.seed, Quick: o.quick, N: o.n, Epochs: o.epochs, Workers: o.workers, SaveModels: o.saveModels,
		InputSparsity: float32(o.train.Sparsity), RefitEpochs: o.train.Refit, Seeds: o.seeds, SparsityTolerance: o.train.Tolerance,
		KeepBest: o.train.KeepBest, Patience: o.train.Patience, DecoupledWeightDecay: float32(o.train.DecoupledDecay)}
	vo.SelectBy = o.train.Selection()
	if o.train.SelectSparsity != "" {
		vo.SelectSparsity, _ = fusion.ParseSparsityGrid(o.train.SelectSparsity) // checked by parseFlags
	}
	if o.methods != "" {
		vo.Methods = splitList(o.methods)
		for _, m := range vo.Methods {
			if _, err := importance.MethodByName(m); err != nil {
				return nil, usageError{fmt.Errorf("-methods: %w", err)}
			}
		}
	}
	if o.models != "" {
		folder, err := validation.LoadModels(o.models)
		if err != nil {
			return nil, fmt.Errorf("-models: %w", err)
		}
		for _, s := range folder.Skipped {
			fmt.Fprintln(stderr, "validate: skipping", s)
		}
		vo.Models = folder.Models
		if folder.Autoencoder != nil && o.autoencoder == "" {
			// The networks' cohorts were built with the folder's autoencoder.
			vo.Autoencoder = folder.Autoencoder
			fmt.Fprintf(stderr, "validate: ground-truth image features from %s\n", folder.AutoencoderPath)
		}
	}
	if o.shipped {
		if vo.Models, err = shippedModels(); err != nil {
			return nil, err
		}
	}
	switch {
	case o.autoencoder != "":
		if vo.Autoencoder, err = latent.Load(o.autoencoder); err != nil {
			return nil, fmt.Errorf("-autoencoder: %w", err)
		}
	case vo.Autoencoder == nil:
		// The shipped autoencoder defines the shipped models' world, and reading it is
		// faster than training latent.Default (the same recipe).
		b, err := weights.Autoencoder()
		if err != nil {
			return nil, fmt.Errorf("shipped autoencoder: %w", err)
		}
		if vo.Autoencoder, err = latent.LoadBytes(b); err != nil {
			return nil, fmt.Errorf("shipped autoencoder: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(o.out, "figures"), 0o755); err != nil {
		return nil, err
	}
	command := strings.TrimSpace("go run ./cmd/validate " + strings.Join(args, " "))
	bar := newBar(stderr)
	vo.Progress = bar.report
	vo.OnScenario = func(r *validation.Report) error {
		if !r.Partial {
			return nil // the finished report is written below
		}
		r.Command = command
		return writePartial(o.out, r)
	}
	r, err := validation.Run(ctx, scenarios, vo)
	bar.finish()
	if err != nil {
		return nil, err
	}
	r.Command = command
	return r, output(o.out, r, stdout)
}

// writeBasis redraws the test cases of every run in r and writes basis.json, basis.md and
// figures/basis.svg and .png under -out (validation.Basis, figure.Basis), with the autoencoder the run used: -autoencoder's, else
// the -models folder's, else the shipped one.
func writeBasis(ctx context.Context, o options, r *validation.Report, stdout, stderr io.Writer) error {
	if r.Partial {
		return fmt.Errorf("-basis: the report is partial (%d of %d scenarios); finish its run first", len(r.Scenarios), r.ScenariosPlanned)
	}
	scenarios := validation.Builtins()
	for _, s := range scenarios {
		o.labels.apply(s.Scenario)
	}
	files, err := o.fileScenarios()
	if err != nil {
		return err
	}
	scenarios = append(scenarios, files...)
	ae, err := o.loadAutoencoder()
	if err != nil {
		return err
	}
	b, err := validation.Basis(ctx, r, scenarios, ae, func(name string, seed uint64) {
		fmt.Fprintf(stderr, "basis: %s, cohort seed %d\n", name, seed)
	})
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(o.out, "basis.json"), b.WriteJSON); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(o.out, "basis.md"), b.WriteMarkdown); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(o.out, "figures"), 0o755); err != nil {
		return err
	}
	fig := figure.Basis(b)
	svg, png := filepath.Join(o.out, "figures", "basis.svg"), filepath.Join(o.out, "figures", "basis.png")
	if err := writeFile(svg, fig.WriteSVG); err != nil {
		return err
	}
	if err := writeFile(png, func(w io.Writer) error { return fig.WritePNG(w, 1.5) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "basis: no method blind to the image basis can be sure of a mean RMSE below %.3f on these scenarios; the truth is %.3f from its basis-free value on average\nwrote %s, %s, %s, %s\n",
		b.Bound, b.Convention, filepath.Join(o.out, "basis.json"), filepath.Join(o.out, "basis.md"), svg, png)
	return nil
}

// loadAutoencoder returns the autoencoder a run with o's flags uses for the ground truth:
// -autoencoder's file, else the -models folder's, else the shipped one.
func (o options) loadAutoencoder() (*latent.Model, error) {
	if o.autoencoder != "" {
		ae, err := latent.Load(o.autoencoder)
		if err != nil {
			return nil, fmt.Errorf("-autoencoder: %w", err)
		}
		return ae, nil
	}
	if o.models != "" {
		folder, err := validation.LoadModels(o.models)
		if err != nil {
			return nil, fmt.Errorf("-models: %w", err)
		}
		if folder.Autoencoder != nil {
			return folder.Autoencoder, nil
		}
	}
	b, err := weights.Autoencoder()
	if err != nil {
		return nil, fmt.Errorf("shipped autoencoder: %w", err)
	}
	ae, err := latent.LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("shipped autoencoder: %w", err)
	}
	return ae, nil
}

// partialWritten, when set (by tests), is called after each partial report is written.
var partialWritten func(dir string, r *validation.Report)

// writePartial writes results.json and results.md of a partial report under dir; the
// other outputs wait for the end of the run (or -from).
func writePartial(dir string, r *validation.Report) error {
	if err := writeFile(filepath.Join(dir, "results.json"), r.WriteJSON); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "results.md"), r.WriteMarkdown); err != nil {
		return err
	}
	if partialWritten != nil {
		partialWritten(dir, r)
	}
	return nil
}

// writeFile writes path atomically: fn writes a temporary file beside it (path + ".tmp"),
// which is synced and renamed over path, so path is always either its old or its new
// contents, whole.
func writeFile(path string, fn func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return err
	}
	err = fn(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// maxReport bounds the results.json that -from reads (a full run's report is well under
// 1 MiB).
const maxReport = 64 << 20

// redraw writes the outputs of the report in -from again (with the current tables and
// figures), for instance after a change to the figures.
// With several comma-separated reports in -from, it merges them first
// (validation.Merge): runs of the same scenarios and methods made with different seeds,
// for instance at once in separate processes.
func redraw(o options, stdout io.Writer) (*validation.Report, error) {
	var reports []*validation.Report
	var paths []string
	for _, path := range splitList(o.from) {
		r, err := readReport(path)
		if err != nil {
			return nil, err
		}
		reports = append(reports, r)
		paths = append(paths, path)
	}
	if len(reports) == 0 {
		return nil, fmt.Errorf("-from %q: no report", o.from)
	}
	for k, r := range reports {
		if r.Partial && len(reports) > 1 {
			return nil, fmt.Errorf("-from: %s is a partial report (%d of %d scenarios); merging needs finished runs: redraw it alone, or finish its run", paths[k], len(r.Scenarios), r.ScenariosPlanned)
		}
	}
	r := reports[0]
	if len(reports) > 1 {
		var err error
		if r, err = validation.Merge(reports); err != nil {
			return nil, err
		}
		var cmds []string
		for k, rk := range reports {
			cmds = append(cmds, fmt.Sprintf("%s (%s)", rk.Command, paths[k]))
		}
		r.Command = "merged by go run ./cmd/validate -from " + o.from + " of: " + strings.Join(cmds, "; ")
	}
	if err := os.MkdirAll(filepath.Join(o.out, "figures"), 0o755); err != nil {
		return nil, err
	}
	return r, output(o.out, r, stdout)
}

// readReport reads and checks one results.json.
func readReport(path string) (*validation.Report, error) {
	b, err := limitread.File(path, maxReport)
	if err != nil {
		return nil, err
	}
	r, err := parseReport(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// parseReport parses and checks a results.json: a report with scenarios, a summary per
// method, each scenario with a result per method and a truth per modality, and, when
// partial, fewer scenarios than planned.
func parseReport(b []byte) (*validation.Report, error) {
	var r validation.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if len(r.Scenarios) == 0 || len(r.Summary) != len(r.Methods) {
		return nil, fmt.Errorf("not a validation report (%d scenarios, %d summaries for %d methods)", len(r.Scenarios), len(r.Summary), len(r.Methods))
	}
	for _, sc := range r.Scenarios {
		if len(sc.Methods) != len(r.Methods) || len(sc.Truth) != len(sc.Modalities) {
			return nil, fmt.Errorf("scenario %q has %d methods and %d truths for %d methods and %d modalities", sc.Name, len(sc.Methods), len(sc.Truth), len(r.Methods), len(sc.Modalities))
		}
	}
	if r.Partial && r.ScenariosPlanned <= len(r.Scenarios) {
		return nil, fmt.Errorf("partial report with %d scenarios of %d planned, want fewer done than planned", len(r.Scenarios), r.ScenariosPlanned)
	}
	if !r.Partial && r.ScenariosPlanned != 0 {
		return nil, fmt.Errorf("scenarios_planned %d in a report not marked partial", r.ScenariosPlanned)
	}
	return &r, nil
}

// output prints the tables and writes every output file.
func output(dir string, r *validation.Report, stdout io.Writer) error {
	for i := range r.Scenarios {
		if err := r.WriteScenarioTable(stdout, &r.Scenarios[i]); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	if err := r.WriteSummaryTable(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "took %s on %s\n", (time.Duration(r.Seconds) * time.Second).String(), r.Machine)
	return write(dir, r, stdout)
}

// shippedModels returns the models of package weights.
func shippedModels() ([]validation.Model, error) {
	var out []validation.Model
	for _, m := range weights.List() {
		b, err := weights.Open(m.File)
		if err != nil {
			return nil, err
		}
		net, meta, err := fusion.LoadBytes(b)
		if err != nil {
			return nil, fmt.Errorf("shipped model %s: %w", m.File, err)
		}
		sum := sha256.Sum256(b)
		out = append(out, validation.Model{Net: net, Meta: meta, Source: "weights/" + m.File, SHA256: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

// write saves the results, the browser's summary and the figures under dir.
func write(dir string, r *validation.Report, stdout io.Writer) error {
	var written []string
	save := func(name string, fn func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		if err := writeFile(path, fn); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	if err := save("results.json", r.WriteJSON); err != nil {
		return err
	}
	if err := save("results.md", r.WriteMarkdown); err != nil {
		return err
	}
	site := r.Site(r.Command)
	if err := save("validation.json", func(w io.Writer) error { return writeJSON(w, site) }); err != nil {
		return err
	}
	figs := []struct {
		name string
		fig  *figure.Figure
	}{{"summary", figure.Summary(r)}}
	used := map[string]bool{"summary": true}
	for i := range r.Scenarios {
		name := fileName(r.Scenarios[i].Name)
		for k := 2; used[name]; k++ {
			name = fmt.Sprintf("%s-%d", fileName(r.Scenarios[i].Name), k)
		}
		used[name] = true
		figs = append(figs, struct {
			name string
			fig  *figure.Figure
		}{name, figure.Scenario(r, &r.Scenarios[i])})
	}
	for _, f := range figs {
		if err := save(filepath.Join("figures", f.name+".svg"), f.fig.WriteSVG); err != nil {
			return err
		}
		if err := save(filepath.Join("figures", f.name+".png"), func(w io.Writer) error { return f.fig.WritePNG(w, 1.5) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s, %s, %s and %d figures (SVG and PNG) in %s\n", written[0], written[1], written[2], len(figs), filepath.Join(dir, "figures"))
	return nil
}

// fileName makes a scenario name safe as a file name.
func fileName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if s := strings.Trim(string(b), "."); s != "" {
		return s
	}
	return "scenario"
}
