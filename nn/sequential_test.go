package nn

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
)

// smallNet is a Sequential with every layer kind; reference64 is the same network in
// float64 from the reference ops.
type smallNet struct {
	seq                    *Sequential
	c1, c2                 *Conv2D
	bn1, bn2, bn3          *BatchNorm
	d1                     *Dense
	n, classes, h, w, maxN int
}

func newSmallNet(maxN int, seed uint64) *smallNet {
	rng := NewRand(seed)
	const h, w = 7, 6
	c1 := NewConv2D(2, 3, h, w, 3, 1, maxN, rng) // 3x7x6
	bn1 := NewBatchNorm(maxN, 3, h, w)
	p := NewMaxPool2(3, h, w, maxN)              // 3x3x3
	c2 := NewConv2D(3, 4, 3, 3, 3, 0, maxN, rng) // 4x1x1
	bn2 := NewBatchNorm(maxN, 4, 1, 1)
	d1 := NewDense(4, 3, maxN, rng)
	bn3 := NewBatchNorm(maxN, 3)
	seq := NewSequential(c1, bn1, NewReLU(maxN, 3, h, w), p, c2, bn2, NewSigmoid(maxN, 4, 1, 1), d1, bn3, NewLogSoftmax(3, maxN))
	// Non-trivial BN affine parameters and running statistics.
	for i, bn := range []*BatchNorm{bn1, bn2, bn3} {
		copy(bn.Gamma.W, randSlice(bn.C, uint64(100+i)))
		copy(bn.Beta.W, randSlice(bn.C, uint64(200+i)))
		copy(bn.RunningMean, randSlice(bn.C, uint64(300+i)))
		for j := range bn.RunningVar {
			bn.RunningVar[j] = 0.5 + float32(j)
		}
	}
	copy(c1.Bias.W, randSlice(3, 7))
	return &smallNet{seq: seq, c1: c1, c2: c2, bn1: bn1, bn2: bn2, bn3: bn3, d1: d1, classes: 3, h: h, w: w, maxN: maxN}
}

// forward64 runs the network in float64 from x = {input, c1.w, c1.b, bn1.g, bn1.b, c2.w,
// c2.b, bn2.g, bn2.b, d1.w, d1.b, bn3.g, bn3.b} and returns the log-probabilities.
func (s *smallNet) forward64(x [][]float64, n int, training bool) []float64 {
	bn := func(in, g, b []float64, l *BatchNorm) []float64 {
		return bn64(in, g, b, n, l.C, l.Spatial, training, to64(l.RunningMean), to64(l.RunningVar), float64(l.Eps))
	}
	a := conv64(x[0], x[1], x[2], n, 2, s.h, s.w, 3, 3, 1)
	a = relu64(bn(a, x[3], x[4], s.bn1))
	a = maxpool64(a, n, 3, s.h, s.w)
	a = conv64(a, x[5], x[6], n, 3, 3, 3, 4, 3, 0)
	a = sigmoid64(bn(a, x[7], x[8], s.bn2))
	a = dense64(a, x[9], x[10], n, 4, 3)
	a = bn(a, x[11], x[12], s.bn3)
	return logsoftmax64(a, n, 3)
}

