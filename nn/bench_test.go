package nn

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
)

// newEncoder builds the paper's image encoder: conv3x3 1->16 (28->26), BN, ReLU;
// conv3x3 16->16 (->24), BN, ReLU; maxpool (->12); conv3x3 16->64 (->10), BN, ReLU; conv3x3
// 64->64 pad 1 (->10), BN, ReLU; maxpool (->5); dense 1600->128, ReLU, 128->128, ReLU,
// 128->10; BatchNorm1d(10). Layer for layer the nn.Sequential of bench/encoder.py.
func newEncoder(maxN int, rng *rand.Rand) *Sequential {
	c1 := NewConv2D(1, 16, 28, 28, 3, 0, maxN, rng)
	c1.SkipInputGrad = true
	return NewSequential(
		c1, NewBatchNorm(maxN, 16, 26, 26), NewReLU(maxN, 16, 26, 26),
		NewConv2D(16, 16, 26, 26, 3, 0, maxN, rng), NewBatchNorm(maxN, 16, 24, 24), NewReLU(maxN, 16, 24, 24),
		NewMaxPool2(16, 24, 24, maxN),
		NewConv2D(16, 64, 12, 12, 3, 0, maxN, rng), NewBatchNorm(maxN, 64, 10, 10), NewReLU(maxN, 64, 10, 10),
		NewConv2D(64, 64, 10, 10, 3, 1, maxN, rng), NewBatchNorm(maxN, 64, 10, 10), NewReLU(maxN, 64, 10, 10),
		NewMaxPool2(64, 10, 10, maxN), NewFlatten(64, 5, 5),
		NewDense(1600, 128, maxN, rng), NewReLU(maxN, 128),
		NewDense(128, 128, maxN, rng), NewReLU(maxN, 128),
		NewDense(128, 10, maxN, rng), NewBatchNorm(maxN, 10),
	)
}

// encoderFlops is the multiply-add count x2 of one encoder forward per sample (convs and
// dense layers only); a training step costs about three times this.
const encoderFlops = 2 * (16*9*26*26 + 16*144*24*24 + 64*144*10*10 + 64*576*10*10 + 1600*128 + 128*128 + 128*10)

// BenchmarkEncoderTrainStep is one training step of the encoder at batch 128: forward,
// log-softmax + NLL over its 10 outputs, backward, Adam (lr 1e-3, weight decay 1e-4).
// Compare with bench/encoder.sh's PyTorch figure.
func BenchmarkEncoderTrainStep(b *testing.B) {
	const batch = 128
	rng := NewRand(1)
	enc := newEncoder(batch, rng)
	head := NewLogSoftmax(10, batch)
	opt := NewAdam(enc.Params(), 1e-3)
	opt.WeightDecay = 1e-4
	x := randSlice(batch*28*28, 2)
	y := make([]int, batch)
	for i := range y {
		y[i] = rng.IntN(10)
	}
	dLogp := make([]float32, batch*10)
	step := func() {
		logp := head.Forward(enc.Forward(x, batch), batch)
		_ = NLLLossForward(logp, y, batch, 10)
		opt.ZeroGrad()
		NLLLossBackward(dLogp, y, batch, 10)
		enc.Backward(head.Backward(dLogp, batch), batch)
		opt.Step()
	}
	step()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		step()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*batch)/sec, "samples/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(3*encoderFlops*float64(b.N*batch)/sec/1e9, "GFLOP/s")
}

// benchSettings applies the environment's choices for a benchmark: NN_KERNEL names the
// micro-kernel (go4x4 natively is a proxy for js/wasm without SIMD), NN_WINOGRAD=0 or 1
// turns the Winograd 3x3 convolutions off or on, NN_DIRECT3=0 or 1 the direct 3x3 kernel
// (default: the build's choice).
func benchSettings(b *testing.B) {
	if name := os.Getenv("NN_KERNEL"); name != "" {
		prev, err := UseKernel(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { UseKernel(prev) })
	}
	if v := os.Getenv("NN_WINOGRAD"); v != "" {
		prev := useWinograd
		useWinograd = v == "1"
		b.Cleanup(func() { useWinograd = prev })
	}
	if v := os.Getenv("NN_DIRECT3"); v != "" {
		prev := useDirect3
		useDirect3 = v == "1"
		b.Cleanup(func() { useDirect3 = prev })
	}
}

