//go:build !js

package browsertest

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fusionlens/fusionlens/explainer/testmodel"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
)

// Weights returns the models folder the test site is built with: the shipped weights/
// folder when it holds the ground-truth autoencoder and at least two fusion networks;
// otherwise a temporary folder with what it holds plus, as needed, a small autoencoder
// and networks trained for a few steps on F3 and F1 (testmodel), so the browser tests
// always run real models end to end.
func Weights() (string, error) {
	mod, err := Root()
	if err != nil {
		return "", err
	}
	abs := filepath.Join(mod, "weights")
	fusions, ae := scan(abs)
	if len(fusions) >= 2 && ae != "" {
		return abs, nil
	}
	root, err := temp()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "weights")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, f := range append(fusions, ae) {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(abs, f))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return "", err
		}
	}
	var model *latent.Model
	if ae != "" {
		if model, err = latent.Load(filepath.Join(abs, ae)); err != nil {
			return "", err
		}
	} else {
		var b []byte
		if model, b, err = testmodel.Autoencoder(300, 3, 1); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, "autoencoder.flns"), b, 0o644); err != nil {
			return "", err
		}
	}
	for i, sc := range []string{"F3", "F1"} {
		if len(fusions)+i >= 2 {
			break
		}
		_, b, err := testmodel.Fusion(sc, model, 600, 3, 1)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, "test-"+sc+".flns"), b, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// scan lists the fusion networks and the autoencoder in dir.
func scan(dir string) (fusions []string, ae string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".flns") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		f, err := modelfile.Decode(bytes.NewReader(b))
		if err != nil {
			continue
		}
		switch f.Meta.Kind {
		case fusion.Kind, "":
			fusions = append(fusions, name)
		case latent.Kind:
			ae = name
		}
	}
	sort.Strings(fusions)
	return fusions, ae
}
