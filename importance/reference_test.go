package importance

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// referenceWorld draws n reference vectors r (40, standard normal) and fusion vectors
// z = A r + b + quadratic terms, with a random invertible A and even terms for each image
// modality, as an encoder's learned features would be, and the identity for the clinical
// ones.
func referenceWorld(n int, seed uint64) (c Cohort, a [][]float64, b []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	mods := DefaultModalities()
	a = make([][]float64, len(mods))
	b = make([]float64, 40)
	for mi, m := range mods {
		k := m.Len()
		am := make([]float64, k*k)
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				if mi < 2 {
					am[i*k+j] = 0.6 * rng.NormFloat64()
				}
			}
			am[i*k+i] += 1 // keeps A well conditioned
			if mi < 2 {
				b[m.Start+i] = rng.NormFloat64()
			}
		}
		a[mi] = am
	}
	r := make([]float32, n*40)
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	z := make([]float32, n*40)
	for i := 0; i < n; i++ {
		copy(z[i*40:], mapZ(r[i*40:(i+1)*40], a, b))
	}
	return Cohort{Z: z, N: n, Reference: r}, a, b
}

// mapZ returns z = A r + b for one case, plus, for the images, squares and products of
// neighbouring reference features.
func mapZ(r []float32, a [][]float64, b []float64) []float32 {
	z := make([]float32, 40)
	for mi, m := range DefaultModalities() {
		k := m.Len()
		for i := 0; i < k; i++ {
			s := b[m.Start+i]
			for j := 0; j < k; j++ {
				s += a[mi][i*k+j] * float64(r[m.Start+j])
			}
			if mi < 2 {
				ri, rn := float64(r[m.Start+i]), float64(r[m.Start+(i+1)%k])
				s += 0.3*ri*ri - 0.2*ri*rn
			}
			z[m.Start+i] = float32(s)
		}
	}
	return z
}

