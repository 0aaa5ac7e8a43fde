package fusion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Limits on a configuration, so that a model file cannot ask for an absurd network (the
// paper's is far inside them).
const (
	maxImageSize = 512
	maxImages    = 16
	maxWidth     = 4096
	maxLayers    = 32
	maxKernel    = 15
	maxNameLen   = 64
	// maxActivations bounds the values the conv stages output per image (the paper's
	// network: 33 k), and maxParams the parameter count (281 k), both checked before
	// anything is allocated, so a model file cannot make a browser tab allocate gigabytes.
	maxActivations = 1 << 20
	maxParams      = 16 << 20
)

// ConvLayer is one convolution stage of the image encoder: a stride-1 KernelxKernel
// convolution with zero padding Pad to Out channels, then BatchNorm2d and ReLU, then a
// 2x2 max-pool when Pool is set.
type ConvLayer struct {
	Out    int  `json:"out"`
	Kernel int  `json:"kernel"`
	Pad    int  `json:"pad"`
	Pool   bool `json:"pool,omitempty"`
}

// Modality names a block of the fusion vector and gives its width.
type Modality struct {
	Name  string `json:"name"`
	Width int    `json:"width"`
}

// Config describes a hybrid fusion network. It is stored as JSON in model files.
//
// The network reads Images square grey images of ImageSize x ImageSize pixels and
// Clinical tabular values. One image encoder, shared by all images, maps each image to
// Dense[len(Dense)-1] features: the Conv stages, a flatten, dense layers of the Dense
// widths with ReLU between them, and BatchNorm1d on the last. The fusion vector z is the
// concatenation [enc(image 1), ..., enc(image Images), clinical values]; the head maps it
// through dense layers of the Head widths with ReLU between them to Head[len(Head)-1] = 2
// class scores, then log-softmax. Modalities name the blocks of z in order: first one
// block per image (each the encoder's width), then the clinical blocks (summing to
// Clinical).
type Config struct {
	ImageSize  int         `json:"image_size"`
	Images     int         `json:"images"`
	Clinical   int         `json:"clinical"`
	Conv       []ConvLayer `json:"conv"`
	Dense      []int       `json:"dense"`
	Head       []int       `json:"head"`
	Modalities []Modality  `json:"modalities"`
}

// DefaultConfig returns the paper's network: two 28x28 CT images (axial, coronal) and
// twenty clinical values in two groups of ten; encoder conv3x3 1->16, 16->16, maxpool,
// 16->64, 64->64 (pad 1), maxpool, each conv followed by BatchNorm2d and ReLU, then dense
// 1600->128->128->10 and BatchNorm1d(10); head 40->100->50->10->2. About 281 k parameters.
func DefaultConfig() Config {
	return Config{
		ImageSize: 28,
		Images:    2,
		Clinical:  20,
		Conv: []ConvLayer{
			{Out: 16, Kernel: 3},
			{Out: 16, Kernel: 3, Pool: true},
			{Out: 64, Kernel: 3},
			{Out: 64, Kernel: 3, Pad: 1, Pool: true},
		},
		Dense: []int{128, 128, 10},
		Head:  []int{100, 50, 10, 2},

		// The paper's modalities, from package modality.
		Modalities: defaultModalities(),
	}
}

// clone returns a deep copy of c, so that a Net's configuration cannot change under it.
func (c Config) clone() Config {
	c.Conv = slices.Clone(c.Conv)
	c.Dense = slices.Clone(c.Dense)
	c.Head = slices.Clone(c.Head)
	c.Modalities = slices.Clone(c.Modalities)
	return c
}

// Features is the number of encoder features per image.
func (c Config) Features() int { return c.Dense[len(c.Dense)-1] }

// Dim is the length of the fusion vector: Images*Features() + Clinical.
func (c Config) Dim() int { return c.Images*c.Features() + c.Clinical }

// Pixels is the number of values in one image, ImageSize².
func (c Config) Pixels() int { return c.ImageSize * c.ImageSize }

// Classes is the number of output classes (2).
func (c Config) Classes() int { return c.Head[len(c.Head)-1] }

// Blocks returns each modality's [start, end) range in the fusion vector.
func (c Config) Blocks() [][2]int {
	b := make([][2]int, len(c.Modalities))
	at := 0
	for i, m := range c.Modalities {
		b[i] = [2]int{at, at + m.Width}
		at += m.Width
	}
	return b
}

// encoderShape returns the per-image shape {C, H, W} after the convolution stages, or an
// error naming the stage that does not fit.
func (c Config) encoderShape() ([3]int, error) {
	ch, h := 1, c.ImageSize
	for i, l := range c.Conv {
		h = h + 2*l.Pad - l.Kernel + 1
		if h <= 0 {
			return [3]int{}, fmt.Errorf("fusion: config: conv[%d] (kernel %d, pad %d) leaves no pixels: input is too small", i, l.Kernel, l.Pad)
		}
		ch = l.Out
		if l.Pool {
			if h < 2 {
				return [3]int{}, fmt.Errorf("fusion: config: conv[%d] pools a %dx%d map (need at least 2x2)", i, h, h)
			}
			h /= 2
		}
	}
	return [3]int{ch, h, h}, nil
}

// Flat is the number of values the convolution stages give per image (1600 for the
// paper's network): the input width of the first encoder dense layer.
func (c Config) Flat() int {
	s, err := c.encoderShape()
	if err != nil {
		return 0
	}
	return s[0] * s[1] * s[2]
}

// activations is the number of values the conv stages output per image (a measure of
// the memory a batch needs).
func (c Config) activations() int {
	a, h := 0, c.ImageSize
	for _, l := range c.Conv {
		h = h + 2*l.Pad - l.Kernel + 1
		a += l.Out * h * h
		if l.Pool {
			h /= 2
		}
	}
	return a
}

// NumParams is the number of trainable parameters (weights, biases, batch-norm scales
// and shifts; not the running statistics).
func (c Config) NumParams() int {
	p, in := 0, 1
	for _, l := range c.Conv {
		p += l.Out*in*l.Kernel*l.Kernel + l.Out + 2*l.Out
		in = l.Out
	}
	in = c.Flat()
	for _, w := range c.Dense {
		p += w*in + w
		in = w
	}
	p += 2 * in
	in = c.Images*in + c.Clinical
	for _, w := range c.Head {
		p += w*in + w
		in = w
	}
	return p
}

func checkWidth(what string, w int) error {
	if w <= 0 || w > maxWidth {
		return fmt.Errorf("fusion: config: %s is %d, want 1..%d", what, w, maxWidth)
	}
	return nil
}

// Validate reports the first thing wrong with c, naming the field.
func (c Config) Validate() error {
	if c.ImageSize < 2 || c.ImageSize > maxImageSize {
		return fmt.Errorf("fusion: config: image_size is %d, want 2..%d", c.ImageSize, maxImageSize)
	}
	if c.Images < 1 || c.Images > maxImages {
		return fmt.Errorf("fusion: config: images is %d, want 1..%d", c.Images, maxImages)
	}
	if c.Clinical < 0 || c.Clinical > maxWidth {
		return fmt.Errorf("fusion: config: clinical is %d, want 0..%d", c.Clinical, maxWidth)
	}
	if len(c.Conv) > maxLayers || len(c.Dense) == 0 || len(c.Dense) > maxLayers || len(c.Head) == 0 || len(c.Head) > maxLayers {
		return fmt.Errorf("fusion: config: %d conv, %d dense and %d head layers, want 0..%d, 1..%d and 1..%d",
			len(c.Conv), len(c.Dense), len(c.Head), maxLayers, maxLayers, maxLayers)
	}
	for i, l := range c.Conv {
		if err := checkWidth(fmt.Sprintf("conv[%d].out", i), l.Out); err != nil {
			return err
		}
		if l.Kernel < 1 || l.Kernel > maxKernel {
			return fmt.Errorf("fusion: config: conv[%d].kernel is %d, want 1..%d", i, l.Kernel, maxKernel)
		}
		if l.Pad < 0 || l.Pad >= l.Kernel {
			return fmt.Errorf("fusion: config: conv[%d].pad is %d, want 0..%d (less than the kernel)", i, l.Pad, l.Kernel-1)
		}
	}
	if _, err := c.encoderShape(); err != nil {
		return err
	}
	if a := c.activations(); a > maxActivations {
		return fmt.Errorf("fusion: config: the conv stages hold %d values per image, at most %d allowed", a, maxActivations)
	}
	for i, w := range c.Dense {
		if err := checkWidth(fmt.Sprintf("dense[%d]", i), w); err != nil {
			return err
		}
	}
	for i, w := range c.Head {
		if err := checkWidth(fmt.Sprintf("head[%d]", i), w); err != nil {
			return err
		}
	}
	if p := c.NumParams(); p > maxParams {
		return fmt.Errorf("fusion: config: %d parameters, at most %d allowed", p, maxParams)
	}
	if k := c.Classes(); k != 2 {
		return fmt.Errorf("fusion: config: the last head width is %d classes, want 2 (a binary decision)", k)
	}
	if len(c.Modalities) < c.Images {
		return fmt.Errorf("fusion: config: %d modalities, want one per image (%d) and then the clinical groups", len(c.Modalities), c.Images)
	}
	names := make(map[string]bool, len(c.Modalities))
	clin := 0
	for i, m := range c.Modalities {
		if m.Name == "" || len(m.Name) > maxNameLen || strings.ContainsFunc(m.Name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return fmt.Errorf("fusion: config: modalities[%d].name %q: want 1..%d printable bytes", i, m.Name, maxNameLen)
		}
		if names[m.Name] {
			return fmt.Errorf("fusion: config: modalities[%d].name %q is used twice", i, m.Name)
		}
		names[m.Name] = true
		if i < c.Images {
			if m.Width != c.Features() {
				return fmt.Errorf("fusion: config: image modality %q has width %d, want the encoder's %d features", m.Name, m.Width, c.Features())
			}
			continue
		}
		if m.Width <= 0 {
			return fmt.Errorf("fusion: config: clinical modality %q has width %d, want at least 1", m.Name, m.Width)
		}
		clin += m.Width
	}
	if clin != c.Clinical {
		return fmt.Errorf("fusion: config: clinical modalities cover %d values, want clinical = %d", clin, c.Clinical)
	}
	return nil
}

// ParseConfig reads a configuration from JSON strictly (unknown fields are errors) and
// validates it.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("fusion: config: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return Config{}, fmt.Errorf("fusion: config: trailing data after the JSON object")
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
