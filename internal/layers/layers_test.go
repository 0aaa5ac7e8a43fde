package layers

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// house is ARCHITECTURE.md's order, from the bottom up: a package may import only
// packages listed before it. A new package goes into this table and into
// ARCHITECTURE.md, at the place its imports and importers allow.
var house = []struct {
	floor string
	pkgs  []string
}{
	{"tests", []string{"internal/testtool", "internal/layers"}},
	{"conventions", []string{"modality", "internal/quote", "internal/limitread", "internal/rank"}},
	{"inputs", []string{"npz", "phantom/examples", "phantom", "ctimage", "medmnist", "clinical", "schema", "casefile", "radiomics", "pca"}},
	{"core", []string{"nn"}},
	{"network", []string{"modelfile/zstd", "modelfile", "fusion"}},
	{"truth", []string{"groundtruth", "latent", "internal/fixture", "internal/badinput", "cohort"}},
	{"out", []string{"importance", "validation", "validation/figure", "architecture", "engine", "explainer",
		"explainer/truthcheck", "explainer/cases", "explainer/internal/scenariotable", "explainer/testmodel"}},
	{"shipped", []string{"weights"}},
	{"browser", []string{"site/imagefile", "site", "site/internal/vuguhelper", "site/internal/droplog", "site/internal/modelindex", "site/internal/examplecases",
		"internal/browsertest", "wasm/check", "wasm"}},
	{"commands", []string{"cmd/internal/trainflags", "cmd/compare", "cmd/explain", "cmd/export", "cmd/phantoms", "cmd/serve", "cmd/train", "cmd/validate"}},
	{"PyTorch", []string{"python"}},
}

// ui is the page's package; only entry imports it (and its own tests do).
const ui, entry = "site", "wasm"

// pkg is one package as go list reports it, import paths relative to the module.
type pkg struct {
	path        string
	imports     []string // the module's packages it imports
	testImports []string // the module's packages its tests import
}

// list runs go list on the whole module for the target env (e.g. GOOS=js) and returns
// its packages and the module's path.
func list(t *testing.T, root string, env ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .TestImports \" \"}} {{join .XTestImports \" \"}}", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", env, err, stderr.Bytes())
	}
	mod, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	prefix := strings.TrimSpace(string(mod)) + "/"
	local := func(s string) []string {
		var r []string
		for _, p := range strings.Fields(s) {
			if strings.HasPrefix(p, prefix) {
				r = append(r, strings.TrimPrefix(p, prefix))
			}
		}
		return r
	}
	var pkgs []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 3 || !strings.HasPrefix(f[0], prefix) {
			t.Fatalf("go list line %q: want path|imports|test imports of the module's packages", line)
		}
		pkgs = append(pkgs, pkg{path: strings.TrimPrefix(f[0], prefix), imports: local(f[1]), testImports: local(f[2])})
	}
	return pkgs
}

// root returns the module's root folder.
func root(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

func TestHouse(t *testing.T) {
	rank := map[string]int{}
	floor := map[string]string{}
	for _, f := range house {
		for _, p := range f.pkgs {
			if _, dup := rank[p]; dup {
				t.Fatalf("%s is listed twice", p)
			}
			rank[p] = len(rank)
			floor[p] = f.floor
		}
	}
	dir := root(t)
	seen := map[string]bool{}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		target := "native"
		if env != nil {
			target = strings.Join(env, " ")
		}
		for _, p := range list(t, dir, env...) {
			seen[p.path] = true
			r, ok := rank[p.path]
			if !ok {
				t.Errorf("package %s is not in the house: add it to the table here and to ARCHITECTURE.md", p.path)
				continue
			}
			for _, imp := range p.imports {
				if ri, ok := rank[imp]; ok && ri >= r {
					t.Errorf("%s (%s) imports %s (%s), which is not below it (%s)", p.path, floor[p.path], imp, floor[imp], target)
				}
				if imp == ui && p.path != entry {
					t.Errorf("%s imports the UI package %s; only %s may (%s)", p.path, ui, entry, target)
				}
			}
			for _, imp := range p.testImports {
				if imp == ui && p.path != entry && p.path != ui {
					t.Errorf("the tests of %s import the UI package %s; only %s's and its own may (%s)", p.path, ui, entry, target)
				}
			}
		}
	}
	for _, p := range []string{ui, entry, "engine", "explainer", "modality"} {
		if !seen[p] {
			t.Errorf("go list did not report %s: the test reads the wrong module", p)
		}
	}

	// Every package is named in ARCHITECTURE.md, but for those internal to another
	// (x/internal/y), which x's documentation describes.
	doc, err := os.ReadFile(filepath.Join(dir, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	for p := range seen {
		if strings.Contains(p, "/internal/") {
			continue
		}
		if !regexp.MustCompile(`(^|[\s(` + "`" + `])` + regexp.QuoteMeta(p) + `(/|[\s:,)` + "`" + `]|$)`).Match(doc) {
			t.Errorf("ARCHITECTURE.md does not name %s", p)
		}
	}
}
