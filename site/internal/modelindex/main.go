// Command modelindex prepares the shipped models for the site (build.sh runs it): it reads
// every model file in a weights folder, copies the fusion networks and the ground-truth
// autoencoder into the site's models/ folder with validation.json, and writes
// models/index.json, the list the page's model select shows:
//
//	{"models":[{"file":"F0-sum-all.flns","name":"F0-sum-all · 97.1 %",
//	            "reference":"F0-sum-all.flns.ref"}, ...],
//	 "autoencoder":"autoencoder.flns"}
//
// Beside each fusion network of the paper's layout it writes its reference file: the
// fusion vectors of the explainer's default reference cohort (explainer.ReferenceFile),
// which the page then need not encode itself.
//
// Fusion networks come first in file-name order; a file that is neither is left out with
// a note, and one that does not decode stops the build.
//
//	go run ./site/internal/modelindex -weights weights -out dist/models
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fusionlens/fusionlens/explainer"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
)

// Index is models/index.json.
type Index struct {
	Models      []Entry `json:"models"`
	Autoencoder string  `json:"autoencoder,omitempty"`
}

// Entry is one shipped fusion network.
type Entry struct {
	File string `json:"file"`
	Name string `json:"name"`
	// Reference is the model's reference file, "" for layouts with no reference cohort.
	Reference string `json:"reference,omitempty"`
}

func main() {
	weights := flag.String("weights", "weights", "folder of shipped model files")
	out := flag.String("out", "dist/models", "the site's models folder (created)")
	flag.Parse()
	idx, err := run(*weights, *out, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "modelindex:", err)
		os.Exit(1)
	}
	fmt.Printf("models: %d fusion networks, autoencoder %q\n", len(idx.Models), idx.Autoencoder)
}

func run(weights, out string, log io.Writer) (*Index, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	idx := &Index{Models: []Entry{}}
	entries, err := os.ReadDir(weights)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(weights, name)
		switch {
		case name == "validation.json":
			if err := copyFile(path, filepath.Join(out, name)); err != nil {
				return nil, err
			}
			continue
		case !strings.HasSuffix(name, ".flns") && !strings.HasSuffix(name, ".safetensors"):
			continue // sources, docs and other files stay out of the site
		}
		data, err := limitread.File(path, fusion.MaxFileBytes)
		if err != nil {
			return nil, err
		}
		kind, label, err := describe(name, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch kind {
		case fusion.Kind:
			ref, err := writeReference(name, data, out)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			idx.Models = append(idx.Models, Entry{File: name, Name: label, Reference: ref})
		case latent.Kind:
			if idx.Autoencoder != "" {
				return nil, fmt.Errorf("%s: a second ground-truth autoencoder (the first is %s)", path, idx.Autoencoder)
			}
			idx.Autoencoder = name
		default:
			fmt.Fprintf(log, "modelindex: %s holds %q, neither a fusion network nor the autoencoder; not shipped\n", path, kind)
			continue
		}
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	return idx, os.WriteFile(filepath.Join(out, "index.json"), append(b, '\n'), 0o644)
}

// describe returns what a model file holds and, for fusion networks, the label the page
// shows: the scenario it was trained for and its test accuracy.
func describe(name string, data []byte) (kind, label string, err error) {
	var f *modelfile.File
	if bytes.HasPrefix(data, []byte("FLNS")) {
		f, err = modelfile.Decode(bytes.NewReader(data))
	} else {
		f, err = modelfile.DecodeSafetensors(bytes.NewReader(data))
	}
	if err != nil {
		return "", "", err
	}
	kind = f.Meta.Kind
	if kind == "" {
		kind = fusion.Kind // a PyTorch state_dict: FromFile reads it as the paper's network
	}
	if kind != fusion.Kind {
		return kind, "", nil
	}
	if _, err := fusion.FromFile(f, 1); err != nil {
		return "", "", err
	}
	label = strings.TrimSuffix(name, filepath.Ext(name))
	var sc string
	if json.Unmarshal(f.Meta.Scenario, &sc) == nil && sc != "" && !strings.HasPrefix(label, sc) {
		label = sc + ": " + label
	}
	if f.Meta.TestAccuracy > 0 {
		label += fmt.Sprintf(" · %.1f %%", 100*f.Meta.TestAccuracy)
	}
	return kind, label, nil
}

// writeReference writes the reference file of the model file data (named name) into out
// and returns its name, "" when the model's layout has no reference cohort.
func writeReference(name string, data []byte, out string) (string, error) {
	e, err := explainer.Open(name, data, explainer.Options{})
	if err != nil {
		return "", err
	}
	if !e.Offers().Reference {
		return "", nil
	}
	if err := e.Prepare(nil); err != nil {
		return "", fmt.Errorf("encoding the reference cohort: %w", err)
	}
	b, err := e.ReferenceFile()
	if err != nil {
		return "", err
	}
	ref := name + ".ref"
	return ref, os.WriteFile(filepath.Join(out, ref), b, 0o644)
}

func copyFile(from, to string) error {
	b, err := limitread.File(from, fusion.MaxFileBytes)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
