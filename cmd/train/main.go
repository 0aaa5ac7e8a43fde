// Command train trains the paper's hybrid fusion network on a synthetic cohort with known
// ground truth, or a network of the same family on a CSV of the user's own cases, and
// writes the model file.
//
// With no flags it draws a cohort of phantom CT images and simulated clinical values for
// the built-in scenario F0, labels it, splits it 70/10/20, trains (Adam, batch 128, up
// to 20 epochs, stopping once validation accuracy passes 95 %), prints the test accuracy
// and AUC and writes fusion-F0.flns:
//
//	go run ./cmd/train
//	go run ./cmd/train -scenario F3 -epochs 10 -precision int8 -o f3.flns
//	go run ./cmd/train -scenario my-scenario.json -safetensors model.safetensors
//	go run ./cmd/train -medmnist-axial organamnist.npz -medmnist-coronal organcmnist.npz
//	go run ./cmd/train -data cases.csv -images axial,coronal -groups 'vitals=age,bmi;labs=crp,wbc' -o model.flns
//
// With -data the network's schema (image inputs, tabular groups, classes) is inferred
// from the CSV and stored in the model file; see the usage text (-h) for the CSV format
// and the encoder layout.
//
// The same flags and seed give the same model file, byte for byte, on the same machine.
// Ctrl-C stops training between steps and writes nothing; the model file is written to
// a temporary file and renamed, so it is never left half-written.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fusionlens/fusionlens/cmd/internal/trainflags"
	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/schema"
	"github.com/schollz/progressbar/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, isTerminal(os.Stdout))
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "\ntrain: interrupted; no model written")
		os.Exit(130)
	case err != nil:
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// isTerminal reports whether f is a character device (a terminal), where the progress
// bar redraws itself with \r.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

type options struct {
	scenario, axialNPZ, coronalNPZ, out, precision, safetensors, autoencoder string
	data, images, groups, encoders                                           string
	imageSize                                                                int
	epochs, batch, n                                                         int
	seed                                                                     uint64
	stop                                                                     float64
	train                                                                    trainflags.Flags
}

