// Command explain explains one case with a trained fusion network: the prediction, how
// much each modality (the two CT images and the two clinical groups) drove it, the
// importance of each of the forty fusion features, and optionally saliency overlays of
// the images.
//
//	go run ./cmd/explain                                              # shipped F0 model, synthetic example case
//	go run ./cmd/explain -shipped F5 -method integrated_contribution
//	go run ./cmd/explain -model m.flns -axial ax.dcm -coronal co.png -clinical 'age=63, crp=12 mg/L'
//	go run ./cmd/explain -model m.flns -clinical-file values.json -method gradient_logit_sd -json
//	go run ./cmd/explain -model m.flns -saliency out/saliency
//	go run ./cmd/explain -model m.flns -cases cases.csv -json          # every row and the cohort
//	go run ./cmd/explain -model m.flns -cases cases.csv -row 3 -class malignant -method kernelshap
//
// With -cases it reads a CSV of cases in the format cmd/train -data reads (the label column
// optional) for any model, explains each row for its predicted class (or -class) and the
// cohort (each modality's mean |attribution| over the cases, normalised), naming image
// inputs by their CSV columns and tabular groups by their names. Methods that need a
// background take a seeded sample of -background cases of the CSV itself. It also gives
// the cohort's modality interactions (the pairwise Shapley interaction index of the
// log-odds of one class against the rest: -class, else class 1 of two, else the class
// predicted most often; JSON cohort.modality_interactions) and, with -row, the case's
// (for its explained class; cases[0].modality_interactions).
//
// Without images it explains example case -example (1 by default): synthetic phantom
// slices, the same as the browser's "example case 1", and says so. Clinical values not
// given take the clinical table's reference means (standardised value 0), and the output
// lists them. Without -model it uses the shipped model (package weights) of the
// scenario -shipped, F0 by default. Methods that need a background (every method but the
// gradients) take it from -background synthetic phantom cases encoded by the model: the
// browser explainer's reference cohort (explainer.ReferenceCohort), so both give the same
// numbers for the same case.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fusionlens/fusionlens/importance"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	model, shipped, axial, coronal, clinical, clinicalFile, method, saliency string
	cases, class                                                             string
	row                                                                      int
	resamples                                                                int
	caseIntervals                                                            bool
	resize                                                                   bool
	example, background                                                      int
	seed                                                                     uint64
	json                                                                     bool
	top                                                                      int
}

// usageError marks a problem with the command line or the inputs (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.model, "model", "", "fusion model file (.flns or .safetensors); default: the shipped model of -shipped")
	fs.StringVar(&o.shipped, "shipped", "F0", "shipped model used without -model: a built-in scenario (F0..F7)")
	fs.StringVar(&o.axial, "axial", "", "axial CT image: PNG, JPEG or DICOM (with -coronal)")
	fs.StringVar(&o.coronal, "coronal", "", "coronal CT image: PNG, JPEG or DICOM (with -axial)")
	fs.IntVar(&o.example, "example", 1, "synthetic example case explained when no images are given (>= 1)")
	fs.StringVar(&o.clinical, "clinical", "", "clinical values as name=value pairs, e.g. 'age=63, crp=12 mg/L'")
	fs.StringVar(&o.clinicalFile, "clinical-file", "", "clinical values in a file: a JSON object or name=value text, as for -clinical")
	fs.StringVar(&o.method, "method", "gradient", "importance method (see -method list)")
	fs.IntVar(&o.background, "background", 200, "synthetic background cases for methods that need them")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the background cases and of random methods")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of tables")
	fs.IntVar(&o.top, "top", 40, "fusion features listed in the table, most important first")
	fs.StringVar(&o.saliency, "saliency", "", "write saliency overlays (PNG) of both images into this folder")
	fs.StringVar(&o.cases, "cases", "", "a CSV of cases to explain, every row and the cohort (the format of cmd/train -data; the label column is optional)")
	fs.IntVar(&o.row, "row", 0, "with -cases: explain only this row (1 is the first case after the header)")
	fs.StringVar(&o.class, "class", "", "with -cases: explain this class for every case (default: each case's predicted class)")
	fs.IntVar(&o.resamples, "resamples", importance.DefaultResamples, "bootstrap resamples behind every interval (95 % percentile): of the cases for a cohort, of the background and sampling seed for one case; 0: no intervals")
	fs.BoolVar(&o.caseIntervals, "case-intervals", false, "with -cases: an interval for every case too (-resamples more runs of the method per case; on by itself with -row)")
	fs.BoolVar(&o.resize, "resize", false, "with -cases: crop and resample images of another size than the model's inputs (default: such an image is an error)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: explain [flags]\n\nExplains one case with a trained fusion network, or with -cases every case of a CSV and the cohort.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usagef("unexpected argument %q (all inputs are flags, e.g. -axial %s)", fs.Arg(0), fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.cases != "" {
		for _, name := range []string{"axial", "coronal", "clinical", "clinical-file", "example", "saliency"} {
			if set[name] {
				return o, usagef("-%s explains one case of the paper's network; with -cases the inputs come from the CSV", name)
			}
		}
		if o.row < 0 {
			return o, usagef("-row %d: want a row number >= 1", o.row)
		}
	} else {
		for _, name := range []string{"row", "class", "resize", "case-intervals"} {
			if set[name] {
				return o, usagef("-%s needs -cases (a CSV of cases)", name)
			}
		}
	}
	switch {
	case (o.axial == "") != (o.coronal == ""):
		return o, usagef("give both -axial and -coronal images, or neither for the synthetic example case")
	case o.clinical != "" && o.clinicalFile != "":
		return o, usagef("give -clinical or -clinical-file, not both")
	case o.example < 1:
		return o, usagef("-example %d: want a case number >= 1", o.example)
	case o.background < 2 || o.background > 5000:
		return o, usagef("-background %d: want 2..5000 cases", o.background)
	case o.resamples < 0 || o.resamples == 1 || o.resamples > 100000:
		return o, usagef("-resamples %d: want 0 (no intervals) or 2..100000", o.resamples)
	case o.top < 0:
		return o, usagef("-top %d: want >= 0", o.top)
	}
	return o, nil
}

// run is the command; it returns the exit status: 0 on success, 2 for a bad command line
// or bad input, 1 for any other failure.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		if o.method == "list" {
			listMethods(stdout)
			return 0
		}
		if o.cases != "" {
			err = explainCases(o, stdout, stderr)
		} else {
			err = explain(o, stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "explain:", err)
		var u usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	return 0
}

func listMethods(w io.Writer) {
	for _, m := range importance.AllMethods() {
		note := ""
		if m.Name == "reference_gradient" {
			note = " (reference features: the shipped autoencoder's latents of each image)"
		} else if m.Local == nil {
			note = " (cohort only: not available for one case)"
		}
		fmt.Fprintf(w, "%-22s %s%s\n", m.Name, m.Description, note)
	}
}
