//go:build !amd64 && !(goexperiment.simd && wasm && go1.27)

package nn

// availableKernels lists the micro-kernels this build can run: only the portable one.
func availableKernels() []microKernel { return []microKernel{goKernel} }