const usage = `usage: train [flags]

Trains a hybrid fusion network and writes the model file: by default the paper's network on
a synthetic cohort with known ground truth; with -data, a network for your own cases.

-data cases.csv reads a CSV with a header row, a "label" column (class names or numbers),
one column per image input holding a file path relative to the CSV (PNG, JPEG, DICOM or
.npy), and every other column a tabular variable (numeric, or categorical when not every
value is a number). The schema is inferred from it: image sizes and channels from the files,
means, SDs and ranges from the training split, categorical levels, class names. The cases
are split 70/10/20 (stratified by class) into training, validation and test.

Each image encoder has the paper's layout (conv3x3 16, 16, maxpool, 64, 64 pad 1, maxpool,
each with batch norm and ReLU; dense 128, 128, 10), with more pooling for large images so
that they stay within the parameter limits: images over 64 pixels a side also pool after
the first convolution, and while the last feature map is over 7 pixels a side a conv3x3 64
pad 1 + maxpool stage is added (so an image gives at most 64x7x7 values to the dense
layers). The head is the paper's (100, 50, 10) ending in one score per class.

`

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.scenario, "scenario", "F0", "decision function: a built-in name (F0..F7) or a scenario JSON file")
	fs.StringVar(&o.axialNPZ, "medmnist-axial", "", "OrganAMNIST .npz to draw axial images from (default: phantoms)")
	fs.StringVar(&o.coronalNPZ, "medmnist-coronal", "", "OrganCMNIST .npz to draw coronal images from (with -medmnist-axial)")
	fs.IntVar(&o.epochs, "epochs", 20, "maximum training epochs")
	fs.IntVar(&o.batch, "batch", 128, "cases per training step")
	fs.IntVar(&o.n, "n", 0, "cohort size (0: the scenario's cohort_size, 5000 for the built-ins)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the cohort, the split, the initial weights and the shuffling")
	fs.Float64Var(&o.stop, "stop", 0.95, "stop once validation accuracy exceeds this (1: never stop early)")
	o.train.Register(fs)
	fs.StringVar(&o.out, "o", "", "model file to write (default fusion-<scenario>.flns)")
	fs.StringVar(&o.precision, "precision", "float32", "weights in the model file: float32, float16 or int8")
	fs.StringVar(&o.safetensors, "safetensors", "", "also write the model as float32 safetensors (for PyTorch) here")
	fs.StringVar(&o.autoencoder, "autoencoder", "", "latent autoencoder model file for the ground-truth features (default: train the default one, about 10 s)")
	fs.StringVar(&o.data, "data", "", "a CSV of your own cases to train on instead of the synthetic cohort (format above)")
	fs.StringVar(&o.images, "images", "", "with -data: the image columns, comma-separated, in the network's input order")
	fs.StringVar(&o.groups, "groups", "", "with -data: tabular groups, e.g. 'vitals=age,bmi;labs=crp,wbc' (default: every other column in one group, tabular)")
	fs.IntVar(&o.imageSize, "image-size", 0, "with -data: crop every image to its centred square and resample it to this many pixels a side, 16..256 (default: the files' own size, which must agree within a column)")
	fs.StringVar(&o.encoders, "encoders", "shared", "with -data: shared (one encoder for the image inputs of equal size and channels, the paper's) or separate (one per input)")
	fs.Usage = func() {
		fmt.Fprint(out, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.data != "" {
		for _, name := range []string{"scenario", "medmnist-axial", "medmnist-coronal", "n", "autoencoder"} {
			if set[name] {
				return o, fmt.Errorf("-%s is for the synthetic cohort; with -data the cases come from the CSV", name)
			}
		}
		if strings.TrimSpace(o.images) == "" {
			return o, fmt.Errorf("-data needs -images: the CSV columns that hold image files, e.g. -images axial,coronal")
		}
		if o.imageSize != 0 && (o.imageSize < schema.MinImageSize || o.imageSize > schema.MaxImageSize) {
			return o, fmt.Errorf("-image-size %d: want %d..%d pixels", o.imageSize, schema.MinImageSize, schema.MaxImageSize)
		}
		if o.encoders != "shared" && o.encoders != "separate" {
			return o, fmt.Errorf("-encoders %q: want shared or separate", o.encoders)
		}
	} else {
		for _, name := range []string{"images", "groups", "image-size", "encoders"} {
			if set[name] {
				return o, fmt.Errorf("-%s needs -data (a CSV of cases)", name)
			}
		}
	}
	if (o.axialNPZ == "") != (o.coronalNPZ == "") {
		return o, fmt.Errorf("give both -medmnist-axial and -medmnist-coronal, or neither")
	}
	if o.epochs < 1 || o.batch < 1 {
		return o, fmt.Errorf("-epochs %d, -batch %d: want at least 1 each", o.epochs, o.batch)
	}
	if err := o.train.Check(); err != nil {
		return o, err
	}
	if o.n < 0 || o.n == 1 {
		return o, fmt.Errorf("-n %d: want 0 (the scenario's size) or at least 2", o.n)
	}
	return o, nil
}

// storage maps the -precision flag to model file options.
func storage(s string) (modelfile.Options, error) {
	p, err := modelfile.ParsePrecision(s)
	if err != nil {
		return modelfile.Options{}, fmt.Errorf("-precision: %w", err)
	}
	switch p {
	case modelfile.Int8:
		return modelfile.Compact, nil
	case modelfile.Float16:
		return modelfile.Options{Precision: modelfile.Float16, Small: modelfile.Float32}, nil
	}
	return modelfile.Options{}, nil
}

// loadScenario reads a scenario file when name looks like one (it exists or ends in
// .json), else a built-in scenario. It also returns the scenario as stored in the model's
// meta: the built-in's short name as a JSON string, or the full scenario object.
func loadScenario(name string) (*groundtruth.Scenario, json.RawMessage, string, error) {
	if _, err := os.Stat(name); err == nil || strings.HasSuffix(name, ".json") {
		b, err := limitread.File(name, groundtruth.MaxFileSize)
		if err != nil {
			return nil, nil, "", err
		}
		sc, err := groundtruth.ParseScenario(b)
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s: %w", name, err)
		}
		raw, err := json.Marshal(sc)
		if err != nil {
			return nil, nil, "", err
		}
		return sc, raw, strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)), nil
	}
	sc, err := groundtruth.Builtin(name)
	if err != nil {
		return nil, nil, "", err
	}
	short, _, _ := strings.Cut(sc.Name, "-")
	raw, _ := json.Marshal(short)
	return sc, raw, short, nil
}

