package groundtruth

import (
	"math"
)

// addHess adds the term's second derivatives d²F/dx dx^T to H (NumFeatures x
// NumFeatures, row-major). A unary term has one, on the diagonal; a product has the
// constant Coef at (Feature, Feature2) and (Feature2, Feature). For Abs it is 0 (true
// everywhere but at the kink, where it is undefined, as dF/dx there is taken as 0).
func (t *Term) addHess(x, H []float64) {
	if t.Kind == Product {
		H[t.Feature*NumFeatures+t.Feature2] += t.Coef
		H[t.Feature2*NumFeatures+t.Feature] += t.Coef
		return
	}
	u := t.Scale * (x[t.Feature] - t.Center)
	var d2g float64 // d²g/du²
	switch t.Kind {
	case Square:
		d2g = 2
	case Tanh:
		th := math.Tanh(u)
		d2g = -2 * th * (1 - th*th)
	case Step:
		// σ'' = σ'(1 - 2σ); σ' is exact in both tails (sigmoidPrime), and 1 - 2σ(u) = -tanh(u/2).
		d2g = -sigmoidPrime(u) * math.Tanh(u/2)
	case Sin:
		d2g = -math.Sin(u)
	}
	H[t.Feature*NumFeatures+t.Feature] += t.Coef * t.Scale * t.Scale * d2g
}

// Hessian writes the exact second derivatives d²F/dx_i dx_j at x into H and returns it
// (NumFeatures x NumFeatures, row-major, symmetric; allocated when nil). The linear part
// of F adds nothing. s must be valid (see Validate).
func (s *Scenario) Hessian(x, H []float64) []float64 {
	x = x[:NumFeatures]
	if H == nil {
		H = make([]float64, NumFeatures*NumFeatures)
	}
	H = H[:NumFeatures*NumFeatures]
	clear(H)
	for i := range s.Terms {
		s.Terms[i].addHess(x, H)
	}
	return H
}

// Interaction is the ground-truth interaction between the modalities of a scenario over
// a cohort: how much F's dependence on one modality's features changes with another's.
type Interaction struct {
	// MeanAbs[a][b], a != b, is the sum over features i of modality a and j of modality b
	// of the cohort mean of |d²F/dx_i dx_j|; symmetric, 0 on the diagonal (interactions
	// within a modality are not between modalities).
	MeanAbs [NumModalities][NumModalities]float64
	// Share[a][b] is MeanAbs[a][b] over the sum of MeanAbs over the pairs a < b; all zero
	// when F has no cross-modal second derivative (Total is 0): the modalities act
	// additively, and there are no shares of nothing.
	Share [NumModalities][NumModalities]float64
	// Total is the sum of MeanAbs over the pairs a < b.
	Total float64
}

// Interaction returns the ground-truth modality interaction of s over the cohort X (n x
// NumFeatures, row-major): per pair of modalities, the cohort mean of |d²F/dx_i dx_j|
// summed over features i of one and j of the other, normalised over pairs. Only terms
// that mix two modalities (products across modalities) make it non-zero.
func (s *Scenario) Interaction(X []float64) (*Interaction, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n, err := rows(X)
	if err != nil {
		return nil, err
	}
	in := &Interaction{}
	H := make([]float64, NumFeatures*NumFeatures)
	for r := range n {
		s.Hessian(X[r*NumFeatures:(r+1)*NumFeatures], H)
		for i := range NumFeatures {
			a := i / FeaturesPerModality
			for j := range NumFeatures {
				if b := j / FeaturesPerModality; a != b {
					in.MeanAbs[a][b] += math.Abs(H[i*NumFeatures+j])
				}
			}
		}
	}
	for a := range NumModalities {
		for b := range NumModalities {
			in.MeanAbs[a][b] /= float64(n)
			if a < b {
				in.Total += in.MeanAbs[a][b]
			}
		}
	}
	if in.Total > 0 {
		for a := range NumModalities {
			for b := range NumModalities {
				in.Share[a][b] = in.MeanAbs[a][b] / in.Total
			}
		}
	}
	return in, nil
}

// Pairs returns each pair's share by name "a|b", a before b in fusion-vector order
// (Modalities), e.g. "ct_axial|clinical_a".
func (in *Interaction) Pairs() map[string]float64 {
	out := map[string]float64{}
	for a := range NumModalities {
		for b := a + 1; b < NumModalities; b++ {
			out[Modalities[a]+"|"+Modalities[b]] = in.Share[a][b]
		}
	}
	return out
}
