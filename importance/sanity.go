package importance

import "fmt"

// Randomisation compares a method's importances on a trained head with those on a copy
// whose parameters were randomised (Adebayo et al. 2018, "Sanity checks for saliency
// maps"): a method that explains the model, not the data, must lose its agreement.
type Randomisation struct {
	Original, Randomised Importance
	// Similarity is the Spearman rank correlation of the per-feature importances when both
	// have them, else of the per-modality importances. A constant importance vector shares
	// no ranking with anything and counts as 0. With only four modalities a random
	// ranking matches by chance 1 time in 24: average over several randomised copies.
	Similarity float64
	// ModalityRBO is the extrapolated RBO (persistence DefaultPersistence) of the two
	// modality rankings.
	ModalityRBO float64
}

// Dropped reports whether the similarity fell to at most max (e.g. 0.5).
func (r Randomisation) Dropped(max float64) bool { return r.Similarity <= max }

// ParameterRandomisation runs method f with the same options on the head and on its
// randomised copy and compares the two importances.
func ParameterRandomisation(f GlobalFunc, h, randomised Head, mods []Modality, c Cohort, o Options) (Randomisation, error) {
	return ModelRandomisation(f, h, c, randomised, c, mods, o)
}

// ModelRandomisation runs method f on the head h over cohort c, and on a randomised model
// whose head and fusion vectors are randomised and rc: when the encoder is re-initialised
// too, the same cases have other fusion vectors. rc must hold the same cases as c (its
// labels and reference features are what the method may read besides the model).
func ModelRandomisation(f GlobalFunc, h Head, c Cohort, randomised Head, rc Cohort, mods []Modality, o Options) (Randomisation, error) {
	if h == nil || randomised == nil {
		return Randomisation{}, fmt.Errorf("importance: nil head")
	}
	if h.Dim() != randomised.Dim() {
		return Randomisation{}, fmt.Errorf("importance: head has %d fusion features, randomised copy %d", h.Dim(), randomised.Dim())
	}
	if c.N != rc.N {
		return Randomisation{}, fmt.Errorf("importance: cohort has %d cases, randomised model's %d", c.N, rc.N)
	}
	orig, err := f(h, mods, c, o)
	if err != nil {
		return Randomisation{}, err
	}
	rnd, err := f(randomised, mods, rc, o)
	if err != nil {
		return Randomisation{}, fmt.Errorf("randomised model: %w", err)
	}
	r := Randomisation{Original: orig, Randomised: rnd}
	a, b := orig.Modalities, rnd.Modalities
	if orig.Features != nil && rnd.Features != nil {
		a, b = orig.Features, rnd.Features
	}
	if r.Similarity, err = Spearman(a, b); err != nil {
		if constant(a) || constant(b) {
			r.Similarity, err = 0, nil
		} else {
			return Randomisation{}, err
		}
	}
	if r.ModalityRBO, err = ImportanceRBO(orig.Modalities, rnd.Modalities, DefaultPersistence); err != nil {
		return Randomisation{}, err
	}
	return r, nil
}

func constant(v []float64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

// IgnoredLast reports whether every modality the decision ignores scores strictly below
// every modality it uses (so ignored modalities fill the bottom of the ranking whatever
// the tie rule; a method that scores everything equal fails).
func IgnoredLast(modalities []float64, ignored ...int) (bool, error) {
	isIgnored := make([]bool, len(modalities))
	for _, i := range ignored {
		if i < 0 || i >= len(modalities) {
			return false, fmt.Errorf("importance: ignored modality %d out of range [0,%d)", i, len(modalities))
		}
		isIgnored[i] = true
	}
	for i, ig := range isIgnored {
		if !ig {
			continue
		}
		for j, jIgnored := range isIgnored {
			if !jIgnored && modalities[i] >= modalities[j] {
				return false, nil
			}
		}
	}
	return true, nil
}
