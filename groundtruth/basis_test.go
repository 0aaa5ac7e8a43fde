package groundtruth

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRandomRotationIsOrthogonal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 2, 10} {
		q := RandomRotation(d, r)
		for i := range d {
			for k := range d {
				dot := 0.0
				for j := range d {
					dot += q[i*d+j] * q[k*d+j]
				}
				want := 0.0
				if i == k {
					want = 1
				}
				if math.Abs(dot-want) > 1e-12 {
					t.Fatalf("d=%d: row %d · row %d = %g, want %g", d, i, k, dot, want)
				}
			}
		}
	}
}

func TestSphereAbsMean(t *testing.T) {
	// d=1: |±1| = 1. d=2: E(|cos θ| + |sin θ|) = 4/π.
	for _, c := range []struct {
		d    int
		want float64
	}{{1, 1}, {2, 4 / math.Pi}} {
		if got := sphereAbsMean(c.d); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("sphereAbsMean(%d) = %.15g, want %.15g", c.d, got, c.want)
		}
	}
	// d=10 against the mean over random rotations' first rows (uniform on the sphere).
	r := rand.New(rand.NewPCG(5, 6))
	const draws = 20000
	sum := 0.0
	for range draws {
		q := RandomRotation(10, r)
		for _, v := range q[:10] {
			sum += math.Abs(v)
		}
	}
	mc, want := sum/draws, sphereAbsMean(10)
	if math.Abs(mc-want) > 0.01 || math.Abs(want-2.587) > 0.001 {
		t.Errorf("E Σ|q_j| on the sphere of R^10: closed form %.4f, %d draws %.4f (want both near 2.587)", want, draws, mc)
	}
}

// rotateCohort returns X with each image modality's features x_m replaced by rot[m] x_m.
func rotateCohort(X []float64, rot [numImages][]float64) []float64 {
	Y := append([]float64(nil), X...)
	const w = FeaturesPerModality
	for i := 0; i < len(X)/NumFeatures; i++ {
		for m, q := range rot {
			x := X[i*NumFeatures+m*w : i*NumFeatures+(m+1)*w]
			y := Y[i*NumFeatures+m*w : i*NumFeatures+(m+1)*w]
			for a := range w {
				v := 0.0
				for b := range w {
					v += q[a*w+b] * x[b]
				}
				y[a] = v
			}
		}
	}
	return Y
}

// The twin world is a world: for a linear F = w·x, the scenario F'(x') = (Q w)·x' over the
// rotated cohort x' = Q x labels every case the same, and its own Importance is the truth
// in the rotated basis that sharesInBasis computes from the original gradients.
func TestTwinWorldIsAScenario(t *testing.T) {
	s := Scenario{Name: "linear", Threshold: Threshold{Median: true}, CohortSize: 10}
	for j := range FeaturesPerModality {
		s.Weights[j] = float64(j%3) - 0.7 // axial, spread over its features
	}
	s.Weights[12] = 1.5 // one coronal feature
	s.Weights[25] = 0.8
	X := mustCohort(t, 300, 9)
	r := rand.New(rand.NewPCG(1, 2))
	rot := [numImages][]float64{RandomRotation(FeaturesPerModality, r), RandomRotation(FeaturesPerModality, r)}

	twin := s
	for m, q := range rot {
		for a := range FeaturesPerModality {
			v := 0.0
			for b := range FeaturesPerModality {
				v += q[a*FeaturesPerModality+b] * s.Weights[m*FeaturesPerModality+b]
			}
			twin.Weights[m*FeaturesPerModality+a] = v
		}
	}
	Y := rotateCohort(X, rot)
	f, _ := s.Values(X)
	f2, _ := twin.Values(Y)
	for i := range f {
		if math.Abs(f[i]-f2[i]) > 1e-12 {
			t.Fatalf("case %d: F = %g in the autoencoder's basis, %g in the twin's", i, f[i], f2[i])
		}
	}
	imp, err := twin.Importance(Y)
	if err != nil {
		t.Fatal(err)
	}
	G, n, err := s.gradients(X)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := sharesInBasis(G, n, rot)
	if !ok {
		t.Fatal("no shares")
	}
	for m := range got {
		if math.Abs(got[m]-imp.Modality[m]) > 1e-12 {
			t.Errorf("%s: share in the rotated basis %g, twin scenario's truth %g", Modalities[m], got[m], imp.Modality[m])
		}
	}
	own, _ := s.Importance(X)
	if shareRMSE(own.Modality, imp.Modality) < 1e-3 {
		t.Errorf("the twin's truth %v equals the original's %v: the test shows nothing", imp.Modality, own.Modality)
	}
}

