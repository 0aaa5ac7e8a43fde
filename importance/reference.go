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
// by a quadratic least-squares map z_m ~ phi_m(r_m) fitted on the cohort. By the chain
// rule through that map, dp/dr_m = J_m(r_m)' dp/dz_m, J_m the map's Jacobian at the case:
// the gradient the paper takes, moved into the reference basis (the idea of Bai et al.
// 2022, "Concept gradient", with a polynomial concept model). The map is quadratic, not
// linear, because an encoder that serves a decision with even terms (a square or an
// absolute value of a reference feature) learns features that are even functions of it,
// which a linear fit cannot see at all. Where the reference features are the fusion
// features (clinical values), the map is the identity and the method is the paper's.

// ReferenceGradient scores reference feature j by the cohort mean of |dp/dr_j|, where
// dp/dr_m = J_m(r_m)' dp/dz_m and J_m is the Jacobian of the quadratic least-squares map
// from a modality's reference features to its fusion features over the cohort; a
// modality's importance is the sum of its reference features' scores; both normalised.
// It needs c.Reference, with more cases than the map has coefficients per fusion feature
// (1 + k + k(k+1)/2: 66 for ten features).
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
	jac, d := scratch(mods)
	for i := 0; i < c.N; i++ {
		toReference(g[i*dim:(i+1)*dim], c.Reference[i*dim:(i+1)*dim], mods, maps, gr, jac, d)
		for j, v := range gr {
			feat[j] += math.Abs(v)
		}
	}
	return fromFeatures("reference_gradient", feat, mods), nil
}

// ReferenceGradientLocal returns dp/dr at x, whose reference features are r (length
// dim), with the map from reference to fusion features fitted on the background cohort
// bg (which needs Reference); a modality's value is the sum of |dp/dr_j| over its
// reference features. It is not a LocalFunc, since it needs the case's reference
// features as well as its fusion vector.
func ReferenceGradientLocal(h Head, mods []Modality, x, r []float32, bg Cohort, o Options) (Attribution, error) {
	dim, _, err := setupLocal(h, mods, x, bg, o, 2)
	if err != nil {
		return Attribution{}, err
	}
	if len(r) != dim {
		return Attribution{}, fmt.Errorf("importance: case has %d reference features, want %d", len(r), dim)
	}
	if j := nonFinite(r); j >= 0 {
		return Attribution{}, fmt.Errorf("importance: case reference feature %d is %v", j, r[j])
	}
	maps, err := referenceMaps(mods, bg, dim)
	if err != nil {
		return Attribution{}, err
	}
	p := make([]float32, 1)
	g := make([]float32, dim)
	h.Grad(x, 1, p, g)
	gr := make([]float64, dim)
	jac, d := scratch(mods)
	toReference(g, r, mods, maps, gr, jac, d)
	return Attribution{Method: "reference_gradient", P: float64(p[0]), Features: gr, Modalities: aggregate(abs(gr), mods)}, nil
}

// quadMap is the quadratic map of one modality's k reference features to its k fusion
// features: z_c = b_c + sum_a lin[c][a] r_a + sum_{a<=b} quad[c][ab] r_a r_b, with r
// centred on the cohort mean (centring keeps the fit well conditioned).
type quadMap struct {
	k         int
	mean      []float64 // k reference means
	lin, quad []float64 // k x k and k x k(k+1)/2, row-major by fusion feature
}

// jacobian sets jac (k x k, jac[c*k+a] = dz_c/dr_a) at reference features r; d (k
// values) is scratch space.
func (q *quadMap) jacobian(r []float32, jac, d []float64) {
	k, np := q.k, q.k*(q.k+1)/2
	copy(jac, q.lin)
	for a := range d {
		d[a] = float64(r[a]) - q.mean[a]
	}
	for c := 0; c < k; c++ {
		qc := q.quad[c*np : (c+1)*np]
		t := 0
		for a := 0; a < k; a++ {
			for b := a; b < k; b++ {
				// d(r_a r_b)/dr_a = r_b, d/dr_b = r_a (2 r_a when a == b).
				jac[c*k+a] += qc[t] * d[b]
				jac[c*k+b] += qc[t] * d[a]
				t++
			}
		}
	}
}

