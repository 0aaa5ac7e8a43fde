package cohort

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/medmnist"
	"github.com/fusionlens/fusionlens/npz"
	"github.com/fusionlens/fusionlens/phantom"
)

// testAE is a quickly trained autoencoder of the default architecture: the tests here
// check the cohort's bookkeeping, which does not depend on the features' quality.
var testAE = sync.OnceValues(func() (*latent.Model, error) { return fixture.Autoencoder(300, 1, 3) })

func ae(t testing.TB) *latent.Model {
	t.Helper()
	m, err := testAE()
	if err != nil {
		t.Fatal(err)
	}
	return m.Clone()
}

func builtin(t testing.TB, name string) *groundtruth.Scenario {
	t.Helper()
	sc, err := groundtruth.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestBuildShapesAndTruth(t *testing.T) {
	sc := builtin(t, "F5")
	const n = 660
	c, err := Build(sc, ae(t), Options{N: n, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]int{"Axial": len(c.Axial), "Coronal": len(c.Coronal), "Clinical": len(c.Clinical),
		"X": len(c.X), "F": len(c.F), "Labels": len(c.Labels), "AxialClass": len(c.AxialClass), "CoronalClass": len(c.CoronalClass)} {
		want := map[string]int{"Axial": n * 784, "Coronal": n * 784, "Clinical": n * 20, "X": n * 40}[name]
		if want == 0 {
			want = n
		}
		if got != want {
			t.Errorf("len(%s) = %d, want %d", name, got, want)
		}
	}
	if c.N != n || c.Seed != 11 || c.Source != phantom.Provenance {
		t.Errorf("N %d seed %d source %q", c.N, c.Seed, c.Source)
	}
	// Median threshold, no noise: exactly half the cases are positive.
	pos := 0
	for _, y := range c.Labels {
		if y != 0 && y != 1 {
			t.Fatalf("label %d", y)
		}
		pos += y
	}
	if pos != n/2 || c.Positive != 0.5 || c.Flipped != 0 {
		t.Errorf("%d positives (Positive %g, flipped %d), want %d", pos, c.Positive, c.Flipped, n/2)
	}
	// Latent columns standardised over the cohort; clinical columns are the network's
	// float32 inputs.
	for j := range NumFeatures {
		var s, ss float64
		for i := range n {
			v := c.X[i*NumFeatures+j]
			s += v
			ss += v * v
			if j >= NumLatent && v != float64(c.Clinical[i*NumClinical+j-NumLatent]) {
				t.Fatalf("X[%d][%d] = %v, Clinical has %v", i, j, v, c.Clinical[i*NumClinical+j-NumLatent])
			}
		}
		mean, sd := s/n, math.Sqrt(ss/n-(s/n)*(s/n))
		if j < NumLatent && (math.Abs(mean) > 1e-9 || math.Abs(sd-1) > 1e-9) {
			t.Errorf("latent feature %d: mean %g SD %g over the cohort", j, mean, sd)
		}
		if j >= NumLatent && (math.Abs(mean) > 0.15 || math.Abs(sd-1) > 0.15) {
			t.Errorf("clinical feature %d: mean %g SD %g, want about 0 and 1", j, mean, sd)
		}
	}
	// X's latent columns are the autoencoder's features, standardised. Encoding one image
	// alone takes other GEMM paths than a batch, so they agree to float32 rounding.
	m := ae(t)
	f, err := m.Features(phantom.Coronal, c.Coronal[5*Pixels:6*Pixels], 1)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range f {
		j := latent.Dim + k
		if want := (v - c.LatentStd.Mean[j]) / c.LatentStd.SD[j]; math.Abs(c.X[5*NumFeatures+j]-want) > 1e-5 {
			t.Errorf("X[5][%d] = %v, standardised feature %v", j, c.X[5*NumFeatures+j], want)
		}
	}
	// Features maps cases back to their rows of X.
	X, err := c.Features(m, c.Axial[:7*Pixels], c.Coronal[:7*Pixels], c.Clinical[:7*NumClinical], 7)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range X {
		if math.Abs(v-c.X[j]) > 1e-5 {
			t.Fatalf("Features[%d][%d] = %v, X has %v", j/NumFeatures, j%NumFeatures, v, c.X[j])
		}
	}
	if _, err := c.Features(m, c.Axial[:7*Pixels], c.Coronal[:7*Pixels], c.Clinical[:7*NumClinical], 6); err == nil {
		t.Error("Features with a wrong count: no error")
	}
	// F, labels and truth are groundtruth's computations on X.
	vals, _ := sc.Values(c.X)
	lab, _ := sc.Label(c.X)
	imp, _ := sc.Importance(c.X)
	if !slices.Equal(vals, c.F) || c.Threshold != lab.Threshold {
		t.Error("F or threshold differ from the scenario's on X")
	}
	for i, y := range lab.Y {
		if int(y) != c.Labels[i] {
			t.Fatalf("label %d: %d, scenario says %d", i, c.Labels[i], y)
		}
	}
	if c.Truth != *imp {
		t.Errorf("truth %v differs from sc.Importance(X) %v", c.Truth.Modality, imp.Modality)
	}
	// Organ classes: all valid, each drawn (uniform: about n/11 = 60 each).
	for v, cls := range [][]int{c.AxialClass, c.CoronalClass} {
		count := make([]int, phantom.NumClasses)
		for _, k := range cls {
			count[k]++
		}
		for k, m := range count {
			if m < 30 || m > 95 {
				t.Errorf("view %d class %d drawn %d times of %d, want about %d", v, k, m, n, n/11)
			}
		}
	}
	// Axial and coronal classes are drawn independently: they agree about 1/11 of the time.
	same := 0
	for i := range n {
		if c.AxialClass[i] == c.CoronalClass[i] {
			same++
		}
	}
	if same > n/5 {
		t.Errorf("axial and coronal classes agree in %d of %d cases", same, n)
	}
	for _, p := range append(slices.Clone(c.Axial), c.Coronal...) {
		if !(p >= 0 && p <= 1) {
			t.Fatalf("pixel %v", p)
		}
	}
}

func TestDeterministic(t *testing.T) {
	sc := builtin(t, "F6")
	a, err := Build(sc, ae(t), Options{N: 200, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(sc, ae(t), Options{N: 200, Seed: 5})
	c, _ := Build(sc, ae(t), Options{N: 200, Seed: 6})
	if !slices.Equal(a.Axial, b.Axial) || !slices.Equal(a.Coronal, b.Coronal) || !slices.Equal(a.Clinical, b.Clinical) ||
		!slices.Equal(a.X, b.X) || !slices.Equal(a.Labels, b.Labels) || a.Truth != b.Truth {
		t.Error("the same seed gave different cohorts")
	}
	if slices.Equal(a.Axial, c.Axial) || slices.Equal(a.Clinical, c.Clinical) {
		t.Error("seeds 5 and 6 gave the same images or clinical values")
	}
	// Zero options take the scenario's size and seed.
	sc.CohortSize, sc.Seed = 50, 5
	d, err := Build(sc, ae(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 50 || d.Seed != 5 || !slices.Equal(d.Axial, a.Axial[:50*Pixels]) {
		t.Errorf("default options: N %d seed %d, or images differ from seed 5's", d.N, d.Seed)
	}
}

func TestIgnoredModalityHasZeroTruth(t *testing.T) {
	for name, zero := range map[string][]int{"F1": {1, 2, 3}, "F2": {0, 2, 3}, "F3": {0, 1}, "F4": {2, 3}} {
		c, err := Build(builtin(t, name), ae(t), Options{N: 100, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for m, v := range c.Truth.Modality {
			sum += v
			if slices.Contains(zero, m) && v != 0 {
				t.Errorf("%s: modality %s has truth %g, want exactly 0", name, groundtruth.Modalities[m], v)
			}
			if !slices.Contains(zero, m) && !(v > 0) {
				t.Errorf("%s: modality %s has truth %g, want > 0", name, groundtruth.Modalities[m], v)
			}
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%s: modality truths sum to %g", name, sum)
		}
	}
}

func TestLabelNoise(t *testing.T) {
	sc := builtin(t, "F0")
	sc.LabelNoise = 0.1
	c, err := Build(sc, ae(t), Options{N: 1000, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if c.Flipped < 60 || c.Flipped > 140 || math.Abs(c.Positive-0.5) > 0.05 {
		t.Errorf("10%% noise flipped %d of 1000, positive share %g", c.Flipped, c.Positive)
	}
	all := make([]int, c.N)
	for i := range all {
		all[i] = i
	}
	s, err := c.Subset(all)
	if err != nil {
		t.Fatal(err)
	}
	if s.Flipped != c.Flipped || s.Positive != c.Positive || s.Truth != c.Truth {
		t.Errorf("subset of everything: flipped %d positive %g, cohort %d %g (or truth differs)", s.Flipped, s.Positive, c.Flipped, c.Positive)
	}
}

func TestSplit(t *testing.T) {
	c, err := Build(builtin(t, "F0"), ae(t), Options{N: 1001, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	sp := c.Split(1)
	if got := len(sp.Train) + len(sp.Val) + len(sp.Test); got != c.N {
		t.Fatalf("parts hold %d cases, cohort %d", got, c.N)
	}
	// Per label (500 positives, 501 negatives): test round(0.2*m), val round(0.1*m).
	for name, p := range map[string]struct {
		idx      []int
		min, max int
	}{"train": {sp.Train, 699, 702}, "val": {sp.Val, 100, 100}, "test": {sp.Test, 200, 200}} {
		if len(p.idx) < p.min || len(p.idx) > p.max {
			t.Errorf("%s has %d cases, want %d..%d", name, len(p.idx), p.min, p.max)
		}
		if !slices.IsSorted(p.idx) {
			t.Errorf("%s is not sorted", name)
		}
		pos := 0
		for _, i := range p.idx {
			pos += c.Labels[i]
		}
		if math.Abs(float64(pos)/float64(len(p.idx))-0.5) > 0.01 {
			t.Errorf("%s: %d of %d positive, want balanced", name, pos, len(p.idx))
		}
	}
	seen := make([]bool, c.N)
	for _, part := range [][]int{sp.Train, sp.Val, sp.Test} {
		for _, i := range part {
			if seen[i] {
				t.Fatalf("case %d is in two parts", i)
			}
			seen[i] = true
		}
	}
	if again := c.Split(1); !slices.Equal(again.Test, sp.Test) || !slices.Equal(again.Train, sp.Train) {
		t.Error("same seed, different split")
	}
	if other := c.Split(2); slices.Equal(other.Test, sp.Test) {
		t.Error("seeds 1 and 2 gave the same test part")
	}

	train, val, test, err := c.Splits(1)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != len(sp.Train) || val.N != len(sp.Val) || test.N != len(sp.Test) {
		t.Errorf("Splits sizes %d %d %d", train.N, val.N, test.N)
	}
	k := sp.Test[7]
	if !slices.Equal(test.Axial[7*Pixels:8*Pixels], c.Axial[k*Pixels:(k+1)*Pixels]) ||
		!slices.Equal(test.X[7*NumFeatures:8*NumFeatures], c.X[k*NumFeatures:(k+1)*NumFeatures]) ||
		test.Labels[7] != c.Labels[k] || test.F[7] != c.F[k] || test.AxialClass[7] != c.AxialClass[k] {
		t.Error("test case 7 is not the cohort's case")
	}
	imp, _ := c.Scenario.Importance(test.X)
	if test.Truth != *imp {
		t.Error("test part's truth is not the importance over its own cases")
	}
	if _, err := SplitLabels(c.Labels, 1, 0.6, 0.4); err == nil {
		t.Error("shares summing to 1: no error")
	}
	if _, err := c.Subset([]int{0, c.N}); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("subset out of range: %v", err)
	}
	if _, err := c.Subset(nil); err == nil {
		t.Error("empty subset: no error")
	}
}

func TestBuildErrors(t *testing.T) {
	m := ae(t)
	sc := builtin(t, "F0")
	bad := *sc
	bad.LabelNoise = 0.7
	pool := &medmnist.Set{Name: "x", N: 1, Height: 28, Width: 28, Images: make([]float32, 784), Labels: []int{0}, LabelWidth: 1}
	small := &medmnist.Set{Name: "x", N: 1, Height: 14, Width: 14, Images: make([]float32, 196), Labels: []int{0}, LabelWidth: 1}
	cases := []struct {
		name string
		sc   *groundtruth.Scenario
		ae   *latent.Model
		opt  Options
		want string
	}{
		{"nil ae", sc, nil, Options{N: 10}, "autoencoder"},
		{"invalid", &bad, m, Options{N: 10}, "label_noise"},
		{"one case", sc, m, Options{N: 1}, "1 cases"},
		{"huge", sc, m, Options{N: MaxN + 1}, "cases"},
		{"one npz", sc, m, Options{N: 10, AxialNPZ: "a.npz"}, "both .npz"},
		{"one pool", sc, m, Options{N: 10, Axial: pool}, "both image pools"},
		{"side", sc, m, Options{N: 10, Axial: pool, Coronal: small}, "14x14"},
		{"missing file", sc, m, Options{N: 10, AxialNPZ: "/nonexistent/a.npz", CoronalNPZ: "/nonexistent/c.npz"}, "axial images"},
	}
	for _, c := range cases {
		if _, err := Build(c.sc, c.ae, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// writeNPZ writes a MedMNIST-layout file whose train split holds n phantoms of view,
// stored as uint8 like the official files, with classes restricted to those given.
func writeNPZ(t *testing.T, path string, view phantom.View, n int, classes []int) {
	t.Helper()
	imgs, labels := phantom.Dataset(n, 21, view)
	px := make([]uint8, len(imgs))
	for i, v := range imgs {
		px[i] = uint8(math.Round(float64(v) * 255))
	}
	lab := make([]uint8, n)
	for i, l := range labels {
		lab[i] = uint8(classes[l%len(classes)])
	}
	ia, err := npz.New([]int{n, 28, 28}, px)
	if err != nil {
		t.Fatal(err)
	}
	la, err := npz.New([]int{n, 1}, lab)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	if err := w.Add("train_images", ia); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("train_labels", la); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMedMNISTSource(t *testing.T) {
	dir := t.TempDir()
	axPath, coPath := filepath.Join(dir, "organamnist.npz"), filepath.Join(dir, "organcmnist.npz")
	writeNPZ(t, axPath, phantom.Axial, 80, []int{0, 3, 6})
	writeNPZ(t, coPath, phantom.Coronal, 60, []int{1, 10})
	c, err := Build(builtin(t, "F4"), ae(t), Options{N: 300, Seed: 3, AxialNPZ: axPath, CoronalNPZ: coPath})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Source, "organamnist") || !strings.Contains(c.Source, "organcmnist") {
		t.Errorf("source %q", c.Source)
	}
	ax, _ := medmnist.Load(axPath, medmnist.Train, medmnist.Options{})
	co, _ := medmnist.Load(coPath, medmnist.Train, medmnist.Options{})
	for v, p := range []struct {
		set     *medmnist.Set
		imgs    []float32
		cls     []int
		classes []int
	}{{ax, c.Axial, c.AxialClass, []int{0, 3, 6}}, {co, c.Coronal, c.CoronalClass, []int{1, 10}}} {
		count := map[int]int{}
		for i := range c.N {
			count[p.cls[i]]++
			img := p.imgs[i*Pixels : (i+1)*Pixels]
			found := false
			for j := range p.set.N {
				if p.set.Label(j) == p.cls[i] && slices.Equal(p.set.Image(j), img) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("view %d case %d: image is not one of the pool's class-%d images", v, i, p.cls[i])
			}
		}
		for _, k := range p.classes {
			if share := float64(count[k]) / float64(c.N); math.Abs(share-1/float64(len(p.classes))) > 0.1 {
				t.Errorf("view %d: class %d drawn %d of %d times, want uniform over %v", v, k, count[k], c.N, p.classes)
			}
		}
		if len(count) != len(p.classes) {
			t.Errorf("view %d drew classes %v, pool has %v", v, count, p.classes)
		}
	}
}

// TestRelabel checks that relabelling a cohort built for one scenario gives exactly the
// cohort Build gives for another with the same options.
func TestRelabel(t *testing.T) {
	a, err := Build(builtin(t, "F0"), ae(t), Options{N: 150, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"F3", "F6", "F0"} {
		sc := builtin(t, name)
		want, err := Build(sc, ae(t), Options{N: 150, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Relabel(sc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: relabelled F0 cohort differs from the one built for %s", name, name)
		}
	}
	if a.Scenario.Name != builtin(t, "F0").Name {
		t.Errorf("Relabel changed the cohort it was called on: scenario %q", a.Scenario.Name)
	}
	if _, err := a.Relabel(nil); err == nil {
		t.Error("Relabel(nil) gave no error")
	}
	bad := *builtin(t, "F1")
	bad.Name = ""
	if _, err := a.Relabel(&bad); err == nil {
		t.Error("Relabel of a scenario without a name gave no error")
	}
}
