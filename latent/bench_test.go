package latent

import (
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/phantom"
)

// BenchmarkTrainDefault trains the default autoencoder (phantom drawing included) and
// reports its reconstruction errors: go test -run '^$' -bench TrainDefault -benchtime 1x ./latent/
func BenchmarkTrainDefault(b *testing.B) {
	for b.Loop() {
		m, rep, err := TrainDefault()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		test, _ := phantom.Dataset(2000, 4242, phantom.Axial)
		b.ReportMetric(rep.Duration.Seconds(), "train-s")
		b.ReportMetric(rep.FinalMSE, "train-mse")
		b.ReportMetric(rep.InitialMSE/rep.FinalMSE, "mse-fall-x")
		b.ReportMetric(m.MSE(test, 2000), "heldout-axial-mse")
		b.ReportMetric(rep.MeanImageMSE, "mean-image-mse")
		b.ReportMetric(rep.CodeCorrMinEig, "code-corr-min-eig")
		b.StartTimer()
	}
}

// BenchmarkLearnability trains the default autoencoder, then fits ridge regressions from
// raw pixels to each whitened feature on 2000 held-out phantoms per view and reports the
// R² on 1000 more: go test -run '^$' -bench Learnability -benchtime 1x -v ./latent/
func BenchmarkLearnability(b *testing.B) {
	m, _, err := TrainDefault()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for v := range phantom.View(NumViews) {
			imgs, _ := phantom.Dataset(3000, 4243, v)
			f, err := m.Features(v, imgs, 3000)
			if err != nil {
				b.Fatal(err)
			}
			spec, err := CorrelationSpectrum(f, Dim)
			if err != nil {
				b.Fatal(err)
			}
			r2 := ridgeR2(imgs, f, Dim, 2000, 1000, 1)
			b.Logf("%s: ridge R² per feature %.3f; held-out correlation eigenvalues %.2f", v, r2, spec)
			var mean float64
			for _, r := range r2 {
				mean += r / Dim
			}
			b.ReportMetric(slices.Min(r2), v.String()+"-min-R2")
			b.ReportMetric(mean, v.String()+"-mean-R2")
		}
	}
}

// BenchmarkEncode measures encoding throughput (images per second).
func BenchmarkEncode(b *testing.B) {
	const n = 4096
	imgs, _ := phantom.Dataset(n, 1, phantom.Axial)
	m := newModel(DefaultArch, 1, 64)
	for b.Loop() {
		m.Encode(imgs, n)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
}