func TestSequentialGradients(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for _, tc := range []struct {
			n        int
			training bool
		}{{3, true}, {5, true}, {1, false}, {4, false}} {
			s := newSmallNet(6, 1)
			s.seq.SetTraining(tc.training)
			in := randSlice(tc.n*2*s.h*s.w, 11)
			targets := make([]int, tc.n)
			for i := range targets {
				targets[i] = i % 3
			}
			runMean0 := append([]float32(nil), s.bn1.RunningMean...)
			logp := s.seq.Forward(in, tc.n)
			if tc.training == slices.Equal(runMean0, s.bn1.RunningMean) {
				t.Errorf("training=%v: running mean changed = %v", tc.training, !tc.training)
			}
			// The reference uses the running statistics from before this forward.
			copy(s.bn1.RunningMean, runMean0)
			params := s.seq.Params()
			xs := [][]float32{in}
			for _, p := range params {
				xs = append(xs, p.W)
			}
			what := fmt.Sprintf("sequential n=%d training=%v", tc.n, tc.training)
			if !tc.training {
				checkForward(t, what, logp, s.forward64(convertAll(xs), tc.n, false))
			}
			ZeroGrad(params)
			dLogp := make([]float32, tc.n*3)
			NLLLossBackward(dLogp, targets, tc.n, 3)
			dIn := s.seq.Backward(dLogp, tc.n)
			grads := [][]float32{dIn}
			names := []string{"input"}
			for i, p := range params {
				grads = append(grads, p.G)
				names = append(names, fmt.Sprintf("param%d(%s)", i, p.Name))
			}
			// Running statistics in the float64 reference must be the ones the forward used.
			if tc.training {
				copy(s.bn1.RunningMean, runMean0)
			}
			checkGrad(t, what, xs, grads, names, func(x [][]float64) float64 {
				return nll64(s.forward64(x, tc.n, tc.training), targets, tc.n, 3)
			})

			// Input gradients only (explaining): the same dIn, parameter gradients untouched.
			want := append([]float32(nil), dIn...)
			ZeroGrad(params)
			s.seq.Forward(in, tc.n)
			s.seq.SetSkipParamGrad(true)
			got := s.seq.Backward(dLogp, tc.n)
			s.seq.SetSkipParamGrad(false)
			for j := range want {
				if math.Abs(float64(got[j]-want[j])) > 1e-6*(1+math.Abs(float64(want[j]))) {
					t.Fatalf("%s: input gradient without parameter gradients [%d] = %g, with them %g", what, j, got[j], want[j])
				}
			}
			for _, p := range params {
				for _, g := range p.G {
					if g != 0 {
						t.Fatalf("%s: SetSkipParamGrad(true) still wrote %s's gradient", what, p.Name)
					}
				}
			}
		}
	})
}

func convertAll(xs [][]float32) [][]float64 {
	out := make([][]float64, len(xs))
	for i, x := range xs {
		out[i] = to64(x)
	}
	return out
}

func TestSameSeedSameWeights(t *testing.T) {
	a, b, c := newSmallNet(2, 42), newSmallNet(2, 42), newSmallNet(2, 43)
	pa, pb, pc := a.seq.Params(), b.seq.Params(), c.seq.Params()
	differs := false
	for i := range pa {
		if !slices.Equal(pa[i].W, pb[i].W) {
			t.Fatalf("param %d (%s) differs between two nets built with seed 42", i, pa[i].Name)
		}
		differs = differs || !slices.Equal(pa[i].W, pc[i].W)
	}
	if !differs {
		t.Fatal("seeds 42 and 43 gave identical weights")
	}
	// He-uniform bounds: |w| <= sqrt(6/fanIn).
	bound := float32(math.Sqrt(6.0 / (2 * 9)))
	for _, v := range a.c1.Weight.W {
		if v < -bound || v > bound {
			t.Fatalf("conv weight %g outside the He-uniform bound %g", v, bound)
		}
	}
}

func TestBadShapesNameOpAndDims(t *testing.T) {
	rng := NewRand(1)
	cases := []struct {
		want string
		f    func()
	}{
		{"Sequential: layer 0 (*nn.Conv2D) outputs 16 channels, layer 1 (*nn.Conv2D) expects 3", func() {
			NewSequential(NewConv2D(1, 16, 28, 28, 3, 0, 2, rng), NewConv2D(3, 8, 26, 26, 3, 0, 2, rng))
		}},
		{"Sequential: layer 0 (*nn.MaxPool2) outputs 4x5x5, layer 1 (*nn.Dense) expects 99", func() {
			NewSequential(NewMaxPool2(4, 10, 10, 2), NewDense(99, 3, 2, rng))
		}},
		{"Conv2D forward: input has 100 elements, need 784", func() {
			Conv2DForward(make([]float32, 676), make([]float32, 100), make([]float32, 9), nil, 1, 1, 28, 28, 1, 3, 0)
		}},
		{"Conv2D forward: kernel 5x5 with padding 0 does not fit a 3x3 input", func() {
			Conv2DForward(nil, nil, nil, nil, 1, 1, 3, 3, 1, 5, 0)
		}},
		{"Conv2D backward: weight gradient has 10 elements, need 144", func() {
			Conv2DBackward(nil, make([]float32, 10), nil, make([]float32, 16*16), make([]float32, 36), make([]float32, 144), 1, 1, 6, 6, 16, 3, 0)
		}},
		{"Conv2D forward: batch 3 outside 1..2", func() {
			NewConv2D(1, 2, 5, 5, 3, 1, 2, rng).Forward(make([]float32, 75), 3)
		}},
		{"Conv2D forward: buffer has 20 values, need n=1 x 1x5x5 = 25", func() {
			NewConv2D(1, 2, 5, 5, 3, 1, 2, rng).Forward(make([]float32, 20), 1)
		}},
		{"Dense forward: weights has 12 elements, need 15", func() {
			DenseForward(make([]float32, 3), make([]float32, 5), make([]float32, 12), nil, 1, 5, 3)
		}},
		{"MaxPool2 forward: bad sizes n=1 channels 1 input 1x4", func() {
			MaxPool2Forward(nil, nil, nil, 1, 1, 1, 4)
		}},
		{"BatchNorm forward (training): batch statistics need at least 2 values per channel, have n=1 x 1", func() {
			NewBatchNorm(4, 10).Forward(make([]float32, 10), 1)
		}},
		{"NLLLoss forward: target 7 of sample 1 is outside the 3 classes", func() {
			NLLLossForward(make([]float32, 6), []int{0, 7}, 2, 3)
		}},
		{"Concat forward: part 1 (n=2 x 3) has 5 elements, need 6", func() {
			NewConcat(2, 2, 3).Forward([][]float32{make([]float32, 4), make([]float32, 5)}, 2)
		}},
	}
	for _, c := range cases {
		expectPanic(t, "nn: "+c.want, c.f)
	}
}

