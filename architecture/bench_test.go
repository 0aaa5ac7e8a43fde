package architecture

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
)

// BenchmarkCompare measures what cmd/compare's cuts save on two built-ins (F0, F6), every
// variant, one seed: "every-epoch" compares each scenario in its own run (so each draws
// its cases) with every network running every epoch, as before the cuts; "patience"
// compares both in one run (one draw of cases, relabelled) with patience 2. Compare the
// two ns/op of one run (the machine is shared); epochs/op counts the image networks'
// epochs, which do not depend on the machine.
//
//	go test -run XXX -bench Compare -benchtime 1x ./architecture
func BenchmarkCompare(b *testing.B) {
	ae, err := tinyAutoencoder()
	if err != nil {
		b.Fatal(err)
	}
	sets := []Set{{Scenario: mustBuiltin(b, "F0")}, {Scenario: mustBuiltin(b, "F6")}}
	o := Options{Seeds: 1, N: 1500, Epochs: 6, Autoencoder: ae, Methods: MethodOptions{Cases: 100, Background: 30}}
	epochs := func(rs ...*Report) (n int) {
		for _, r := range rs {
			for _, c := range r.Comparisons {
				for _, a := range c.Architectures {
					for _, s := range a.PerSeed {
						for _, e := range s.EpochsRun {
							n += e
						}
					}
				}
			}
		}
		return n
	}
	b.Run("every-epoch", func(b *testing.B) {
		n := 0
		for b.Loop() {
			var rs []*Report
			for _, s := range sets {
				r, err := Run(context.Background(), []Set{s}, o)
				if err != nil {
					b.Fatal(err)
				}
				rs = append(rs, r)
			}
			n = epochs(rs...)
		}
		b.ReportMetric(float64(n), "epochs/op")
	})
	b.Run("patience", func(b *testing.B) {
		p := o
		p.Patience = 2
		n := 0
		for b.Loop() {
			r, err := Run(context.Background(), sets, p)
			if err != nil {
				b.Fatal(err)
			}
			n = epochs(r)
		}
		b.ReportMetric(float64(n), "epochs/op")
	})
}

// BenchmarkConcurrentTraining asks whether two independent trainings run side by side
// (each op of each still split over GOMAXPROCS, so on two cores each gets about one) beat
// the same two run one after the other with every op split over both cores. Each
// iteration runs both ways back to back, so they see the same machine load; the figure
// to read is concurrent/sequential, the wall-clock ratio (below 1: side by side is
// faster), with cpu/wall of each way: the cores kept busy. On a loaded machine side by
// side also wins a larger share of the cores from other processes (two threads always
// ready to run), so read the ratio from a quiet machine, or next to the cpu/wall figures.
//
//	go test -run XXX -bench ConcurrentTraining -benchtime 3x ./architecture
func BenchmarkConcurrentTraining(b *testing.B) {
	ae, err := tinyAutoencoder()
	if err != nil {
		b.Fatal(err)
	}
	c, err := cohort.Build(mustBuiltin(b, "F0"), ae, cohort.Options{N: 3000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	tr, va, _, err := c.Splits(1)
	if err != nil {
		b.Fatal(err)
	}
	train, val := cohortData(tr), cohortData(va)
	s := fusion.PaperSchema()
	one := func(seed uint64) {
		if _, err := Train(context.Background(), Hybrid, s, train, val, TrainOptions{Epochs: 1, Seed: seed}); err != nil {
			b.Error(err)
		}
	}
	var seq, conc, seqCPU, concCPU float64
	for b.Loop() {
		t0, c0 := time.Now(), cpuSeconds()
		one(1)
		one(2)
		seq += time.Since(t0).Seconds()
		seqCPU += cpuSeconds() - c0
		t0, c0 = time.Now(), cpuSeconds()
		var wg sync.WaitGroup
		for _, seed := range []uint64{1, 2} {
			wg.Go(func() { one(seed) })
		}
		wg.Wait()
		conc += time.Since(t0).Seconds()
		concCPU += cpuSeconds() - c0
	}
	b.ReportMetric(seq/float64(b.N), "seq-s/op")
	b.ReportMetric(conc/float64(b.N), "conc-s/op")
	b.ReportMetric(conc/seq, "concurrent/sequential")
	b.ReportMetric(seqCPU/seq, "cpu/wall-seq")
	b.ReportMetric(concCPU/conc, "cpu/wall-conc")
}
