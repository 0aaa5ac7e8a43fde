// Command export converts a fusion network between fusionlens model files (.flns) and
// safetensors (for PyTorch: python/fusionlens_torch, python/train.py), in both
// directions, and says what changes.
//
//	go run ./cmd/export -in model.flns -out model.safetensors
//	go run ./cmd/export -in model.safetensors -out model.flns [-precision int8]
//
// The output's format follows its extension: .safetensors (float32, or float16 with
// -precision float16), anything else a fusionlens model file (float32 by default;
// -precision int8 stores large weight matrices as int8 as modelfile.Compact does, float16
// as half precision). The input's format is read from its first bytes. The network is
// checked against its configuration first (every tensor present with its shape, none
// extra), so what is written opens in the page and in cmd/explain. The configuration
// (schema included) and the training record (meta) are kept. Values stored as int8 or
// float16 (or bfloat16, float64) become float32: the values written are those the file
// held, no precision comes back. PyTorch's batch-norm counters (num_batches_tracked) are
// dropped: fusionlens keeps none, and fusionlens_torch restores them on loading.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(out)
	in := fs.String("in", "", "the model to read: a fusionlens model file or safetensors")
	to := fs.String("out", "", "the file to write: .safetensors for PyTorch, else a fusionlens model file")
	prec := fs.String("precision", "float32", "storage of the output: float32, float16, or int8 (model files only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *to == "" || fs.NArg() > 0 {
		return errors.New("usage: export -in MODEL -out FILE [-precision float32|float16|int8]")
	}
	toST := strings.EqualFold(filepath.Ext(*to), ".safetensors")
	opt, err := options(*prec, toST)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	f, kind, stored, err := decode(b)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	m, err := fusion.FromFile(f, 1)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	fmt.Fprintf(out, "read %s: %s, %d tensors (%s)\n", *in, kind, len(f.Tensors), counts(stored))
	legacy := len(f.Config) > 0 && !hasKey(f.Config, "schema")
	switch {
	case len(f.Config) == 0:
		fmt.Fprintln(out, "  no configuration in the file: read as the paper's network (fusion.DefaultConfig)")
	case legacy:
		fmt.Fprintln(out, "  the configuration has the form before schemas: written with the paper's schema")
	}
	outFile := m.File(f.Meta)
	var changes []string
	for d, n := range stored {
		if d != "float32" {
			changes = append(changes, fmt.Sprintf("%d tensor(s) stored as %s become float32 (the values the file held; no precision comes back)", n, d))
		}
	}
	slices.Sort(changes)
	if dropped := len(f.Tensors) - len(outFile.Tensors); dropped > 0 {
		changes = append(changes, fmt.Sprintf("%d PyTorch batch-norm counter(s) (num_batches_tracked) dropped", dropped))
	}
	outKind := "fusionlens model file"
	if toST {
		outKind = "safetensors"
		err = modelfile.WriteSafetensorsAtomic(*to, outFile, opt.Precision)
	} else {
		err = modelfile.WriteFileAtomic(*to, outFile, opt)
	}
	if err != nil {
		return err
	}
	if opt.Precision != modelfile.Float32 {
		what := "weight matrices and kernels of 1024 or more values"
		if toST {
			what = "every tensor"
		}
		changes = append(changes, fmt.Sprintf("%s stored as %v in the output", what, opt.Precision))
	}
	fmt.Fprintf(out, "wrote %s: %s, %d tensors; configuration (schema: %s) and meta kept\n", *to, outKind, len(outFile.Tensors),
		strings.Join(m.Schema().Modalities(), ", "))
	if len(changes) == 0 {
		changes = []string{"nothing: every value is as it was"}
	}
	fmt.Fprintf(out, "changes: %s\n", strings.Join(changes, "; "))
	return nil
}

// options returns the storage options of -precision for the output format.
func options(p string, toST bool) (modelfile.Options, error) {
	switch p {
	case "float32":
		return modelfile.Options{}, nil
	case "float16":
		return modelfile.Options{Precision: modelfile.Float16, Small: modelfile.Float16}, nil
	case "int8":
		if toST {
			return modelfile.Options{}, errors.New("-precision int8: safetensors are written as float32 or float16")
		}
		return modelfile.Compact, nil
	}
	return modelfile.Options{}, fmt.Errorf("-precision %q: want float32, float16 or int8", p)
}

// decode reads a fusionlens model file (it starts with "FLNS") or safetensors, and
// counts the tensors by stored type.
func decode(b []byte) (*modelfile.File, string, map[string]int, error) {
	stored := map[string]int{}
	if bytes.HasPrefix(b, []byte("FLNS")) {
		f, err := modelfile.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, "", nil, err
		}
		for _, p := range f.Stored {
			stored[p.String()]++
		}
		return f, "fusionlens model file", stored, nil
	}
	f, err := modelfile.DecodeSafetensors(bytes.NewReader(b))
	if err != nil {
		return nil, "", nil, err
	}
	dtypes, err := safetensorsDtypes(b)
	if err != nil {
		return nil, "", nil, err
	}
	for _, d := range dtypes {
		stored[stDtypeName(d)]++
	}
	return f, "safetensors", stored, nil
}

// stDtypeName names a safetensors dtype as this command reports storage.
func stDtypeName(d string) string {
	switch d {
	case "F32":
		return "float32"
	case "F16":
		return "float16"
	case "BF16":
		return "bfloat16"
	case "F64":
		return "float64"
	}
	return strings.ToLower(d)
}

// maxHeader bounds the safetensors header this command reads (modelfile's own limit
// applies first).
const maxHeader = 100 << 20

// safetensorsDtypes returns the dtype of each tensor of a safetensors file's header.
func safetensorsDtypes(b []byte) (map[string]string, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("safetensors of %d bytes: the header length alone is 8", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors header of %d bytes in a %d-byte file", n, len(b))
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &h); err != nil {
		return nil, fmt.Errorf("safetensors header: %w", err)
	}
	out := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if name == "__metadata__" {
			continue
		}
		var e struct{ Dtype string }
		if err := json.Unmarshal(h[name], &e); err != nil {
			return nil, fmt.Errorf("safetensors header: tensor %q: %w", name, err)
		}
		out[name] = e.Dtype
	}
	return out, nil
}

// counts lists stored-type counts, e.g. "18 float32, 6 int8".
func counts(stored map[string]int) string {
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(stored)) {
		parts = append(parts, fmt.Sprintf("%d %s", stored[d], d))
	}
	return strings.Join(parts, ", ")
}

// hasKey reports whether the JSON object raw has the key.
func hasKey(raw json.RawMessage, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}
