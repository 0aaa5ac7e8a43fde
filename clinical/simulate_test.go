package clinical

import (
	"math"
	"testing"
)

func TestCholesky(t *testing.T) {
	c, l := Correlation(), chol()
	for i := 0; i < NumVars; i++ {
		for j := 0; j < NumVars; j++ {
			var s float64
			for k := 0; k < NumVars; k++ {
				s += l[i*NumVars+k] * l[j*NumVars+k]
			}
			if math.Abs(s-c[i*NumVars+j]) > 1e-12 {
				t.Fatalf("(L L^T)[%d,%d] = %v, want %v", i, j, s, c[i*NumVars+j])
			}
			if j > i && l[i*NumVars+j] != 0 {
				t.Fatalf("L not lower triangular at %d,%d", i, j)
			}
		}
	}
	if cholesky([]float64{1, 2, 2, 1}, 2) != nil {
		t.Error("an indefinite matrix was factorised")
	}
}

// TestSimulateMoments: at n = 200000 the standard error of a mean, an SD or a correlation is
// about 0.0022; the tolerances are about 5 standard errors.
func TestSimulateMoments(t *testing.T) {
	const n = 200000
	x := Simulate(n, 42)
	var mean [NumVars]float64
	for i := 0; i < n; i++ {
		for j := 0; j < NumVars; j++ {
			mean[j] += x[i*NumVars+j]
		}
	}
	for j := range mean {
		mean[j] /= n
	}
	cov := make([]float64, NumVars*NumVars)
	for i := 0; i < n; i++ {
		row := x[i*NumVars : (i+1)*NumVars]
		for a := 0; a < NumVars; a++ {
			da := row[a] - mean[a]
			for b := a; b < NumVars; b++ {
				cov[a*NumVars+b] += da * (row[b] - mean[b])
			}
		}
	}
	want := Correlation()
	for a := 0; a < NumVars; a++ {
		sa := math.Sqrt(cov[a*NumVars+a] / (n - 1))
		if math.Abs(mean[a]) > 0.012 || math.Abs(sa-1) > 0.012 {
			t.Errorf("%s: mean %v sd %v", table[a].Name, mean[a], sa)
		}
		for b := a + 1; b < NumVars; b++ {
			r := cov[a*NumVars+b] / math.Sqrt(cov[a*NumVars+a]*cov[b*NumVars+b])
			if math.Abs(r-want[a*NumVars+b]) > 0.012 {
				t.Errorf("corr(%s, %s) = %v, want %v", table[a].Name, table[b].Name, r, want[a*NumVars+b])
			}
		}
	}
	// The stated pairs are the only correlated ones, one within each group and one across.
	var within, across int
	for _, p := range CorrelatedPairs() {
		a, _ := Lookup(p.A)
		b, _ := Lookup(p.B)
		if p.Rho != 0.5 {
			t.Errorf("pair %v", p)
		}
		if a.Group == b.Group {
			within++
		} else {
			across++
		}
	}
	if within != 2 || across != 1 {
		t.Errorf("%d pairs within groups, %d across", within, across)
	}
}

func TestSimulateDeterministic(t *testing.T) {
	a, b, c := Simulate(50, 7), Simulate(50, 7), Simulate(50, 8)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed differs at %d", i)
		}
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("different seeds gave the same cases")
	}
	if Simulate(0, 1) != nil || len(Simulate(3, 1)) != 3*NumVars {
		t.Fatal("sizes")
	}
	// Streaming gives the same cases as Simulate.
	s := NewSimulator(7)
	var z [NumVars]float64
	for i := 0; i < 50; i++ {
		s.Next(&z)
		for j := range z {
			if z[j] != a[i*NumVars+j] {
				t.Fatalf("Next differs from Simulate at case %d", i)
			}
		}
	}
}

func BenchmarkSimulate(b *testing.B) {
	for b.Loop() {
		Simulate(1000, 1)
	}
}