// BenchmarkEncoderInfer1 is one case through the encoder in inference mode, layer by layer
// and with the batch norms folded (FoldBatchNorm, as explanations run); see benchSettings
// for the environment variables.
func BenchmarkEncoderInfer1(b *testing.B) {
	benchSettings(b)
	for _, folded := range []bool{false, true} {
		b.Run(map[bool]string{false: "layers", true: "folded"}[folded], func(b *testing.B) {
			enc := newEncoder(1, NewRand(1))
			enc.SetTraining(false)
			if folded {
				enc = FoldBatchNorm(enc)
			}
			x := randSlice(28*28, 2)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				enc.Forward(x, 1)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/case")
			b.ReportMetric(encoderFlops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkEncoderInfer2 is both images of a case through the folded encoder, as two
// batch-1 calls and as one batch of 2 (the paper's encoder is shared by both images);
// us/case is per case, so per two images.
func BenchmarkEncoderInfer2(b *testing.B) {
	benchSettings(b)
	for _, batch := range []bool{false, true} {
		b.Run(map[bool]string{false: "two-calls", true: "batch2"}[batch], func(b *testing.B) {
			enc := newEncoder(2, NewRand(1))
			enc.SetTraining(false)
			enc = FoldBatchNorm(enc)
			x := randSlice(2*28*28, 2)
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				if batch {
					enc.Forward(x, 2)
				} else {
					enc.Forward(x[:28*28], 1)
					enc.Forward(x[28*28:], 1)
				}
			}
			reportPerCase(b, cpuSeconds()-cpu0)
		})
	}
	// As the page meets it: a garbage collection (the page's rendering allocates) between
	// one case and the next. The collections are outside the timer and the CPU figure.
	b.Run("batch2-after-gc", func(b *testing.B) {
		enc := newEncoder(2, NewRand(1))
		enc.SetTraining(false)
		enc = FoldBatchNorm(enc)
		x := randSlice(2*28*28, 2)
		enc.Forward(x, 2)
		b.ResetTimer()
		cpu := 0.0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			runtime.GC()
			runtime.GC()
			b.StartTimer()
			cpu0 := cpuSeconds()
			enc.Forward(x, 2)
			cpu += cpuSeconds() - cpu0
		}
		reportPerCase(b, cpu)
	})
}

// BenchmarkEncoderSaliency1 is one case through the encoder in inference mode and back to
// its input pixels (the gradient of the sum of the 10 outputs), without parameter
// gradients: the encoder half of a pixel-saliency explanation (layer by layer, and
// folded).
func BenchmarkEncoderSaliency1(b *testing.B) {
	benchSettings(b)
	for _, folded := range []bool{false, true} {
		b.Run(map[bool]string{false: "layers", true: "folded"}[folded], func(b *testing.B) {
			enc := newEncoder(1, NewRand(1))
			enc.Layers[0].(*Conv2D).SkipInputGrad = false
			enc.SetTraining(false)
			enc.SetSkipParamGrad(true)
			if folded {
				enc = FoldBatchNorm(enc)
			}
			x := randSlice(28*28, 2)
			dOut := make([]float32, 10)
			fill(dOut, 1)
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				enc.Forward(x, 1)
				enc.Backward(dOut, 1)
			}
			reportPerCase(b, cpuSeconds()-cpu0)
		})
	}
}

// reportPerCase reports wall and (where measured: Linux, node) CPU microseconds per
// operation, given the CPU seconds the b.N operations took.
func reportPerCase(b *testing.B, cpu float64) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/case")
	if cpu > 0 {
		b.ReportMetric(cpu*1e6/float64(b.N), "cpu-us/case")
	}
}

// BenchmarkSgemm measures the single-threaded GEMM on a square problem and on the
// encoder's conv shapes (per image: weights x im2col; backward: weight and input gradients).
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"512^3", false, false, 512, 512, 512},
		{"conv2-fwd", false, false, 16, 576, 144},
		{"conv4-fwd", false, false, 64, 100, 576},
		{"conv4-dW", false, true, 64, 576, 100},
		{"conv4-dX", true, false, 576, 100, 64},
		{"dense1-fwd", false, true, 128, 128, 1600},
	}
	for _, kname := range Kernels() {
		for _, s := range shapes {
			b.Run(fmt.Sprintf("%s/%s", kname, s.name), func(b *testing.B) {
				prev, _ := UseKernel(kname)
				defer UseKernel(prev)
				a := randSlice(s.m*s.k, 1)
				bb := randSlice(s.k*s.n, 2)
				c := make([]float32, s.m*s.n)
				lda, ldb := s.k, s.n
				if s.ta {
					lda = s.m
				}
				if s.tb {
					ldb = s.k
				}
				b.ResetTimer()
				cpu0 := cpuSeconds()
				for i := 0; i < b.N; i++ {
					Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				reportFlops(b, 2*float64(s.m*s.n*s.k)*float64(b.N), cpuSeconds()-cpu0)
			})
		}
	}
}

