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
