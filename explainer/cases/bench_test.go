package cases

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/weights"
)

// paperCases returns the first shipped model and a CSV of n cases of its (the paper's)
// shape with its 2n 28x28 PNGs as uploads, the files the page's cohort benchmark
// chooses (wasm/cohort_bench_test.go).
func paperCases(tb testing.TB, n int) (*fusion.Net, *casefile.Table) {
	tb.Helper()
	data, err := weights.Open(weights.List()[0].File)
	if err != nil {
		tb.Fatal(err)
	}
	net, _, err := fusion.LoadBytes(data)
	if err != nil {
		tb.Fatal(err)
	}
	s := net.Schema()
	var csv strings.Builder
	csv.WriteString("label")
	for _, im := range s.Images {
		csv.WriteString("," + im.Name)
	}
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			csv.WriteString("," + v.Name)
		}
	}
	csv.WriteString("\n")
	var u casefile.Uploads
	for i := range n {
		csv.WriteString(s.Classes[i%len(s.Classes)])
		for k, im := range s.Images {
			g := image.NewGray(image.Rect(0, 0, im.Size, im.Size))
			for j := range g.Pix {
				g.Pix[j] = uint8((j*(3+k) + i*17) % 256)
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, g); err != nil {
				tb.Fatal(err)
			}
			name := fmt.Sprintf("%s_%04d.png", im.Name, i)
			u.Add(name, buf.Bytes())
			csv.WriteString("," + name)
		}
		for _, g := range s.Groups {
			for _, v := range g.Variables {
				csv.WriteString("," + strconv.FormatFloat(v.Mean+v.SD*float64(i%7-3)/3, 'f', 3, 64))
			}
		}
		csv.WriteString("\n")
	}
	tab, err := casefile.Parse([]byte(csv.String()), "", casefile.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	tab.Files = &u
	return net, tab
}

// BenchmarkExplainPaper1000 measures the steps of the page's cohort mode natively (and,
// under GOOS=js GOARCH=wasm with Node, as the worker runs them) over 1,000 cases of the
// paper-sized network: load (decode 2,000 PNGs and the clinical values), encode (both
// encoders and the head, batched), all (Explain with the paper's gradient, every step)
// and all-matrix (all and the cohort's interaction matrix against 200 background cases,
// what the page's worker runs). Run it with
//
//	go test -run '^$' -bench ExplainPaper1000 -benchtime 3x ./explainer/cases
func BenchmarkExplainPaper1000(b *testing.B) {
	const n = 1000
	net, tab := paperCases(b, n)
	s := net.Schema()
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := casefile.Load(tab, s, casefile.LoadOptions{Unlabelled: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	cs, err := casefile.Load(tab, s, casefile.LoadOptions{Unlabelled: true})
	if err != nil {
		b.Fatal(err)
	}
	d := fusion.Dataset{N: cs.N, Inputs: cs.Images, Clinical: cs.Tabular, Labels: make([]int, cs.N)}
	b.Run("encode-unfolded", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := net.Clone(256).EmbedProbs(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, batch := range []int{16, 64, 256} {
		b.Run("encode-folded-b"+strconv.Itoa(batch), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := net.EmbedFolded(d, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, matrix := range []bool{false, true} {
		name := "all"
		if matrix {
			name = "all-matrix"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r, err := Explain(net, tab, Options{Seed: 1, Interactions: matrix})
				if err != nil {
					b.Fatal(err)
				}
				if r.Cohort.N != n || (r.Cohort.ModalityInteractions != nil) != matrix {
					b.Fatalf("explained %d cases, want %d; matrix %v, want %v", r.Cohort.N, n, r.Cohort.ModalityInteractions != nil, matrix)
				}
			}
		})
	}
}

// BenchmarkPaper1000MatrixBackground measures the cohort matrix of BenchmarkExplainPaper1000's
// 1,000 cases (the first shipped model) against 50, 100 (the page's) and 200
// (cmd/explain's) of the 200 background cases, reporting beside the time (of the whole
// Explain, encoding included) the strongest
// pair's index and its standard error from the background sample, and the largest error
// and |index| of the other pairs: what a smaller background costs in accuracy. Run it with
//
//	go test -run '^$' -bench Paper1000MatrixBackground -benchtime 1x ./explainer/cases
func BenchmarkPaper1000MatrixBackground(b *testing.B) {
	net, tab := paperCases(b, 1000)
	for _, nb := range []int{50, 100, 200} {
		b.Run("bg"+strconv.Itoa(nb), func(b *testing.B) {
			var in *Interactions
			for b.Loop() {
				r, err := Explain(net, tab, Options{Seed: 1, Background: 200, InteractionBackground: nb, Interactions: true})
				if err != nil {
					b.Fatal(err)
				}
				in = r.Cohort.ModalityInteractions
			}
			if in.Background != nb || len(in.BackgroundSE) != len(in.Index) {
				b.Fatalf("matrix over %d background cases with %d errors", in.Background, len(in.BackgroundSE))
			}
			var otherSE, otherIndex float64
			for p, se := range in.BackgroundSE {
				if p != in.Strongest {
					otherSE, otherIndex = max(otherSE, se), max(otherIndex, abs(in.Index[p]))
				}
			}
			b.ReportMetric(in.Index[in.Strongest], "strongest-index")
			b.ReportMetric(in.BackgroundSE[in.Strongest], "strongest-bg-se")
			b.ReportMetric(otherIndex, "others-max-|index|")
			b.ReportMetric(otherSE, "others-max-bg-se")
		})
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
