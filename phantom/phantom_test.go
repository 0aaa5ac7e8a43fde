package phantom

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/medmnist"
)

func TestClassNamesMatchOrganMNIST(t *testing.T) {
	if !slices.Equal(ClassNames[:], medmnist.OrganClasses) {
		t.Errorf("ClassNames %v differ from medmnist.OrganClasses %v", ClassNames, medmnist.OrganClasses)
	}
}

func TestDeterministicBySeed(t *testing.T) {
	for _, v := range []View{Axial, Coronal} {
		a, la := Dataset(60, 42, v)
		b, lb := Dataset(60, 42, v)
		if !slices.Equal(a, b) || !slices.Equal(la, lb) {
			t.Errorf("%s: same seed gave different data", v)
		}
		c, _ := Dataset(60, 43, v)
		if slices.Equal(a, c) {
			t.Errorf("%s: seeds 42 and 43 gave the same images", v)
		}
		// Image i is Generate with the seed Dataset documents.
		var one [Pixels]float32
		Generate(la[7], v, rand.New(rand.NewPCG(42, uint64(7)<<1|uint64(v))), one[:])
		if !slices.Equal(one[:], a[7*Pixels:8*Pixels]) {
			t.Errorf("%s: image 7 of Dataset differs from Generate with its documented seed", v)
		}
	}
	// Axial and coronal differ for the same seed.
	a, _ := Dataset(11, 1, Axial)
	c, _ := Dataset(11, 1, Coronal)
	if slices.Equal(a, c) {
		t.Error("axial and coronal are equal")
	}
}

func TestBalancedLabelsAndRange(t *testing.T) {
	imgs, labels := Dataset(11*9+4, 7, Axial)
	count := make([]int, NumClasses)
	for _, l := range labels {
		count[l]++
	}
	for c, n := range count {
		want := 9
		if c < 4 {
			want = 10
		}
		if n != want {
			t.Errorf("class %d: %d images, want %d", c, n, want)
		}
	}
	for i, v := range imgs {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("value %d is %v, outside [0,1]", i, v)
		}
		if q := v * 255; math.Abs(float64(q)-math.Round(float64(q))) > 1e-3 {
			t.Fatalf("value %d is %v, not an 8-bit step", i, v)
		}
	}
	// Images are neither blank nor saturated: each has real contrast.
	for i := range len(labels) {
		img := imgs[i*Pixels : (i+1)*Pixels]
		lo, hi := slices.Min(img), slices.Max(img)
		if hi-lo < 0.25 {
			t.Errorf("image %d (%s) has contrast %.2f", i, ClassNames[labels[i]], hi-lo)
		}
	}
}

// classMeans returns the mean image of each class.
func classMeans(x []float32, y []int) [][]float64 {
	mean := make([][]float64, NumClasses)
	n := make([]int, NumClasses)
	for c := range mean {
		mean[c] = make([]float64, Pixels)
	}
	for i, c := range y {
		for p, v := range x[i*Pixels : (i+1)*Pixels] {
			mean[c][p] += float64(v)
		}
		n[c]++
	}
	for c := range mean {
		for p := range mean[c] {
			mean[c][p] /= float64(n[c])
		}
	}
	return mean
}

