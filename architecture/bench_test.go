package architecture

import (
	"context"
	"testing"
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
