// Package weights ships the pretrained fusion networks of the eight built-in scenarios
// F0..F7 (package groundtruth) and the autoencoder that defines their ground-truth world,
// embedded in the binary so that every command and the browser work on a fresh clone.
//
// Every model was trained by cmd/train on synthetic data only: procedural CT phantoms
// (package phantom) and simulated clinical values, labelled by the scenario's decision
// function. The model card (README.md in this folder) gives each model's cohort, seed,
// epochs, test accuracy and AUC, and the command that reproduces the file.
//
// The fusion models are stored with modelfile.Compact (int8 weight matrices, per-channel
// scales), each under 300 KB; the autoencoder is stored as float32, so that the features
// it computes, and hence the ground truth, are the same wherever the file is read.
package weights

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/modelfile"
)

// AutoencoderFile is the name of the embedded ground-truth autoencoder.
const AutoencoderFile = "autoencoder.flns"

//go:embed F*.flns autoencoder.flns
var files embed.FS

// Model describes one shipped fusion network. Everything but Name, File and Size comes
// from the model file's own meta, so the index cannot drift from the files.
type Model struct {
	Name        string `json:"name"`        // the built-in scenario's full name, e.g. "F0-sum-all"
	File        string `json:"file"`        // the embedded file, e.g. "F0-sum-all.flns"
	Scenario    string `json:"scenario"`    // the built-in's short name stored in the file, e.g. "F0"
	Description string `json:"description"` // the scenario's description (groundtruth.Builtin)
	DataSource  string `json:"data_source"` // where the training images came from
	Seed        uint64 `json:"seed"`        // the training run's seed
	Epochs      int    `json:"epochs"`      // epochs run
	// TestAccuracy and TestAUC were measured by cmd/train on the held-out 20 % test split
	// of the training cohort (float32 weights, before int8 storage).
	TestAccuracy float64 `json:"test_accuracy"`
	TestAUC      float64 `json:"test_auc"`
	Size         int     `json:"size"`    // bytes of the model file
	Command      string  `json:"command"` // reproduces the file, run from the repository root
}

var index = sync.OnceValue(func() []Model {
	ms, err := buildIndex()
	if err != nil {
		// The embedded files are fixed at compile time and the package test decodes every
		// one, so this is a broken build, not a runtime condition.
		panic("weights: " + err.Error())
	}
	return ms
})

// buildIndex reads the meta of every embedded fusion model.
func buildIndex() ([]Model, error) {
	names, err := fs.Glob(files, "F*.flns")
	if err != nil {
		return nil, err
	}
	var ms []Model
	for _, file := range names {
		b, err := files.ReadFile(file)
		if err != nil {
			return nil, err
		}
		f, err := modelfile.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var short string
		if err := json.Unmarshal(f.Meta.Scenario, &short); err != nil {
			return nil, fmt.Errorf("%s: meta scenario %s is not a built-in's name: %w", file, f.Meta.Scenario, err)
		}
		sc, err := groundtruth.Builtin(short)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		ms = append(ms, Model{
			Name: strings.TrimSuffix(file, path.Ext(file)), File: file, Scenario: short,
			Description: sc.Description, DataSource: f.Meta.DataSource, Seed: f.Meta.Seed, Epochs: f.Meta.Epochs,
			TestAccuracy: f.Meta.TestAccuracy, TestAUC: f.Meta.TestAUC, Size: len(b), Command: f.Meta.Command,
		})
	}
	slices.SortFunc(ms, func(a, b Model) int { return strings.Compare(a.Name, b.Name) })
	return ms, nil
}

// List returns the shipped fusion models, in scenario order (F0 first). The first call
// decodes every embedded file's meta (a few milliseconds natively); later calls return
// copies of the same index.
func List() []Model { return slices.Clone(index()) }

// Lookup returns the model for a scenario's short name ("F3"), its full name
// ("F3-clinical") or its file name ("F3-clinical.flns").
func Lookup(name string) (Model, error) {
	for _, m := range index() {
		if name == m.Scenario || name == m.Name || name == m.File {
			return m, nil
		}
	}
	names := make([]string, 0, len(index()))
	for _, m := range index() {
		names = append(names, m.Name)
	}
	return Model{}, fmt.Errorf("weights: no shipped model %q (want one of %s, or F0..F7)", name, strings.Join(names, ", "))
}

// Open returns the bytes of a shipped model file, named as Lookup takes it. The bytes
// are a fresh copy; fusion.LoadBytes reads them.
func Open(name string) ([]byte, error) {
	m, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return files.ReadFile(m.File)
}

// Autoencoder returns the bytes of the ground-truth autoencoder the models' cohorts were
// built with (float32 model file); latent.LoadBytes reads them, and cmd/train takes the
// file itself with -autoencoder weights/autoencoder.flns.
func Autoencoder() ([]byte, error) { return files.ReadFile(AutoencoderFile) }

// IndexJSON returns the index as {"models":[...]} with the fields of Model, the shape of
// the site's models/index.json.
func IndexJSON() ([]byte, error) {
	return json.MarshalIndent(struct {
		Models []Model `json:"models"`
	}{index()}, "", "  ")
}
