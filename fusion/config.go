package fusion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/fusionlens/fusionlens/schema"
)

// Limits on a configuration, so that a model file cannot ask for an absurd network (the
// paper's is far inside them).
const (
	maxEncoders = schema.MaxImages
	maxWidth    = 4096
	maxLayers   = 32
	maxKernel   = 15
	// maxActivations bounds the values one encoder's conv stages output per image (the
	// paper's network: 33 k), and maxParams the parameter count (281 k), both checked
	// before anything is allocated, so a model file cannot make a browser tab allocate
	// gigabytes.
	maxActivations = 1 << 22
	maxParams      = 16 << 20
)

// ConvLayer is one convolution stage of an image encoder: a stride-1 KernelxKernel
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

// Encoder is one image encoder: it reads Channels x Size x Size images and maps each to
// Dense[len(Dense)-1] features through the Conv stages, a flatten, dense layers of the
// Dense widths with ReLU between them, and BatchNorm1d on the last.
type Encoder struct {
	Size     int         `json:"size"`
	Channels int         `json:"channels"`
	Conv     []ConvLayer `json:"conv"`
	Dense    []int       `json:"dense"`
}

// Features is the number of features the encoder gives per image.
func (e Encoder) Features() int { return e.Dense[len(e.Dense)-1] }

// Pixels is the number of values of one input image, Channels x Size x Size.
func (e Encoder) Pixels() int { return e.Channels * e.Size * e.Size }

// Config describes a hybrid fusion network. It is stored as JSON in model files.
//
// Schema says what the network reads and decides. Each image input k is encoded by
// Encoders[Encoder[k]]; inputs that share an encoder are encoded in one pass (in training,
// batch-norm statistics are those of all their images). The fusion vector z is the
// concatenation [enc(image 1), ..., enc(image K), tabular values] (the tabular vector of
// the schema, one-hot categoricals included); the head maps z through dense layers of the
// Head widths with ReLU between them to len(Schema.Classes) class scores, then
// log-softmax. The modalities of z are the image inputs, then the schema's groups.
type Config struct {
	Schema   schema.Schema `json:"schema"`
	Encoders []Encoder     `json:"encoders"` // 1..8 image encoders
	Encoder  []int         `json:"encoder"`  // per image input, the index of its encoder
	Head     []int         `json:"head"`     // post-fusion widths; the last is the number of classes
}

// PaperWindow is the CT window of the paper's images, W400/L50 (soft tissue).
var PaperWindow = schema.Window{Center: 50, Width: 400}

// PaperClasses are the class names of the paper's binary decision.
var PaperClasses = []string{"negative", "positive"}

// PaperConv and PaperDense are the layers of the paper's image encoder, PaperHead its
// post-fusion head.
var (
	PaperConv = []ConvLayer{
		{Out: 16, Kernel: 3},
		{Out: 16, Kernel: 3, Pool: true},
		{Out: 64, Kernel: 3},
		{Out: 64, Kernel: 3, Pad: 1, Pool: true},
	}
	PaperDense = []int{128, 128, 10}
	PaperHead  = []int{100, 50, 10, 2}
)

// DefaultConfig returns the paper's network: two 28x28 grey CT images (ct_axial,
// ct_coronal) and the twenty clinical values of package clinical in two groups of ten
// (clinical_a, clinical_b; see PaperSchema); one encoder shared by both images, conv3x3
// 1->16, 16->16, maxpool, 16->64, 64->64 (pad 1), maxpool, each conv followed by
// BatchNorm2d and ReLU, then dense 1600->128->128->10 and BatchNorm1d(10); head
// 40->100->50->10->2. About 281 k parameters.
func DefaultConfig() Config {
	c, err := NewConfig(PaperSchema(), "shared", PaperConv, PaperDense, PaperHead)
	if err != nil {
		panic("fusion: the paper's configuration is invalid: " + err.Error())
	}
	return c
}

