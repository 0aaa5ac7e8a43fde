package fusion

import (
	"fmt"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
)

// BenchmarkTrainStep measures one training step of the paper's whole network (both
// images through the shared encoder, the head, NLL loss, backward, Adam) at batch 128;
// compare samples/s with PyTorch's: 1.13 (Debian, CPU) trained this network on this
// machine at about 1,100 samples/s on 2 threads (BENCHMARKS.md, "The paper's image
// encoder"). cpu-ms/op stays meaningful when the shared machine is busy; compare it with
// twice nn's BenchmarkEncoderTrainStep (one image per sample there, two here).
func BenchmarkTrainStep(b *testing.B) {
	cfg := DefaultConfig()
	const n = 128
	m := mustNet(b, cfg, n, 1)
	d := synthData(cfg, n, 1)
	opt := nn.NewAdam(m.Params(), 1e-3)
	opt.WeightDecay = 1e-4
	dLogp := make([]float32, 2*n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	clin, y := make([]float32, n*cfg.Clinical()), make([]int, n)
	step := func() {
		m.gather(d, idx, clin, y)
		_, logp := m.forwardStaged(clin, n)
		nn.NLLLossForward(logp, y, n, 2)
		nn.NLLLossBackward(dLogp, y, n, 2)
		opt.ZeroGrad()
		m.Backward(dLogp, false)
		opt.Step()
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "samples/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu*1e3/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkExplain measures one explanation: both images through the encoder (batch 1,
// inference mode), the head and dp/dz; PyTorch 1.13 (CPU) takes about 1.2-1.8 ms for
// the same on this machine.
func BenchmarkExplain(b *testing.B) {
	cfg := DefaultConfig()
	m := mustNet(b, cfg, 1, 1)
	d := synthData(cfg, 1, 1)
	imgs := d.Images()
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, err := m.Explain(imgs, d.Clinical); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/case")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu*1e6/float64(b.N), "cpu-us/case")
	}
}

// BenchmarkHeadGrad measures re-explaining one case after a clinical value changes: the
// head and dp/dz only, image features cached.
func BenchmarkHeadGrad(b *testing.B) {
	cfg := DefaultConfig()
	m := mustNet(b, cfg, 1, 1)
	z := make([]float32, cfg.Dim())
	for i := range z {
		z[i] = float32(i%7) / 7
	}
	p, g := make([]float32, 1), make([]float32, cfg.Dim())
	b.ReportAllocs()
	for b.Loop() {
		m.Grad(z, 1, p, g)
	}
}

// BenchmarkSaliency measures one case's pixel saliency (forward and backward through the
// encoder for both images).
func BenchmarkSaliency(b *testing.B) {
	cfg := DefaultConfig()
	m := mustNet(b, cfg, 1, 1)
	d := synthData(cfg, 1, 1)
	imgs := d.Images()
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if _, _, err := m.Saliency(imgs, d.Clinical); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(cpu*1e6/float64(b.N), "cpu-us/case")
	}
}

// BenchmarkDenseHeadGrad measures p and dp/dz of one case and of a chunk of cases through
// the paper network's head as a DenseHead (the importance methods' evaluator); its
// buffers are sized to the rows asked for, so one case allocates one row's worth.
func BenchmarkDenseHeadGrad(b *testing.B) {
	cfg := DefaultConfig()
	h, err := HeadOf(mustNet(b, cfg, 1, 1))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 256} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			z := make([]float32, n*cfg.Dim())
			for i := range z {
				z[i] = float32(i%7) / 7
			}
			p, g := make([]float32, n), make([]float32, n*cfg.Dim())
			b.ReportAllocs()
			for b.Loop() {
				h.Grad(z, n, p, g)
			}
		})
	}
}
