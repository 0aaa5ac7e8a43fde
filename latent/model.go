package latent

import (
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/nn"
	"github.com/fusionlens/fusionlens/phantom"
)

// Sizes of the autoencoder's input and bottleneck.
const (
	Side   = 28          // image side
	Pixels = Side * Side // values per image
	Dim    = 10          // latent features per image
)

// NumViews is the number of image views (phantom.Axial and phantom.Coronal), each with its
// own Whitening.
const NumViews = 2

// inferBatch is the largest batch the networks are built for beyond the training batch:
// encoding goes through them in chunks of this size.
const inferBatch = 256

// Arch is the autoencoder's architecture. It is stored in model files as Config.
type Arch struct {
	LatentDim int    `json:"latent_dim"` // bottleneck width; must be Dim
	Conv      [2]int `json:"conv"`       // output channels of the two convolutions
	Hidden    int    `json:"hidden"`     // width of the decoder's hidden layer
	Side      int    `json:"side"`       // image side; must be Side
}

// DefaultArch is the architecture Train uses unless told otherwise.
var DefaultArch = Arch{LatentDim: Dim, Conv: [2]int{8, 16}, Hidden: 128, Side: Side}

// Bounds on the architecture's widths, so a model file cannot ask for huge buffers.
const (
	maxConv   = 64
	maxHidden = 1024
)

// check reports what is wrong with an architecture.
func (a Arch) check() error {
	if a.LatentDim != Dim {
		return fmt.Errorf("latent: architecture has latent_dim %d, want %d", a.LatentDim, Dim)
	}
	if a.Side != Side {
		return fmt.Errorf("latent: architecture has image side %d, want %d", a.Side, Side)
	}
	for i, c := range a.Conv {
		if c < 1 || c > maxConv {
			return fmt.Errorf("latent: architecture has %d channels in convolution %d, want 1..%d", c, i+1, maxConv)
		}
	}
	if a.Hidden < 1 || a.Hidden > maxHidden {
		return fmt.Errorf("latent: architecture has hidden width %d, want 1..%d", a.Hidden, maxHidden)
	}
	return nil
}

// Model is a trained autoencoder with one Whitening per view. Its methods reuse the
// networks' buffers, so a Model must not be used by several goroutines at once; Clone
// gives each its own.
type Model struct {
	Arch Arch
	// Whiten[v] maps raw codes of view v (phantom.Axial, phantom.Coronal) to features.
	Whiten [NumViews]Whitening
	// Info records how the model was made; it is saved in model files.
	Info Info

	maxN     int
	conv1    *nn.Conv2D
	conv2    *nn.Conv2D
	fc       *nn.Dense
	dec1     *nn.Dense
	dec2     *nn.Dense
	enc, dec *nn.Sequential
}

// Info records how a model was made.
type Info struct {
	Seed       uint64  // Options.Seed of the training run
	Epochs     int     // epochs trained
	Images     int     // training images
	DataSource string  // where the training images came from
	TrainMSE   float64 // reconstruction MSE over the training images after training
	Command    string  // how to reproduce it, when known
}

// newModel builds an untrained model with weights drawn from seed, for batches up to maxN.
func newModel(a Arch, seed uint64, maxN int) *Model {
	rng := nn.NewRand(seed)
	maxN = max(maxN, inferBatch)
	c1, c2 := a.Conv[0], a.Conv[1]
	m := &Model{Arch: a, maxN: maxN}
	m.conv1 = nn.NewConv2D(1, c1, Side, Side, 3, 1, maxN, rng)
	m.conv1.SkipInputGrad = true // the images need no gradient
	m.conv2 = nn.NewConv2D(c1, c2, Side/2, Side/2, 3, 1, maxN, rng)
	flat := c2 * (Side / 4) * (Side / 4)
	m.fc = nn.NewDense(flat, Dim, maxN, rng)
	// The bottleneck is linear: Xavier keeps the codes' scale near the inputs'.
	nn.InitXavierUniform(m.fc.Weight.W, flat, Dim, rng)
	m.enc = nn.NewSequential(
		m.conv1, nn.NewReLU(maxN, c1, Side, Side), nn.NewMaxPool2(c1, Side, Side, maxN),
		m.conv2, nn.NewReLU(maxN, c2, Side/2, Side/2), nn.NewMaxPool2(c2, Side/2, Side/2, maxN),
		m.fc)
	m.dec1 = nn.NewDense(Dim, a.Hidden, maxN, rng)
	m.dec2 = nn.NewDense(a.Hidden, Pixels, maxN, rng)
	nn.InitXavierUniform(m.dec2.Weight.W, a.Hidden, Pixels, rng)
	m.dec = nn.NewSequential(m.dec1, nn.NewReLU(maxN, a.Hidden), m.dec2, nn.NewSigmoid(maxN, Pixels))
	for v := range m.Whiten {
		m.Whiten[v] = identityWhitening()
	}
	return m
}

// paramNames are the names of the trainable tensors in model files, in params order.
var paramNames = []string{"encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
	"encoder.fc.weight", "encoder.fc.bias", "decoder.fc1.weight", "decoder.fc1.bias",
	"decoder.fc2.weight", "decoder.fc2.bias"}

