package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/schema"
)

// writeCasesCSV writes n cases of the network into dir: images ct (64x64 grey
// PNG), photo (32x32 RGB PNG) and slice (28x28 grey PNG); variables age and bmi (numeric)
// in group vitals, crp (numeric) and smoker (categorical) in group labs; classes a, b, c.
// The class shows in the ct image's brightness and in crp, so a network can learn it.
func writeCasesCSV(t testing.TB, dir string, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("label,ct,photo,slice,age,bmi,crp,smoker\n")
	for i := range n {
		k := i % 3
		ct := image.NewGray(image.Rect(0, 0, 64, 64))
		for j := range ct.Pix {
			ct.Pix[j] = uint8(60*k + rng.IntN(60))
		}
		photo := image.NewRGBA(image.Rect(0, 0, 32, 32))
		for j := range photo.Pix {
			photo.Pix[j] = uint8(rng.IntN(256))
			if j%4 == 3 {
				photo.Pix[j] = 255
			}
		}
		slice := image.NewGray(image.Rect(0, 0, 28, 28))
		for j := range slice.Pix {
			slice.Pix[j] = uint8(rng.IntN(256))
		}
		for name, img := range map[string]image.Image{"ct": ct, "photo": photo, "slice": slice} {
			writePNG(t, filepath.Join(dir, "img", fmt.Sprintf("%s%d.png", name, i)), img)
		}
		fmt.Fprintf(&b, "%s,img/ct%d.png,img/photo%d.png,img/slice%d.png,%d,%.1f,%.2f,%s\n",
			[]string{"a", "b", "c"}[k], i, i, i, 30+rng.IntN(50), 18+10*rng.Float64(), float64(k)+rng.Float64(),
			[]string{"no", "yes", "former"}[rng.IntN(3)])
	}
	p := filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunCases(t *testing.T) {
	dir := t.TempDir()
	csv := writeCasesCSV(t, dir, 30)
	out := filepath.Join(dir, "model.flns")
	args := []string{"-data", csv, "-images", "ct,photo,slice", "-groups", "vitals=age,bmi;labs=crp,smoker",
		"-encoders", "separate", "-epochs", "2", "-batch", "8", "-o", out}
	var log bytes.Buffer
	if err := run(context.Background(), args, &log, false); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, want := range []string{"read the images of 30 cases", "cases: 30", "ct 64x64 grey, photo 32x32 RGB, slice 28x28 grey, vitals (2 variables, 2 values), labs (2 variables, 4 values); classes a, b, c",
		"epoch  1/2", "test: accuracy", "wrote " + out} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.String())
		}
	}
	net, meta, err := fusion.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	s := net.Schema()
	if got := s.Modalities(); !reflect.DeepEqual(got, []string{"ct", "photo", "slice", "vitals", "labs"}) {
		t.Errorf("modalities %q", got)
	}
	if !reflect.DeepEqual(s.Classes, []string{"a", "b", "c"}) || s.Images[1].Channels != 3 || s.Groups[1].Variables[1].Kind != schema.KindCategorical {
		t.Errorf("schema %+v", s)
	}
	cfg := net.Config()
	if len(cfg.Encoders) != 3 || cfg.Classes() != 3 {
		t.Errorf("%d encoders, %d classes; want 3 and 3", len(cfg.Encoders), cfg.Classes())
	}
	if !strings.Contains(meta.DataSource, "cases.csv (30 cases)") || !strings.Contains(meta.Command, "-data") || meta.Epochs == 0 {
		t.Errorf("meta %+v", meta)
	}

	// Shared encoders: ct and slice differ in size, so only equal inputs would share; with
	// -image-size all three are 32x32 and the two grey ones share one encoder.
	out2 := filepath.Join(dir, "shared.flns")
	args2 := []string{"-data", csv, "-images", "ct,photo,slice", "-image-size", "32", "-epochs", "1", "-batch", "8", "-o", out2}
	if err := run(context.Background(), args2, &log, false); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	net2, _, err := fusion.Load(out2)
	if err != nil {
		t.Fatal(err)
	}
	if c := net2.Config(); len(c.Encoders) != 2 || !reflect.DeepEqual(c.Encoder, []int{0, 1, 0}) || c.Schema.Groups[0].Name != "tabular" {
		t.Errorf("shared: encoders %d, map %v, groups %+v", len(c.Encoders), c.Encoder, c.Schema.Groups)
	}
}

func TestRunCasesErrors(t *testing.T) {
	dir := t.TempDir()
	csv := writeCasesCSV(t, dir, 9)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", csv}, "-data needs -images"},
		{[]string{"-images", "ct"}, "-images needs -data"},
		{[]string{"-data", csv, "-images", "ct", "-scenario", "F3"}, "-scenario is for the synthetic cohort"},
		{[]string{"-data", csv, "-images", "ct", "-image-size", "8"}, "-image-size 8: want 16..256"},
		{[]string{"-data", csv, "-images", "ct", "-encoders", "some"}, `-encoders "some"`},
		{[]string{"-data", csv, "-images", "ct,photo,slice", "-groups", "v=age;v=bmi"}, `-groups: casefile: group "v" is named twice`},
		{[]string{"-data", csv, "-images", "ct,slice,photo", "-groups", "v=age,bmi,crp"}, `column "smoker" is in no group`},
		{[]string{"-data", filepath.Join(dir, "none.csv"), "-images", "ct"}, "no such file"},
	} {
		var log bytes.Buffer
		err := run(context.Background(), append(c.args, "-o", filepath.Join(dir, "x.flns")), &log, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.flns")); err == nil {
		t.Error("a failed run wrote a model file")
	}
}

// The encoder layout: the paper's for 28x28 (the default configuration exactly), and for
// every size 16..256 a valid network whose last map is at most 7 wide.
func TestEncoderLayout(t *testing.T) {
	cfg, err := casesConfig(fusion.PaperSchema(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, fusion.DefaultConfig()) {
		t.Errorf("the paper's schema gives\n%+v\nwant the default configuration\n%+v", cfg, fusion.DefaultConfig())
	}
	for size := schema.MinImageSize; size <= schema.MaxImageSize; size++ {
		s := schema.Schema{Images: []schema.Image{{Name: "a", Size: size, Channels: 3}}, Classes: []string{"x", "y"}}
		cfg, err := casesConfig(s, "separate")
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		e := cfg.Encoders[0]
		area := e.Flat() / 64 // pixels of the last map
		if e.Flat()%64 != 0 || area > maxFinalSide*maxFinalSide || area < 1 {
			t.Errorf("size %d: the conv stages give %d values (%v)", size, e.Flat(), e.Conv)
		}
	}
}
