package python_test

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/schema"
)

// writeCases writes a CSV of n cases and their PNG images to a new folder and returns the
// CSV's path: a 20x20 grey image column "scan" and a 16x16 RGB one "photo" whose
// brightness follows the class, a numeric "age", a categorical "sex", an integer "score"
// and three classes low, mid, high (given as text).
func writeCases(t *testing.T, n int, seed uint64) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	save := func(name string, img image.Image) {
		f, err := os.Create(filepath.Join(dir, "img", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	classes := []string{"low", "mid", "high"}
	var b strings.Builder
	b.WriteString("label,scan,age,photo,sex,score\n")
	for i := range n {
		y := rng.IntN(3)
		g := image.NewGray(image.Rect(0, 0, 20, 20))
		for j := range g.Pix {
			g.Pix[j] = uint8(40*y + rng.IntN(150))
		}
		c := image.NewRGBA(image.Rect(0, 0, 16, 16))
		for p := range 16 * 16 {
			c.Set(p%16, p/16, color.RGBA{uint8(rng.IntN(200)), uint8(20*y + rng.IntN(180)), uint8(rng.IntN(256)), 255})
		}
		save(fmt.Sprintf("s%d.png", i), g)
		save(fmt.Sprintf("p%d.png", i), c)
		fmt.Fprintf(&b, "%s,img/s%d.png,%.1f,img/p%d.png,%s,%d\n", classes[y], i, 30+rng.Float64()*40+float64(5*y), i,
			[]string{"F", "M"}[rng.IntN(2)], rng.IntN(7))
	}
	path := filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// goSchema is the schema cmd/train infers for the CSV: the split of seed, statistics from
// its training rows.
func goSchema(t *testing.T, csv string, images []string, seed uint64) (*casefile.Table, schema.Schema) {
	t.Helper()
	tab, err := casefile.Read(csv, casefile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, labels, err := casefile.Labels(tab)
	if err != nil {
		t.Fatal(err)
	}
	split, err := cohort.SplitLabels(labels, seed, cohort.ValShare, cohort.TestShare)
	if err != nil {
		t.Fatal(err)
	}
	s, err := casefile.Infer(tab, casefile.InferOptions{Images: images, Train: split.Train})
	if err != nil {
		t.Fatal(err)
	}
	return tab, s
}

// TestCasesMatchCasefile reads a CSV with fusionlens_torch.cases and with Go's casefile:
// the same split (Go's PCG), the same schema to the last bit (image sizes and channels,
// numeric mean, SD and range from the training rows, categorical levels, classes), and
// the same images and standardised tabular values.
func TestCasesMatchCasefile(t *testing.T) {
	requireTorch(t)
	csv := writeCases(t, 40, 1)
	const seed = 7
	tab, want := goSchema(t, csv, []string{"scan", "photo"}, seed)
	script := `
import json, sys
from fusionlens_torch import cases
t = cases.read_csv(sys.argv[1])
_, labels = cases.classes_and_labels(t)
tr, va, te = cases.split_labels(labels, int(sys.argv[2]))
s = cases.infer_schema(t, ["scan", "photo"], train=tr)
imgs, tab, lab = cases.load_cases(t, s)
json.dump({"schema": s, "split": [tr, va, te], "images": [x.reshape(len(lab), -1).tolist() for x in imgs],
           "tabular": tab.tolist(), "labels": lab.tolist()}, sys.stdout)
`
	var py struct {
		Schema  json.RawMessage
		Split   [3][]int
		Images  [][][]float32
		Tabular [][]float32
		Labels  []int
	}
	if err := json.Unmarshal(runPython(t, "-c", script, csv, fmt.Sprint(seed)), &py); err != nil {
		t.Fatal(err)
	}
	got, err := schema.Parse(py.Schema)
	if err != nil {
		t.Fatalf("the Python schema does not parse: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Python inferred the schema\n%+v\nGo inferred\n%+v", got, want)
	}
	_, labels, _ := casefile.Labels(tab)
	split, _ := cohort.SplitLabels(labels, seed, cohort.ValShare, cohort.TestShare)
	if !reflect.DeepEqual(py.Split, [3][]int{split.Train, split.Val, split.Test}) {
		t.Fatalf("Python split the rows\n%v\nGo\n%v %v %v", py.Split, split.Train, split.Val, split.Test)
	}
	c, err := casefile.Load(tab, want, casefile.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(py.Labels, c.Labels) {
		t.Fatalf("labels: Python %v, Go %v", py.Labels, c.Labels)
	}
	w := want.TabularWidth()
	for i := range c.N {
		if !reflect.DeepEqual(py.Tabular[i], c.Tabular[i*w:(i+1)*w]) {
			t.Fatalf("case %d tabular values: Python %v, Go %v", i, py.Tabular[i], c.Tabular[i*w:(i+1)*w])
		}
		for k, im := range want.Images {
			p := im.Pixels()
			if !reflect.DeepEqual(py.Images[k][i], c.Images[k][i*p:(i+1)*p]) {
				t.Fatalf("case %d image %s differs between Python and Go", i, im.Name)
			}
		}
	}
}

// TestTorchrunModelInGo trains a small network of a non-paper shape (a grey 20x20 and an
// RGB 16x16 image with separate encoders, numeric and categorical values, three classes)
// with two torchrun processes (gloo, CPU) from a CSV, then opens the file with
// fusion.Load: its schema is the one Go infers from the CSV, and fusionlens's p, dp/dz
// and pixel gradients agree with torch autograd in float64.
func TestTorchrunModelInGo(t *testing.T) {
	requireTorch(t)
	csv := writeCases(t, 48, 2)
	out := filepath.Join(t.TempDir(), "model.safetensors")
	const layers = `{"conv": [{"out": 4, "kernel": 3, "pad": 1, "pool": true}, {"out": 6, "kernel": 3, "pad": 0}], "dense": [12, 5], "head": [10]}`
	// --redirects 1 --tee 1: Debian's torch 1.13 under Python 3.11 cannot parse the
	// default "0" (see README).
	log := runPython(t, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "--redirects", "1", "--tee", "1",
		"train.py", "--data", csv, "--images", "scan,photo", "--encoders", "separate", "--layers", layers,
		"--epochs", "2", "--batch", "16", "--seed", "5", "--out", out)
	if !strings.Contains(string(log), "2 process(es), gloo") {
		t.Fatalf("train.py did not report two gloo processes:\n%s", log)
	}
	m, meta, err := fusion.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Kind != fusion.Kind || meta.Seed != 5 || meta.Epochs != 2 {
		t.Errorf("meta %+v: want kind %q, seed 5, 2 epochs", meta, fusion.Kind)
	}
	cfg := m.Config()
	if len(cfg.Encoders) != 2 || cfg.Encoders[1].Channels != 3 || cfg.Classes() != 3 {
		t.Fatalf("configuration %+v: want two encoders (the second RGB) and three classes", cfg)
	}
	tab, want := goSchema(t, csv, []string{"scan", "photo"}, 5)
	if got := m.Schema(); !reflect.DeepEqual(got, want) {
		t.Fatalf("the torchrun model's schema\n%+v\nis not the one Go infers\n%+v", got, want)
	}
	c, err := casefile.Load(tab, want, casefile.LoadOptions{Rows: []int{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	var cases []refCase
	w := want.TabularWidth()
	for i := range c.N {
		rc := refCase{Tabular: c.Tabular[i*w : (i+1)*w]}
		for k, im := range want.Images {
			rc.Images = append(rc.Images, c.Images[k][i*im.Pixels():(i+1)*im.Pixels()])
		}
		cases = append(cases, rc)
	}
	checkAgainstTorch(t, out, m, cases)
}
