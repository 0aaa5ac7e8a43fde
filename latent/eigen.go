package latent

import "math"

// symEigen returns the eigenvalues (ascending) and eigenvectors of the symmetric n x n
// matrix a (row-major; only read): vecs holds eigenvector k in column k (row-major
// n x n). It uses cyclic Jacobi rotations, which for the 10 x 10 and 40 x 40 matrices
// here converge in a few sweeps to full float64 accuracy; a small solver of our own keeps
// gonum's LAPACK (about half a megabyte) out of the browser build.
func symEigen(a []float64, n int) (vals, vecs []float64) {
	m := append([]float64(nil), a...)
	vecs = make([]float64, n*n)
	for i := range n {
		vecs[i*n+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for p := range n {
			diag += m[p*n+p] * m[p*n+p]
			for q := p + 1; q < n; q++ {
				off += m[p*n+q] * m[p*n+q]
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				apq := m[p*n+q]
				if apq == 0 {
					continue
				}
				// Rotation angle that zeroes m[p][q] (Golub & Van Loan, Algorithm 8.4.1).
				theta := (m[q*n+q] - m[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n {
					mkp, mkq := m[k*n+p], m[k*n+q]
					m[k*n+p] = c*mkp - s*mkq
					m[k*n+q] = s*mkp + c*mkq
				}
				for k := range n {
					mpk, mqk := m[p*n+k], m[q*n+k]
					m[p*n+k] = c*mpk - s*mqk
					m[q*n+k] = s*mpk + c*mqk
				}
				for k := range n {
					vkp, vkq := vecs[k*n+p], vecs[k*n+q]
					vecs[k*n+p] = c*vkp - s*vkq
					vecs[k*n+q] = s*vkp + c*vkq
				}
			}
		}
	}
	// Sort ascending, moving eigenvector columns with their values.
	vals = make([]float64, n)
	for i := range n {
		vals[i] = m[i*n+i]
	}
	for i := 1; i < n; i++ {
		for j := i; j > 0 && vals[j] < vals[j-1]; j-- {
			vals[j], vals[j-1] = vals[j-1], vals[j]
			for k := range n {
				vecs[k*n+j], vecs[k*n+j-1] = vecs[k*n+j-1], vecs[k*n+j]
			}
		}
	}
	return vals, vecs
}