func dataset(c *cohort.Cohort) fusion.Dataset {
	return fusion.Dataset{N: c.N, Axial: c.Axial, Coronal: c.Coronal, Clinical: c.Clinical, Labels: c.Labels}
}

func run(ctx context.Context, args []string, out io.Writer, tty bool) error {
	o, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	if _, err := storage(o.precision); err != nil {
		return err
	}
	if o.data != "" {
		return runCases(ctx, o, args, out, tty)
	}
	sc, scRaw, scName, err := loadScenario(o.scenario)
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = "fusion-" + scName + ".flns"
	}

	var ae *latent.Model
	if o.autoencoder != "" {
		ae, err = latent.Load(o.autoencoder)
	} else {
		fmt.Fprintln(out, "training the default autoencoder for the ground-truth image features ...")
		ae, err = latent.Default()
	}
	if err != nil {
		return fmt.Errorf("autoencoder: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := cohort.Build(sc, ae, cohort.Options{N: o.n, Seed: o.seed, AxialNPZ: o.axialNPZ, CoronalNPZ: o.coronalNPZ})
	if err != nil {
		return err
	}
	trainC, valC, testC, err := c.Splits(o.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "scenario %s: %s\ncohort: %d cases (%d train, %d validation, %d test), %.1f %% positive, images: %s\n",
		sc.Name, sc.Description, c.N, trainC.N, valC.N, testC.N, 100*c.Positive, c.Source)
	fmt.Fprintf(out, "ground-truth modality importance: %s\n", formatImportance(c.Truth.Modality[:]))

	meta := modelfile.Meta{Scenario: scRaw, DataSource: c.Source, Seed: o.seed, Command: command(args)}
	return trainAndSave(ctx, o, out, tty, fusion.DefaultConfig(), dataset(trainC), dataset(valC), dataset(testC), meta)
}

// trainAndSave trains a network of configuration cfg on train (validating on val), reports
// its metrics on test, and writes the model file (and safetensors) with meta, completed
// by the run's epochs and test metrics.
func trainAndSave(ctx context.Context, o options, out io.Writer, tty bool, cfg fusion.Config, train, val, test fusion.Dataset, meta modelfile.Meta) error {
	store, err := storage(o.precision)
	if err != nil {
		return err
	}
	batch := min(o.batch, train.N)
	newNet := func() (*fusion.Net, error) { return fusion.NewNet(cfg, batch, o.seed) }
	to := fusion.DefaultTrainOptions()
	to.Batch, to.Epochs, to.Seed, to.StopAccuracy, to.KeepBest = batch, o.epochs, o.seed, o.stop, o.train.KeepBest
	to.InputSparsity, to.RefitEpochs = float32(o.train.Sparsity), o.train.Refit
	to.Patience, to.DecoupledWeightDecay = o.train.Patience, float32(o.train.DecoupledDecay)
	to.SelectBy = o.train.Selection()
	b := newBar(out, tty)
	to.Progress = b.report
	refit := ""
	if o.train.Refit > 0 {
		refit = fmt.Sprintf(", then %d refit epochs", o.train.Refit)
	}
	fmt.Fprintf(out, "training the fusion network (%d parameters), batch %d, up to %d epochs%s\n", cfg.NumParams(), batch, o.epochs, refit)
	net, res, err := trainNet(ctx, o, out, newNet, train, val, to)
	if err != nil {
		return err
	}
	if res.Best > 0 {
		v := res.Epochs[res.Best-1].Val
		fmt.Fprintf(out, "kept the weights of epoch %d (best validation %s: accuracy %.4f, log-loss %.4f)\n", res.Best, to.SelectBy, v.Accuracy, v.LogLoss)
	}
	meta.Epochs = len(res.Epochs)
	stopped := map[bool]string{true: ", early stop"}[res.EarlyStopped]
	if test.N > 0 {
		mt, err := net.Evaluate(test)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "test: accuracy %.4f  AUC %.4f  log-loss %.4f  (%d cases; %d epochs%s; %.0f samples/s)\n",
			mt.Accuracy, mt.AUC, mt.LogLoss, mt.N, len(res.Epochs), stopped, res.SamplesPerSec)
		meta.TestAccuracy = mt.Accuracy
		if !math.IsNaN(mt.AUC) {
			meta.TestAUC = mt.AUC
		}
	} else {
		fmt.Fprintf(out, "test: no test cases (%d epochs%s; %.0f samples/s)\n", len(res.Epochs), stopped, res.SamplesPerSec)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := fusion.Save(o.out, net, meta, store); err != nil {
		return err
	}
	report(out, o.out)
	if o.safetensors != "" {
		if err := fusion.SaveSafetensors(o.safetensors, net, meta); err != nil {
			return err
		}
		report(out, o.safetensors)
	}
	return nil
}

// trainNet trains one network with to, or with -select-sparsity one per strength tried
// (fusion.SelectInputSparsity), and says which it chose.
func trainNet(ctx context.Context, o options, out io.Writer, newNet func() (*fusion.Net, error), train, val fusion.Dataset, to fusion.TrainOptions) (*fusion.Net, fusion.TrainResult, error) {
	if o.train.SelectSparsity == "" {
		net, err := newNet()
		if err != nil {
			return nil, fusion.TrainResult{}, err
		}
		res, err := fusion.Train(ctx, net, train, val, to)
		return net, res, err
	}
	grid, err := fusion.ParseSparsityGrid(o.train.SelectSparsity)
	if err != nil {
		return nil, fusion.TrainResult{}, fmt.Errorf("-select-sparsity: %w", err)
	}
	fmt.Fprintf(out, "choosing the input sparsity on the validation split: 0, then %s, strongest first, tolerance %v\n", o.train.SelectSparsity, o.train.Tolerance)
	net, res, ch, err := fusion.SelectInputSparsity(ctx, newNet, train, val, to, grid, o.train.Tolerance)
	if err != nil {
		return nil, res, err
	}
	for _, t := range ch.Trials {
		fmt.Fprintf(out, "input sparsity %v: validation accuracy %.4f, log-loss %.4f, %d inputs cut\n", t.Strength, t.ValAccuracy, t.ValLogLoss, t.Cut)
	}
	fmt.Fprintf(out, "chose input sparsity %v\n", ch.Chosen)
	return net, res, nil
}

// command is the command line that reproduces the run.
func command(args []string) string {
	return strings.TrimSpace("go run ./cmd/train " + strings.Join(args, " "))
}

func report(out io.Writer, path string) {
	if st, err := os.Stat(path); err == nil {
		fmt.Fprintf(out, "wrote %s (%d bytes)\n", path, st.Size())
	}
}

func formatImportance(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%s %.3f", groundtruth.Modalities[i], x)
	}
	return strings.Join(parts, ", ")
}

