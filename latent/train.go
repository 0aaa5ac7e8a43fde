package latent

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/phantom"
)

// Options control Train. Zero fields take the defaults named.
type Options struct {
	Arch        Arch    // zero: DefaultArch
	Epochs      int     // passes over the images; default 6
	Batch       int     // images per step; default 64
	LR          float32 // Adam learning rate; default 2e-3
	WeightDecay float32 // Adam L2 weight decay; default 0
	Seed        uint64  // seeds the initial weights and the batch order; default 1
	// Views, when not nil, gives the view of each training image (len n); each view's
	// Whitening is then fitted on its own images. When nil, one whitening is fitted on all
	// images and used for both views.
	Views []phantom.View
	// DataSource is recorded in the model's Info, e.g. phantom.Provenance.
	DataSource string
	// Progress, when not nil, is called after each epoch with the epoch (from 1) and that
	// epoch's mean training loss.
	Progress func(epoch int, loss float64)
}

func (o Options) withDefaults() Options {
	if o.Arch == (Arch{}) {
		o.Arch = DefaultArch
	}
	if o.Epochs == 0 {
		o.Epochs = 6
	}
	if o.Batch == 0 {
		o.Batch = 64
	}
	if o.LR == 0 {
		o.LR = 2e-3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Report says how training went. Reconstruction errors are per-pixel mean squared errors
// over the training images, with the networks in inference mode.
type Report struct {
	Images   int
	Epochs   int
	Steps    int
	Params   int       // trainable weights
	EpochMSE []float64 // mean training loss of each epoch
	// InitialMSE is the untrained network's error, FinalMSE the trained one's, and
	// MeanImageMSE the error of always drawing the mean image (the pixels' variance): an
	// autoencoder whose codes carry information beats it clearly.
	InitialMSE, FinalMSE, MeanImageMSE float64
	// CodeSD is the standard deviation of each raw code over the images, and
	// CodeCorrMinEig the smallest eigenvalue of their 10x10 correlation matrix (1 when
	// uncorrelated, near 0 when one code is nearly a linear combination of the others).
	CodeSD         [Dim]float64
	CodeCorrMinEig float64
	Duration       time.Duration
}

// PCG stream of the batch order, distinct from the weight initialisation's.
const shuffleStream = 0x6c6174656e747368 // "latentsh"

// Train trains an autoencoder on n images (n*784 values in [0,1], row-major) and fits the
// whitening of each view. It fails on wrong sizes, pixel values outside [0,1], options out
// of range, a loss that stops being finite, or codes too degenerate to whiten.
func Train(images []float32, n int, opt Options) (*Model, *Report, error) {
	opt = opt.withDefaults()
	if err := checkImages(images, n); err != nil {
		return nil, nil, err
	}
	if err := opt.Arch.check(); err != nil {
		return nil, nil, err
	}
	if opt.Epochs < 1 || opt.Batch < 1 || opt.Batch > 1<<16 || !(opt.LR > 0) || !(opt.WeightDecay >= 0) {
		return nil, nil, fmt.Errorf("latent: options epochs %d, batch %d, lr %g, weight decay %g: want epochs >= 1, batch 1..65536, lr > 0, decay >= 0",
			opt.Epochs, opt.Batch, opt.LR, opt.WeightDecay)
	}
	if opt.Views != nil && len(opt.Views) != n {
		return nil, nil, fmt.Errorf("latent: %d views for %d images", len(opt.Views), n)
	}
	for i, v := range opt.Views {
		if v != phantom.Axial && v != phantom.Coronal {
			return nil, nil, fmt.Errorf("latent: image %d has unknown view %d (want axial or coronal)", i, int(v))
		}
	}
	start := time.Now()
	m := newModel(opt.Arch, opt.Seed, opt.Batch)
	rep := &Report{Images: n, Epochs: opt.Epochs, Params: m.NumParams(), InitialMSE: m.MSE(images, n),
		MeanImageMSE: meanImageMSE(images, n)}

	params, _ := m.params()
	adam := nn.NewAdam(params, opt.LR)
	adam.WeightDecay = opt.WeightDecay
	rng := rand.New(rand.NewPCG(opt.Seed, shuffleStream))
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	x := make([]float32, opt.Batch*Pixels)
	dRec := make([]float32, opt.Batch*Pixels)
	m.enc.SetTraining(true)
	m.dec.SetTraining(true)
	for ep := 1; ep <= opt.Epochs; ep++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		var sum float64
		for lo := 0; lo < n; lo += opt.Batch {
			b := min(opt.Batch, n-lo)
			for k, i := range order[lo : lo+b] {
				copy(x[k*Pixels:(k+1)*Pixels], images[i*Pixels:(i+1)*Pixels])
			}
			xb := x[:b*Pixels]
			rec := m.dec.Forward(m.enc.Forward(xb, b), b)
			loss := MSEForward(rec, xb, b*Pixels)
			if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
				return nil, nil, fmt.Errorf("latent: loss became %v at epoch %d, step %d (lower the learning rate %g)", loss, ep, rep.Steps+1, opt.LR)
			}
			sum += float64(loss) * float64(b)
			MSEBackward(dRec, rec, xb, b*Pixels)
			m.enc.Backward(m.dec.Backward(dRec[:b*Pixels], b), b)
			adam.Step()
			adam.ZeroGrad()
			rep.Steps++
		}
		rep.EpochMSE = append(rep.EpochMSE, sum/float64(n))
		if opt.Progress != nil {
			opt.Progress(ep, sum/float64(n))
		}
	}
	m.enc.SetTraining(false)
	m.dec.SetTraining(false)

	rep.FinalMSE = m.MSE(images, n)
	codes := m.Encode(images, n)
	codes64 := make([]float64, len(codes))
	for i, v := range codes {
		codes64[i] = float64(v)
	}
	_, cov := moments(codes, n)
	for j := range Dim {
		rep.CodeSD[j] = math.Sqrt(cov[j*Dim+j])
	}
	spec, err := CorrelationSpectrum(codes64, Dim)
	if err != nil {
		return nil, nil, fmt.Errorf("latent: trained codes: %w", err)
	}
	rep.CodeCorrMinEig = spec[0]

	if err := m.fitWhitenings(codes, n, opt.Views); err != nil {
		return nil, nil, err
	}
	m.Info = Info{Seed: opt.Seed, Epochs: opt.Epochs, Images: n, DataSource: opt.DataSource, TrainMSE: rep.FinalMSE}
	rep.Duration = time.Since(start)
	return m, rep, nil
}

