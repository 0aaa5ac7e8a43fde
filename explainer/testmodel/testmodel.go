// Package testmodel makes small trained models for tests of the browser explainer: a
// ground-truth autoencoder trained for a moment on a few phantoms, and fusion networks
// trained for a few steps on a small cohort of a built-in scenario. They are real model
// files (the format the site ships and users open), written and read by the same code,
// only trained too briefly to be good.
package testmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/internal/fixture"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/schema"
)

// Autoencoder trains a ground-truth autoencoder as internal/fixture's Autoencoder does
// (perView phantoms of each view, epochs passes, the default architecture) and returns it
// with its model file.
func Autoencoder(perView, epochs int, seed uint64) (*latent.Model, []byte, error) {
	m, err := fixture.Autoencoder(perView, epochs, seed)
	if err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	if err := modelfile.Encode(&b, m.File(), modelfile.Options{}); err != nil {
		return nil, nil, err
	}
	return m, b.Bytes(), nil
}

// Fusion trains the paper's fusion network for scenario (a built-in name such as "F3")
// on n cases drawn with ae, for epochs passes in batches of 32, and returns the network
// and its model file (float32) whose meta names the scenario, as cmd/train writes it.
func Fusion(scenario string, ae *latent.Model, n, epochs int, seed uint64) (*fusion.Net, []byte, error) {
	sc, err := groundtruth.Builtin(scenario)
	if err != nil {
		return nil, nil, err
	}
	c, err := cohort.Build(sc, ae, cohort.Options{N: n, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	train, _, test, err := c.Splits(seed)
	if err != nil {
		return nil, nil, err
	}
	net, err := fusion.NewNet(fusion.DefaultConfig(), 32, seed)
	if err != nil {
		return nil, nil, err
	}
	o := fusion.DefaultTrainOptions()
	o.Batch, o.Epochs, o.Seed, o.StopAccuracy = 32, epochs, seed, 1
	if _, err := fusion.Train(context.Background(), net, dataset(train), fusion.Dataset{}, o); err != nil {
		return nil, nil, err
	}
	m, err := net.Evaluate(dataset(test))
	if err != nil {
		return nil, nil, err
	}
	short, _, _ := strings.Cut(sc.Name, "-")
	raw, _ := json.Marshal(short)
	meta := modelfile.Meta{Scenario: raw, DataSource: c.Source, Seed: seed, Epochs: epochs, TestAccuracy: m.Accuracy,
		Command: fmt.Sprintf("testmodel.Fusion(%q, n=%d, epochs=%d, seed=%d): a test model, barely trained", scenario, n, epochs, seed)}
	if m.AUC == m.AUC {
		meta.TestAUC = m.AUC
	}
	var b bytes.Buffer
	if err := modelfile.Encode(&b, net.File(meta), modelfile.Options{}); err != nil {
		return nil, nil, err
	}
	return net, b.Bytes(), nil
}

func dataset(c *cohort.Cohort) fusion.Dataset {
	return fusion.Dataset{N: c.N, Axial: c.Axial, Coronal: c.Coronal, Clinical: c.Clinical, Labels: c.Labels}
}

// Small is a barely trained F3 model and the small autoencoder its cohort was drawn with
// (Autoencoder(150, 2, 5), Fusion("F3", ae, 300, 2, 3)).
type Small struct {
	AE     *latent.Model
	AEFile []byte // the autoencoder's model file
	Model  []byte // the fusion network's model file
}

// SmallF3 returns the Small models, made once per test binary (a few seconds) and shared
// by its tests. Callers must not modify the bytes.
var SmallF3 = sync.OnceValues(func() (*Small, error) {
	ae, aeFile, err := Autoencoder(150, 2, 5)
	if err != nil {
		return nil, err
	}
	_, model, err := Fusion("F3", ae, 300, 2, 3)
	if err != nil {
		return nil, err
	}
	return &Small{AE: ae, AEFile: aeFile, Model: model}, nil
})

// ThreeInputSchema is issue 13's example of a model of the family: three image inputs
// (mri 64x64 grey, photo 32x32 RGB, xray 28x28 grey), two tabular groups (vitals with a
// numeric and a categorical variable, labs with one numeric), and three classes.
func ThreeInputSchema() schema.Schema {
	return schema.Schema{
		Images: []schema.Image{
			{Name: "mri", Label: "MRI slice", Size: 64, Channels: 1},
			{Name: "photo", Label: "Skin photo", Size: 32, Channels: 3},
			{Name: "xray", Label: "X-ray", Size: 28, Channels: 1},
		},
		Groups: []schema.Group{
			{Name: "vitals", Label: "Vital signs", Variables: []schema.Variable{
				{Name: "age", Label: "Age", Unit: "years", Kind: schema.KindNumeric, Mean: 50, SD: 15, Min: 0, Max: 120},
				{Name: "smoker", Label: "Smoking", Kind: schema.KindCategorical, Levels: []string{"never", "former", "current"}},
			}},
			{Name: "labs", Label: "Laboratory", Variables: []schema.Variable{
				{Name: "crp", Label: "C-reactive protein", Unit: "mg/L", Kind: schema.KindNumeric, Mean: 5, SD: 4, Min: 0, Max: 500},
			}},
		},
		Classes: []string{"none", "mild", "severe"},
	}
}

// ThreeInputs returns an untrained network (weights drawn from seed) of
// ThreeInputSchema with one small encoder per image input, and its model file.
func ThreeInputs(seed uint64) (*fusion.Net, []byte, error) {
	cfg, err := fusion.NewConfig(ThreeInputSchema(), "separate",
		[]fusion.ConvLayer{{Out: 4, Kernel: 3, Pool: true}, {Out: 6, Kernel: 3, Pad: 1, Pool: true}},
		[]int{16, 5}, []int{12, 3})
	if err != nil {
		return nil, nil, err
	}
	net, err := fusion.NewNet(cfg, 1, seed)
	if err != nil {
		return nil, nil, err
	}
	meta := modelfile.Meta{Seed: seed, DataSource: "untrained test model",
		Command: fmt.Sprintf("testmodel.ThreeInputs(%d): untrained", seed)}
	var b bytes.Buffer
	if err := modelfile.Encode(&b, net.File(meta), modelfile.Options{}); err != nil {
		return nil, nil, err
	}
	return net, b.Bytes(), nil
}
