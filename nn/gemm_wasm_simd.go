//go:build goexperiment.simd && wasm && go1.27

package nn

import "simd/archsimd"

// The wasm SIMD micro-kernels: Go 1.27's experimental simd/archsimd package (built with
// GOEXPERIMENT=simd) compiles Float32x4 to WebAssembly's 128-bit SIMD. Every other build
// uses gemm_other.go (plain Go) or the amd64 assembly; the tests run each op with every
// kernel the build has, so these are checked against the plain-Go kernel under node.

// simdKernel is a 4x8 tile: eight Float32x4 accumulators (two per row), two vectors of B
// and one broadcast value of A per step, which fits the sixteen vector registers a wasm
// engine has on x86-64.
var simdKernel = microKernel{name: "wasm-simd-4x8", mr: 4, nr: 8, fn: kernelSIMD4x8, conv: kernelConvSIMD4x8, convTail: kernelConvSIMD4x4}

// availableKernels lists the micro-kernels this build can run, fastest first.
func availableKernels() []microKernel { return []microKernel{simdKernel, goKernel} }

func init() {
	kernel = simdKernel
	useWinograd = true
}

// simdOn reports whether the vector helpers may use SIMD: not when a test has selected the
// portable kernel to check the plain-Go paths.
func simdOn() bool { return kernel.name != goKernel.name }

// kernelSIMD4x8 computes C[0:4, 0:8] += Ap * Bp over kc steps (see microKernel).
func kernelSIMD4x8(kc int, a, b, c []float32, ldc int) {
	a = a[:4*kc]
	b = b[:8*kc]
	c00, c01 := archsimd.Float32x4{}, archsimd.Float32x4{}
	c10, c11 := c00, c00
	c20, c21 := c00, c00
	c30, c31 := c00, c00
	// Two steps per iteration: the loop's own cost (bounds checks, the branch) is a
	// large share of a step in wasm.
	p := 0
	for ; p+2 <= kc; p += 2 {
		ap := a[4*p : 4*p+8 : 4*p+8]
		bp := b[8*p : 8*p+16 : 8*p+16]
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[4:8]))
		a0 := archsimd.BroadcastFloat32x4(ap[0])
		c00 = c00.Add(a0.Mul(b0))
		c01 = c01.Add(a0.Mul(b1))
		a1 := archsimd.BroadcastFloat32x4(ap[1])
		c10 = c10.Add(a1.Mul(b0))
		c11 = c11.Add(a1.Mul(b1))
		a2 := archsimd.BroadcastFloat32x4(ap[2])
		c20 = c20.Add(a2.Mul(b0))
		c21 = c21.Add(a2.Mul(b1))
		a3 := archsimd.BroadcastFloat32x4(ap[3])
		c30 = c30.Add(a3.Mul(b0))
		c31 = c31.Add(a3.Mul(b1))
		b0 = archsimd.LoadFloat32x4Array((*[4]float32)(bp[8:12]))
		b1 = archsimd.LoadFloat32x4Array((*[4]float32)(bp[12:16]))
		a0 = archsimd.BroadcastFloat32x4(ap[4])
		c00 = c00.Add(a0.Mul(b0))
		c01 = c01.Add(a0.Mul(b1))
		a1 = archsimd.BroadcastFloat32x4(ap[5])
		c10 = c10.Add(a1.Mul(b0))
		c11 = c11.Add(a1.Mul(b1))
		a2 = archsimd.BroadcastFloat32x4(ap[6])
		c20 = c20.Add(a2.Mul(b0))
		c21 = c21.Add(a2.Mul(b1))
		a3 = archsimd.BroadcastFloat32x4(ap[7])
		c30 = c30.Add(a3.Mul(b0))
		c31 = c31.Add(a3.Mul(b1))
	}
	if p < kc {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[8*p : 8*p+8 : 8*p+8]
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[4:8]))
		a0 := archsimd.BroadcastFloat32x4(ap[0])
		c00 = c00.Add(a0.Mul(b0))
		c01 = c01.Add(a0.Mul(b1))
		a1 := archsimd.BroadcastFloat32x4(ap[1])
		c10 = c10.Add(a1.Mul(b0))
		c11 = c11.Add(a1.Mul(b1))
		a2 := archsimd.BroadcastFloat32x4(ap[2])
		c20 = c20.Add(a2.Mul(b0))
		c21 = c21.Add(a2.Mul(b1))
		a3 := archsimd.BroadcastFloat32x4(ap[3])
		c30 = c30.Add(a3.Mul(b0))
		c31 = c31.Add(a3.Mul(b1))
	}
	storeRow8(c[0:8:8], c00, c01, true)
	storeRow8(c[ldc:ldc+8:ldc+8], c10, c11, true)
	storeRow8(c[2*ldc:2*ldc+8:2*ldc+8], c20, c21, true)
	storeRow8(c[3*ldc:3*ldc+8:3*ldc+8], c30, c31, true)
}