// fitWhitenings fits each view's whitening to its images' codes, or one to all of them
// when views is nil.
func (m *Model) fitWhitenings(codes []float32, n int, views []phantom.View) error {
	if views == nil {
		w, err := FitWhitening(codes, n)
		if err != nil {
			return err
		}
		for v := range m.Whiten {
			m.Whiten[v] = *w
		}
		return nil
	}
	for v := range phantom.View(NumViews) {
		var sub []float32
		for i, iv := range views {
			if iv == v {
				sub = append(sub, codes[i*Dim:(i+1)*Dim]...)
			}
		}
		w, err := FitWhitening(sub, len(sub)/Dim)
		if err != nil {
			return fmt.Errorf("latent: %s view: %w", v, err)
		}
		m.Whiten[v] = *w
	}
	return nil
}

// meanImageMSE is the per-pixel variance of the images: the error of always answering
// the mean image.
func meanImageMSE(images []float32, n int) float64 {
	var mean [Pixels]float64
	for i := range n {
		for p, v := range images[i*Pixels : (i+1)*Pixels] {
			mean[p] += float64(v)
		}
	}
	for p := range mean {
		mean[p] /= float64(n)
	}
	var s float64
	for i := range n {
		for p, v := range images[i*Pixels : (i+1)*Pixels] {
			d := float64(v) - mean[p]
			s += d * d
		}
	}
	return s / float64(n*Pixels)
}
