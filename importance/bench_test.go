package importance

import "testing"

// Benchmarks of every method with default options on n = 1000 cases of a cheap head
// (logistic, 40 features), so the time is the method's own work plus ~80 flops per
// head row; and of each local explanation of one case against that cohort.

func benchSetup() (Head, Cohort) {
	h := logistic{w: concentrated(1, 0.6, 0.2), b: 0.1}
	return h, cohort(h, 1000, 1)
}

func BenchmarkGlobal(b *testing.B) {
	h, c := benchSetup()
	for _, m := range Methods() {
		b.Run(m.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.Global(h, DefaultModalities(), c, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLocal(b *testing.B) {
	h, c := benchSetup()
	for _, m := range Methods() {
		if m.Local == nil {
			continue
		}
		b.Run(m.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.Local(h, DefaultModalities(), c.Row(0, 40), c, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGlobalPaperHead runs the cheaper methods on a head the size of the paper's
// (40-100-50-10-1), whose rows cost ~20 kflop, to show where the head dominates.
func BenchmarkGlobalPaperHead(b *testing.B) {
	h := newMLP(1, 40, 100, 50, 10, 1)
	c := cohort(h, 1000, 1)
	for _, name := range []string{"gradient", "permutation", "kernelshap", "lime"} {
		m, _ := MethodByName(name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.Global(h, DefaultModalities(), c, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
