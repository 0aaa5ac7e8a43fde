// Package cohort builds labelled cases of fusionlens's synthetic ground-truth world for a
// scenario: two CT images and twenty clinical values per case, the forty ground-truth
// features they define, the decision function F, labels and the ground-truth importance.
//
// # A case
//
// Each case pairs one axial and one coronal 28x28 image, drawn independently of each
// other: each image's organ class is uniform at random over the 11 classes, then the
// image is a fresh phantom of that class (phantom.Generate), or, for MedMNIST sources, an
// image of that class picked uniformly from the split with replacement (so a large cohort
// reuses images; classes absent from the split are never drawn). Twenty clinical values
// come from clinical.Simulate (standard normal, three pairs correlated at 0.5).
//
// The ground-truth features X (N x 40, fusion-vector order) are the autoencoder's ten
// whitened latent features of the axial image (latent.Model.Features), the ten of the
// coronal image, each of these twenty columns standardised to mean 0 and SD 1 over the
// cohort (groundtruth.Standardize), then the twenty clinical values exactly as the
// network sees them (the float32 values in Clinical, widened). Then F = sc.F(X), labels
// = sc.Label(X) (cut at the median, so classes balance, then the scenario's label noise)
// and the ground-truth importance Truth = sc.Importance(X).
//
// # Determinism
//
// Every random draw comes from PCG streams of Options.Seed: image i of view v from its
// own stream, so images come out the same however the work is spread over goroutines;
// the clinical values from clinical.Simulate(N, Seed). The latent features inherit the
// autoencoder's determinism (see package latent).
//
// # Splits and the fusion network
//
// Split divides the cases 70/10/20 into train, validation and test, stratified by
// label, from a seed; Subset and Splits give the parts as cohorts of their own. A Cohort
// has the fields N, Axial, Coronal, Clinical and Labels with the names and types of
// fusion.Dataset, so converting is a struct literal; this package does not import fusion.
package cohort

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/fusionlens/fusionlens/clinical"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/medmnist"
	"github.com/fusionlens/fusionlens/phantom"
)

// Sizes of a case.
const (
	Pixels      = phantom.Pixels   // values per image
	NumClinical = clinical.NumVars // clinical values per case
	NumFeatures = groundtruth.NumFeatures
	NumLatent   = 2 * latent.Dim // latent features per case (axial, then coronal)
)

// Options control Build.
type Options struct {
	// N is the number of cases; 0 takes the scenario's CohortSize.
	N int
	// Seed seeds the images and clinical values; 0 takes the scenario's Seed. (The label
	// noise always uses the scenario's Seed, as groundtruth.Scenario.Label does.)
	Seed uint64
	// AxialNPZ and CoronalNPZ, when set (both or neither), are MedMNIST .npz files
	// (OrganAMNIST and OrganCMNIST) to draw images from instead of phantoms, from the
	// NPZSplit split (default medmnist.Train), resampled to 28x28.
	AxialNPZ, CoronalNPZ string
	NPZSplit             medmnist.Split
	// Axial and Coronal, when set (both or neither), are image pools already loaded
	// (28x28, single-label); they take precedence over the .npz paths.
	Axial, Coronal *medmnist.Set
}

// Cohort is a labelled synthetic cohort. Row i of each per-case field belongs to case i.
type Cohort struct {
	// N, Axial, Coronal, Clinical and Labels match fusion.Dataset's fields.
	N        int
	Axial    []float32 // N*784 values in [0,1]: the axial image of each case
	Coronal  []float32 // N*784: the coronal image
	Clinical []float32 // N*20 standardised clinical values, clinical_a then clinical_b
	Labels   []int     // 0 or 1 (after label noise)

	AxialClass, CoronalClass []int // organ class (0..10) of each image

	X     []float64              // N*40 ground-truth features, fusion-vector order
	F     []float64              // the decision function at each case
	Truth groundtruth.Importance // over all N cases

	// Threshold is where F was cut (class 1 is F > Threshold before noise), Flipped how
	// many labels the noise flipped and Positive the share of class 1 after it.
	Threshold float64
	Flipped   int
	Positive  float64

	// Scenario is a copy of the decision function; Subset recomputes Truth with it.
	Scenario groundtruth.Scenario
	// LatentStd maps the autoencoder's whitened features (axial then coronal, 20
	// columns) to X's first twenty columns; it applies to new images of this world.
	LatentStd *groundtruth.Standardizer
	// Source says where the images came from; Seed is the seed used.
	Source string
	Seed   uint64
}

// MaxN is the largest cohort Build makes: each case holds about 6.6 KB (two images as
// float32, clinical values, features), so MaxN cases take about 7 GB.
const MaxN = 1 << 20

// imageSalt separates the cohort's image streams from phantom.Dataset's for the same
// seed (the default autoencoder's training images are drawn with phantom.Dataset).
const imageSalt = 0x636f686f7274696d // "cohortim"