// NewConfig returns a configuration for schema s with encoders of the given conv and dense
// layers (each encoder's first convolution reads its images' channels) and the head
// widths (the last must be len(s.Classes)). encoders is "shared" (one encoder for all
// image inputs of equal size and channels, the paper's set-up) or "separate" (one per
// input). The configuration is validated.
func NewConfig(s schema.Schema, encoders string, conv []ConvLayer, dense, head []int) (Config, error) {
	c := Config{Schema: s.Clone(), Encoder: make([]int, len(s.Images)), Head: slices.Clone(head)}
	for k, im := range s.Images {
		e := -1
		switch encoders {
		case "shared":
			for j, x := range c.Encoders {
				if x.Size == im.Size && x.Channels == im.Channels {
					e = j
				}
			}
		case "separate":
		default:
			return Config{}, fmt.Errorf("fusion: encoders %q, want \"shared\" or \"separate\"", encoders)
		}
		if e < 0 {
			e = len(c.Encoders)
			c.Encoders = append(c.Encoders, Encoder{Size: im.Size, Channels: im.Channels, Conv: slices.Clone(conv), Dense: slices.Clone(dense)})
		}
		c.Encoder[k] = e
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// clone returns a deep copy of c, so that a Net's configuration cannot change under it.
func (c Config) clone() Config {
	c.Schema = c.Schema.Clone()
	c.Encoders = slices.Clone(c.Encoders)
	for i, e := range c.Encoders {
		e.Conv = slices.Clone(e.Conv)
		e.Dense = slices.Clone(e.Dense)
		c.Encoders[i] = e
	}
	c.Encoder = slices.Clone(c.Encoder)
	c.Head = slices.Clone(c.Head)
	return c
}

// Images is the number of image inputs.
func (c Config) Images() int { return len(c.Schema.Images) }

// ImageSize is the side of the image inputs when they all have the same size (28 for the
// paper's network), else 0.
func (c Config) ImageSize() int {
	s := 0
	for i, im := range c.Schema.Images {
		if i > 0 && im.Size != s {
			return 0
		}
		s = im.Size
	}
	return s
}

// Clinical is the number of tabular values in the fusion vector (the paper's twenty
// clinical values): the schema's TabularWidth.
func (c Config) Clinical() int { return c.Schema.TabularWidth() }

// InputEncoder returns the encoder of image input k.
func (c Config) InputEncoder(k int) Encoder { return c.Encoders[c.Encoder[k]] }

// InputFeatures is the number of fusion features of image input k.
func (c Config) InputFeatures(k int) int { return c.InputEncoder(k).Features() }

// InputPixels is the number of values of one image of input k: Channels x Size x Size.
func (c Config) InputPixels(k int) int { return c.InputEncoder(k).Pixels() }

// Features is the number of encoder features per image when every image input has the same
// number (10 for the paper's network), else 0.
func (c Config) Features() int {
	f := 0
	for k := range c.Encoder {
		if k > 0 && c.InputFeatures(k) != f {
			return 0
		}
		f = c.InputFeatures(k)
	}
	return f
}

// Pixels is the number of values of one image when every image input has the same shape
// (784 for the paper's network), else 0.
func (c Config) Pixels() int {
	p := 0
	for k := range c.Encoder {
		if k > 0 && c.InputPixels(k) != p {
			return 0
		}
		p = c.InputPixels(k)
	}
	return p
}

// Dim is the length of the fusion vector: every input's features plus the tabular values.
func (c Config) Dim() int {
	d := c.Clinical()
	for k := range c.Encoder {
		d += c.InputFeatures(k)
	}
	return d
}

// Classes is the number of output classes, len(Schema.Classes).
func (c Config) Classes() int { return c.Head[len(c.Head)-1] }

// Modalities returns the blocks of the fusion vector in order: one per image input (its
// encoder's features), then one per tabular group (its width).
func (c Config) Modalities() []Modality {
	m := make([]Modality, 0, len(c.Schema.Images)+len(c.Schema.Groups))
	for k, im := range c.Schema.Images {
		m = append(m, Modality{Name: im.Name, Width: c.InputFeatures(k)})
	}
	for _, g := range c.Schema.Groups {
		m = append(m, Modality{Name: g.Name, Width: g.Width()})
	}
	return m
}

// Blocks returns each modality's [start, end) range in the fusion vector.
func (c Config) Blocks() [][2]int {
	mods := c.Modalities()
	b := make([][2]int, len(mods))
	at := 0
	for i, m := range mods {
		b[i] = [2]int{at, at + m.Width}
		at += m.Width
	}
	return b
}

// Users returns, for each encoder, the image inputs it encodes in order.
func (c Config) Users() [][]int {
	u := make([][]int, len(c.Encoders))
	for k, e := range c.Encoder {
		u[e] = append(u[e], k)
	}
	return u
}

// shape returns the per-image shape {C, H, W} after e's convolution stages, or an error
// naming the stage that does not fit.
func (e Encoder) shape() ([3]int, error) {
	ch, h := e.Channels, e.Size
	for i, l := range e.Conv {
		h = h + 2*l.Pad - l.Kernel + 1
		if h <= 0 {
			return [3]int{}, fmt.Errorf("conv[%d] (kernel %d, pad %d) leaves no pixels: input is too small", i, l.Kernel, l.Pad)
		}
		ch = l.Out
		if l.Pool {
			if h < 2 {
				return [3]int{}, fmt.Errorf("conv[%d] pools a %dx%d map (need at least 2x2)", i, h, h)
			}
			h /= 2
		}
	}
	return [3]int{ch, h, h}, nil
}

// Flat is the number of values the convolution stages give per image (1600 for the
// paper's encoder): the input width of the first dense layer.
func (e Encoder) Flat() int {
	s, err := e.shape()
	if err != nil {
		return 0
	}
	return s[0] * s[1] * s[2]
}

// Flat is Encoders[0].Flat(), the paper's 1600.
func (c Config) Flat() int { return c.Encoders[0].Flat() }

// activations is the number of values the conv stages output per image.
func (e Encoder) activations() int {
	a, h := 0, e.Size
	for _, l := range e.Conv {
		h = h + 2*l.Pad - l.Kernel + 1
		a += l.Out * h * h
		if l.Pool {
			h /= 2
		}
	}
	return a
}

// numParams is the encoder's number of trainable parameters.
func (e Encoder) numParams() int {
	p, in := 0, e.Channels
	for _, l := range e.Conv {
		p += l.Out*in*l.Kernel*l.Kernel + l.Out + 2*l.Out
		in = l.Out
	}
	in = e.Flat()
	for _, w := range e.Dense {
		p += w*in + w
		in = w
	}
	return p + 2*in
}

// NumParams is the number of trainable parameters (weights, biases, batch-norm scales
// and shifts; not the running statistics).
func (c Config) NumParams() int {
	p := 0
	for _, e := range c.Encoders {
		p += e.numParams()
	}
	in := c.Dim()
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

// validate reports the first thing wrong with e, naming it by path p.
func (e Encoder) validate(p string) error {
	if e.Size < schema.MinImageSize || e.Size > schema.MaxImageSize {
		return fmt.Errorf("fusion: config: %s.size is %d, want %d..%d", p, e.Size, schema.MinImageSize, schema.MaxImageSize)
	}
	if e.Channels != 1 && e.Channels != 3 {
		return fmt.Errorf("fusion: config: %s.channels is %d, want 1 or 3", p, e.Channels)
	}
	if len(e.Conv) > maxLayers || len(e.Dense) == 0 || len(e.Dense) > maxLayers {
		return fmt.Errorf("fusion: config: %s has %d conv and %d dense layers, want 0..%d and 1..%d",
			p, len(e.Conv), len(e.Dense), maxLayers, maxLayers)
	}
	for i, l := range e.Conv {
		if err := checkWidth(fmt.Sprintf("%s.conv[%d].out", p, i), l.Out); err != nil {
			return err
		}
		if l.Kernel < 1 || l.Kernel > maxKernel {
			return fmt.Errorf("fusion: config: %s.conv[%d].kernel is %d, want 1..%d", p, i, l.Kernel, maxKernel)
		}
		if l.Pad < 0 || l.Pad >= l.Kernel {
			return fmt.Errorf("fusion: config: %s.conv[%d].pad is %d, want 0..%d (less than the kernel)", p, i, l.Pad, l.Kernel-1)
		}
	}
	if _, err := e.shape(); err != nil {
		return fmt.Errorf("fusion: config: %s.%w", p, err)
	}
	if a := e.activations(); a > maxActivations {
		return fmt.Errorf("fusion: config: %s: the conv stages hold %d values per image, at most %d allowed", p, a, maxActivations)
	}
	for i, w := range e.Dense {
		if err := checkWidth(fmt.Sprintf("%s.dense[%d]", p, i), w); err != nil {
			return err
		}
	}
	return nil
}

// Validate reports the first thing wrong with c, naming the field.
func (c Config) Validate() error {
	if err := c.Schema.Validate(); err != nil {
		return fmt.Errorf("fusion: config: %w", err)
	}
	if len(c.Encoders) < 1 || len(c.Encoders) > maxEncoders {
		return fmt.Errorf("fusion: config: %d encoders, want 1..%d", len(c.Encoders), maxEncoders)
	}
	for i, e := range c.Encoders {
		if err := e.validate(fmt.Sprintf("encoders[%d]", i)); err != nil {
			return err
		}
	}
	if len(c.Encoder) != len(c.Schema.Images) {
		return fmt.Errorf("fusion: config: encoder lists %d image inputs, the schema has %d", len(c.Encoder), len(c.Schema.Images))
	}
	used := make([]bool, len(c.Encoders))
	for k, e := range c.Encoder {
		if e < 0 || e >= len(c.Encoders) {
			return fmt.Errorf("fusion: config: encoder[%d] is %d, want 0..%d", k, e, len(c.Encoders)-1)
		}
		used[e] = true
		im, en := c.Schema.Images[k], c.Encoders[e]
		if im.Size != en.Size || im.Channels != en.Channels {
			return fmt.Errorf("fusion: config: image input %q is %dx%d with %d channels, its encoder %d reads %dx%d with %d",
				im.Name, im.Size, im.Size, im.Channels, e, en.Size, en.Size, en.Channels)
		}
	}
	for e, u := range used {
		if !u {
			return fmt.Errorf("fusion: config: encoders[%d] encodes no image input", e)
		}
	}
	if len(c.Head) == 0 || len(c.Head) > maxLayers {
		return fmt.Errorf("fusion: config: %d head layers, want 1..%d", len(c.Head), maxLayers)
	}
	for i, w := range c.Head {
		if err := checkWidth(fmt.Sprintf("head[%d]", i), w); err != nil {
			return err
		}
	}
	if k, want := c.Classes(), len(c.Schema.Classes); k != want {
		return fmt.Errorf("fusion: config: the last head width is %d, want the schema's %d classes", k, want)
	}
	if d := c.Dim(); d > maxWidth {
		return fmt.Errorf("fusion: config: the fusion vector has %d values, at most %d allowed", d, maxWidth)
	}
	if p := c.NumParams(); p > maxParams {
		return fmt.Errorf("fusion: config: %d parameters, at most %d allowed", p, maxParams)
	}
	return nil
}

// ParseConfig reads a configuration from JSON strictly (unknown fields are errors) and
// validates it. The JSON of model files written before schemas existed (image_size,
// images, clinical, conv, dense, head, modalities) is read as a LegacyConfig and
// converted.
func ParseConfig(data []byte) (Config, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err == nil && probe != nil {
		if _, ok := probe["schema"]; !ok {
			var l LegacyConfig
			if err := decodeStrict(data, &l); err != nil {
				return Config{}, err
			}
			return l.Convert()
		}
	}
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("fusion: config: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("fusion: config: trailing data after the JSON object")
	}
	return nil
}
