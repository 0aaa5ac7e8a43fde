package pca

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFitHandMade: four rows in three dimensions, two along the first axis at +-3 and two
// along (0,1,1) at +-1: the components are those two directions, with variances 4.5 and 1
// of a total 5.5, and the scores are the rows' standardised positions along them.
func TestFitHandMade(t *testing.T) {
	x := []float32{
		3, 0, 0,
		-3, 0, 0,
		0, 1, 1,
		0, -1, -1,
	}
	b, err := Fit(x, 4, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	s := 1 / math.Sqrt2
	near(t, "mean", b.Mean, []float64{0, 0, 0}, 1e-12)
	near(t, "component 1", b.Components[0:3], []float64{1, 0, 0}, 1e-12)
	near(t, "component 2", b.Components[3:6], []float64{0, s, s}, 1e-12)
	near(t, "variances", b.Variance, []float64{4.5, 1}, 1e-12)
	near(t, "total", []float64{b.Total}, []float64{5.5}, 1e-12)
	near(t, "explained", []float64{b.Explained()}, []float64{1}, 1e-12)
	sc, err := b.Scores(x, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Row 1 sits at +3 along component 1 (SD 3/sqrt2): score sqrt2; row 3 at sqrt2 along
	// component 2 (SD 1): score sqrt2.
	r2 := math.Sqrt2
	near(t, "scores", f64(sc), []float64{r2, 0, -r2, 0, 0, r2, 0, -r2}, 1e-6)

	one, err := Fit(x, 4, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "explained by one", []float64{one.Explained()}, []float64{4.5 / 5.5}, 1e-12)
}

// TestFitAgainstBruteForce compares Fit with a brute-force reference on a small random
// cohort with correlated columns: the covariance summed in plain loops, and its
// eigenvectors by power iteration with deflation; then checks that the scores are
// uncorrelated with unit variance.
func TestFitAgainstBruteForce(t *testing.T) {
	const n, dim, k = 200, 6, 4
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		var lat [dim]float64
		for j := range lat {
			lat[j] = rng.NormFloat64() * float64(dim-j) // distinct variances
		}
		for j := 0; j < dim; j++ {
			v := 5 + lat[j] // an offset the mean removes
			if j > 0 {
				v += 0.5 * lat[j-1] // correlated neighbours
			}
			x[i*dim+j] = float32(v)
		}
	}
	b, err := Fit(x, n, dim, k)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force.
	mean := make([]float64, dim)
	for i := 0; i < n; i++ {
		for j := 0; j < dim; j++ {
			mean[j] += float64(x[i*dim+j]) / n
		}
	}
	cov := make([]float64, dim*dim)
	for i := 0; i < n; i++ {
		for a := 0; a < dim; a++ {
			for c := 0; c < dim; c++ {
				cov[a*dim+c] += (float64(x[i*dim+a]) - mean[a]) * (float64(x[i*dim+c]) - mean[c]) / n
			}
		}
	}
	var trace float64
	for a := 0; a < dim; a++ {
		trace += cov[a*dim+a]
	}
	near(t, "mean", b.Mean, mean, 1e-9)
	near(t, "total", []float64{b.Total}, []float64{trace}, 1e-9)
	for c := 0; c < k; c++ {
		v := make([]float64, dim)
		for j := range v {
			v[j] = 1 / math.Sqrt(dim) * float64(j+1)
		}
		var lambda float64
		for range 5000 {
			w := make([]float64, dim)
			for a := 0; a < dim; a++ {
				for j := 0; j < dim; j++ {
					w[a] += cov[a*dim+j] * v[j]
				}
			}
			lambda = norm(w)
			for j := range w {
				v[j] = w[j] / lambda
			}
		}
		for a := 0; a < dim; a++ { // deflate
			for j := 0; j < dim; j++ {
				cov[a*dim+j] -= lambda * v[a] * v[j]
			}
		}
		big := 0
		for j := range v {
			if math.Abs(v[j]) > math.Abs(v[big]) {
				big = j
			}
		}
		if v[big] < 0 {
			for j := range v {
				v[j] = -v[j]
			}
		}
		near(t, "variance", b.Variance[c:c+1], []float64{lambda}, 1e-8*lambda)
		near(t, "component", b.Components[c*dim:(c+1)*dim], v, 1e-6)
	}
	sc, err := b.Scores(x, n)
	if err != nil {
		t.Fatal(err)
	}
	for a := 0; a < k; a++ {
		for c := 0; c < k; c++ {
			var s, ma, mc float64
			for i := 0; i < n; i++ {
				ma += float64(sc[i*k+a]) / n
				mc += float64(sc[i*k+c]) / n
			}
			for i := 0; i < n; i++ {
				s += (float64(sc[i*k+a]) - ma) * (float64(sc[i*k+c]) - mc) / n
			}
			want := 0.0
			if a == c {
				want = 1
			}
			if math.Abs(s-want) > 1e-4 || math.Abs(ma) > 1e-5 {
				t.Errorf("scores %d and %d: mean %g, covariance %g, want 0 and %g", a, c, ma, s, want)
			}
		}
	}
}

// TestFitDeterministic: the same rows give the same basis, bit for bit.
func TestFitDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 50*8)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	a, err := Fit(x, 50, 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Fit(append([]float32(nil), x...), 50, 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Components {
		if a.Components[i] != b.Components[i] {
			t.Fatalf("component value %d: %v then %v", i, a.Components[i], b.Components[i])
		}
	}
}

// TestFitErrors: each error names what was wrong.
func TestFitErrors(t *testing.T) {
	good := []float32{1, 2, 3, 4, 5, 7}
	flat := []float32{1, 1, 2, 2, 3, 3} // every row on the line x = y: one direction
	nan := []float32{1, 2, float32(math.NaN()), 4, 5, 7}
	cases := []struct {
		x         []float32
		n, dim, k int
		want      string
	}{
		{good, 3, 0, 1, "values per row"},
		{good, 1, 6, 1, "rows"},
		{good, 3, 3, 1, "values for 3 rows"},
		{good, 3, 2, 3, "components"},
		{good, 3, 2, 0, "components"},
		{nan, 3, 2, 1, "row 1 value 0 is NaN"},
		{flat, 3, 2, 2, "span fewer than 2 directions"},
	}
	for _, c := range cases {
		_, err := Fit(c.x, c.n, c.dim, c.k)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Fit(n=%d, dim=%d, k=%d): error %v, want one saying %q", c.n, c.dim, c.k, err, c.want)
		}
	}
	b, err := Fit(good, 3, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Scores(good[:5], 3); err == nil || !strings.Contains(err.Error(), "5 values") {
		t.Errorf("short scores input: %v", err)
	}
	if _, err := b.Scores([]float32{1, float32(math.Inf(1))}, 1); err == nil || !strings.Contains(err.Error(), "row 0 value 1 is +Inf") {
		t.Errorf("infinite scores input: %v", err)
	}
}

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}
