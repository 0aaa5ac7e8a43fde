package importance

import (
	"math"
	"testing"

	"github.com/fusionlens/fusionlens/internal/fixture"
)

func TestKappa(t *testing.T) {
	if math.Abs(kappa(1)-1) > 1e-12 || math.Abs(kappa(2)-4/math.Pi) > 1e-12 {
		t.Errorf("kappa(1) = %v, kappa(2) = %v; want 1 and 4/pi", kappa(1), kappa(2))
	}
	// Monte Carlo: the mean L1 norm of uniform unit vectors in R^10.
	z := fixture.NormalRows(20000, 10, 3)
	var sum float64
	for i := range 20000 {
		var l1, l2 float64
		for _, v := range z[i*10 : (i+1)*10] {
			l1 += math.Abs(float64(v))
			l2 += float64(v) * float64(v)
		}
		sum += l1 / math.Sqrt(l2)
	}
	if mc := sum / 20000; math.Abs(mc-kappa(10)) > 0.01 {
		t.Errorf("kappa(10) = %v, Monte Carlo %v", kappa(10), mc)
	}
}

// TestWhitenedGradientRecoversLatentNorm builds fusion vectors whose first modality is
// an invertible linear map of white latent features and a head linear in the latents:
// the learned modality must score kappa |w_latent|_2 and the input modalities
// sum |w_j| SD_j, whatever the map.
func TestWhitenedGradientRecoversLatentNorm(t *testing.T) {
	const n = 4000
	x := fixture.NormalRows(n, 40, 12) // white latents (first 10) and inputs (30)
	wx := make([]float32, 40)
	for j := range wx {
		wx[j] = float32(0.1 + 0.05*float64(j%7))
	}
	h := linearHead(wx, 0.1)
	ht, zt := affineBlock(h, x, n, 0, 10, 5)
	mods := DefaultModalities()
	imp, err := WhitenedGradient(1)(ht, mods, Cohort{Z: zt, N: n}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sd := ColumnSD(x, n, 40)
	want := make([]float64, 4)
	var l2 float64
	for j := range 10 {
		l2 += float64(wx[j]) * float64(wx[j])
	}
	want[0] = kappa(10) * math.Sqrt(l2)
	for m := 1; m < 4; m++ {
		for j := 10 * m; j < 10*m+10; j++ {
			want[m] += math.Abs(float64(wx[j])) * sd[j]
		}
	}
	want = Normalize(want)
	for m := range want {
		if math.Abs(imp.Modalities[m]-want[m]) > 5e-3 {
			t.Errorf("modality %d: %v, want %v", m, imp.Modalities[m], want[m])
		}
	}
	// The untransformed cohort gives the same importance: the map is invisible.
	direct, _ := WhitenedGradient(1)(h, mods, Cohort{Z: x, N: n}, Options{})
	for m := range want {
		if math.Abs(direct.Modalities[m]-imp.Modalities[m]) > 2e-3 {
			t.Errorf("modality %d: %v with the map, %v without", m, imp.Modalities[m], direct.Modalities[m])
		}
	}
	// The local form on one case against the same cohort as background.
	la, err := WhitenedGradientLocal(1)(ht, mods, zt[:40], Cohort{Z: zt, N: n}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A linear head has the same gradient everywhere, so one case's shares are the cohort's.
	for m, v := range la.Importance().Modalities {
		if math.Abs(v-imp.Modalities[m]) > 2e-3 {
			t.Errorf("local modality %d: %v, global %v", m, v, imp.Modalities[m])
		}
	}
	if _, err := WhitenedGradient(5)(h, mods, Cohort{Z: x, N: n}, Options{}); err == nil {
		t.Error("5 learned modalities of 4 accepted")
	}
}
