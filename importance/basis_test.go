package importance

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/pca"
)

// TestBasisGradientMatchesFiniteDifferences: with basis features that are a per-column
// affine transform of the reference features, the basis gradient is the cohort mean of
// |dp/dr_j| times r_j's SD, with dp/dr from central differences of the composite
// r -> z -> p; it reads neither c.Reference nor c.Measured.
func TestBasisGradientMatchesFiniteDifferences(t *testing.T) {
	h := newMLP(5, 40, 16, 1)
	c, a, b := referenceWorld(300, 5)
	mods := DefaultModalities()
	sumAbs := fdScoresPerSD(h, c, a, b)
	m := c
	m.Basis = make([]float32, len(c.Reference))
	for i, v := range c.Reference {
		j := i % 40
		m.Basis[i] = float32(float64(v)*(0.5+float64(j)) - float64(j)) // scale and offset of its own
	}
	m.Reference = make([]float32, len(c.Reference)) // zeros: not read
	m.Measured = make([]float32, len(c.Reference))
	imp, err := BasisGradient(h, mods, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Method != "basis_gradient" {
		t.Errorf("method %q", imp.Method)
	}
	nearSlice(t, "global features", imp.Features, Normalize(sumAbs), 5e-4)
	nearSlice(t, "global modalities", imp.Modalities, Normalize(aggregate(sumAbs, mods)), 5e-4)
}

// TestBasisGradientIsReferenceGradientInTheTruthsBasis: given the truth's basis exactly
// (basis features equal to standardised reference features), the basis gradient is the
// reference gradient; and given images made from the truth's features, whose principal
// components over the cohort are those features' directions, it is the reference gradient
// with each image's features in the components' order.
func TestBasisGradientIsReferenceGradientInTheTruthsBasis(t *testing.T) {
	h := newMLP(11, 40, 16, 1)
	mods := DefaultModalities()
	c, a, b := referenceWorld(400, 6)
	// Make each image's reference features exactly uncorrelated with unit variance over the
	// cohort, so that images built from them have principal components along them.
	for _, m := range mods[:2] {
		whitenColumns(t, c.Reference, c.N, 40, m.Start, m.End)
	}
	for i := 0; i < c.N; i++ {
		copy(c.Z[i*40:(i+1)*40], mapZ(c.Reference[i*40:(i+1)*40], a, b))
	}
	c.Reference = standardise(c.Reference, c.N, 40)
	want, err := ReferenceGradient(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}

	exact := c
	exact.Basis, exact.Reference = append([]float32(nil), c.Reference...), nil
	got, err := BasisGradient(h, mods, exact, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "exact basis: features", got.Features, want.Features, 1e-9)
	nearSlice(t, "exact basis: modalities", got.Modalities, want.Modalities, 1e-9)

	// Images: 50 pixels each, feature a drawn into pixels 5a..5a+4 with weights growing
	// in a (distinct variances), on a constant background the mean removes.
	const pixels = 50
	fromImages := c
	fromImages.Reference = nil
	fromImages.Basis = append([]float32(nil), c.Reference...)
	for _, m := range mods[:2] {
		img := make([]float32, c.N*pixels)
		for i := 0; i < c.N; i++ {
			for f := 0; f < 10; f++ {
				for q := 0; q < 5; q++ {
					img[i*pixels+5*f+q] = 0.3 + float32(f+1)*(0.1+0.02*float32(q))*c.Reference[i*40+m.Start+f]
				}
			}
		}
		basis, err := pca.Fit(img, c.N, pixels, 10)
		if err != nil {
			t.Fatal(err)
		}
		if e := basis.Explained(); math.Abs(e-1) > 1e-9 {
			t.Errorf("%s: ten components explain %v of images made of ten features", m.Name, e)
		}
		sc, err := basis.Scores(img, c.N)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c.N; i++ {
			copy(fromImages.Basis[i*40+m.Start:i*40+m.End], sc[i*10:(i+1)*10])
		}
	}
	got, err = BasisGradient(h, mods, fromImages, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "principal components: modalities", got.Modalities, want.Modalities, 1e-5)
	for _, m := range mods {
		g := slices.Clone(got.Features[m.Start:m.End])
		w := slices.Clone(want.Features[m.Start:m.End])
		slices.Sort(g)
		slices.Sort(w)
		nearSlice(t, "principal components: "+m.Name+" features, sorted", g, w, 1e-5)
	}
}

// whitenColumns makes columns lo..hi-1 of the n rows of x (row stride dim) exactly
// uncorrelated with mean 0 and variance 1 over the rows (Cholesky whitening).
func whitenColumns(t *testing.T, x []float32, n, dim, lo, hi int) {
	t.Helper()
	k := hi - lo
	mean := make([]float64, k)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			mean[a] += float64(x[i*dim+lo+a]) / float64(n)
		}
	}
	cov := make([]float64, k*k)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ {
			for b := 0; b < k; b++ {
				cov[a*k+b] += (float64(x[i*dim+lo+a]) - mean[a]) * (float64(x[i*dim+lo+b]) - mean[b]) / float64(n)
			}
		}
	}
	l, err := cholesky(cov, k)
	if err != nil {
		t.Fatal(err)
	}
	d := make([]float64, k)
	for i := 0; i < n; i++ {
		for a := 0; a < k; a++ { // forward substitution: L w = x - mean
			s := float64(x[i*dim+lo+a]) - mean[a]
			for b := 0; b < a; b++ {
				s -= l[a*k+b] * d[b]
			}
			d[a] = s / l[a*k+a]
		}
		for a := 0; a < k; a++ {
			x[i*dim+lo+a] = float32(d[a])
		}
	}
}

func TestBasisGradientErrors(t *testing.T) {
	h := newMLP(9, 40, 8, 1)
	mods := DefaultModalities()
	c := cohort(h, 100, 2)
	c.Reference, c.Measured = c.Z, c.Z
	if _, err := BasisGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "basis gradient needs the cohort's basis features") {
		t.Errorf("no basis features: err = %v", err)
	}
	c.Basis = c.Z[:len(c.Z)-1]
	if _, err := BasisGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "Basis has 3999 values") {
		t.Errorf("short basis features: err = %v", err)
	}
	c.Basis = append([]float32(nil), c.Z...)
	c.Basis[42] = float32(math.NaN())
	if _, err := BasisGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "case 1 basis feature 2 is NaN") {
		t.Errorf("NaN basis feature: err = %v", err)
	}
	few := cohort(h, 60, 3)
	few.Basis = few.Z
	if _, err := BasisGradient(h, mods, few, Options{}); err == nil || !strings.Contains(err.Error(), "basis gradient") || !strings.Contains(err.Error(), "more than 66 cases") {
		t.Errorf("60 cases: err = %v", err)
	}
}
