package importance

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// limeFit is LIME over the modalities for one case: LIMESamples binary masks (the first
// keeps every modality, the others keep each modality with probability 1/2), absent
// modalities taking the values of one background case drawn per sample; each sample is
// weighted by exp(-d^2 / width^2), d the cosine distance between its mask and the
// all-ones mask (d = 1 - sqrt(kept/M)); the coefficients of a weighted ridge regression
// of p on the mask (intercept free, penalty Ridge on the coefficients) are the
// attributions.
type limeFit struct {
	o     Options
	rng   *rand.Rand
	masks []uint64
	w     []float64
	v     []float64
	rows  []float32
	p     []float32
}

func newLIME(o Options) *limeFit {
	return &limeFit{o: o, rng: newRNG(o.Seed, streamLIME),
		masks: make([]uint64, o.LIMESamples), w: make([]float64, o.LIMESamples), v: make([]float64, o.LIMESamples)}
}

// coef draws fresh masks for x and returns the ridge coefficients per player.
func (l *limeFit) coef(e *valuer, x []float32) ([]float64, error) {
	m, dim := len(e.players), e.dim
	if need := len(l.masks) * dim; len(l.rows) < need {
		l.rows = make([]float32, need)
		l.p = make([]float32, len(l.masks))
	}
	full := uint64(1)<<m - 1
	for k := range l.masks {
		mask := full
		if k > 0 {
			mask = l.rng.Uint64() & full
		}
		l.masks[k] = mask
		b := l.rng.IntN(e.nb)
		row := l.rows[k*dim : (k+1)*dim]
		copy(row, x)
		bgRow := e.bg[b*dim : (b+1)*dim]
		for i, pl := range e.players {
			if mask&(1<<i) == 0 {
				copy(row[pl.Start:pl.End], bgRow[pl.Start:pl.End])
			}
		}
		d := 1 - math.Sqrt(float64(bits.OnesCount64(mask))/float64(m))
		l.w[k] = math.Exp(-d * d / (l.o.KernelWidth * l.o.KernelWidth))
	}
	e.h.Prob(l.rows[:len(l.masks)*dim], len(l.masks), l.p)
	for k, q := range l.p {
		l.v[k] = float64(q)
	}
	return ridge(m, l.masks, l.w, l.v, l.o.Ridge)
}

// ridge solves min sum_k w_k (v_k - b0 - beta . z_k)^2 + lambda |beta|^2 with z_k the bits
// of masks[k], by centring on the weighted means (the intercept is not penalised).
func ridge(m int, masks []uint64, w, v []float64, lambda float64) ([]float64, error) {
	var sw, mv float64
	mz := make([]float64, m)
	for k, mask := range masks {
		sw += w[k]
		mv += w[k] * v[k]
		for i := 0; i < m; i++ {
			if mask&(1<<i) != 0 {
				mz[i] += w[k]
			}
		}
	}
	if !(sw > 0) {
		return nil, fmt.Errorf("all LIME sample weights are zero; widen the kernel")
	}
	mv /= sw
	for i := range mz {
		mz[i] /= sw
	}
	a := make([]float64, m*m)
	b := make([]float64, m)
	z := make([]float64, m)
	for k, mask := range masks {
		for i := 0; i < m; i++ {
			z[i] = -mz[i]
			if mask&(1<<i) != 0 {
				z[i]++
			}
		}
		y := v[k] - mv
		for i := 0; i < m; i++ {
			wi := w[k] * z[i]
			b[i] += wi * y
			for j := 0; j < m; j++ {
				a[i*m+j] += wi * z[j]
			}
		}
	}
	for i := 0; i < m; i++ {
		a[i*m+i] += lambda
	}
	if err := solveSPD(a, b, m); err != nil {
		return nil, fmt.Errorf("LIME regression: %w; use more samples or a larger Ridge", err)
	}
	return b, nil
}

// LIME fits LIME over the modalities for each explained case (see Options: LIMESamples
// masks per case, exponential kernel of width KernelWidth over cosine distance, ridge
// penalty Ridge, absent modalities replaced by a background case) and scores each
// modality by the mean |coefficient|, normalised. It scores modalities only.
func LIME(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	return coalitionGlobal("lime", h, mods, c, o, limeCase)
}

// LIMELocal returns the LIME coefficients of x over the modalities. They are local
// slopes of p in the masks, not a decomposition of p, so the result is not Complete.
func LIMELocal(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error) {
	return coalitionLocal("lime", false, h, mods, x, bg, o, limeCase)
}

func limeCase(_ int, o Options) caseFunc {
	l := newLIME(o)
	return func(e *valuer, x []float32, _ float64) ([]float64, error) { return l.coef(e, x) }
}
