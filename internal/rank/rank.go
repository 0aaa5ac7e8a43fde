// Package rank gives values their ranks with ties averaged: the one ranking behind
// fusion's AUC (the Mann-Whitney U statistic) and importance's Spearman correlation.
package rank

import (
	"cmp"
	"slices"
)

// Average returns the rank of each value of v, 1 for the smallest and len(v) for the
// largest. Values that tie share the mean of the ranks they span, so the ranks always
// sum to n(n+1)/2. Values are ordered as cmp.Compare orders them: a NaN ranks below
// every number and ties with the other NaNs.
func Average[T cmp.Ordered](v []T) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	r := make([]float64, len(v))
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && cmp.Compare(v[idx[hi]], v[idx[lo]]) == 0 {
			hi++
		}
		avg := float64(lo+hi+1) / 2 // the mean of ranks lo+1 .. hi
		for _, i := range idx[lo:hi] {
			r[i] = avg
		}
		lo = hi
	}
	return r
}
