package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/phantom"
)

// benchCases is the cohort size of the interaction benchmark.
const benchCases = 1000

// BenchmarkCasesInteractions measures the cohort's modality interaction matrix over a CSV
// of 1,000 cases of the paper's shape (phantom slices as PNGs, twenty clinical values,
// written by the benchmark) through explain -cases's path, with the shipped F6 model:
//
//   - command: the whole `explain -shipped F6 -cases cases.csv -json` (read the CSV, decode
//     2,000 PNGs, encode, the gradient per case, the background, the interaction matrix);
//   - matrix-bgN: the matrix alone (importance.InteractionAgainst, what explainer/cases
//     runs for the cohort), on the path's encodings against the first N cases of the CSV
//     as the background (200 is the command's default -background);
//     This is issue 18's "cohort matrix for 1,000 cases of the paper's network natively";
//   - matrix-rows-bgN, the peer of the matrix: the same matrix with every coalition's
//     fusion vector built and run through the whole head (the path before the head's
//     first layer was split by modality blocks, importance/blockvalues.go);
//   - shapley-bg200, the other peer: exact modality Shapley values of every case (what the
//     method shapley computes per case) against the same 200 background cases: the same
//     16 coalitions per case, of p instead of the log-odds.
//
// Run it with
//
//	go test -run '^$' -bench CasesInteractions -benchtime 3x -count 3 ./cmd/explain
func BenchmarkCasesInteractions(b *testing.B) {
	dir := b.TempDir()
	ax, _ := phantom.Dataset(benchCases, 1, phantom.Axial)
	co, _ := phantom.Dataset(benchCases, 1, phantom.Coronal)
	rng := rand.New(rand.NewPCG(1, 2))
	d := fusion.Dataset{N: benchCases, Axial: ax, Coronal: co, Clinical: make([]float32, benchCases*20), Labels: make([]int, benchCases)}
	for i := range d.Clinical {
		d.Clinical[i] = float32(rng.NormFloat64())
	}
	for i := range d.Labels {
		d.Labels[i] = i % 2
	}
	csv := writePaperCSV(b, dir, d)

	// The path's encodings, as explainer/cases makes them.
	o := options{shipped: "F6", cases: csv, seed: 1, background: 200}
	net, _, _, err := loadAnyModel(o)
	if err != nil {
		b.Fatal(err)
	}
	tab, err := casefile.Read(csv, casefile.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	cases, err := casefile.Load(tab, net.Schema(), casefile.LoadOptions{Unlabelled: true})
	if err != nil {
		b.Fatal(err)
	}
	z, _, err := net.Clone(256).EmbedProbs(fusion.Dataset{N: cases.N, Inputs: cases.Images, Clinical: cases.Tabular, Labels: make([]int, cases.N)})
	if err != nil {
		b.Fatal(err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		b.Fatal(err)
	}
	mods := importance.DefaultModalities()
	dim := head.Dim()

	measure := func(b *testing.B, f func() error) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
		if cpu := cpuSeconds() - cpu0; cpu > 0 {
			b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
		}
	}
	b.Run("command", func(b *testing.B) {
		measure(b, func() error {
			if code := run([]string{"-shipped", "F6", "-cases", csv, "-json"}, io.Discard, io.Discard); code != 0 {
				return fmt.Errorf("explain exited with status %d", code)
			}
			return nil
		})
	})
	for _, nb := range []int{50, 200} {
		ob := o
		ob.background = nb
		bg := importance.Cohort{Z: z[:nb*dim], N: nb}
		opt := importance.Options{Seed: ob.seed, Background: nb}
		b.Run("matrix-bg"+strconv.Itoa(nb), func(b *testing.B) {
			measure(b, func() error {
				_, err := importance.InteractionAgainst(head, mods, importance.Cohort{Z: z, N: cases.N}, bg, opt)
				return err
			})
		})
		b.Run("matrix-rows-bg"+strconv.Itoa(nb), func(b *testing.B) {
			measure(b, func() error {
				_, err := importance.InteractionAgainst(wholeHead{head}, mods, importance.Cohort{Z: z, N: cases.N}, bg, opt)
				return err
			})
		})
		if nb != 200 {
			continue
		}
		b.Run("shapley-bg200", func(b *testing.B) {
			measure(b, func() error {
				for i := range cases.N {
					if _, err := importance.ShapleyLocal(head, mods, z[i*dim:(i+1)*dim], bg, opt); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

// wholeHead hides fusion.DenseHead's first-layer blocks, so the interactions run the
// whole head on every coalition's fusion vector: the benchmark's peer.
type wholeHead struct{ h *fusion.DenseHead }

func (w wholeHead) Dim() int                                     { return w.h.Dim() }
func (w wholeHead) Prob(z []float32, n int, p []float32)         { w.h.Prob(z, n, p) }
func (w wholeHead) Grad(z []float32, n int, p, g []float32)      { w.h.Grad(z, n, p, g) }
func (w wholeHead) GradLogit(z []float32, n int, s, g []float32) { w.h.GradLogit(z, n, s, g) }
func (w wholeHead) Logit(z []float32, n int, s []float32)        { w.h.Logit(z, n, s) }