// Build draws a cohort for scenario sc and computes its ground truth with autoencoder ae.
// It fails when sc is invalid, ae is nil, the options are out of range, an image source
// cannot be read or is unsuitable, or the ground truth is undefined for the cohort.
func Build(sc *groundtruth.Scenario, ae *latent.Model, opt Options) (*Cohort, error) {
	if sc == nil || ae == nil {
		return nil, fmt.Errorf("cohort: Build needs a scenario and an autoencoder (got scenario %v, autoencoder %v)", sc != nil, ae != nil)
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	if opt.N == 0 {
		opt.N = sc.CohortSize
	}
	if opt.Seed == 0 {
		opt.Seed = sc.Seed
	}
	if opt.N < 2 || opt.N > MaxN {
		return nil, fmt.Errorf("cohort: %d cases, want 2..%d", opt.N, MaxN)
	}
	ax, co, err := pools(&opt)
	if err != nil {
		return nil, err
	}
	n := opt.N
	c := &Cohort{N: n, Seed: opt.Seed,
		Axial: make([]float32, n*Pixels), Coronal: make([]float32, n*Pixels),
		AxialClass: make([]int, n), CoronalClass: make([]int, n)}
	if ax == nil {
		c.Source = phantom.Provenance
	} else {
		c.Source = fmt.Sprintf("medmnist: %s and %s, %s split", ax.Name, co.Name, ax.Split)
	}
	drawImages(c, opt.Seed, ax, co)

	z := clinical.Simulate(n, opt.Seed)
	c.Clinical = make([]float32, n*NumClinical)
	for i, v := range z {
		c.Clinical[i] = float32(v)
	}

	lat := make([]float64, n*NumLatent)
	for v, imgs := range [][]float32{c.Axial, c.Coronal} {
		f, err := ae.Features(phantom.View(v), imgs, n)
		if err != nil {
			return nil, fmt.Errorf("cohort: %s images: %w", phantom.View(v), err)
		}
		for i := range n {
			copy(lat[i*NumLatent+v*latent.Dim:], f[i*latent.Dim:(i+1)*latent.Dim])
		}
	}
	if c.LatentStd, err = groundtruth.Standardize(lat, NumLatent); err != nil {
		return nil, fmt.Errorf("cohort: latent features: %w", err)
	}
	c.X = make([]float64, n*NumFeatures)
	for i := range n {
		row := c.X[i*NumFeatures : (i+1)*NumFeatures]
		copy(row, lat[i*NumLatent:(i+1)*NumLatent])
		for j, v := range c.Clinical[i*NumClinical : (i+1)*NumClinical] {
			row[NumLatent+j] = float64(v)
		}
	}

	if err := c.label(sc); err != nil {
		return nil, err
	}
	return c, nil
}

// label sets what scenario sc makes of the cases' features X: the decision function,
// labels, threshold, noise and ground-truth importance.
func (c *Cohort) label(sc *groundtruth.Scenario) error {
	lab, err := sc.Label(c.X)
	if err != nil {
		return err
	}
	c.Scenario = cloneScenario(sc)
	c.F, c.Threshold, c.Flipped, c.Positive = lab.F, lab.Threshold, lab.Flipped, lab.Positive
	c.Labels = make([]int, c.N)
	for i, y := range lab.Y {
		c.Labels[i] = int(y)
	}
	imp, err := sc.Importance(c.X)
	if err != nil {
		return err
	}
	c.Truth = *imp
	return nil
}

// Relabel returns the cohort Build would give for scenario sc with c's options: the same
// cases (images, clinical values and features, which do not depend on the scenario),
// labelled by sc. It costs sc's decision function and truth over the cases, not the
// images and the autoencoder: comparing several scenarios on one draw of cases builds
// once and relabels. The result shares c's per-case image, clinical and feature slices
// (neither is changed by this package).
func (c *Cohort) Relabel(sc *groundtruth.Scenario) (*Cohort, error) {
	if sc == nil {
		return nil, fmt.Errorf("cohort: Relabel needs a scenario")
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	r := *c
	if err := r.label(sc); err != nil {
		return nil, err
	}
	return &r, nil
}

// cloneScenario copies sc so that later changes to the caller's scenario do not reach
// the cohort.
func cloneScenario(sc *groundtruth.Scenario) groundtruth.Scenario {
	s := *sc
	s.Terms = append([]groundtruth.Term(nil), sc.Terms...)
	return s
}

// pools returns the MedMNIST image pools the options ask for (nil, nil for phantoms),
// loading .npz files if needed, and checks they are usable.
func pools(opt *Options) (ax, co *medmnist.Set, err error) {
	if (opt.Axial == nil) != (opt.Coronal == nil) {
		return nil, nil, fmt.Errorf("cohort: give both image pools or neither (axial %v, coronal %v)", opt.Axial != nil, opt.Coronal != nil)
	}
	ax, co = opt.Axial, opt.Coronal
	if ax == nil {
		if (opt.AxialNPZ == "") != (opt.CoronalNPZ == "") {
			return nil, nil, fmt.Errorf("cohort: give both .npz files or neither (axial %q, coronal %q)", opt.AxialNPZ, opt.CoronalNPZ)
		}
		if opt.AxialNPZ == "" {
			return nil, nil, nil
		}
		split := opt.NPZSplit
		if split == "" {
			split = medmnist.Train
		}
		if ax, err = medmnist.Load(opt.AxialNPZ, split, medmnist.Options{Side: phantom.Size, Classes: phantom.NumClasses}); err != nil {
			return nil, nil, fmt.Errorf("cohort: axial images: %w", err)
		}
		if co, err = medmnist.Load(opt.CoronalNPZ, split, medmnist.Options{Side: phantom.Size, Classes: phantom.NumClasses}); err != nil {
			return nil, nil, fmt.Errorf("cohort: coronal images: %w", err)
		}
	}
	for _, p := range []struct {
		view string
		s    *medmnist.Set
	}{{"axial", ax}, {"coronal", co}} {
		s := p.s
		switch {
		case s.N < 1:
			return nil, nil, fmt.Errorf("cohort: %s pool %s has no images", p.view, s.Name)
		case s.Height != phantom.Size || s.Width != phantom.Size:
			return nil, nil, fmt.Errorf("cohort: %s pool %s has %dx%d images, want %dx%d (load with medmnist.Options{Side: 28})",
				p.view, s.Name, s.Height, s.Width, phantom.Size, phantom.Size)
		case s.LabelWidth != 1:
			return nil, nil, fmt.Errorf("cohort: %s pool %s has %d labels per image, want 1", p.view, s.Name, s.LabelWidth)
		case len(s.Images) != s.N*Pixels || len(s.Labels) != s.N:
			return nil, nil, fmt.Errorf("cohort: %s pool %s holds %d values and %d labels for %d images", p.view, s.Name, len(s.Images), len(s.Labels), s.N)
		}
	}
	return ax, co, nil
}

// drawImages fills c's images and classes: case i's image of view v is drawn from its own
// PCG stream, work spread over GOMAXPROCS goroutines.
func drawImages(c *Cohort, seed uint64, ax, co *medmnist.Set) {
	byClass := [2][][]int{classIndex(ax), classIndex(co)}
	dst := [2][]float32{c.Axial, c.Coronal}
	cls := [2][]int{c.AxialClass, c.CoronalClass}
	pool := [2]*medmnist.Set{ax, co}
	workers := max(1, min(runtime.GOMAXPROCS(0), c.N/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < c.N; i += workers {
				for v := range 2 {
					r := rand.New(rand.NewPCG(seed^imageSalt, uint64(i)<<1|uint64(v)))
					img := dst[v][i*Pixels : (i+1)*Pixels]
					if pool[v] == nil {
						cls[v][i] = r.IntN(phantom.NumClasses)
						phantom.Generate(cls[v][i], phantom.View(v), r, img)
						continue
					}
					classes := byClass[v]
					k := r.IntN(len(classes))
					j := classes[k][r.IntN(len(classes[k]))]
					cls[v][i] = pool[v].Label(j)
					copy(img, pool[v].Image(j))
				}
			}
		}()
	}
	wg.Wait()
}

// classIndex returns, for each class present in s in increasing label order, the indices
// of its images (nil for a nil set).
func classIndex(s *medmnist.Set) [][]int {
	if s == nil {
		return nil
	}
	m := map[int][]int{}
	for i := range s.N {
		l := s.Label(i)
		m[l] = append(m[l], i)
	}
	labels := slices.Sorted(maps.Keys(m))
	out := make([][]int, len(labels))
	for k, l := range labels {
		out[k] = m[l]
	}
	return out
}

// Features returns the ground-truth features (n x 40) of n new cases in this cohort's
// world: ae's whitened latent features of each image, standardised with LatentStd, then
// the clinical values. ae must be the autoencoder the cohort was built with. A case of
// the cohort gets its row of X back up to float32 rounding (the encoder's arithmetic
// differs slightly with the batch size).
func (c *Cohort) Features(ae *latent.Model, axial, coronal, clin []float32, n int) ([]float64, error) {
	if ae == nil || c.LatentStd == nil {
		return nil, fmt.Errorf("cohort: Features needs the autoencoder and the cohort's standardizer")
	}
	if n < 1 || len(clin) != n*NumClinical {
		return nil, fmt.Errorf("cohort: %d clinical values for %d cases, want %d", len(clin), n, n*NumClinical)
	}
	X := make([]float64, n*NumFeatures)
	for v, imgs := range [][]float32{axial, coronal} {
		f, err := ae.Features(phantom.View(v), imgs, n)
		if err != nil {
			return nil, fmt.Errorf("cohort: %s images: %w", phantom.View(v), err)
		}
		for i := range n {
			copy(X[i*NumFeatures+v*latent.Dim:], f[i*latent.Dim:(i+1)*latent.Dim])
		}
	}
	for i := range n {
		row := X[i*NumFeatures : (i+1)*NumFeatures]
		for j := range NumLatent {
			row[j] = (row[j] - c.LatentStd.Mean[j]) / c.LatentStd.SD[j]
		}
		for j, v := range clin[i*NumClinical : (i+1)*NumClinical] {
			row[NumLatent+j] = float64(v)
		}
	}
	return X, nil
}