// TestReferenceGradientMatchesFiniteDifferences checks dp/dr of the composite r -> z -> p
// against central differences in r, case by case, and the global scores against the
// mean of those absolute differences.
func TestReferenceGradientMatchesFiniteDifferences(t *testing.T) {
	h := newMLP(5, 40, 16, 1)
	c, a, b := referenceWorld(300, 1)
	mods := DefaultModalities()
	p := func(r []float32) float64 {
		q := make([]float32, 1)
		h.Prob(mapZ(r, a, b), 1, q)
		return float64(q[0])
	}
	const eps = 1e-2
	sumAbs := make([]float64, 40)
	for i := 0; i < c.N; i++ {
		r := append([]float32(nil), c.Reference[i*40:(i+1)*40]...)
		fd := make([]float64, 40)
		for j := range fd {
			old := r[j]
			r[j] = old + eps
			hi := p(r)
			r[j] = old - eps
			lo := p(r)
			r[j] = old
			fd[j] = (hi - lo) / (float64(old+eps) - float64(old-eps))
			sumAbs[j] += math.Abs(fd[j])
		}
		if i%60 != 0 {
			continue
		}
		att, err := ReferenceGradientLocal(h, mods, c.Z[i*40:(i+1)*40], r, c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		nearSlice(t, "case "+itoa(i)+" dp/dr", att.Features, fd, 2e-4)
		if math.Abs(att.P-p(r)) > 1e-6 {
			t.Errorf("case %d: p = %v, want %v", i, att.P, p(r))
		}
	}
	imp, err := ReferenceGradient(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "global features", imp.Features, Normalize(sumAbs), 2e-4)
	nearSlice(t, "global modalities", imp.Modalities, Normalize(aggregate(sumAbs, mods)), 2e-4)
}

// TestReferenceGradientIsPaperGradientInItsBasis: when the reference features are the
// fusion features, the method is the paper's gradient; and it does not change when the
// encoder's basis does (an invertible map of an image's fusion features), where the
// paper's gradient does.
func TestReferenceGradientIsPaperGradientInItsBasis(t *testing.T) {
	h := newMLP(9, 40, 16, 1)
	mods := DefaultModalities()
	c := cohort(h, 400, 2)
	c.Reference = c.Z
	got, err := ReferenceGradient(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Gradient(h, mods, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "identity reference", got.Modalities, want.Modalities, 1e-6)

	// The same decision seen through two different encoder bases: z2 = M z1 + b for
	// images, with a head that undoes it, so p is the same function of the reference.
	w, _, _ := referenceWorld(400, 4)
	_, m, b := referenceWorld(1, 5) // a second random linear map
	z2 := make([]float32, len(w.Z))
	for i := 0; i < w.N; i++ {
		copy(z2[i*40:], mapLinear(w.Z[i*40:(i+1)*40], m, b))
	}
	inv := invertedHead{h: h, a: m, b: b}
	c1 := Cohort{Z: w.Z, N: w.N, Reference: w.Reference}
	c2 := Cohort{Z: z2, N: w.N, Reference: w.Reference}
	r1, err := ReferenceGradient(h, mods, c1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ReferenceGradient(inv, mods, c2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nearSlice(t, "basis change", r2.Modalities, r1.Modalities, 1e-4)
	g1, _ := Gradient(h, mods, c1, Options{})
	g2, _ := Gradient(inv, mods, c2, Options{})
	var moved float64
	for i := range g1.Modalities {
		moved = math.Max(moved, math.Abs(g1.Modalities[i]-g2.Modalities[i]))
	}
	if moved < 0.01 {
		t.Errorf("the paper's gradient moved by only %.4f under a change of basis; the test's bases are too alike", moved)
	}
}

// mapLinear returns A z + b for one case (A per modality).
func mapLinear(z []float32, a [][]float64, b []float64) []float32 {
	out := make([]float32, 40)
	for mi, m := range DefaultModalities() {
		k := m.Len()
		for i := 0; i < k; i++ {
			s := b[m.Start+i]
			for j := 0; j < k; j++ {
				s += a[mi][i*k+j] * float64(z[m.Start+j])
			}
			out[m.Start+i] = float32(s)
		}
	}
	return out
}

// invertedHead computes h(A^-1 (z - b)) for image modalities, by solving A x = z - b.
type invertedHead struct {
	h Head
	a [][]float64
	b []float64
}

func (v invertedHead) Dim() int { return 40 }

func (v invertedHead) Prob(z []float32, n int, p []float32) { v.Grad(z, n, p, nil) }

func (v invertedHead) Grad(z []float32, n int, p, g []float32) {
	x := make([]float32, n*40)
	inv := make([][]float64, len(v.a))
	for mi, m := range DefaultModalities() {
		inv[mi] = invert(v.a[mi], m.Len())
	}
	for i := 0; i < n; i++ {
		for mi, m := range DefaultModalities() {
			k := m.Len()
			for r := 0; r < k; r++ {
				var s float64
				for j := 0; j < k; j++ {
					s += inv[mi][r*k+j] * (float64(z[i*40+m.Start+j]) - v.b[m.Start+j])
				}
				x[i*40+m.Start+r] = float32(s)
			}
		}
	}
	var gx []float32
	if g != nil {
		gx = make([]float32, n*40)
	}
	v.h.Grad(x, n, p, gx)
	if g == nil {
		return
	}
	// dp/dz = A^-T dp/dx
	for i := 0; i < n; i++ {
		for mi, m := range DefaultModalities() {
			k := m.Len()
			for j := 0; j < k; j++ {
				var s float64
				for r := 0; r < k; r++ {
					s += inv[mi][r*k+j] * float64(gx[i*40+m.Start+r])
				}
				g[i*40+m.Start+j] = float32(s)
			}
		}
	}
}

// invert returns the inverse of the k x k matrix a by Gauss-Jordan elimination.
func invert(a []float64, k int) []float64 {
	m := append([]float64(nil), a...)
	out := make([]float64, k*k)
	for i := 0; i < k; i++ {
		out[i*k+i] = 1
	}
	for col := 0; col < k; col++ {
		piv := col
		for r := col + 1; r < k; r++ {
			if math.Abs(m[r*k+col]) > math.Abs(m[piv*k+col]) {
				piv = r
			}
		}
		for j := 0; j < k; j++ {
			m[col*k+j], m[piv*k+j] = m[piv*k+j], m[col*k+j]
			out[col*k+j], out[piv*k+j] = out[piv*k+j], out[col*k+j]
		}
		d := m[col*k+col]
		for j := 0; j < k; j++ {
			m[col*k+j] /= d
			out[col*k+j] /= d
		}
		for r := 0; r < k; r++ {
			if r == col {
				continue
			}
			f := m[r*k+col]
			for j := 0; j < k; j++ {
				m[r*k+j] -= f * m[col*k+j]
				out[r*k+j] -= f * out[col*k+j]
			}
		}
	}
	return out
}

func TestReferenceGradientErrors(t *testing.T) {
	h := newMLP(9, 40, 8, 1)
	mods := DefaultModalities()
	c := cohort(h, 50, 2)
	if _, err := ReferenceGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "reference features") {
		t.Errorf("no reference: err = %v", err)
	}
	c.Reference = c.Z[:len(c.Z)-1]
	if _, err := ReferenceGradient(h, mods, c, Options{}); err == nil || !strings.Contains(err.Error(), "Reference has") {
		t.Errorf("short reference: err = %v", err)
	}
	few := cohort(h, 60, 3)
	few.Reference = few.Z
	if _, err := ReferenceGradient(h, mods, few, Options{}); err == nil || !strings.Contains(err.Error(), "more than 66 cases") {
		t.Errorf("60 cases: err = %v", err)
	}
	good := cohort(h, 100, 5)
	good.Reference = good.Z
	if _, err := ReferenceGradientLocal(h, mods, good.Z[:40], good.Z[:39], good, Options{}); err == nil || !strings.Contains(err.Error(), "39 reference features") {
		t.Errorf("short case reference: err = %v", err)
	}
	bad := cohort(h, 50, 4)
	bad.Reference = append([]float32(nil), bad.Z...)
	bad.Reference[7] = float32(math.NaN())
	if _, err := ReferenceGradient(h, mods, bad, Options{}); err == nil || !strings.Contains(err.Error(), "reference feature 7") {
		t.Errorf("NaN reference: err = %v", err)
	}
}
