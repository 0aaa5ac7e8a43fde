package latent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/phantom"
)

// Kind is the Meta.Kind of autoencoder model files.
const Kind = "autoencoder"

// fileConfig is the Config of a model file: the architecture and two training facts
// that modelfile.Meta has no field for.
type fileConfig struct {
	Arch
	TrainImages int     `json:"train_images"`
	TrainMSE    float64 `json:"train_mse"`
}

// whitenNames returns the tensor names of view v's whitening.
func whitenNames(v phantom.View) (mean, matrix string) {
	return "whiten." + v.String() + ".mean", "whiten." + v.String() + ".matrix"
}

// File returns m as a model file (float32 tensors; see the package doc for the layout).
func (m *Model) File() *modelfile.File {
	cfg, err := json.Marshal(fileConfig{Arch: m.Arch, TrainImages: m.Info.Images, TrainMSE: m.Info.TrainMSE})
	if err != nil {
		panic("latent: marshal config: " + err.Error()) // plain struct of numbers: cannot fail
	}
	f := &modelfile.File{Config: cfg, Meta: modelfile.Meta{Kind: Kind, DataSource: m.Info.DataSource,
		Seed: m.Info.Seed, Epochs: m.Info.Epochs, Command: m.Info.Command}}
	ps, names := m.params()
	for i, p := range ps {
		f.Tensors = append(f.Tensors, modelfile.Tensor{Name: names[i], Shape: append([]int(nil), p.Shape...),
			Data: append([]float32(nil), p.W...)})
	}
	for v := range phantom.View(NumViews) {
		mean, matrix := whitenNames(v)
		w := &m.Whiten[v]
		f.Tensors = append(f.Tensors,
			modelfile.Tensor{Name: mean, Shape: []int{Dim}, Data: to32(w.Mean[:])},
			modelfile.Tensor{Name: matrix, Shape: []int{Dim, Dim}, Data: to32(w.Matrix[:])})
	}
	return f
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// FromFile builds a model from a model file, checking its kind, architecture, every
// tensor's shape and that all values are finite.
func FromFile(f *modelfile.File) (*Model, error) {
	if f.Meta.Kind != Kind {
		return nil, fmt.Errorf("latent: model file is of kind %q, want %q", f.Meta.Kind, Kind)
	}
	var cfg fileConfig
	dec := json.NewDecoder(bytes.NewReader(f.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("latent: model file config: %w", err)
	}
	if err := cfg.Arch.check(); err != nil {
		return nil, err
	}
	if cfg.TrainImages < 0 || math.IsNaN(cfg.TrainMSE) || math.IsInf(cfg.TrainMSE, 0) {
		return nil, fmt.Errorf("latent: model file config: train_images %d, train_mse %g", cfg.TrainImages, cfg.TrainMSE)
	}
	// Check every tensor before building the network, so a file cannot make us allocate
	// buffers for an architecture it does not hold.
	shapes := paramShapes(cfg.Arch)
	datas := make([][]float32, len(shapes))
	for i, shape := range shapes {
		data, err := f.Lookup(paramNames[i], shape...)
		if err != nil {
			return nil, fmt.Errorf("latent: %w", err)
		}
		if !finite(data) {
			return nil, fmt.Errorf("latent: tensor %q has non-finite values", paramNames[i])
		}
		datas[i] = data
	}
	m := newModel(cfg.Arch, 0, 0)
	ps, _ := m.params()
	for i, p := range ps {
		copy(p.W, datas[i])
	}
	for v := range phantom.View(NumViews) {
		mean, matrix := whitenNames(v)
		mu, err := f.Lookup(mean, Dim)
		if err != nil {
			return nil, fmt.Errorf("latent: %w", err)
		}
		w, err := f.Lookup(matrix, Dim, Dim)
		if err != nil {
			return nil, fmt.Errorf("latent: %w", err)
		}
		if !finite(mu) || !finite(w) {
			return nil, fmt.Errorf("latent: whitening of the %s view has non-finite values", v)
		}
		for j, x := range mu {
			m.Whiten[v].Mean[j] = float64(x)
		}
		for j, x := range w {
			m.Whiten[v].Matrix[j] = float64(x)
		}
	}
	m.Info = Info{Seed: f.Meta.Seed, Epochs: f.Meta.Epochs, Images: cfg.TrainImages, DataSource: f.Meta.DataSource,
		TrainMSE: cfg.TrainMSE, Command: f.Meta.Command}
	return m, nil
}

// Write writes m as a model file, storing tensors as opt says (modelfile.Options{} keeps
// float32, so the loaded model computes the same features bit for bit).
func (m *Model) Write(w io.Writer, opt modelfile.Options) error {
	return modelfile.Encode(w, m.File(), opt)
}

// Save writes m to path atomically, as Write.
func (m *Model) Save(path string, opt modelfile.Options) error {
	return modelfile.WriteFileAtomic(path, m.File(), opt)
}

// Read reads a model file from r.
func Read(r io.Reader) (*Model, error) {
	f, err := modelfile.Decode(r)
	if err != nil {
		return nil, err
	}
	return FromFile(f)
}

// LoadBytes reads a model file held in memory (an embedded one, or one dropped into the
// browser).
func LoadBytes(b []byte) (*Model, error) { return Read(bytes.NewReader(b)) }

// Load reads the model file at path.
func Load(path string) (*Model, error) {
	f, err := modelfile.Read(path)
	if err != nil {
		return nil, err
	}
	m, err := FromFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