// paramShapes returns the shapes of the trainable tensors of architecture a, in params
// order.
func paramShapes(a Arch) [][]int {
	c1, c2, h := a.Conv[0], a.Conv[1], a.Hidden
	flat := c2 * (Side / 4) * (Side / 4)
	return [][]int{{c1, 1, 3, 3}, {c1}, {c2, c1, 3, 3}, {c2}, {Dim, flat}, {Dim}, {h, Dim}, {h}, {Pixels, h}, {Pixels}}
}

// params returns the trainable parameters and their names in model files.
func (m *Model) params() ([]*nn.Param, []string) {
	return []*nn.Param{m.conv1.Weight, m.conv1.Bias, m.conv2.Weight, m.conv2.Bias, m.fc.Weight, m.fc.Bias,
		m.dec1.Weight, m.dec1.Bias, m.dec2.Weight, m.dec2.Bias}, paramNames
}

// NumParams returns the number of trainable weights.
func (m *Model) NumParams() int {
	ps, _ := m.params()
	return nn.NumParams(ps)
}

// checkImages reports what is wrong with n images of 784 values in [0,1].
func checkImages(images []float32, n int) error {
	if n < 1 {
		return fmt.Errorf("latent: %d images, want at least 1", n)
	}
	if len(images) != n*Pixels {
		return fmt.Errorf("latent: %d values for %d images of %dx%d, want %d", len(images), n, Side, Side, n*Pixels)
	}
	for i, v := range images {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("latent: image %d pixel (%d,%d) is %v, want a value in [0,1]", i/Pixels, i%Pixels/Side, i%Side, v)
		}
	}
	return nil
}

// chunks calls fn on consecutive batches of at most m.maxN images.
func (m *Model) chunks(n int, fn func(lo, hi int)) {
	for lo := 0; lo < n; lo += m.maxN {
		fn(lo, min(n, lo+m.maxN))
	}
}

// Encode returns the raw bottleneck codes of n images (n*784 values in [0,1]) as n x 10
// values, row-major. It panics if len(imgs) != n*784; the values are not checked.
func (m *Model) Encode(imgs []float32, n int) []float32 {
	if n < 1 || len(imgs) != n*Pixels {
		panic(fmt.Sprintf("latent: Encode: %d values for %d images, want %d", len(imgs), n, n*Pixels))
	}
	m.enc.SetTraining(false)
	codes := make([]float32, n*Dim)
	m.chunks(n, func(lo, hi int) {
		copy(codes[lo*Dim:], m.enc.Forward(imgs[lo*Pixels:hi*Pixels], hi-lo))
	})
	return codes
}

// Decode returns the images (n*784 values in [0,1]) the decoder draws from n raw codes.
// It panics if len(codes) != n*10.
func (m *Model) Decode(codes []float32, n int) []float32 {
	if n < 1 || len(codes) != n*Dim {
		panic(fmt.Sprintf("latent: Decode: %d values for %d codes, want %d", len(codes), n, n*Dim))
	}
	imgs := make([]float32, n*Pixels)
	m.chunks(n, func(lo, hi int) {
		copy(imgs[lo*Pixels:], m.dec.Forward(codes[lo*Dim:hi*Dim], hi-lo))
	})
	return imgs
}

// Reconstruct encodes and decodes n images.
func (m *Model) Reconstruct(imgs []float32, n int) []float32 {
	return m.Decode(m.Encode(imgs, n), n)
}

// MSE returns the mean squared reconstruction error over n images (per pixel).
func (m *Model) MSE(imgs []float32, n int) float64 {
	rec := m.Reconstruct(imgs, n)
	var s float64
	for i, v := range rec {
		d := float64(v - imgs[i])
		s += d * d
	}
	return s / float64(len(rec))
}

// Features returns the ten whitened latent features of n images of view (phantom.Axial
// or phantom.Coronal) as n x 10 values, row-major. It fails on a wrong size or view, or on
// pixel values outside [0,1].
func (m *Model) Features(view phantom.View, imgs []float32, n int) ([]float64, error) {
	if view != phantom.Axial && view != phantom.Coronal {
		return nil, fmt.Errorf("latent: unknown view %d (want axial or coronal)", int(view))
	}
	if err := checkImages(imgs, n); err != nil {
		return nil, err
	}
	return m.Whiten[view].Apply(m.Encode(imgs, n), n), nil
}

// FitWhitening fits view's Whitening to the codes of n images of that view.
func (m *Model) FitWhitening(view phantom.View, imgs []float32, n int) error {
	if view != phantom.Axial && view != phantom.Coronal {
		return fmt.Errorf("latent: unknown view %d (want axial or coronal)", int(view))
	}
	if err := checkImages(imgs, n); err != nil {
		return err
	}
	w, err := FitWhitening(m.Encode(imgs, n), n)
	if err != nil {
		return fmt.Errorf("latent: %s view: %w", view, err)
	}
	m.Whiten[view] = *w
	return nil
}

// Clone returns an independent copy of m (weights, whitening, info) with its own buffers.
func (m *Model) Clone() *Model {
	c := newModel(m.Arch, 0, m.maxN)
	src, _ := m.params()
	dst, _ := c.params()
	for i := range src {
		copy(dst[i].W, src[i].W)
	}
	c.Whiten, c.Info = m.Whiten, m.Info
	return c
}

// finite reports whether every value is finite.
func finite(xs []float32) bool {
	for _, v := range xs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}
