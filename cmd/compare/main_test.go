package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/architecture"
	"github.com/fusionlens/fusionlens/cmd/internal/trainflags"
	"github.com/fusionlens/fusionlens/fusion"
)

// TestQuick runs the command as CI does (-quick) and checks what it writes.
func TestQuick(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-quick", "-out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r architecture.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Comparisons) != 1 || r.Comparisons[0].Name != "F6-cross-modal" || len(r.Comparisons[0].Architectures) != 4 || !r.Quick {
		t.Fatalf("report: %d comparisons, quick %v", len(r.Comparisons), r.Quick)
	}
	if r.Patience != defaultPatience || !r.KeepBest || r.SelectBy != "accuracy" || r.DecoupledWeightDecay != 0 || r.InputSparsity != 0 || r.RefitEpochs != 0 {
		t.Errorf("default training recorded as patience %d, keep-best %v, select-by %q, decay %v, sparsity %v, refit %d",
			r.Patience, r.KeepBest, r.SelectBy, r.DecoupledWeightDecay, r.InputSparsity, r.RefitEpochs)
	}
	if !strings.HasPrefix(r.Command, "compare -quick") {
		t.Errorf("command %q", r.Command)
	}
	for _, ext := range []string{".svg", ".png"} {
		if fi, err := os.Stat(filepath.Join(dir, "figures", "F6-cross-modal"+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("figure %s: %v", ext, err)
		}
	}
	out := stdout.String()
	for _, want := range []string{"F6-cross-modal", "architecture", "accuracy", "truth", "early", "hybrid", "separate", "late",
		"! late: late fusion on a decision with cross-modal products"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "hybrid seed 1: train") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-images", "a"}, "need -data"},
		{[]string{"-data", "x.csv"}, "-data needs -images"},
		{[]string{"-seeds", "-1"}, "want numbers >= 0"},
		{[]string{"-patience", "-1"}, "-patience -1"},
		{[]string{"-jobs", "-1"}, "-jobs -1"},
		{[]string{"-architectures", "early,middle"}, `unknown architecture "middle"`},
		{[]string{"-scenario", "F9"}, "no built-in scenario"},
		{[]string{"-scenario", "missing.json"}, "missing.json"},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-decoupled-weight-decay", "-1"}, "-decoupled-weight-decay -1"},
		{[]string{"-select-by", "auc"}, "-select-by"},
		{[]string{"-refit-epochs", "2"}, "-refit-epochs 2"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append(tc.args, "-out", t.TempDir()), &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want an error containing %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestTrainingFlagsDefaults checks that the shared training flags leave a comparison's
// training as it was: patience 2 (cmd/compare's own default, not trainflags' 0), the
// best epoch kept by validation accuracy, no decay, no sparsity.
func TestTrainingFlagsDefaults(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := trainflags.Flags{Patience: defaultPatience, Tolerance: fusion.DefaultSparsityTolerance, SelectBy: "accuracy"}
	if o.train != want {
		t.Errorf("default training flags %+v, want %+v", o.train, want)
	}
	if o, err = parseFlags([]string{"-patience", "0"}, &bytes.Buffer{}); err != nil || o.train.Patience != 0 {
		t.Errorf("-patience 0 read as %d, %v", o.train.Patience, err)
	}
}

// TestRejectedTrainingFlags checks that the training flags compare does not take, or
// takes only with a variant they apply to, give exit status 2 and say why.
func TestRejectedTrainingFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-select-sparsity", "3,6"}, "-select-sparsity: compare does not choose"},
		{[]string{"-sparsity-tolerance", "0.01"}, "-sparsity-tolerance: compare does not take it"},
		{[]string{"-input-sparsity", "3", "-architectures", "early,late"}, "-input-sparsity 3: none of -architectures early,late has a fusion head"},
		{[]string{"-input-sparsity", "-3"}, "-input-sparsity -3"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append(tc.args, "-out", t.TempDir()), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and an error containing %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// tinyRun runs a small comparison of early and hybrid with the extra flags and returns
// its compare.json.
func tinyRun(t *testing.T, extra ...string) architecture.Report {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"-quick", "-seeds", "1", "-n", "200", "-architectures", "early,hybrid", "-method", "permutation",
		"-cases", "10", "-background", "5", "-out", dir}, extra...)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d\n%s", extra, code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r architecture.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTrainingFlagsReachTheVariants checks that the training flags change what every
// variant learns (the MLP of early as well as the image network of hybrid), and that
// compare.json records them.
func TestTrainingFlagsReachTheVariants(t *testing.T) {
	base := tinyRun(t)
	flagged := tinyRun(t, "-decoupled-weight-decay", "50", "-select-by", "loss", "-patience", "0", "-keep-best")
	if !flagged.KeepBest || flagged.Patience != 0 || flagged.SelectBy != "loss" || flagged.DecoupledWeightDecay != 50 {
		t.Errorf("flags recorded as patience %d, keep-best %v, select-by %q, decay %v",
			flagged.Patience, flagged.KeepBest, flagged.SelectBy, flagged.DecoupledWeightDecay)
	}
	for i, a := range base.Comparisons[0].Architectures {
		b := flagged.Comparisons[0].Architectures[i]
		x, _ := json.Marshal(a.PerSeed[0].Methods)
		y, _ := json.Marshal(b.PerSeed[0].Methods)
		if string(x) == string(y) {
			t.Errorf("%s: the same importances with and without the training flags: %s", a.Name, x)
		}
	}
	if e := flagged.Comparisons[0].Architectures[1].PerSeed[0].EpochsRun; len(e) != 1 || e[0] != architecture.QuickEpochs {
		t.Errorf("hybrid with -patience 0 ran %v epochs, want every one of %d", e, architecture.QuickEpochs)
	}
	sparse := tinyRun(t, "-input-sparsity", "1000", "-refit-epochs", "1")
	if sparse.InputSparsity != 1000 || sparse.RefitEpochs != 1 {
		t.Errorf("sparsity recorded as %v with %d refit epochs", sparse.InputSparsity, sparse.RefitEpochs)
	}
	early, hybrid := sparse.Comparisons[0].Architectures[0], sparse.Comparisons[0].Architectures[1]
	if x, y := base.Comparisons[0].Architectures[0], early; x.Accuracy != y.Accuracy || x.ModalityImportance["ct_axial"] != y.ModalityImportance["ct_axial"] {
		t.Errorf("early changed with -input-sparsity, which it has no head for: accuracy %v, %v", x.Accuracy, y.Accuracy)
	}
	if e := hybrid.PerSeed[0].EpochsRun; len(e) != 1 || e[0] < 2 {
		t.Errorf("hybrid with a refit epoch ran %v epochs", e)
	}
}
