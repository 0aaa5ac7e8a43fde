package fusion

import (
	"math"
	"testing"
)

// TestEmbedFolded checks that the folded batched inference gives EmbedProbs's fusion
// vectors and probabilities (to float32 rounding) for shared and separate encoders, at
// batches that divide the cases and that do not, and leaves the Net's mode alone.
func TestEmbedFolded(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		data func(Config) Dataset
	}{
		{"small", smallConfig(), func(c Config) Dataset { return synthData(c, 11, 5) }},
		{"three-separate", threeInputConfig("separate"), func(c Config) Dataset { return familyData(t, c, 11, 5) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustNet(t, tc.cfg, 8, 3)
			randomizeBN(m, 4)
			d := tc.data(tc.cfg)
			m.SetTraining(false)
			wantZ, wantP, err := m.EmbedProbs(d)
			if err != nil {
				t.Fatal(err)
			}
			m.SetTraining(true)
			for _, batch := range []int{1, 4, 11, 64} {
				z, p, err := m.EmbedFolded(d, batch)
				if err != nil {
					t.Fatal(err)
				}
				if !m.Training() {
					t.Fatalf("batch %d: EmbedFolded changed the Net's mode", batch)
				}
				for name, pair := range map[string][2][]float32{"z": {z, wantZ}, "probs": {p, wantP}} {
					got, want := pair[0], pair[1]
					if len(got) != len(want) {
						t.Fatalf("batch %d: %d values of %s, want %d", batch, len(got), name, len(want))
					}
					for i := range got {
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
							t.Fatalf("batch %d: %s[%d] = %v folded, %v unfolded", batch, name, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}
