// Package phantom draws synthetic, procedural CT-like slices: the embedded default data
// of fusionlens, so every command and the site work with no download. The images are
// synthetic; no patient data went into them.
//
// Each image imitates one OrganAMNIST (Axial view) or OrganCMNIST (Coronal view) sample:
// a 28x28 crop around the bounding box of one of the 11 organ classes in an abdominal
// window (level 50 HU, width 400 HU), with the target organ centred and large and its
// neighbours cut off at the edges. A slice through a synthetic body is built from
// tissues with plausible contrast-CT Hounsfield units (fat -100, urine 8, liver 105,
// spleen 115, enhanced renal cortex and blood 165, bone 230-700, lung -850, air -1000),
// with random body habitus, organ shape, size and position, crop margin, rotation,
// texture and noise. Left and right organs differ only as in real crops: by what lies
// around them (spine medially, liver or spleen, body wall laterally) and how they face.
package phantom

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/fusionlens/fusionlens/phantom/examples"
)

// Provenance labels data from this package wherever it is shown.
const Provenance = "synthetic CT phantom (procedural, no patient data)"

// Size is the side of a phantom image; Pixels the values per image.
const (
	Size   = 28
	Pixels = Size * Size
)

// NumClasses is the number of organ classes.
const NumClasses = 11

// ClassNames are the organ classes, in OrganAMNIST's label order.
var ClassNames = [NumClasses]string{
	"bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right",
	"liver", "lung-left", "lung-right", "pancreas", "spleen",
}

// View is the plane of a slice.
type View int

// The two views of the fusion network's images.
const (
	Axial   View = iota // transverse slices, as OrganAMNIST
	Coronal             // frontal slices, as OrganCMNIST
)

// String returns "axial" or "coronal".
func (v View) String() string {
	switch v {
	case Axial:
		return "axial"
	case Coronal:
		return "coronal"
	}
	return fmt.Sprintf("View(%d)", int(v))
}

// ParseView reads "axial" or "coronal".
func ParseView(s string) (View, error) {
	switch s {
	case "axial":
		return Axial, nil
	case "coronal":
		return Coronal, nil
	}
	return 0, fmt.Errorf("phantom: view %q is not axial or coronal", s)
}

// Generate draws one synthetic 28x28 slice of the organ class (0..10) in view into dst
// (Pixels values in [0,1], row-major), using only rng for randomness. It panics if class
// or view is out of range or len(dst) != Pixels, as these are programming errors.
func Generate(class int, view View, rng *rand.Rand, dst []float32) {
	if class < 0 || class >= NumClasses {
		panic(fmt.Sprintf("phantom: class %d outside 0..%d", class, NumClasses-1))
	}
	if view != Axial && view != Coronal {
		panic(fmt.Sprintf("phantom: unknown view %d", view))
	}
	if len(dst) != Pixels {
		panic(fmt.Sprintf("phantom: dst has %d values, want %d", len(dst), Pixels))
	}
	sc := sceneFor(class, view, rng)
	x0, y0, x1, y1, ok := sc.bounds(class)
	if !ok {
		panic(fmt.Sprintf("phantom: scene for %s %s lacks the organ", ClassNames[class], view))
	}
	// The crop: the organ's bounding box with a margin, sometimes squared (MedMNIST
	// resizes boxes of any aspect to 28x28), shifted and turned a little.
	w, h := (x1-x0)/2, (y1-y0)/2
	w *= 1 + uni(rng, 0.0, 0.6)
	h *= 1 + uni(rng, 0.0, 0.6)
	if rng.Float64() < 0.5 {
		m := max(w, h)
		w, h = w+(m-w)*rng.Float64(), h+(m-h)*rng.Float64()
	}
	a := jit(rng, 12) * math.Pi / 180
	c := crop{
		cx: (x0+x1)/2 + jit(rng, 0.14)*w, cy: (y0+y1)/2 + jit(rng, 0.14)*h,
		hw: w, hh: h, cos: math.Cos(a), sin: math.Sin(a),
	}
	var coarse, fine, hu [Pixels]float32
	noiseField(rng, 4, coarse[:])
	noiseField(rng, 13, fine[:])
	sc.render(c, coarse[:], fine[:], hu[:])

	// Window (with a little scanner-to-scanner variation), soften, add noise, and keep
	// 8-bit steps as MedMNIST's uint8 files have.
	level, width := 50+jit(rng, 10), 400+jit(rng, 30)
	lo := level - width/2
	var g [Pixels]float32
	for i, v := range hu {
		g[i] = float32((float64(v) - lo) / width)
	}
	blur := float32(uni(rng, 0.2, 0.9))
	sigma := uni(rng, 0.008, 0.03)
	for i := range Size {
		for j := range Size {
			var s, n float32
			for di := -1; di <= 1; di++ {
				for dj := -1; dj <= 1; dj++ {
					y, x := i+di, j+dj
					if y < 0 || y >= Size || x < 0 || x >= Size {
						continue
					}
					wt := float32(1)
					if di != 0 && dj != 0 {
						wt = 0.5
					}
					s += wt * min(1, max(0, g[y*Size+x]))
					n += wt
				}
			}
			p := i*Size + j
			v := (1-blur)*min(1, max(0, g[p])) + blur*s/n
			v += float32(sigma * rng.NormFloat64())
			v = min(1, max(0, v))
			dst[p] = float32(math.Round(float64(v)*255)) / 255
		}
	}
}

