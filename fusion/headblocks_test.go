package fusion_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/fixture"
)

// TestFirstLayerBlocksSumToLogit checks that the blocks' shares of the first layer,
// summed over a partition of the fusion features and run through LogitPre, give Logit's
// log-odds, for several classes and partitions, including a head of one layer (no ReLU)
// and more rows than one pass of the head holds.
func TestFirstLayerBlocksSumToLogit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		widths []int
		class  int
		cuts   []int // block boundaries inside (0, Dim)
	}{
		{"paper head, four modalities", []int{40, 100, 50, 10, 2}, 1, []int{10, 20, 30}},
		{"paper head, class 0, uneven blocks", []int{40, 100, 50, 10, 2}, 0, []int{3, 17}},
		{"three classes", []int{12, 8, 3}, 2, []int{5}},
		{"one layer", []int{6, 4}, 3, []int{1, 2, 3, 4, 5}},
	} {
		base := fixture.DenseHead(tc.widths, 7)
		h, err := base.ForClass(tc.class)
		if err != nil {
			t.Fatal(err)
		}
		const n = 300
		d, hid := h.Dim(), h.Hidden()
		if hid != tc.widths[1] {
			t.Fatalf("%s: Hidden %d, want %d", tc.name, hid, tc.widths[1])
		}
		z := fixture.NormalRows(n, d, 5)
		want := make([]float32, n)
		h.Logit(z, n, want)
		bounds := append(append([]int{0}, tc.cuts...), d)
		sum := make([]float32, n*hid)
		bias := h.FirstLayerBias()
		for i := range sum {
			sum[i] = bias[i%hid]
		}
		part := make([]float32, n*hid)
		for k := 0; k+1 < len(bounds); k++ {
			h.FirstLayerBlock(z, n, bounds[k], bounds[k+1], part)
			for i, v := range part {
				sum[i] += v
			}
		}
		got := make([]float32, n)
		var work []float32 // nil: LogitPre allocates its own
		if k := len(tc.cuts); k%2 == 1 {
			work = make([]float32, h.PreWork())
		}
		h.LogitPre(sum, n, got, work)
		for i := range got {
			if diff := math.Abs(float64(got[i] - want[i])); diff > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s: row %d: LogitPre %v, Logit %v", tc.name, i, got[i], want[i])
			}
		}
		bias[0]++
		if h.FirstLayerBias()[0] == bias[0] {
			t.Fatalf("%s: FirstLayerBias returned the head's own bias, not a copy", tc.name)
		}
	}
}

// TestFirstLayerBlockOfOneFeature checks a block of one feature against the weights
// themselves: a[r][o] = W[o][j] z[r][j].
func TestFirstLayerBlockOfOneFeature(t *testing.T) {
	h := fixture.DenseHead([]int{5, 3, 2}, 2)
	z := fixture.NormalRows(4, 5, 3)
	a := make([]float32, 4*3)
	h.FirstLayerBlock(z, 4, 2, 3, a)
	for r := range 4 {
		for o := range 3 {
			want := h.Layers[0].W[o*5+2] * z[r*5+2]
			if math.Abs(float64(a[r*3+o]-want)) > 1e-6 {
				t.Errorf("row %d output %d: %v, want %v", r, o, a[r*3+o], want)
			}
		}
	}
}

func TestFirstLayerBlockRefusesBadRanges(t *testing.T) {
	h := fixture.DenseHead([]int{6, 4, 2}, 1)
	z := fixture.NormalRows(2, 6, 1)
	for _, tc := range []struct {
		name       string
		start, end int
		a          []float32
	}{
		{"empty range", 3, 3, make([]float32, 8)},
		{"past the end", 4, 7, make([]float32, 8)},
		{"negative start", -1, 2, make([]float32, 8)},
		{"short output", 0, 6, make([]float32, 7)},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), "FirstLayerBlock") {
					t.Errorf("%s: recovered %v, want a panic naming FirstLayerBlock", tc.name, r)
				}
			}()
			h.FirstLayerBlock(z, 2, tc.start, tc.end, tc.a)
		}()
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "LogitPre") {
			t.Errorf("short pre-activation: recovered %v, want a panic naming LogitPre", r)
		}
	}()
	h.LogitPre(make([]float32, 7), 2, make([]float32, 2), nil)
}

var _ interface {
	Hidden() int
	FirstLayerBlock(z []float32, n, start, end int, a []float32)
	FirstLayerBias() []float32
	PreWork() int
	LogitPre(a []float32, n int, s, work []float32)
} = (*fusion.DenseHead)(nil)
