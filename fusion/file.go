package fusion

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/modelfile"
)

// Kind is the modelfile.Meta.Kind of fusion network files.
const Kind = "fusion"

// File returns the network as a model file: its configuration as JSON, meta (with Kind
// set to "fusion"), and a copy of every tensor under its PyTorch state_dict name, batch-
// norm running statistics included.
func (m *Net) File(meta modelfile.Meta) *modelfile.File {
	cfg, err := json.Marshal(m.cfg)
	if err != nil {
		panic("fusion: marshalling a Config cannot fail: " + err.Error())
	}
	meta.Kind = Kind
	f := &modelfile.File{Config: cfg, Meta: meta, Tensors: make([]modelfile.Tensor, len(m.s.refs))}
	for i, r := range m.s.refs {
		f.Tensors[i] = modelfile.Tensor{Name: r.name, Shape: slices.Clone(r.shape), Data: slices.Clone(r.data())}
	}
	return f
}

// TensorNames returns the names of the network's tensors in file order, e.g.
// "encoder.0.weight", "encoder.1.running_mean", "head.6.bias" (one encoder), or
// "encoders.1.0.weight" (encoder 1 of several; see the package doc).
func (m *Net) TensorNames() []string {
	names := make([]string, len(m.s.refs))
	for i, r := range m.s.refs {
		names[i] = r.name
	}
	return names
}

// FromFile builds a network from a model file with buffers for batches of up to maxBatch
// cases, in inference mode. A file without a configuration (a state_dict saved from
// PyTorch) is read with DefaultConfig. Every tensor the configuration needs must be
// present with its shape and with values a trained network holds (finite, running
// variances >= 0, magnitudes within MaxAbsWeight, MaxAbsRunningMean and MaxRunningVar);
// PyTorch's batch-norm counters ("*.num_batches_tracked") are ignored and any other
// tensor is an error. A plain case is then run through the network: weights that turn it
// into NaN or infinities give an *ActivationError naming the layer.
func FromFile(f *modelfile.File, maxBatch int) (*Net, error) {
	if f == nil {
		return nil, fmt.Errorf("fusion: nil model file")
	}
	if f.Meta.Kind != "" && f.Meta.Kind != Kind {
		return nil, fmt.Errorf("fusion: the model file holds a %q model, not a %q network", f.Meta.Kind, Kind)
	}
	cfg := DefaultConfig()
	if len(f.Config) > 0 {
		var err error
		if cfg, err = ParseConfig(f.Config); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if maxBatch < 1 {
		return nil, fmt.Errorf("fusion: maximum batch %d, want at least 1", maxBatch)
	}
	// Every tensor is the file's (matchTensors): build without drawing initial weights.
	m := newNet(cfg, maxBatch, buildStack(cfg, maxBatch, nil))
	if err := matchTensors(cfg, m.s.refs, f.Tensors); err != nil {
		return nil, err
	}
	for _, r := range m.s.refs {
		data, _ := f.Lookup(r.name, r.shape...)
		if err := copyValues(r, r.data(), data); err != nil {
			return nil, err
		}
	}
	m.SetTraining(false)
	if err := m.probe(); err != nil {
		return nil, err
	}
	return m, nil
}

// maxListed bounds the tensors of each kind a mismatch error names.
const maxListed = 8

// matchTensors reports every difference between the tensors the configuration needs
// (refs) and those of a file: missing ones, ones of another shape, and ones it does not
// use (PyTorch's "*.num_batches_tracked" counters are allowed). The error names the
// configuration, the numbers expected and found, and the tensors of each kind.
func matchTensors(cfg Config, refs []tensorRef, tensors []modelfile.Tensor) error {
	have := make(map[string][]int, len(tensors))
	for _, t := range tensors {
		have[t.Name] = t.Shape
	}
	var missing, shaped, extra []string
	want := make(map[string]bool, len(refs))
	for _, r := range refs {
		want[r.name] = true
		sh, ok := have[r.name]
		switch {
		case !ok:
			missing = append(missing, fmt.Sprintf("%s %v", r.name, r.shape))
		case !slices.Equal(sh, r.shape):
			shaped = append(shaped, fmt.Sprintf("%s is %v, want %v", r.name, sh, r.shape))
		}
	}
	found := 0
	for _, t := range tensors {
		if strings.HasSuffix(t.Name, ".num_batches_tracked") && !want[t.Name] {
			continue
		}
		found++
		if !want[t.Name] {
			extra = append(extra, fmt.Sprintf("%s %v", t.Name, t.Shape))
		}
	}
	if len(missing)+len(shaped)+len(extra) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fusion: the model file's tensors do not match its configuration (%s): expected %d tensors, found %d",
		describe(cfg), len(refs), found)
	list := func(what string, v []string) {
		if len(v) == 0 {
			return
		}
		fmt.Fprintf(&b, "; %s (%d): %s", what, len(v), strings.Join(v[:min(len(v), maxListed)], ", "))
		if len(v) > maxListed {
			fmt.Fprintf(&b, ", and %d more", len(v)-maxListed)
		}
	}
	list("missing", missing)
	list("wrong shape", shaped)
	list("not used by the configuration", extra)
	return errors.New(b.String())
}

