package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

// tinyAutoencoder writes a quickly trained autoencoder, so the test need not train the
// default one.
func tinyAutoencoder(t *testing.T, dir string) string {
	t.Helper()
	path, err := fixture.AutoencoderFile(dir, 32, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	ae := tinyAutoencoder(t, dir)
	out := filepath.Join(dir, "m.flns")
	st := filepath.Join(dir, "m.safetensors")
	args := []string{"-n", "160", "-epochs", "2", "-batch", "32", "-scenario", "F3", "-keep-best", "-autoencoder", ae,
		"-o", out, "-precision", "int8", "-safetensors", st}
	var log bytes.Buffer
	if err := run(context.Background(), args, &log, false); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, want := range []string{"scenario F3-clinical", "epoch  1/2", "epoch  2/2", "test: accuracy", "kept the weights of epoch", "wrote " + out, "wrote " + st} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "\r") {
		t.Error("progress bar drawn with \\r although the output is not a terminal")
	}
	m, meta, err := fusion.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(meta.Scenario) != `"F3"` || meta.Seed != 1 || meta.Epochs != 2 || meta.TestAccuracy <= 0 || !strings.Contains(meta.Command, "-scenario F3") {
		t.Errorf("meta %+v", meta)
	}
	if _, _, err := fusion.Load(st); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	if info, _ := os.Stat(out); info.Size() > 300<<10 {
		t.Errorf("int8 model file is %d bytes", info.Size())
	}
	_ = m

	// Deterministic by seed: the same run writes the same bytes.
	if err := run(context.Background(), args, &log, false); err != nil {
		t.Fatal(err)
	}
	if second, _ := os.ReadFile(out); !bytes.Equal(first, second) {
		t.Error("the same flags and seed gave a different model file")
	}

	// Cancelled: no file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	none := filepath.Join(dir, "none.flns")
	args[len(args)-5] = none
	if err := run(ctx, args, &log, false); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	if _, err := os.Stat(none); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled run left %s: %v", none, err)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-medmnist-axial", "a.npz"},
		{"-epochs", "0"},
		{"-batch", "-3"},
		{"-n", "1"},
		{"-refit-epochs", "3"},
		{"-input-sparsity", "1", "-refit-epochs", "-1"},
		{"-select-sparsity", "3,-1"},
		{"-select-sparsity", "3", "-input-sparsity", "3"},
		{"-select-sparsity", "3", "-sparsity-tolerance", "-0.1"},
		{"-precision", "int4"},
		{"-scenario", "F9"},
		{"-scenario", "missing.json"},
		{"extra"},
		{"-nosuchflag"},
		{"-select-by", "auc"},
		{"-patience", "-2"},
		{"-decoupled-weight-decay", "-1"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, false); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// TestSelectSparsity trains with -select-sparsity: it trains without the penalty first,
// then the strongest strength, reports each with its validation accuracy and the choice,
// and writes the chosen network.
func TestSelectSparsity(t *testing.T) {
	dir := t.TempDir()
	ae := tinyAutoencoder(t, dir)
	out := filepath.Join(dir, "m.flns")
	args := []string{"-n", "160", "-epochs", "2", "-batch", "32", "-scenario", "F3", "-autoencoder", ae, "-o", out,
		"-select-sparsity", "1,50", "-refit-epochs", "1", "-sparsity-tolerance", "0.05"}
	var log bytes.Buffer
	if err := run(context.Background(), args, &log, false); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	s := log.String()
	i0, i50 := strings.Index(s, "input sparsity 0: validation accuracy"), strings.Index(s, "input sparsity 50: validation accuracy")
	if i0 < 0 || i50 < i0 || !strings.Contains(s, "chose input sparsity") || !strings.Contains(s, "wrote "+out) {
		t.Errorf("output does not report the strengths 0 then 50, the choice and the file:\n%s", s)
	}
	if _, meta, err := fusion.Load(out); err != nil || !strings.Contains(meta.Command, "-select-sparsity 1,50") {
		t.Errorf("model file: %v, command %q", err, meta.Command)
	}
}

// TestSelectByLoss trains with -keep-best -select-by loss and -decoupled-weight-decay and
// checks that the kept epoch is reported by its validation log-loss.
func TestSelectByLoss(t *testing.T) {
	dir := t.TempDir()
	ae := tinyAutoencoder(t, dir)
	out := filepath.Join(dir, "m.flns")
	args := []string{"-n", "160", "-epochs", "3", "-batch", "32", "-scenario", "F3", "-autoencoder", ae, "-o", out,
		"-keep-best", "-select-by", "loss", "-patience", "2", "-decoupled-weight-decay", "0.5"}
	var log bytes.Buffer
	if err := run(context.Background(), args, &log, false); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if s := log.String(); !strings.Contains(s, "(best validation loss: accuracy") || !strings.Contains(s, "wrote "+out) {
		t.Errorf("output does not report the kept epoch by validation loss:\n%s", s)
	}
}

func TestBar(t *testing.T) {
	var out bytes.Buffer
	b := newBar(&out, true)
	b.throttle = 0 // draw every report
	b.report(fusion.Progress{Epoch: 1, Epochs: 3, Step: 5, Steps: 10, Loss: 0.5, Accuracy: 0.75, SamplesPerSec: 1000, ETA: 90 * time.Second})
	b.report(fusion.Progress{Epoch: 1, Epochs: 3, Step: 10, Steps: 10, Loss: 0.4, Accuracy: 0.8, EpochDone: true, Val: &fusion.Metrics{Accuracy: 0.9, AUC: 0.95}})
	s := out.String()
	for _, want := range []string{"\r", "50% [============            ]", "epoch  1/3  loss 0.5000", "ETA 1m30s", "val acc 0.9000", "\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("bar output %q lacks %q", s, want)
		}
	}
	// The epoch's line starts on a cleared line and is the last thing written.
	if !strings.HasSuffix(s, "\r"+"epoch  1/3  loss 0.4000  acc 0.8000  val acc 0.9000  AUC 0.9500  0 samples/s\n") {
		t.Errorf("bar output %q does not end with the epoch line after a cleared bar", s)
	}

	// Off a terminal: no bar, only the epoch line.
	out.Reset()
	b = newBar(&out, false)
	b.report(fusion.Progress{Epoch: 2, Epochs: 3, Step: 5, Steps: 10})
	b.report(fusion.Progress{Epoch: 2, Epochs: 3, Step: 10, Steps: 10, EpochDone: true})
	if got, want := out.String(), "epoch  2/3  loss 0.0000  acc 0.0000  0 samples/s\n"; got != want {
		t.Errorf("plain output %q, want %q", got, want)
	}
}
