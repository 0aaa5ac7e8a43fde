package cohort

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// The shares of the default split.
const (
	TrainShare = 0.7
	ValShare   = 0.1
	TestShare  = 0.2
)

// splitStream is the PCG stream of the split's shuffles.
const splitStream = 0x636f686f72747370 // "cohortsp"

// Split holds the case indices of the train, validation and test parts, each in
// increasing order; together they are 0..N-1, each index once.
type Split struct {
	Train, Val, Test []int
}

// Split divides the cases TrainShare/ValShare/TestShare (70/10/20) into train,
// validation and test, stratified by label, from seed.
func (c *Cohort) Split(seed uint64) Split {
	s, err := SplitLabels(c.Labels, seed, ValShare, TestShare)
	if err != nil {
		panic("cohort: default split: " + err.Error()) // the default shares are valid
	}
	return s
}

// SplitLabels divides len(labels) cases into train, validation and test with shares
// 1-val-test, val and test, stratified by label: within each label the cases are
// shuffled (PCG from seed) and cut by the shares, with round-to-nearest sizes, so every
// part keeps the label balance. It fails unless val, test >= 0 and val+test < 1.
func SplitLabels(labels []int, seed uint64, val, test float64) (Split, error) {
	if !(val >= 0 && test >= 0 && val+test < 1) {
		return Split{}, fmt.Errorf("cohort: split shares val %g and test %g: want both >= 0 and a sum below 1", val, test)
	}
	byLabel := map[int][]int{}
	for i, l := range labels {
		byLabel[l] = append(byLabel[l], i)
	}
	r := rand.New(rand.NewPCG(seed, splitStream))
	var s Split
	for _, l := range slices.Sorted(maps.Keys(byLabel)) {
		idx := byLabel[l]
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		nTest := int(math.Round(test * float64(len(idx))))
		nVal := int(math.Round(val * float64(len(idx))))
		nVal = min(nVal, len(idx)-nTest)
		s.Test = append(s.Test, idx[:nTest]...)
		s.Val = append(s.Val, idx[nTest:nTest+nVal]...)
		s.Train = append(s.Train, idx[nTest+nVal:]...)
	}
	slices.Sort(s.Train)
	slices.Sort(s.Val)
	slices.Sort(s.Test)
	return s, nil
}

// Subset returns the cases idx (each in 0..N-1; repeats allowed) as a cohort of their
// own: copies of their rows, with the parent's labels and threshold (they are not
// relabelled), Flipped and Positive counted over the subset, and Truth recomputed over
// the subset's features. LatentStd is shared.
func (c *Cohort) Subset(idx []int) (*Cohort, error) {
	if len(idx) == 0 {
		return nil, fmt.Errorf("cohort: empty subset")
	}
	for k, i := range idx {
		if i < 0 || i >= c.N {
			return nil, fmt.Errorf("cohort: subset index %d (position %d) outside 0..%d", i, k, c.N-1)
		}
	}
	n := len(idx)
	s := &Cohort{N: n, Threshold: c.Threshold, Scenario: cloneScenario(&c.Scenario), LatentStd: c.LatentStd,
		Source: c.Source, Seed: c.Seed,
		Axial: rowsOf(c.Axial, idx, Pixels), Coronal: rowsOf(c.Coronal, idx, Pixels),
		Clinical: rowsOf(c.Clinical, idx, NumClinical), X: rowsOf(c.X, idx, NumFeatures),
		F: rowsOf(c.F, idx, 1), Labels: rowsOf(c.Labels, idx, 1),
		AxialClass: rowsOf(c.AxialClass, idx, 1), CoronalClass: rowsOf(c.CoronalClass, idx, 1)}
	pos := 0
	for i, y := range s.Labels {
		pos += y
		if clean := s.F[i] > s.Threshold; clean != (y == 1) {
			s.Flipped++
		}
	}
	s.Positive = float64(pos) / float64(n)
	imp, err := s.Scenario.Importance(s.X)
	if err != nil {
		return nil, err
	}
	s.Truth = *imp
	return s, nil
}

// Splits returns the parts of c.Split(seed) as cohorts (see Subset).
func (c *Cohort) Splits(seed uint64) (train, val, test *Cohort, err error) {
	sp := c.Split(seed)
	if train, err = c.Subset(sp.Train); err != nil {
		return nil, nil, nil, fmt.Errorf("cohort: train part: %w", err)
	}
	if val, err = c.Subset(sp.Val); err != nil {
		return nil, nil, nil, fmt.Errorf("cohort: validation part: %w", err)
	}
	if test, err = c.Subset(sp.Test); err != nil {
		return nil, nil, nil, fmt.Errorf("cohort: test part: %w", err)
	}
	return train, val, test, nil
}

// rowsOf gathers rows idx of a row-major matrix with width values per row.
func rowsOf[T any](m []T, idx []int, width int) []T {
	out := make([]T, 0, len(idx)*width)
	for _, i := range idx {
		out = append(out, m[i*width:(i+1)*width]...)
	}
	return out
}