func TestBasisSpreadOneLatent(t *testing.T) {
	// F = axial[0] + clinical_a[0]: truth 1/2, 0, 1/2, 0. In a random basis the axial
	// gradient e_0 becomes a unit vector q with Σ|q_j| = S in [1, √10], so the axial share
	// is S/(S+1); its basis-free value uses E S = c: c/(c+1).
	s := Scenario{Name: "one", Threshold: Threshold{Median: true}, CohortSize: 10}
	s.Weights[0] = 1
	s.Weights[20] = 1
	sp, err := s.BasisSpread(mustCohort(t, 50, 2), 500, 7)
	if err != nil {
		t.Fatal(err)
	}
	c := sphereAbsMean(FeaturesPerModality)
	if sp.Truth != [NumModalities]float64{0.5, 0, 0.5, 0} {
		t.Errorf("truth %v, want [0.5 0 0.5 0]", sp.Truth)
	}
	free := [NumModalities]float64{c / (c + 1), 0, 1 / (c + 1), 0}
	if shareRMSE(sp.BasisFree, free) > 1e-12 {
		t.Errorf("basis-free truth %v, want %v", sp.BasisFree, free)
	}
	if math.Abs(sp.Convention-shareRMSE(sp.Truth, free)) > 1e-12 {
		t.Errorf("convention %g, want RMSE(truth, basis-free) %g", sp.Convention, shareRMSE(sp.Truth, free))
	}
	hi := math.Sqrt(10) / (math.Sqrt(10) + 1)
	maxRMSE := shareRMSE(sp.Truth, [NumModalities]float64{hi, 0, 1 - hi, 0})
	if sp.Twin[1] != 0 || sp.Twin[3] != 0 || sp.Twin[0] <= 0.5 || sp.Twin[0] > hi+1e-12 {
		t.Errorf("farthest twin %v: want coronal and clinical_b 0 and axial in (0.5, %.4f]", sp.Twin, hi)
	}
	if !(sp.TwinRMSE > sp.MeanTwin && sp.MeanTwin > 0 && sp.TwinRMSE <= maxRMSE+1e-12) {
		t.Errorf("twin RMSE %g, mean %g: want 0 < mean < largest <= %g", sp.TwinRMSE, sp.MeanTwin, maxRMSE)
	}
	// The climb comes close to the extreme, q on a diagonal, where random draws seldom go.
	if sp.TwinRMSE < 0.98*maxRMSE {
		t.Errorf("farthest twin's RMSE %g, want near the extreme %g", sp.TwinRMSE, maxRMSE)
	}
	if math.Abs(shareRMSE(sp.Truth, sp.Twin)-sp.TwinRMSE) > 1e-15 {
		t.Errorf("TwinRMSE %g is not RMSE(truth, twin) %g", sp.TwinRMSE, shareRMSE(sp.Truth, sp.Twin))
	}
	if sp.Draws != 500 {
		t.Errorf("draws %d, want 500", sp.Draws)
	}
}

func TestBasisSpreadBroadImageLosesShare(t *testing.T) {
	// An image used by all ten features alike: the gradient (1,..,1) has the largest
	// Σ|g_j| of its length (√10 |g|₂) in the autoencoder's basis, so every other basis
	// lowers the image's share, and the basis-free value is below the truth.
	s := Scenario{Name: "broad", Threshold: Threshold{Median: true}, CohortSize: 10}
	for j := range FeaturesPerModality {
		s.Weights[10+j] = 0.1
	}
	s.Weights[35] = 1
	sp, err := s.BasisSpread(mustCohort(t, 40, 3), 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !(sp.Twin[1] < sp.Truth[1] && sp.BasisFree[1] < sp.Truth[1]) {
		t.Errorf("coronal share: truth %g, basis-free %g, farthest twin %g; want both below the truth", sp.Truth[1], sp.BasisFree[1], sp.Twin[1])
	}
}

func TestBasisSpreadClinicalOnlyHasNoSpread(t *testing.T) {
	s, err := Builtin("F3")
	if err != nil {
		t.Fatal(err)
	}
	X := mustCohort(t, 200, 4)
	sp, err := s.BasisSpread(X, 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	imp, _ := s.Importance(X)
	if sp.Convention != 0 || sp.TwinRMSE != 0 || sp.MeanTwin != 0 || shareRMSE(sp.Truth, imp.Modality) > 1e-12 || sp.BasisFree != sp.Truth {
		t.Errorf("clinical-only scenario: %+v, want no spread and the truth %v", sp, imp.Modality)
	}
}

func TestBasisSpreadDeterministicBySeed(t *testing.T) {
	s, err := Builtin("F6")
	if err != nil {
		t.Fatal(err)
	}
	X := mustCohort(t, 100, 8)
	a, _ := s.BasisSpread(X, 30, 11)
	b, _ := s.BasisSpread(X, 30, 11)
	c, err := s.BasisSpread(X, 30, 12)
	if err != nil {
		t.Fatal(err)
	}
	if *a != *b {
		t.Errorf("same seed, different spreads: %+v, %+v", a, b)
	}
	if a.Twin == c.Twin {
		t.Errorf("seeds 11 and 12 drew the same farthest twin %v", a.Twin)
	}
	if a.Truth != c.Truth || a.BasisFree != c.BasisFree {
		t.Errorf("the truth or its basis-free value moved with the draw seed")
	}
}

func TestBasisSpreadErrors(t *testing.T) {
	s, _ := Builtin("F0")
	X := mustCohort(t, 10, 1)
	zero := Scenario{Name: "zero", Threshold: Threshold{Median: true}, CohortSize: 10, Terms: []Term{{Kind: Square, Coef: 1, Feature: 3, Scale: 1, Center: 100}}}
	zeroX := make([]float64, 2*NumFeatures)
	for i := range zeroX {
		zeroX[i] = 100 // u = 0: the square's derivative vanishes
	}
	for _, c := range []struct {
		name  string
		s     *Scenario
		X     []float64
		draws int
		want  string
	}{
		{"no draws", s, X, 0, "basis draws"},
		{"too many draws", s, X, MaxBasisDraws + 1, "basis draws"},
		{"empty cohort", s, nil, 5, "empty"},
		{"ragged cohort", s, X[:45], 5, "multiple"},
		{"zero gradient", &zero, zeroX, 5, "zero on all"},
	} {
		if _, err := c.s.BasisSpread(c.X, c.draws, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