// bar draws training progress: on a terminal a progress bar per epoch (schollz/progressbar,
// redrawn in place at most ten times a second), and one plain line per epoch everywhere.
type bar struct {
	w        io.Writer
	tty      bool
	throttle time.Duration            // least time between redraws
	pb       *progressbar.ProgressBar // this epoch's bar; nil off a terminal and between epochs
}

func newBar(w io.Writer, tty bool) *bar {
	return &bar{w: w, tty: tty, throttle: 100 * time.Millisecond}
}

const barWidth = 24

func (b *bar) report(p fusion.Progress) {
	if p.EpochDone {
		if b.pb != nil {
			b.pb.Clear()
			b.pb = nil
		}
		line := fmt.Sprintf("epoch %2d/%d  loss %.4f  acc %.4f", p.Epoch, p.Epochs, p.Loss, p.Accuracy)
		if p.Val != nil {
			line += fmt.Sprintf("  val acc %.4f  AUC %.4f", p.Val.Accuracy, p.Val.AUC)
		}
		line += fmt.Sprintf("  %.0f samples/s", p.SamplesPerSec)
		fmt.Fprintln(b.w, line)
		return
	}
	if !b.tty || p.Steps <= 0 {
		return
	}
	if b.pb == nil {
		b.pb = progressbar.NewOptions(p.Steps, progressbar.OptionSetWriter(b.w), progressbar.OptionSetWidth(barWidth),
			progressbar.OptionSetTheme(progressbar.Theme{Saucer: "=", SaucerPadding: " ", BarStart: "[", BarEnd: "]"}),
			progressbar.OptionThrottle(b.throttle), progressbar.OptionSetPredictTime(false),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionUseANSICodes(true))
	}
	b.pb.Describe(fmt.Sprintf("epoch %2d/%d  loss %.4f  acc %.4f  %.0f samples/s  ETA %s",
		p.Epoch, p.Epochs, p.Loss, p.Accuracy, p.SamplesPerSec, p.ETA.Round(time.Second)))
	b.pb.Set(min(p.Step, p.Steps))
}
