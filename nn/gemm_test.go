package nn

import (
	"fmt"
	"math"
	"testing"
)

// eachKernel runs f once per GEMM micro-kernel this CPU has (assembly and portable Go), so
// every op is tested on both paths.
func eachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, name := range Kernels() {
		t.Run(name, func(t *testing.T) {
			prev, err := UseKernel(name)
			if err != nil {
				t.Fatal(err)
			}
			defer UseKernel(prev)
			f(t)
		})
	}
}

// eachConvPath runs f once per micro-kernel (as eachKernel) with 3x3 convolutions as
// implicit GEMM ("direct"), once on the direct 3x3 kernel where it applies ("direct3",
// the implicit GEMM elsewhere) and once as Winograd F(2x2, 3x3), whichever the build uses
// by default.
//
// Convolutions with one output channel run on convRow in the direct paths and on the
// micro-kernel in the Winograd path (the Winograd path never takes them), so both are
// tested too.
func eachConvPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	eachKernel(t, func(t *testing.T) {
		for _, path := range []string{"direct", "direct3", "winograd"} {
			t.Run(path, func(t *testing.T) {
				prev, prevMin, prevRow, prevD3 := useWinograd, winoMinProduct, useConvRow, useDirect3
				useWinograd, winoMinProduct, useConvRow, useDirect3 = path == "winograd", 0, path != "winograd", path == "direct3"
				defer func() { useWinograd, winoMinProduct, useConvRow, useDirect3 = prev, prevMin, prevRow, prevD3 }()
				f(t)
			})
		}
	})
}

func randSlice(n int, seed uint64) []float32 {
	rng := NewRand(seed)
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(2*rng.Float64() - 1)
	}
	return x
}

func TestSgemmMatchesNaive(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {8, 32, 1}, {9, 33, 17}, {16, 676, 9}, {64, 100, 576},
		{100, 130, 300}, {13, 1030, 5}, {128, 10, 1600}, {5, 3, 0}}
	eachKernel(t, func(t *testing.T) {
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				ta, tb := tr[0], tr[1]
				lda, ldb, ldc := k+1, n+2, n+3
				if ta {
					lda = m + 1
				}
				if tb {
					ldb = k + 2
				}
				arows, brows := m, k
				if ta {
					arows = k
				}
				if tb {
					brows = n
				}
				a := randSlice(arows*lda, 1)
				b := randSlice(brows*ldb, 2)
				c := randSlice(m*ldc, 3)
				want := make([]float64, len(c))
				const alpha, beta = 0.7, -1.3
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var s float64
						for p := 0; p < k; p++ {
							var av, bv float32
							if ta {
								av = a[p*lda+i]
							} else {
								av = a[i*lda+p]
							}
							if tb {
								bv = b[j*ldb+p]
							} else {
								bv = b[p*ldb+j]
							}
							s += float64(av) * float64(bv)
						}
						want[i*ldc+j] = alpha*s + beta*float64(c[i*ldc+j])
					}
				}
				for i := 0; i < m; i++ {
					for j := n; j < ldc; j++ {
						want[i*ldc+j] = float64(c[i*ldc+j]) // padding must stay untouched
					}
				}
				Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				tol := 1e-5 * math.Sqrt(float64(k)+1) * 4
				for i := range c {
					if d := math.Abs(float64(c[i]) - want[i]); d > tol {
						t.Fatalf("m=%d n=%d k=%d transA=%v transB=%v: C[%d] = %g, want %g", m, n, k, ta, tb, i, c[i], want[i])
					}
				}
			}
		}
	})
}

func TestSgemmBadShapes(t *testing.T) {
	expectPanic(t, "Sgemm: A is 3x4 with row stride 4, needs 12 elements, has 11", func() {
		Sgemm(false, false, 3, 2, 4, 1, make([]float32, 11), 4, make([]float32, 8), 2, 0, make([]float32, 6), 2)
	})
	expectPanic(t, "Sgemm: C is 3x2 but its row stride is 1", func() {
		Sgemm(false, false, 3, 2, 4, 1, make([]float32, 12), 4, make([]float32, 8), 2, 0, make([]float32, 6), 1)
	})
}

func expectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if msg := fmt.Sprint(r); !contains(msg, want) {
			t.Fatalf("panic %q, want it to contain %q", msg, want)
		}
	}()
	f()
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
