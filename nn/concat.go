package nn

import "fmt"

func concatCheck(op string, parts [][]float32, widths []int, n int) int {
	if len(parts) != len(widths) {
		panic(fmt.Sprintf("nn: %s: %d parts but %d widths", op, len(parts), len(widths)))
	}
	total := 0
	for j, w := range widths {
		if w <= 0 {
			panic(fmt.Sprintf("nn: %s: part %d has width %d", op, j, w))
		}
		if parts[j] != nil {
			checkLen(op, fmt.Sprintf("part %d (n=%d x %d)", j, n, w), parts[j], n*w)
		}
		total += w
	}
	return total
}

// ConcatForward joins, for each of n samples, the rows of parts (part j is n x widths[j])
// side by side: out is n x sum(widths). This is the fusion step.
func ConcatForward(out []float32, parts [][]float32, widths []int, n int) {
	const op = "Concat forward"
	for j := range parts {
		if parts[j] == nil {
			panic(fmt.Sprintf("nn: %s: part %d is nil", op, j))
		}
	}
	total := concatCheck(op, parts, widths, n)
	checkLen(op, "output", out, n*total)
	for i := 0; i < n; i++ {
		off := i * total
		for j, w := range widths {
			copy(out[off:off+w], parts[j][i*w:(i+1)*w])
			off += w
		}
	}
}

// ConcatBackward splits the gradient dOut (n x sum(widths)) back into the parts' gradients
// dParts[j] (n x widths[j], overwritten); a nil dParts[j] is skipped.
func ConcatBackward(dParts [][]float32, dOut []float32, widths []int, n int) {
	const op = "Concat backward"
	total := concatCheck(op, dParts, widths, n)
	checkLen(op, "output gradient", dOut, n*total)
	for i := 0; i < n; i++ {
		off := i * total
		for j, w := range widths {
			if dParts[j] != nil {
				copy(dParts[j][i*w:(i+1)*w], dOut[off:off+w])
			}
			off += w
		}
	}
}

// Concat joins per-sample feature vectors side by side (the fusion step) and splits the
// gradient back. It does not implement Layer: it has several inputs.
type Concat struct {
	Widths []int
	MaxN   int

	out           []float32
	dParts, views [][]float32
}

// NewConcat returns a concatenation of parts with the given widths for batches up to maxN.
func NewConcat(maxN int, widths ...int) *Concat {
	total := 0
	for _, w := range widths {
		if w <= 0 {
			panic(fmt.Sprintf("nn: NewConcat: widths %v", widths))
		}
		total += w
	}
	if maxN <= 0 || len(widths) == 0 {
		panic(fmt.Sprintf("nn: NewConcat: widths %v with maximum batch %d", widths, maxN))
	}
	l := &Concat{Widths: append([]int(nil), widths...), MaxN: maxN, out: make([]float32, maxN*total)}
	for _, w := range widths {
		l.dParts = append(l.dParts, make([]float32, maxN*w))
	}
	l.views = make([][]float32, len(widths))
	return l
}

// Width is the total feature count of the output.
func (l *Concat) Width() int { return sum(l.Widths) }

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// Forward joins parts (part j holds n x Widths[j] values) into n x Width().
func (l *Concat) Forward(parts [][]float32, n int) []float32 {
	if n <= 0 || n > l.MaxN {
		panic(fmt.Sprintf("nn: Concat forward: batch %d outside 1..%d", n, l.MaxN))
	}
	ConcatForward(l.out, parts, l.Widths, n)
	return l.out[:n*sum(l.Widths)]
}

// Backward splits dOut (n x Width()) into one gradient per part (the layer's buffers).
func (l *Concat) Backward(dOut []float32, n int) [][]float32 {
	if n <= 0 || n > l.MaxN {
		panic(fmt.Sprintf("nn: Concat backward: batch %d outside 1..%d", n, l.MaxN))
	}
	ConcatBackward(l.dParts, dOut, l.Widths, n)
	for j, d := range l.dParts {
		l.views[j] = d[:n*l.Widths[j]]
	}
	return l.views
}