// kernelConvSIMD4x8 is kernelSIMD4x8 with B's row p read at b[offs[p]:], overwriting C
// when acc is false.
func kernelConvSIMD4x8(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool) {
	a = a[:4*kc]
	offs = offs[:kc]
	c00, c01 := archsimd.Float32x4{}, archsimd.Float32x4{}
	c10, c11 := c00, c00
	c20, c21 := c00, c00
	c30, c31 := c00, c00
	p := 0
	for ; p+2 <= kc; p += 2 {
		o := offs[p : p+2 : p+2]
		ap := a[4*p : 4*p+8 : 4*p+8]
		bp := b[o[0] : o[0]+8 : o[0]+8]
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[4:8]))
		a0 := archsimd.BroadcastFloat32x4(ap[0])
		c00 = c00.Add(a0.Mul(b0))
		c01 = c01.Add(a0.Mul(b1))
		a1 := archsimd.BroadcastFloat32x4(ap[1])
		c10 = c10.Add(a1.Mul(b0))
		c11 = c11.Add(a1.Mul(b1))
		a2 := archsimd.BroadcastFloat32x4(ap[2])
		c20 = c20.Add(a2.Mul(b0))
		c21 = c21.Add(a2.Mul(b1))
		a3 := archsimd.BroadcastFloat32x4(ap[3])
		c30 = c30.Add(a3.Mul(b0))
		c31 = c31.Add(a3.Mul(b1))
		bp = b[o[1] : o[1]+8 : o[1]+8]
		b0 = archsimd.LoadFloat32x4Array((*[4]float32)(bp[0:4]))
		b1 = archsimd.LoadFloat32x4Array((*[4]float32)(bp[4:8]))
		a0 = archsimd.BroadcastFloat32x4(ap[4])
		c00 = c00.Add(a0.Mul(b0))
		c01 = c01.Add(a0.Mul(b1))
		a1 = archsimd.BroadcastFloat32x4(ap[5])
		c10 = c10.Add(a1.Mul(b0))
		c11 = c11.Add(a1.Mul(b1))
		a2 = archsimd.BroadcastFloat32x4(ap[6])
		c20 = c20.Add(a2.Mul(b0))
		c21 = c21.Add(a2.Mul(b1))
		a3 = archsimd.BroadcastFloat32x4(ap[7])
		c30 = c30.Add(a3.Mul(b0))
		c31 = c31.Add(a3.Mul(b1))
	}
	if p < kc {
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[offs[p] : offs[p]+8 : offs[p]+8]
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bp[4:8]))
		a0 := archsimd.BroadcastFloat32x4(ap[0])
		c00 = c00.Add(a0.Mul(b0))
		c01 = c01.Add(a0.Mul(b1))
		a1 := archsimd.BroadcastFloat32x4(ap[1])
		c10 = c10.Add(a1.Mul(b0))
		c11 = c11.Add(a1.Mul(b1))
		a2 := archsimd.BroadcastFloat32x4(ap[2])
		c20 = c20.Add(a2.Mul(b0))
		c21 = c21.Add(a2.Mul(b1))
		a3 := archsimd.BroadcastFloat32x4(ap[3])
		c30 = c30.Add(a3.Mul(b0))
		c31 = c31.Add(a3.Mul(b1))
	}
	storeRow8(c[0:8:8], c00, c01, acc)
	storeRow8(c[ldc:ldc+8:ldc+8], c10, c11, acc)
	storeRow8(c[2*ldc:2*ldc+8:2*ldc+8], c20, c21, acc)
	storeRow8(c[3*ldc:3*ldc+8:3*ldc+8], c30, c31, acc)
}

// kernelConvSIMD4x4 is kernelConvSIMD4x8 for a tile four columns wide (a product's last
// column sliver, when at most four columns remain).
func kernelConvSIMD4x4(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool) {
	a = a[:4*kc]
	offs = offs[:kc]
	c0 := archsimd.Float32x4{}
	c1, c2, c3 := c0, c0, c0
	for p, off := range offs {
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(b[off : off+4]))
		ap := a[4*p : 4*p+4 : 4*p+4]
		c0 = c0.Add(archsimd.BroadcastFloat32x4(ap[0]).Mul(b0))
		c1 = c1.Add(archsimd.BroadcastFloat32x4(ap[1]).Mul(b0))
		c2 = c2.Add(archsimd.BroadcastFloat32x4(ap[2]).Mul(b0))
		c3 = c3.Add(archsimd.BroadcastFloat32x4(ap[3]).Mul(b0))
	}
	storeRow4(c[0:4:4], c0, acc)
	storeRow4(c[ldc:ldc+4:ldc+4], c1, acc)
	storeRow4(c[2*ldc:2*ldc+4:2*ldc+4], c2, acc)
	storeRow4(c[3*ldc:3*ldc+4:3*ldc+4], c3, acc)
}

// storeRow8 writes (or, with acc, adds) two vectors to the eight values of row.
func storeRow8(row []float32, v0, v1 archsimd.Float32x4, acc bool) {
	p0, p1 := (*[4]float32)(row[0:4]), (*[4]float32)(row[4:8])
	if acc {
		v0 = v0.Add(archsimd.LoadFloat32x4Array(p0))
		v1 = v1.Add(archsimd.LoadFloat32x4Array(p1))
	}
	v0.StoreArray(p0)
	v1.StoreArray(p1)
}

// storeRow4 writes (or, with acc, adds) one vector to the four values of row.
func storeRow4(row []float32, v archsimd.Float32x4, acc bool) {
	p := (*[4]float32)(row[0:4])
	if acc {
		v = v.Add(archsimd.LoadFloat32x4Array(p))
	}
	v.StoreArray(p)
}
