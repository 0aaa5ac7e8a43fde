// Package nn is fusionlens's float32 tensor and backprop core.
//
// In the style of llm.c, every operation is a pair of plain functions, XForward and
// XBackward, over flat []float32 buffers with explicit sizes; there is no hidden graph.
// Images are NCHW: sample-major, then channel, then row, then column.
//
// Conventions shared by all ops:
//   - Backward functions overwrite the input gradient (dIn) and accumulate (+=) into
//     parameter gradients (dW, dB), like PyTorch; call ZeroGrad between steps.
//   - A nil dIn asks a backward function to skip the input gradient (the first layer of a
//     network needs none during training).
//   - Wrong buffer sizes panic with a message naming the op and the dimensions: they are
//     programming errors, not data errors.
//
// On top of the functions sit small layer types (Conv2D, MaxPool2, BatchNorm, ReLU,
// Sigmoid, Dense, LogSoftmax, Concat) that own their parameters and activation buffers,
// allocated once for a maximum batch size; Forward with any n <= max uses a prefix of
// them. Each layer type sits in the file of its op (conv.go, dense.go, pool.go,
// batchnorm.go, activation.go, softmax.go, concat.go), after the op's forward/backward
// pair. Layers implement Layer (layer.go) and chain with Sequential (sequential.go).
// For inference, FoldBatchNorm (fused.go) turns each Conv2D, BatchNorm, ReLU run into one
// ConvBNReLU layer whose batch norm and ReLU cost no pass of their own.
//
// Matrix products run on register-tiled GEMM micro-kernels: AVX-512 or AVX2+FMA assembly
// on amd64 when the CPU has them (checked at run time); in js/wasm built with Go 1.27 and
// GOEXPERIMENT=simd (as build.sh builds the page), Float32x4 kernels from the
// experimental simd/archsimd package (gemm_wasm_simd.go, vec_wasm_simd.go); plain Go
// everywhere else. UseKernel switches between them, and the tests run every op on each.
// Sgemm is a cache-blocked, packed GEMM on them. Convolutions are implicit GEMMs: the
// kernel reads patch rows in place from zero-padded image planes, the input gradient is a
// convolution with the flipped weights, and the weight gradient reads channels-last patch
// runs in place. In the wasm SIMD build, 3x3 convolutions with enough channels (forward
// and input gradient) run as Winograd F(2x2, 3x3) instead (winograd.go): 16 products of
// transformed filters, packed once and kept until the weights change, with transformed
// input tiles, on the same micro-kernel; convolutions with one output channel run on
// convRow (convrow.go), one row of the implicit GEMM, rather than a tile of mostly padding;
// the other 3x3 convolutions (few channels: the encoder's 1->16 and 16->16 and the latter's
// input gradient) run on a direct kernel (direct3.go) that applies each filter row's taps
// at fixed offsets and writes the folded batch norm and ReLU itself. Dense layers at
// batches of 2-4 read each weight row once for two images. Elementwise and batch-norm loops use AVX-512 where available. Batch-
// parallel ops split work over GOMAXPROCS goroutines; scratch buffers are pooled, so a
// training step allocates next to nothing.
//
// Results do not depend on the number of cores (up to 8): work is split so that no sum's
// order changes with it, so a seed gives bit-identical training for a given micro-kernel.
// Different kernels (AVX-512, AVX2, Go) round differently.
//
// Layers are not safe for concurrent use: each holds the activations of its last
// Forward. Use Shared for a second copy with its own buffers and the same weights.
package nn
