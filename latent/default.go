package latent

import (
	"sync"

	"github.com/fusionlens/fusionlens/phantom"
)

// The default autoencoder's recipe: DefaultPerView phantoms of each view drawn with
// phantom.Dataset from DefaultDataSeed, trained with DefaultOptions.
const (
	DefaultPerView  = 3000
	DefaultDataSeed = 0x61757465 // "aute"
)

// DefaultOptions returns the options of the default autoencoder (without Views, which
// TrainDefault sets).
func DefaultOptions() Options {
	return Options{Arch: DefaultArch, Epochs: 6, Batch: 64, LR: 2e-3, Seed: 1, DataSource: phantom.Provenance}
}

// DefaultImages returns the default autoencoder's training images: DefaultPerView axial
// phantoms, then as many coronal ones, and the view of each.
func DefaultImages() ([]float32, []phantom.View) {
	ax, _ := phantom.Dataset(DefaultPerView, DefaultDataSeed, phantom.Axial)
	co, _ := phantom.Dataset(DefaultPerView, DefaultDataSeed, phantom.Coronal)
	views := make([]phantom.View, 2*DefaultPerView)
	for i := DefaultPerView; i < len(views); i++ {
		views[i] = phantom.Coronal
	}
	return append(ax, co...), views
}

// TrainDefault trains the default autoencoder from scratch (about ten seconds on two
// cores): the same model on every run of one machine (see Determinism in the package
// doc).
func TrainDefault() (*Model, *Report, error) {
	imgs, views := DefaultImages()
	opt := DefaultOptions()
	opt.Views = views
	m, rep, err := Train(imgs, len(views), opt)
	if err != nil {
		return nil, nil, err
	}
	m.Info.Command = "latent.TrainDefault()"
	return m, rep, nil
}

var (
	defaultOnce sync.Once
	defaultM    *Model
	defaultErr  error
)

// defaultModel trains the default autoencoder once. A function, not a package-level
// sync.OnceValues closure, so programs that import latent without calling Default (the
// browser's check worker) do not link the training code.
func defaultModel() (*Model, error) {
	defaultOnce.Do(func() { defaultM, _, defaultErr = TrainDefault() })
	return defaultM, defaultErr
}

// Default returns a copy of the default autoencoder, trained by TrainDefault on first
// use and kept for the life of the process. Each call returns its own copy, so callers
// may use theirs concurrently.
func Default() (*Model, error) {
	m, err := defaultModel()
	if err != nil {
		return nil, err
	}
	return m.Clone(), nil
}
