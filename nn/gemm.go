package nn

import "fmt"

// microKernel computes one mr x nr tile: C[0:mr, 0:nr] += Ap * Bp over kc steps, where Ap
// holds kc columns of mr contiguous values and Bp kc rows of nr contiguous values (the
// packed panels), and C has row stride ldc.
//
// conv is the same product with B's row r read from b[offs[r]:offs[r]+nr] (offs
// increasing): an implicit patch matrix, so convolutions need not pack one. With acc
// false it overwrites C with the product instead of adding to it.
type microKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a, b, c []float32, ldc int)
	conv   func(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool)
	// convTail, if set, is conv for a tile nr/2 columns wide: the last column sliver of
	// a product uses it when at most nr/2 columns remain, halving the wasted work there.
	convTail func(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool)
}

// Blocking sizes: a kc x nc panel of B stays in L2, an mc x kc block of A in L1/L2.
const (
	gemmKC = 256
	gemmMC = 96
	gemmNC = 1024
)

// kernel is the micro-kernel Sgemm uses; init picks the fastest the CPU supports.
var kernel = goKernel

// goKernel is the portable micro-kernel (plain Go, 4x4 register tile).
var goKernel = microKernel{name: "go4x4", mr: 4, nr: 4, fn: kernelGo4x4, conv: kernelConvGo4x4}

// Kernels returns the names of the micro-kernels usable on this CPU, the active one first.
func Kernels() []string {
	names := []string{kernel.name}
	for _, k := range availableKernels() {
		if k.name != kernel.name {
			names = append(names, k.name)
		}
	}
	return names
}

