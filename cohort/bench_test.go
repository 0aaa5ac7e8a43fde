package cohort

import (
	"testing"
	"time"

	"github.com/fusionlens/fusionlens/phantom"
)

// BenchmarkBuild20k builds a 20,000-case phantom cohort for F5 (40,000 phantoms, their
// latent features, clinical values, labels, truth) and reports how the time divides:
// go test -run '^$' -bench Build20k -benchtime 1x ./cohort/
func BenchmarkBuild20k(b *testing.B) {
	const n = 20000
	sc := builtin(b, "F5")
	m := ae(b)
	for b.Loop() {
		c, err := Build(sc, m, Options{N: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		// The parts, timed alone.
		t0 := time.Now()
		drawImages(&Cohort{N: n, Axial: make([]float32, n*Pixels), Coronal: make([]float32, n*Pixels),
			AxialClass: make([]int, n), CoronalClass: make([]int, n)}, 1, nil, nil)
		b.ReportMetric(time.Since(t0).Seconds(), "phantoms-s")
		t0 = time.Now()
		for v, imgs := range [][]float32{c.Axial, c.Coronal} {
			if _, err := m.Features(phantom.View(v), imgs, n); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(time.Since(t0).Seconds(), "latents-s")
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "build-s")
}