// barImages makes a separable toy task: 12x12 images holding one bright bar, horizontal
// (class 0) or vertical (class 1), at a random place, plus noise.
func barImages(n int, seed uint64) ([]float32, []int) {
	rng := NewRand(seed)
	const s = 12
	x := make([]float32, n*s*s)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		img := x[i*s*s : (i+1)*s*s]
		for j := range img {
			img[j] = float32(rng.Float64() * 0.3)
		}
		y[i] = rng.IntN(2)
		pos, start, length := rng.IntN(s), rng.IntN(4), 5+rng.IntN(4)
		for k := start; k < start+length; k++ {
			if y[i] == 0 {
				img[pos*s+k] += 0.7
			} else {
				img[k*s+pos] += 0.7
			}
		}
	}
	return x, y
}

func TestTrainingLossFalls(t *testing.T) {
	const batch, steps = 32, 60
	rng := NewRand(3)
	c1 := NewConv2D(1, 6, 12, 12, 3, 0, batch, rng) // 6x10x10
	c1.SkipInputGrad = true
	net := NewSequential(c1, NewBatchNorm(batch, 6, 10, 10), NewReLU(batch, 6, 10, 10), NewMaxPool2(6, 10, 10, batch),
		NewDense(150, 2, batch, rng), NewLogSoftmax(2, batch))
	opt := NewAdam(net.Params(), 0.01)
	opt.WeightDecay = 1e-4
	dLogp := make([]float32, batch*2)
	var first, last float64
	for step := 0; step < steps; step++ {
		x, y := barImages(batch, uint64(1000+step))
		logp := net.Forward(x, batch)
		loss := float64(NLLLossForward(logp, y, batch, 2))
		if step < 5 {
			first += loss / 5
		}
		if step >= steps-5 {
			last += loss / 5
		}
		opt.ZeroGrad()
		NLLLossBackward(dLogp, y, batch, 2)
		if net.Backward(dLogp, batch) != nil {
			t.Fatal("first layer skips its input gradient, but Backward returned one")
		}
		opt.Step()
	}
	// Held-out accuracy in inference mode.
	net.SetTraining(false)
	x, y := barImages(batch, 7)
	logp := net.Forward(x, batch)
	correct := 0
	for i := 0; i < batch; i++ {
		if (logp[2*i+1] > logp[2*i]) == (y[i] == 1) {
			correct++
		}
	}
	t.Logf("mean loss of the first 5 steps %.4f, last 5 %.4f; held-out accuracy %d/%d", first, last, correct, batch)
	if last > first/5 {
		t.Errorf("loss fell from %.4f to %.4f, want at least a factor 5", first, last)
	}
	if correct < batch*9/10 {
		t.Errorf("held-out accuracy %d/%d, want at least 90%%", correct, batch)
	}
}