// UseKernel selects the GEMM micro-kernel by name (one of Kernels()) and returns the name of
// the one it replaces. Tests use it to run every op with every kernel.
func UseKernel(name string) (previous string, err error) {
	for _, k := range availableKernels() {
		if k.name == name {
			previous = kernel.name
			kernel = k
			return previous, nil
		}
	}
	return kernel.name, fmt.Errorf("nn: UseKernel: no kernel %q on this CPU (have %v)", name, Kernels())
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(A) is
// m x k (A itself, or the transpose of a k x m A when transA), op(B) is k x n, C is m x n,
// and lda, ldb, ldc are the row strides of the stored matrices. beta == 0 ignores C's old
// contents (NaNs included). It runs on the calling goroutine; callers parallelise above it.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("nn: Sgemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", a, ar, ac, lda)
	checkMatrix("B", b, br, bc, ldb)
	checkMatrix("C", c, m, n, ldc)

	if beta != 1 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}

	kern := kernel
	mr, nr := kern.mr, kern.nr
	mc := gemmMC / mr * mr
	if mc == 0 {
		mc = mr
	}
	nc := gemmNC / nr * nr
	abuf := getScratch(mc * gemmKC)
	bbuf := getScratch(min(nc, roundUp(n, nr)) * gemmKC)
	defer putScratch(abuf)
	defer putScratch(bbuf)
	ap, bp := abuf.buf, bbuf.buf
	for jc := 0; jc < n; jc += nc {
		ncur := min(nc, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			packB(bp, b, ldb, transB, pc, jc, kc, ncur, nr)
			for ic := 0; ic < m; ic += mc {
				mcur := min(mc, m-ic)
				packA(ap, a, lda, transA, ic, pc, mcur, kc, mr, alpha)
				macroKernel(kern, mcur, ncur, kc, ap, kc*mr, bp, kc*nr, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macroKernel computes C[0:m, 0:n] += Ap * Bp over kc steps from packed panels: A sliver i
// (rows i*mr..) starts at ap[i*aStride] and B sliver j (columns j*nr..) at bp[j*bStride],
// each holding kc consecutive groups of mr (nr) values. Partial edge tiles go through a
// local tile.
func macroKernel(kern microKernel, m, n, kc int, ap []float32, aStride int, bp []float32, bStride int, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	tile := getScratch(mr * nr) // for partial edge tiles; a local array would escape
	defer putScratch(tile)
	for jr := 0; jr < n; jr += nr {
		nn := min(nr, n-jr)
		bs := bp[jr/nr*bStride:]
		for ir := 0; ir < m; ir += mr {
			mm := min(mr, m-ir)
			as := ap[ir/mr*aStride:]
			ci := ir*ldc + jr
			if mm == mr && nn == nr {
				kern.fn(kc, as, bs, c[ci:], ldc)
				continue
			}
			t := tile.buf
			clear(t)
			kern.fn(kc, as, bs, t, nr)
			for i := 0; i < mm; i++ {
				crow := c[ci+i*ldc : ci+i*ldc+nn]
				trow := t[i*nr : i*nr+nn]
				for j := range crow {
					crow[j] += trow[j]
				}
			}
		}
	}
}

// gemmPanels computes C[0:m, 0:n] += Ap * Bp for panels packed over the full depth k
// (A sliver i at ap[i*k*mr], B sliver j at bp[j*k*nr]), blocking the depth by gemmKC.
func gemmPanels(kern microKernel, m, n, k int, ap, bp, c []float32, ldc int) {
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		macroKernel(kern, m, n, kc, ap[pc*kern.mr:], k*kern.mr, bp[pc*kern.nr:], k*kern.nr, c, ldc)
	}
}

// convPanels computes C[0:m, 0:n] += Ap * B for A packed over the full depth k (sliver i
// at ap[i*k*mr]) and B implicit: row r of B's column sliver t (columns t*nr..) is
// b[colOffs[t]+offs[r]:], or b[t*nr+offs[r]:] when colOffs is nil. With acc false it
// overwrites C (saving a pass to clear it). Partial edge tiles go through a local tile.
func convPanels(kern microKernel, m, n, k int, ap, b []float32, offs, colOffs []int, c []float32, ldc int, acc bool) {
	mr, nr := kern.mr, kern.nr
	tile := getScratch(mr * nr)
	defer putScratch(tile)
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		o := offs[pc : pc+kc]
		add := acc || pc > 0
		for jr := 0; jr < n; jr += nr {
			nn := min(nr, n-jr)
			bs := b[jr:]
			if colOffs != nil {
				bs = b[colOffs[jr/nr]:]
			}
			fn, w := kern.conv, nr
			if nn <= nr/2 && kern.convTail != nil {
				fn, w = kern.convTail, nr/2
			}
			for ir := 0; ir < m; ir += mr {
				mm := min(mr, m-ir)
				as := ap[ir/mr*k*mr+pc*mr:]
				ci := ir*ldc + jr
				if mm == mr && nn == w {
					fn(kc, as, bs, o, c[ci:], ldc, add)
					continue
				}
				t := tile.buf
				fn(kc, as, bs, o, t, w, false)
				for i := 0; i < mm; i++ {
					crow := c[ci+i*ldc : ci+i*ldc+nn]
					trow := t[i*w : i*w+nn]
					if add {
						axpy(crow, trow)
					} else {
						copy(crow, trow)
					}
				}
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

func checkMatrix(name string, x []float32, rows, cols, ld int) {
	if ld < cols {
		panic(fmt.Sprintf("nn: Sgemm: %s is %dx%d but its row stride is %d", name, rows, cols, ld))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("nn: Sgemm: %s is %dx%d with row stride %d, needs %d elements, has %d",
			name, rows, cols, ld, (rows-1)*ld+cols, len(x)))
	}
}

// packA copies the mc x kc block of alpha*op(A) at (i0, p0) into slivers of mr rows: sliver
// s holds, for each p, the mr values of rows s*mr.. (zero past the last row).
func packA(dst, a []float32, lda int, trans bool, i0, p0, mc, kc, mr int, alpha float32) {
	for s := 0; s < mc; s += mr {
		rows := min(mr, mc-s)
		d := dst[s*kc : s*kc+mr*kc]
		switch {
		case !trans && rows == 8 && mr == 8 && alpha == 1:
			// The common case (AVX-512 kernel, weights or output gradients): eight row
			// streams interleaved, written sequentially.
			r := (i0 + s) * lda
			a0, a1, a2, a3 := a[r+p0:r+p0+kc], a[r+lda+p0:r+lda+p0+kc], a[r+2*lda+p0:r+2*lda+p0+kc], a[r+3*lda+p0:r+3*lda+p0+kc]
			r += 4 * lda
			a4, a5, a6, a7 := a[r+p0:r+p0+kc], a[r+lda+p0:r+lda+p0+kc], a[r+2*lda+p0:r+2*lda+p0+kc], a[r+3*lda+p0:r+3*lda+p0+kc]
			for p := range a0 {
				dd := d[p*8 : p*8+8 : p*8+8]
				dd[0], dd[1], dd[2], dd[3] = a0[p], a1[p], a2[p], a3[p]
				dd[4], dd[5], dd[6], dd[7] = a4[p], a5[p], a6[p], a7[p]
			}
			continue
		case !trans:
			for r := 0; r < rows; r++ {
				src := a[(i0+s+r)*lda+p0 : (i0+s+r)*lda+p0+kc]
				for p, v := range src {
					d[p*mr+r] = alpha * v
				}
			}
		default:
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+s : (p0+p)*lda+i0+s+rows]
				dd := d[p*mr : p*mr+rows]
				for r, v := range src {
					dd[r] = alpha * v
				}
			}
		}
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(d[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies the kc x nc block of op(B) at (p0, j0) into slivers of nr columns: sliver t
// holds, for each p, the nr values of columns t*nr.. (zero past the last column).
func packB(dst, b []float32, ldb int, trans bool, p0, j0, kc, nc, nr int) {
	for t := 0; t < nc; t += nr {
		cols := min(nr, nc-t)
		d := dst[t*kc : t*kc+nr*kc]
		if !trans {
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+j0+t : (p0+p)*ldb+j0+t+cols]
				copy(d[p*nr:p*nr+cols], src)
				if cols < nr {
					clear(d[p*nr+cols : p*nr+nr])
				}
			}
		} else {
			for j := 0; j < cols; j++ {
				src := b[(j0+t+j)*ldb+p0 : (j0+t+j)*ldb+p0+kc]
				for p, v := range src {
					d[p*nr+j] = v
				}
			}
			if cols < nr {
				for p := 0; p < kc; p++ {
					clear(d[p*nr+cols : p*nr+nr])
				}
			}
		}
	}
}

// kernelGo4x4 is the portable micro-kernel: a 4x4 tile held in sixteen scalars.
func kernelGo4x4(kc int, a, b, c []float32, ldc int) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:4*kc]
	b = b[:4*kc]
	for p := 0; p < kc; p++ {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[4*p : 4*p+4 : 4*p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	r := c[0:4:4]
	r[0] += c00
	r[1] += c01
	r[2] += c02
	r[3] += c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0] += c10
	r[1] += c11
	r[2] += c12
	r[3] += c13
	r = c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r[0] += c20
	r[1] += c21
	r[2] += c22
	r[3] += c23
	r = c[3*ldc : 3*ldc+4 : 3*ldc+4]
	r[0] += c30
	r[1] += c31
	r[2] += c32
	r[3] += c33
}

// kernelConvGo4x4 is kernelGo4x4 with B's row p read at b[offs[p]:], overwriting C when
// acc is false.
func kernelConvGo4x4(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:4*kc]
	offs = offs[:kc]
	for p, off := range offs {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[off : off+4 : off+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	if !acc {
		r := c[0:4:4]
		r[0], r[1], r[2], r[3] = c00, c01, c02, c03
		r = c[ldc : ldc+4 : ldc+4]
		r[0], r[1], r[2], r[3] = c10, c11, c12, c13
		r = c[2*ldc : 2*ldc+4 : 2*ldc+4]
		r[0], r[1], r[2], r[3] = c20, c21, c22, c23
		r = c[3*ldc : 3*ldc+4 : 3*ldc+4]
		r[0], r[1], r[2], r[3] = c30, c31, c32, c33
		return
	}
	r := c[0:4:4]
	r[0] += c00
	r[1] += c01
	r[2] += c02
	r[3] += c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0] += c10
	r[1] += c11
	r[2] += c12
	r[3] += c13
	r = c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r[0] += c20
	r[1] += c21
	r[2] += c22
	r[3] += c23
	r = c[3*ldc : 3*ldc+4 : 3*ldc+4]
	r[0] += c30
	r[1] += c31
	r[2] += c32
	r[3] += c33
}
