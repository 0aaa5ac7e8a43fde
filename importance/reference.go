package importance

import (
	"fmt"
	"math"
)

// The paper's gradient sums |dp/dz_j| over a modality's fusion features. For clinical
// values those are features a person can name; for an image they are whatever basis the
// encoder learned, and a sum of absolute values depends on the basis: an encoder that
// packs an image's signal into two features makes the image look less important than one
// that spreads it over ten. ReferenceGradient counts every modality in a basis fixed
// outside the network instead: reference features per case (an image's radiomic or
// autoencoder features, the clinical values themselves), related to the fusion features
// by the least-squares linear map z_m ~ A_m r_m + b_m fitted on the cohort. By the chain
// rule through that map, dp/dr_m = A_m' dp/dz_m: the gradient the paper takes, moved into
// the reference basis (the idea of Bai et al. 2022, "Concept gradient", with a linear
// concept model). Where the reference features are the fusion features (clinical values),
// A_m is the identity and the method is the paper's.

// ReferenceGradient scores reference feature j by the cohort mean of |dp/dr_j|, where
// dp/dr_m = A_m' dp/dz_m and A_m is the least-squares map from a modality's reference
// features to its fusion features over the cohort; a modality's importance is the sum of
// its reference features' scores; both normalised. It needs c.Reference, with enough cases
// (more than the largest modality's length) that the map is determined.
func ReferenceGradient(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	dim, _, err := setup(h, mods, c, o)
	if err != nil {
		return Importance{}, err
	}
	maps, err := referenceMaps(mods, c, dim)
	if err != nil {
		return Importance{}, err
	}
	p := make([]float32, c.N)
	g := make([]float32, c.N*dim)
	h.Grad(c.Z, c.N, p, g)
	feat := make([]float64, dim)
	gr := make([]float64, dim)
	for i := 0; i < c.N; i++ {
		toReference(g[i*dim:(i+1)*dim], mods, maps, gr)
		for j, v := range gr {
			feat[j] += math.Abs(v)
		}
	}
	return fromFeatures("reference_gradient", feat, mods), nil
}

// ReferenceGradientLocal returns dp/dr at x, the map from reference to fusion features
// fitted on the background cohort bg (which needs Reference); a modality's value is the
// sum of |dp/dr_j| over its reference features.
func ReferenceGradientLocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	dim, _, err := setupLocal(h, mods, x, bg, o, 2)
	if err != nil {
		return Attribution{}, err
	}
	maps, err := referenceMaps(mods, bg, dim)
	if err != nil {
		return Attribution{}, err
	}
	p := make([]float32, 1)
	g := make([]float32, dim)
	h.Grad(x, 1, p, g)
	gr := make([]float64, dim)
	toReference(g, mods, maps, gr)
	return Attribution{Method: "reference_gradient", P: float64(p[0]), Features: gr, Modalities: aggregate(abs(gr), mods)}, nil
}

// toReference sets gr[m] = A_m' g[m] for every modality m (features outside every
// modality are copied).
func toReference(g []float32, mods []Modality, maps [][]float64, gr []float64) {
	for j, v := range g {
		gr[j] = float64(v)
	}
	for mi, m := range mods {
		k, a := m.Len(), maps[mi]
		for r := 0; r < k; r++ {
			var s float64
			for zi := 0; zi < k; zi++ {
				s += a[zi*k+r] * float64(g[m.Start+zi])
			}
			gr[m.Start+r] = s
		}
	}
}

// referenceMaps fits, for each modality, the k x k matrix A (row-major, A[zi][r]) of the
// least-squares map z_m ~ A r_m + b over the cohort: A = C_zr C_rr^-1 with C the
// covariances. A tiny ridge keeps a constant reference feature from making C_rr singular;
// such a feature gets derivative 0.
func referenceMaps(mods []Modality, c Cohort, dim int) ([][]float64, error) {
	if c.Reference == nil {
		return nil, fmt.Errorf("importance: reference gradient needs the cohort's reference features, and it has none")
	}
	maps := make([][]float64, len(mods))
	for mi, m := range mods {
		k := m.Len()
		if c.N <= k {
			return nil, fmt.Errorf("importance: reference gradient: modality %q has %d features, so its map needs more than %d cases; have %d", m.Name, k, k, c.N)
		}
		mz, mr := make([]float64, k), make([]float64, k)
		for i := 0; i < c.N; i++ {
			for j := 0; j < k; j++ {
				mz[j] += float64(c.Z[i*dim+m.Start+j])
				mr[j] += float64(c.Reference[i*dim+m.Start+j])
			}
		}
		for j := range mz {
			mz[j] /= float64(c.N)
			mr[j] /= float64(c.N)
		}
		czr, crr := make([]float64, k*k), make([]float64, k*k)
		dz, dr := make([]float64, k), make([]float64, k)
		for i := 0; i < c.N; i++ {
			for j := 0; j < k; j++ {
				dz[j] = float64(c.Z[i*dim+m.Start+j]) - mz[j]
				dr[j] = float64(c.Reference[i*dim+m.Start+j]) - mr[j]
			}
			for a := 0; a < k; a++ {
				for b := 0; b < k; b++ {
					czr[a*k+b] += dz[a] * dr[b]
					crr[a*k+b] += dr[a] * dr[b]
				}
			}
		}
		var tr float64
		for j := 0; j < k; j++ {
			tr += crr[j*k+j]
		}
		ridge := 1e-9*tr/float64(k) + 1e-300
		for j := 0; j < k; j++ {
			crr[j*k+j] += ridge
		}
		l, err := cholesky(crr, k)
		if err != nil {
			return nil, fmt.Errorf("importance: reference gradient: modality %q: %w", m.Name, err)
		}
		// A' = C_rr^-1 C_zr' (C_rr symmetric): solve one column of A' per fusion feature.
		a := make([]float64, k*k)
		col := make([]float64, k)
		for zi := 0; zi < k; zi++ {
			copy(col, czr[zi*k:(zi+1)*k])
			choleskySolve(l, k, col)
			copy(a[zi*k:(zi+1)*k], col)
		}
		maps[mi] = a
	}
	return maps, nil
}

// cholesky returns the lower-triangular L with L L' = a for a symmetric positive-definite
// k x k matrix a (row-major).
func cholesky(a []float64, k int) ([]float64, error) {
	l := make([]float64, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j <= i; j++ {
			s := a[i*k+j]
			for t := 0; t < j; t++ {
				s -= l[i*k+t] * l[j*k+t]
			}
			if i == j {
				if !(s > 0) {
					return nil, fmt.Errorf("reference covariance is not positive definite at feature %d (pivot %g)", i, s)
				}
				l[i*k+i] = math.Sqrt(s)
			} else {
				l[i*k+j] = s / l[j*k+j]
			}
		}
	}
	return l, nil
}

// choleskySolve overwrites b with the solution x of L L' x = b.
func choleskySolve(l []float64, k int, b []float64) {
	for i := 0; i < k; i++ {
		s := b[i]
		for t := 0; t < i; t++ {
			s -= l[i*k+t] * b[t]
		}
		b[i] = s / l[i*k+i]
	}
	for i := k - 1; i >= 0; i-- {
		s := b[i]
		for t := i + 1; t < k; t++ {
			s -= l[t*k+i] * b[t]
		}
		b[i] = s / l[i*k+i]
	}
}
