package clinical

import (
	"math"
	"math/rand/v2"
	"sync"
)

// Pair is two variables whose standardised values are correlated with coefficient Rho.
type Pair struct {
	A, B string
	Rho  float64
}

// pairs are the correlated pairs of the simulation: one within each group and one across
// the groups, each at 0.5 as in the paper ("a few correlated at 0.5"). All other pairs are
// independent.
var pairs = []Pair{
	{A: "bmi", B: "waist", Rho: 0.5},       // within clinical_a
	{A: "creatinine", B: "urea", Rho: 0.5}, // within clinical_b
	{A: "temperature", B: "crp", Rho: 0.5}, // across: fever and inflammation
}

// CorrelatedPairs returns the correlated pairs of the simulation.
func CorrelatedPairs() []Pair { return append([]Pair(nil), pairs...) }

// Correlation returns the 20x20 correlation matrix of the simulated standardised values,
// row-major: identity except for the CorrelatedPairs.
func Correlation() []float64 {
	c := make([]float64, NumVars*NumVars)
	for i := 0; i < NumVars; i++ {
		c[i*NumVars+i] = 1
	}
	for _, p := range pairs {
		a, b := byName[p.A], byName[p.B]
		c[a*NumVars+b], c[b*NumVars+a] = p.Rho, p.Rho
	}
	return c
}

// cholesky returns the lower-triangular L with L*L^T = c (n x n, row-major), or nil if c is
// not positive definite.
func cholesky(c []float64, n int) []float64 {
	l := make([]float64, n*n)
	for j := 0; j < n; j++ {
		d := c[j*n+j]
		for k := 0; k < j; k++ {
			d -= l[j*n+k] * l[j*n+k]
		}
		if !(d > 0) {
			return nil
		}
		l[j*n+j] = math.Sqrt(d)
		for i := j + 1; i < n; i++ {
			s := c[i*n+j]
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * l[j*n+k]
			}
			l[i*n+j] = s / l[j*n+j]
		}
	}
	return l
}

// chol returns the Cholesky factor of Correlation(), computed on the first call rather
// than at package initialisation: a program that never simulates (the page until its
// example case) does not wait for it at start.
func chol() []float64 {
	cholOnce.Do(func() {
		cholL = cholesky(Correlation(), NumVars)
		if cholL == nil {
			panic("clinical: correlation matrix is not positive definite")
		}
	})
	return cholL
}

var (
	cholOnce sync.Once
	cholL    []float64 // chol's result
)

// Simulator draws cases of twenty standardised values: z = L e, e standard normal and L the
// Cholesky factor of Correlation(), so each value is standard normal and the pairs are
// correlated as stated. It is deterministic given its seed.
type Simulator struct {
	rng *rand.Rand
	e   [NumVars]float64
}

// NewSimulator returns a Simulator seeded with a PCG generator (seed, stream 0x636c696e).
func NewSimulator(seed uint64) *Simulator {
	return &Simulator{rng: rand.New(rand.NewPCG(seed, 0x636c696e))}
}

// Next fills z with one case of standardised values, in table order.
func (s *Simulator) Next(z *[NumVars]float64) {
	for i := range s.e {
		s.e[i] = s.rng.NormFloat64()
	}
	l := chol()
	for i := 0; i < NumVars; i++ {
		var v float64
		row := l[i*NumVars : i*NumVars+i+1]
		for k, lk := range row {
			v += lk * s.e[k]
		}
		z[i] = v
	}
}

// Simulate returns n cases of twenty standardised values, row-major: case i is
// out[i*NumVars:(i+1)*NumVars]. The same seed gives the same cases.
func Simulate(n int, seed uint64) []float64 {
	if n <= 0 {
		return nil
	}
	s := NewSimulator(seed)
	out := make([]float64, n*NumVars)
	var z [NumVars]float64
	for i := 0; i < n; i++ {
		s.Next(&z)
		copy(out[i*NumVars:], z[:])
	}
	return out
}