// nearest returns which of the candidate classes has the mean closest to img.
func nearest(mean [][]float64, img []float32, candidates []int) int {
	best, bestD := -1, math.Inf(1)
	for _, c := range candidates {
		d := 0.0
		for p, v := range img {
			e := float64(v) - mean[c][p]
			d += e * e
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// The classes must be learnable, but not trivially: a nearest-class-mean classifier on
// raw pixels of held-out phantoms beats chance (1/11) by far, yet stays well short of
// perfect, leaving room for a network to learn shape and context. Left and right twins
// (femur, kidney, lung) must be separable, as their surroundings differ.
func TestClassesLearnableNotTrivial(t *testing.T) {
	all := make([]int, NumClasses)
	for c := range all {
		all[c] = c
	}
	for _, v := range []View{Axial, Coronal} {
		trX, trY := Dataset(1100, 1, v)
		teX, teY := Dataset(550, 2, v)
		mean := classMeans(trX, trY)
		right := 0
		for i, y := range teY {
			if nearest(mean, teX[i*Pixels:(i+1)*Pixels], all) == y {
				right++
			}
		}
		acc := float64(right) / float64(len(teY))
		t.Logf("%s: nearest-class-mean accuracy %.3f on %d held-out phantoms", v, acc, len(teY))
		if acc < 0.45 {
			t.Errorf("%s: accuracy %.3f, want at least 0.45 (chance is 0.09)", v, acc)
		}
		if acc > 0.92 {
			t.Errorf("%s: accuracy %.3f, want at most 0.92: the task is too easy", v, acc)
		}
		for _, pair := range [][]int{{FemurLeft, FemurRight}, {KidneyLeft, KidneyRight}, {LungLeft, LungRight}} {
			ok, n := 0, 0
			for i, y := range teY {
				if y != pair[0] && y != pair[1] {
					continue
				}
				n++
				if nearest(mean, teX[i*Pixels:(i+1)*Pixels], pair) == y {
					ok++
				}
			}
			pacc := float64(ok) / float64(n)
			t.Logf("%s: %s vs %s: %.2f", v, ClassNames[pair[0]], ClassNames[pair[1]], pacc)
			if pacc < 0.75 {
				t.Errorf("%s: %s vs %s told apart in %.2f of cases, want at least 0.75", v, ClassNames[pair[0]], ClassNames[pair[1]], pacc)
			}
		}
	}
}

func TestParseView(t *testing.T) {
	for _, v := range []View{Axial, Coronal} {
		got, err := ParseView(v.String())
		if err != nil || got != v {
			t.Errorf("ParseView(%q) = %v, %v", v.String(), got, err)
		}
	}
	if _, err := ParseView("sagittal"); err == nil {
		t.Error("sagittal accepted")
	}
}

func TestGeneratePanicsOnMisuse(t *testing.T) {
	for _, f := range []func(){
		func() { Generate(11, Axial, rand.New(rand.NewPCG(1, 1)), make([]float32, Pixels)) },
		func() { Generate(0, View(2), rand.New(rand.NewPCG(1, 1)), make([]float32, Pixels)) },
		func() { Generate(0, Axial, rand.New(rand.NewPCG(1, 1)), make([]float32, 10)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("misuse did not panic")
				}
			}()
			f()
		}()
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, v := range []View{Axial, Coronal} {
		b.Run(v.String(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			dst := make([]float32, Pixels)
			i := 0
			for b.Loop() {
				Generate(i%NumClasses, v, rng, dst)
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// TestDatasetGolden pins Dataset's images and labels: the hash was taken before Labels
// and DatasetImage were split out of it, so drawing one image at a time gives the data
// every earlier model was trained on.
func TestDatasetGolden(t *testing.T) {
	h := sha256.New()
	for _, v := range []View{Axial, Coronal} {
		im, lb := Dataset(37, 7, v)
		for _, x := range im {
			binary.Write(h, binary.LittleEndian, math.Float32bits(x))
		}
		for _, l := range lb {
			binary.Write(h, binary.LittleEndian, int64(l))
		}
	}
	const want = "9731e5e796c4b2fa1435ccf4cf3f1ae361bd13ceb5f887220fa0299e06cd9522"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("Dataset(37, 7, both views) hashes to %s, want %s", got, want)
	}
}

// TestLabelsAndImageMatchDataset checks that Labels and DatasetImage draw Dataset's cases
// one at a time, for sizes below and above the parallel split.
func TestLabelsAndImageMatchDataset(t *testing.T) {
	for _, n := range []int{1, 12, 130} {
		for _, v := range []View{Axial, Coronal} {
			im, lb := Dataset(n, 3, v)
			got := Labels(n, 3, v)
			img := make([]float32, Pixels)
			for i := range n {
				if got[i] != lb[i] {
					t.Fatalf("n %d view %v: label %d is %d, Dataset has %d", n, v, i, got[i], lb[i])
				}
				DatasetImage(got[i], i, 3, v, img)
				for p, x := range img {
					if math.Float32bits(x) != math.Float32bits(im[i*Pixels+p]) {
						t.Fatalf("n %d view %v: image %d pixel %d is %v, Dataset has %v", n, v, i, p, x, im[i*Pixels+p])
					}
				}
			}
		}
	}
}

// TestExample checks that example case n is the same on every call, that cases differ,
// and that each is two valid slices of the classes it reports.
func TestExample(t *testing.T) {
	seen := map[string]uint64{}
	for n := uint64(1); n <= 20; n++ {
		ax, co, ca, cc := Example(n)
		ax2, co2, ca2, cc2 := Example(n)
		if !slices.Equal(ax, ax2) || !slices.Equal(co, co2) || ca != ca2 || cc != cc2 {
			t.Fatalf("example %d differs between two calls", n)
		}
		if ca < 0 || ca >= NumClasses || cc < 0 || cc >= NumClasses || len(ax) != Pixels || len(co) != Pixels {
			t.Fatalf("example %d: classes %d, %d, %d and %d pixels", n, ca, cc, len(ax), len(co))
		}
		for _, v := range append(slices.Clone(ax), co...) {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("example %d: pixel %v outside [0,1]", n, v)
			}
		}
		h := sha256.New()
		binary.Write(h, binary.LittleEndian, ax)
		key := hex.EncodeToString(h.Sum(nil))
		if m, dup := seen[key]; dup {
			t.Errorf("examples %d and %d have the same axial slice", m, n)
		}
		seen[key] = n
	}
}
