package validation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/limitread"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
)

// ModelScenario is groundtruth.ModelScenario.
func ModelScenario(raw json.RawMessage) (*groundtruth.Scenario, error) {
	return groundtruth.ModelScenario(raw)
}

// SameScenario reports whether a and b define the same decision function, cohort size
// and seed: whether their scenario files, written canonically, are equal.
func SameScenario(a, b *groundtruth.Scenario) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ja, jb), nil
}

// matchModel returns the first model trained for sc, or nil.
func matchModel(sc *groundtruth.Scenario, models []Model) (*Model, error) {
	for i := range models {
		ms, err := ModelScenario(models[i].Meta.Scenario)
		if err != nil {
			continue // LoadModels keeps only models whose scenario reads
		}
		same, err := SameScenario(sc, ms)
		if err != nil {
			return nil, err
		}
		if same {
			return &models[i], nil
		}
	}
	return nil, nil
}

// Folder is what LoadModels found in a folder of model files.
type Folder struct {
	// Models are the fusion networks whose meta names a readable scenario.
	Models []Model
	// Autoencoder is the folder's ground-truth autoencoder (a model file of kind
	// "autoencoder"), or nil. The networks' cohorts were built with it, so Run should use
	// it for them.
	Autoencoder     *latent.Model
	AutoencoderPath string
	// Skipped lists the files passed over, each with the reason.
	Skipped []string
}

// LoadModels reads every model file in dir (names ending in .flns or .safetensors): the
// fusion networks whose meta names a scenario, and at most one autoencoder. Fusion
// networks without a readable scenario and models of other kinds are skipped and listed
// with the reason; a file that does not load is an error, as is a second autoencoder.
func LoadModels(dir string) (*Folder, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".flns") || strings.HasSuffix(n, ".safetensors")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := &Folder{}
	for _, n := range names {
		path := filepath.Join(dir, n)
		b, err := limitread.File(path, fusion.MaxFileBytes)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(n, ".flns") {
			// The autoencoder shares the format; other kinds are passed over.
			f, err := modelfile.Decode(bytes.NewReader(b))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			switch f.Meta.Kind {
			case "", fusion.Kind:
			case latent.Kind:
				if out.Autoencoder != nil {
					return nil, fmt.Errorf("%s: a second autoencoder in %s (the first is %s)", path, dir, out.AutoencoderPath)
				}
				if out.Autoencoder, err = latent.FromFile(f); err != nil {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
				out.AutoencoderPath = path
				continue
			default:
				out.Skipped = append(out.Skipped, fmt.Sprintf("%s: a %q model, not a fusion network", path, f.Meta.Kind))
				continue
			}
		}
		net, meta, err := fusion.LoadBytes(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if _, err := ModelScenario(meta.Scenario); err != nil {
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		sum := sha256.Sum256(b)
		out.Models = append(out.Models, Model{Net: net, Meta: meta, Source: path, SHA256: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

// commandN returns the cohort size a cmd/train command line asked for with -n (0 when
// it did not or the value is not a valid size, meaning the scenario's size), so that a model's cohort is drawn again
// exactly and its test cases stay held out.
func commandN(cmd string) int {
	f := strings.Fields(cmd)
	for i, a := range f {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		v, ok := strings.CutPrefix(a, "n=")
		if !ok && a == "n" && i+1 < len(f) {
			v, ok = f[i+1], true
		}
		if ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 2 {
				return n
			}
			return 0
		}
	}
	return 0
}

// saveModel writes a network trained by Run for sc into dir as fusion-<name>.flns, with
// meta that Run and cmd/explain read back: the scenario (a built-in's short name, else the
// full scenario object), the seed, and the cmd/train command that trains the same network.
// It returns the path.
func saveModel(dir string, net *fusion.Net, sc *groundtruth.Scenario, source string, c *cohort.Cohort, res *ScenarioResult, n, epochs int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name, raw := sc.Name, json.RawMessage(nil)
	if b, err := groundtruth.Builtin(sc.Name); err == nil {
		if same, _ := SameScenario(b, sc); same {
			short, _, _ := strings.Cut(sc.Name, "-")
			name = short
			raw, _ = json.Marshal(short)
		}
	}
	if raw == nil {
		var err error
		if raw, err = json.Marshal(sc); err != nil {
			return "", err
		}
	}
	// The cmd/train command that trains the same network (same cohort, split, initial
	// weights and shuffling, with the default autoencoder); Run reads -n back from it.
	scArg := name
	if source != "built-in" && source != "" {
		scArg = source
	}
	cmd := fmt.Sprintf("go run ./cmd/train -scenario %s -seed %d -epochs %d", scArg, res.Model.Seed, epochs)
	if n > 0 {
		cmd += fmt.Sprintf(" -n %d", n)
	}
	meta := modelfile.Meta{Scenario: raw, DataSource: c.Source, Seed: res.Model.Seed, Epochs: res.Model.Epochs,
		TestAccuracy: res.Test.Accuracy, Command: cmd}
	if res.Test.AUC != nil {
		meta.TestAUC = *res.Test.AUC
	}
	path := filepath.Join(dir, "fusion-"+safeName(name)+".flns")
	if err := fusion.Save(path, net, meta, modelfile.Options{}); err != nil {
		return "", err
	}
	return path, nil
}

// safeName makes a scenario name usable as a file name.
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