// describe summarises a configuration for an error: its image inputs, encoders, tabular
// width and classes.
func describe(c Config) string {
	var ims []string
	for k, im := range c.Schema.Images {
		ims = append(ims, fmt.Sprintf("%s %dx%dx%d by encoder %d", im.Name, im.Channels, im.Size, im.Size, c.Encoder[k]))
	}
	return fmt.Sprintf("images %s; %d tabular values; %d classes; head %v", strings.Join(ims, ", "), c.Clinical(), c.Classes(), c.Head)
}

// Save writes the network to path as a model file (write-then-rename, so path never holds
// a half-written file). opt chooses the storage: the zero Options keep float32,
// modelfile.Compact stores weight matrices as int8 (under 300 KB for the paper's
// network).
func Save(path string, m *Net, meta modelfile.Meta, opt modelfile.Options) error {
	return modelfile.WriteFileAtomic(path, m.File(meta), opt)
}

// SaveSafetensors writes the network to path as float32 safetensors for PyTorch (module
// in the package doc), with the configuration and meta in its metadata.
func SaveSafetensors(path string, m *Net, meta modelfile.Meta) error {
	return modelfile.WriteSafetensorsAtomic(path, m.File(meta), modelfile.Float32)
}

// MaxFileBytes bounds the model files Load reads: 64 MiB, about sixty times the paper's
// network as float32. The size is checked before the file is read.
const MaxFileBytes = 64 << 20

// Load reads a network from a model file or a safetensors file (see LoadBytes) of at most
// MaxFileBytes.
func Load(path string) (*Net, modelfile.Meta, error) {
	b, err := limitread.File(path, MaxFileBytes)
	if err != nil {
		return nil, modelfile.Meta{}, err
	}
	m, meta, err := LoadBytes(b)
	if err != nil {
		return nil, meta, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}

// LoadBytes reads a network from the bytes of a fusionlens model file (they start with
// "FLNS") or of a safetensors file, within modelfile.DefaultLimits; other data (a PNG, an
// npz, text) give an error wrapping modelfile.ErrNotModel that says what they look like. The network has
// buffers for batches of one case and is in inference mode; Clone gives larger batches.
// It touches no file system (the browser uses it).
func LoadBytes(b []byte) (*Net, modelfile.Meta, error) {
	var f *modelfile.File
	var err error
	switch modelfile.Sniff(b) {
	case modelfile.SniffModel:
		f, err = modelfile.Decode(bytes.NewReader(b))
	case modelfile.SniffSafetensors:
		f, err = modelfile.DecodeSafetensors(bytes.NewReader(b))
	default:
		err = modelfile.NotModelError(b)
	}
	if err != nil {
		return nil, modelfile.Meta{}, err
	}
	m, err := FromFile(f, 1)
	return m, f.Meta, err
}
