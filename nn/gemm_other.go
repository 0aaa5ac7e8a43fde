//go:build !amd64

package nn

// availableKernels lists the micro-kernels this build can run: only the portable one.
func availableKernels() []microKernel { return []microKernel{goKernel} }
