//go:build amd64

package nn

import "golang.org/x/sys/cpu"

//go:noescape
func kernelAVX512x8x32(kc int, a, b, c *float32, ldc int)

//go:noescape
func kernelAVX2x4x24(kc int, a, b, c *float32, ldc int)

//go:noescape
func kernelConvAVX512x8x32(kc int, a, b *float32, offs *int, c *float32, ldc, acc int)

//go:noescape
func kernelConvAVX512x8x16(kc int, a, b *float32, offs *int, c *float32, ldc, acc int)

//go:noescape
func kernelConvAVX2x4x24(kc int, a, b *float32, offs *int, c *float32, ldc, acc int)

var (
	avx512Kernel = microKernel{name: "avx512-8x32", mr: 8, nr: 32, fn: func(kc int, a, b, c []float32, ldc int) {
		_ = a[8*kc-1]
		_ = b[32*kc-1]
		_ = c[7*ldc+31]
		kernelAVX512x8x32(kc, &a[0], &b[0], &c[0], ldc)
	}, conv: func(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool) {
		_ = a[8*kc-1]
		_ = b[offs[kc-1]+31] // offs increase, so this bounds every row
		_ = c[7*ldc+31]
		if offs[0] < 0 {
			panic("nn: negative patch offset")
		}
		kernelConvAVX512x8x32(kc, &a[0], &b[0], &offs[0], &c[0], ldc, b2i(acc))
	}, convTail: func(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool) {
		_ = a[8*kc-1]
		_ = b[offs[kc-1]+15]
		_ = c[7*ldc+15]
		if offs[0] < 0 {
			panic("nn: negative patch offset")
		}
		kernelConvAVX512x8x16(kc, &a[0], &b[0], &offs[0], &c[0], ldc, b2i(acc))
	}}
	avx2Kernel = microKernel{name: "avx2-4x24", mr: 4, nr: 24, fn: func(kc int, a, b, c []float32, ldc int) {
		_ = a[4*kc-1]
		_ = b[24*kc-1]
		_ = c[3*ldc+23]
		kernelAVX2x4x24(kc, &a[0], &b[0], &c[0], ldc)
	}, conv: func(kc int, a, b []float32, offs []int, c []float32, ldc int, acc bool) {
		_ = a[4*kc-1]
		_ = b[offs[kc-1]+23]
		_ = c[3*ldc+23]
		if offs[0] < 0 {
			panic("nn: negative patch offset")
		}
		kernelConvAVX2x4x24(kc, &a[0], &b[0], &offs[0], &c[0], ldc, b2i(acc))
	}}
)

// availableKernels lists the micro-kernels this CPU can run, fastest first.
func availableKernels() []microKernel {
	var ks []microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, goKernel)
}

func init() { kernel = availableKernels()[0] }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