// Dataset draws n synthetic images of view with balanced labels (n/11 per class, the
// remainder going to the lowest classes) in shuffled order. Image i is
// Generate(labels[i], view, rand.New(rand.NewPCG(seed, uint64(i)<<1|uint64(view))), ...),
// so it depends only on seed, view and i; the work is spread over GOMAXPROCS goroutines.
// Labels and DatasetImage give the same labels and images one at a time.
func Dataset(n int, seed uint64, view View) (images []float32, labels []int) {
	labels = Labels(n, seed, view)
	images = make([]float32, n*Pixels)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				DatasetImage(labels[i], i, seed, view, images[i*Pixels:(i+1)*Pixels])
			}
		}()
	}
	wg.Wait()
	return images, labels
}

// Labels returns the labels of Dataset(n, seed, view): i % NumClasses for i < n, shuffled
// by a stream of its own (seed, and the view), so that a caller can draw the images one at
// a time with DatasetImage.
func Labels(n int, seed uint64, view View) []int {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % NumClasses
	}
	order := rand.New(rand.NewPCG(seed, labelStream^uint64(view)))
	order.Shuffle(n, func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	return labels
}

// DatasetImage draws image i of Dataset(n, seed, view) into dst (Pixels values), given its
// label from Labels(n, seed, view)[i]: each image has its own stream, so it does not
// depend on n or on the other images.
func DatasetImage(label, i int, seed uint64, view View, dst []float32) {
	rng := rand.New(rand.NewPCG(seed, uint64(i)<<1|uint64(view)))
	Generate(label, view, rng, dst)
}

// labelStream is the PCG stream Labels shuffles with (xor the view).
const labelStream = 0x5eed0ff1ce

// exampleStream is the PCG stream Example draws with, apart from the other uses of a seed.
const exampleStream = 0xe8a3b1e

// Example draws example case n (1, 2, ...): an axial and a coronal slice (Pixels values
// each) of organ classes drawn at random, all from PCG(n, a stream of its own). It is the
// one definition of the synthetic example case, so that the page's example case n and
// cmd/explain's -example n show the same images.
func Example(n uint64) (axial, coronal []float32, axialClass, coronalClass int) {
	rng := rand.New(rand.NewPCG(n, exampleStream))
	axialClass, coronalClass = rng.IntN(NumClasses), rng.IntN(NumClasses)
	axial, coronal = make([]float32, Pixels), make([]float32, Pixels)
	Generate(axialClass, Axial, rng, axial)
	Generate(coronalClass, Coronal, rng, coronal)
	return axial, coronal, axialClass, coronalClass
}

// ExampleCases returns example cases 1..n (Example(1), ..., Example(n)) as an example-case
// file's contents: what the site's build ships to the page, which then shows them without
// linking this package's generator.
func ExampleCases(n int) examples.File {
	f := examples.File{Side: Size, Provenance: Provenance, Cases: make([]examples.Case, n)}
	for i := range f.Cases {
		ax, co, ca, cc := Example(uint64(i + 1))
		f.Cases[i] = examples.Case{AxialClass: ClassNames[ca], CoronalClass: ClassNames[cc], Axial: ax, Coronal: co}
	}
	return f
}