// toReference sets gr[m] = J_m(r_m)' g[m] for every modality m (features outside every
// modality are copied). jac (at least k*k values) and d (k) are scratch space, k the
// largest modality's length.
func toReference(g, r []float32, mods []Modality, maps []*quadMap, gr, jac, d []float64) {
	for j, v := range g {
		gr[j] = float64(v)
	}
	for mi, m := range mods {
		q := maps[mi]
		k := q.k
		q.jacobian(r[m.Start:m.End], jac[:k*k], d[:k])
		for a := 0; a < k; a++ {
			var s float64
			for c := 0; c < k; c++ {
				s += jac[c*k+a] * float64(g[m.Start+c])
			}
			gr[m.Start+a] = s
		}
	}
}

// scratch returns toReference's scratch buffers for the largest of mods.
func scratch(mods []Modality) (jac, d []float64) {
	k := 0
	for _, m := range mods {
		k = max(k, m.Len())
	}
	return make([]float64, k*k), make([]float64, k)
}

// referenceMaps fits, for each modality, the quadratic least-squares map from its
// reference features to its fusion features over the cohort. A tiny ridge keeps a
// constant reference feature (or too few distinct cases) from making the normal
// equations singular.
func referenceMaps(mods []Modality, c Cohort, dim int) ([]*quadMap, error) {
	if c.Reference == nil {
		return nil, fmt.Errorf("importance: reference gradient needs the cohort's reference features, and it has none")
	}
	maps := make([]*quadMap, len(mods))
	for mi, m := range mods {
		k := m.Len()
		np := k * (k + 1) / 2
		nb := 1 + k + np // intercept, linear, quadratic
		if c.N <= nb {
			return nil, fmt.Errorf("importance: reference gradient: modality %q has %d features, so its quadratic map has %d coefficients and needs more than %d cases; have %d", m.Name, k, nb, nb, c.N)
		}
		q := &quadMap{k: k, mean: make([]float64, k), lin: make([]float64, k*k), quad: make([]float64, k*np)}
		for i := 0; i < c.N; i++ {
			for a := 0; a < k; a++ {
				q.mean[a] += float64(c.Reference[i*dim+m.Start+a])
			}
		}
		for a := range q.mean {
			q.mean[a] /= float64(c.N)
		}
		// Normal equations: (Phi' Phi) beta = Phi' Z, Phi the nb basis values per case.
		ata := make([]float64, nb*nb)
		atz := make([]float64, nb*k)
		phi := make([]float64, nb)
		for i := 0; i < c.N; i++ {
			row := c.Reference[i*dim+m.Start : i*dim+m.End]
			phi[0] = 1
			for a := 0; a < k; a++ {
				phi[1+a] = float64(row[a]) - q.mean[a]
			}
			t := 1 + k
			for a := 0; a < k; a++ {
				for b := a; b < k; b++ {
					phi[t] = phi[1+a] * phi[1+b]
					t++
				}
			}
			for u := 0; u < nb; u++ {
				pu := phi[u]
				for v := u; v < nb; v++ {
					ata[u*nb+v] += pu * phi[v]
				}
				for cc := 0; cc < k; cc++ {
					atz[u*k+cc] += pu * float64(c.Z[i*dim+m.Start+cc])
				}
			}
		}
		var tr float64
		for u := 0; u < nb; u++ {
			for v := 0; v < u; v++ {
				ata[u*nb+v] = ata[v*nb+u]
			}
			tr += ata[u*nb+u]
		}
		ridge := 1e-9*tr/float64(nb) + 1e-300
		for u := 1; u < nb; u++ {
			ata[u*nb+u] += ridge
		}
		l, err := cholesky(ata, nb)
		if err != nil {
			return nil, fmt.Errorf("importance: reference gradient: modality %q: %w", m.Name, err)
		}
		col := make([]float64, nb)
		for cc := 0; cc < k; cc++ {
			for u := 0; u < nb; u++ {
				col[u] = atz[u*k+cc]
			}
			choleskySolve(l, nb, col)
			copy(q.lin[cc*k:(cc+1)*k], col[1:1+k])
			copy(q.quad[cc*np:(cc+1)*np], col[1+k:])
		}
		maps[mi] = q
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