// BenchmarkConv measures the encoder's most expensive conv (64->64, 10x10, pad 1) at
// batch 128, forward and backward (both cores).
func BenchmarkConv(b *testing.B) {
	const n, c, h, k = 128, 64, 10, 64
	in := randSlice(n*c*h*h, 1)
	w := randSlice(k*c*9, 2)
	bias := randSlice(k, 3)
	out := make([]float32, n*k*h*h)
	dIn, dW, dB := make([]float32, len(in)), make([]float32, len(w)), make([]float32, k)
	flops := 2 * float64(n*k*c*9*h*h)
	b.Run("forward", func(b *testing.B) {
		cpu0 := cpuSeconds()
		for i := 0; i < b.N; i++ {
			Conv2DForward(out, in, w, bias, n, c, h, h, k, 3, 1)
		}
		reportFlops(b, flops*float64(b.N), cpuSeconds()-cpu0)
	})
	b.Run("backward", func(b *testing.B) {
		cpu0 := cpuSeconds()
		for i := 0; i < b.N; i++ {
			Conv2DBackward(dIn, dW, dB, out, in, w, n, c, h, h, k, 3, 1)
		}
		reportFlops(b, 2*flops*float64(b.N), cpuSeconds()-cpu0)
	})
}

// reportFlops reports GFLOP/s of wall time and, where CPU time is measured, GFLOP per
// CPU-second (per-core efficiency, steadier than wall time on a busy machine).
func reportFlops(b *testing.B, flops, cpu float64) {
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkEncoderLayers times each layer of the folded encoder (as explanations run it)
// on its own, forward and, for the saliency, backward to its input, at batch 1 and 2 (both
// images of a case through the shared encoder): where an encoder pass spends its time.
func BenchmarkEncoderLayers(b *testing.B) {
	benchSettings(b)
	for _, n := range []int{1, 2} {
		enc := newEncoder(n, NewRand(1))
		enc.Layers[0].(*Conv2D).SkipInputGrad = false
		enc.SetTraining(false)
		enc.SetSkipParamGrad(true)
		enc = FoldBatchNorm(enc)
		ins := make([][]float32, len(enc.Layers))
		x := randSlice(n*28*28, 2)
		for i, l := range enc.Layers {
			ins[i] = x
			x = l.Forward(x, n)
		}
		for i, l := range enc.Layers {
			name := fmt.Sprintf("n=%d/%02d-%T-%v", n, i, l, l.OutShape())
			b.Run(name+"/forward", func(b *testing.B) {
				cpu0 := cpuSeconds()
				for range b.N {
					l.Forward(ins[i], n)
				}
				reportPerCase(b, cpuSeconds()-cpu0)
			})
			dOut := randSlice(n*size(l.OutShape()), 3)
			b.Run(name+"/backward", func(b *testing.B) {
				l.Forward(ins[i], n)
				b.ResetTimer()
				cpu0 := cpuSeconds()
				for range b.N {
					l.Backward(dOut, n)
				}
				reportPerCase(b, cpuSeconds()-cpu0)
			})
		}
	}
}