// TestSharedLayersAccumulate applies one network to two batches through Shared copies (a
// shared image encoder) and checks the summed gradients against finite differences.
func TestSharedLayersAccumulate(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		const n = 3
		s := newSmallNet(4, 5)
		twin := s.seq.Shared(4).(*Sequential)
		x1, x2 := randSlice(n*2*s.h*s.w, 21), randSlice(n*2*s.h*s.w, 22)
		targets := []int{0, 2, 1}
		params := s.seq.Params()
		for i, p := range twin.Params() {
			if p != params[i] {
				t.Fatalf("shared network has its own param %d (%s)", i, p.Name)
			}
		}
		ZeroGrad(params)
		lp1 := s.seq.Forward(x1, n)
		lp2 := twin.Forward(x2, n)
		if slices.Equal(lp1, lp2) {
			t.Fatal("shared copies gave identical outputs for different inputs: buffers are shared")
		}
		d := make([]float32, n*3)
		NLLLossBackward(d, targets, n, 3)
		d1 := append([]float32(nil), s.seq.Backward(d, n)...)
		d2 := twin.Backward(d, n)
		xs := [][]float32{x1, x2}
		grads := [][]float32{d1, d2}
		names := []string{"x1", "x2"}
		for i, p := range params {
			xs = append(xs, p.W)
			grads = append(grads, p.G)
			names = append(names, fmt.Sprintf("param%d(%s)", i, p.Name))
		}
		checkGrad(t, "shared", xs, grads, names, func(x [][]float64) float64 {
			ps := x[2:]
			l1 := nll64(s.forward64(append([][]float64{x[0]}, ps...), n, true), targets, n, 3)
			l2 := nll64(s.forward64(append([][]float64{x[1]}, ps...), n, true), targets, n, 3)
			return l1 + l2
		})
	})
}

func TestStateUsesPyTorchNames(t *testing.T) {
	rng := NewRand(1)
	net := NewSequential(NewConv2D(1, 2, 4, 4, 3, 1, 2, rng), NewBatchNorm(2, 2, 4, 4), NewReLU(2, 2, 4, 4),
		NewFlatten(2, 4, 4), NewDense(32, 3, 2, rng), NewSequential(NewDense(3, 2, 2, rng), NewBatchNorm(2, 2)))
	var got []string
	for _, st := range net.State() {
		got = append(got, fmt.Sprintf("%s%v", st.Name, st.Shape))
	}
	want := []string{"0.weight[2 1 3 3]", "0.bias[2]", "1.weight[2]", "1.bias[2]", "1.running_mean[2]",
		"1.running_var[2]", "4.weight[3 32]", "4.bias[3]", "5.0.weight[2 3]", "5.0.bias[2]", "5.1.weight[2]",
		"5.1.bias[2]", "5.1.running_mean[2]", "5.1.running_var[2]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state names\n got %v\nwant %v", got, want)
	}
	net.State()[4].Data[1] = 42 // writes go to the layer
	if net.Layers[1].(*BatchNorm).RunningMean[1] != 42 {
		t.Fatal("State's Data is not the layer's own slice")
	}
}

// TestSameResultAnyCoreCount trains the same network with 1, 2 and 3 workers and expects
// bit-identical weights: work is split so that no sum's order depends on the core count.
func TestSameResultAnyCoreCount(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var ref []float32
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		const batch = 20
		rng := NewRand(9)
		net := NewSequential(NewConv2D(1, 16, 12, 12, 3, 1, batch, rng), NewBatchNorm(batch, 16, 12, 12),
			NewReLU(batch, 16, 12, 12), NewMaxPool2(16, 12, 12, batch), NewConv2D(16, 32, 6, 6, 3, 0, batch, rng),
			NewFlatten(32, 4, 4), NewDense(512, 2, batch, rng), NewLogSoftmax(2, batch))
		opt := NewAdam(net.Params(), 0.01)
		d := make([]float32, batch*2)
		for step := 0; step < 3; step++ {
			x, y := barImages(batch, uint64(step))
			net.Forward(x, batch)
			opt.ZeroGrad()
			NLLLossBackward(d, y, batch, 2)
			net.Backward(d, batch)
			opt.Step()
		}
		var w []float32
		for _, p := range net.Params() {
			w = append(w, p.W...)
		}
		if ref == nil {
			ref = w
		} else if !slices.Equal(ref, w) {
			t.Fatalf("weights after 3 steps differ between 1 and %d workers", procs)
		}
	}
}
