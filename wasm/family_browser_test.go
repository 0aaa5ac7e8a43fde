//go:build !js

package main

// Issue 13's page test: a model of the family trained by cmd/train from a CSV of cases
// the test writes (three image inputs: 64x64 grey, 32x32 RGB, 28x28 grey; two tabular
// groups, one with a categorical variable; three classes; separate encoders) is opened in
// the page by upload; the page lays itself out from the model's schema, takes one PNG per
// image slot and the tabular values (a select for the categorical one), and shows
// importances named by the schema, for the predicted class and then a chosen one, each
// checked against the same engine run natively on the same files. A screenshot at phone
// width (375 px) is kept for people to look at.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/explainer"
	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
	"github.com/fusionlens/fusionlens/site/imagefile"
)

// familyInputs are the test's image columns: name, side, channels.
var familyInputs = []struct {
	name           string
	size, channels int
}{{"mri", 64, 1}, {"photo", 32, 3}, {"xray", 28, 1}}

// writePNG writes a size x size PNG (grey or RGB) of a blob whose brightness is amp, with
// noise from rng.
func writePNG(t *testing.T, path string, size, channels int, amp float64, rng *rand.Rand) {
	t.Helper()
	r := image.Rect(0, 0, size, size)
	var img image.Image
	val := func(x, y int) uint8 {
		dx, dy := float64(x-size/2)/float64(size), float64(y-size/2)/float64(size)
		v := amp*math.Exp(-(dx*dx+dy*dy)*12) + 0.2*rng.Float64()
		return uint8(math.Round(255 * math.Min(1, math.Max(0, v))))
	}
	if channels == 1 {
		g := image.NewGray(r)
		for y := range size {
			for x := range size {
				g.SetGray(x, y, color.Gray{Y: val(x, y)})
			}
		}
		img = g
	} else {
		c := image.NewRGBA(r)
		for y := range size {
			for x := range size {
				c.SetRGBA(x, y, color.RGBA{R: val(x, y), G: uint8(255 * x / size), B: val(y, x) / 2, A: 255})
			}
		}
		img = c
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeCases writes n cases (images, age, smoker, crp, label) into dir/cases.csv: the
// class follows the mri blob's brightness and crp, so there is something to learn.
func writeCases(t *testing.T, dir string, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(13, 1))
	classes := []string{"none", "mild", "severe"}
	levels := []string{"never", "former", "current"}
	var csv strings.Builder
	csv.WriteString("mri,photo,xray,age,smoker,crp,label\n")
	for i := range n {
		k := i % 3
		amp := 0.3 + 0.3*float64(k) + 0.1*rng.Float64()
		var row []string
		for _, in := range familyInputs {
			name := fmt.Sprintf("%s_%02d.png", in.name, i)
			writePNG(t, filepath.Join(dir, name), in.size, in.channels, amp, rng)
			row = append(row, name)
		}
		age := 30 + 40*rng.Float64()
		crp := 2 + 10*float64(k) + 3*rng.Float64()
		row = append(row, strconv.FormatFloat(age, 'f', 1, 64), levels[rng.IntN(3)], strconv.FormatFloat(crp, 'f', 2, 64), classes[k])
		csv.WriteString(strings.Join(row, ",") + "\n")
	}
	path := filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// trainFamily trains the model with cmd/train -data and returns its file.
func trainFamily(t *testing.T, dir string) string {
	t.Helper()
	goTool := testtool.Command(t, "go")
	root, err := bt.Root()
	if err != nil {
		t.Fatal(err)
	}
	cases := writeCases(t, dir, 36)
	model := filepath.Join(dir, "three.flns")
	cmd := exec.Command(goTool, "run", "./cmd/train", "-data", cases, "-images", "mri,photo,xray",
		"-groups", "vitals=age,smoker;labs=crp", "-encoders", "separate", "-epochs", "2", "-batch", "8", "-o", model)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cmd/train: %v\n%s", err, out)
	}
	return model
}

func TestBrowserFamily(t *testing.T) {
	testtool.Command(t, "chromium")
	work := t.TempDir()
	model := trainFamily(t, work)
	data, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	native, err := explainer.Open("three.flns", data, explainer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc := native.Schema()
	if got := sc.Modalities(); !slices.Equal(got, []string{"mri", "photo", "xray", "vitals", "labs"}) {
		t.Fatalf("the trained model's modalities are %v", got)
	}

	dir := bt.Site(t)
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")
	// The first shipped model opens and encodes its reference cohort meanwhile.
	b.WaitLong(t, "the first model", `!!document.querySelector('[data-testid="model-card"]')`, 2*time.Minute)
	b.Run(t, "opening the model", chromedp.SetUploadFiles(bt.TestID("model-upload"), []string{model}))
	b.WaitFor(t, "the model's layout", `!!document.querySelector('[data-testid="upload-mri"]')`)

	// The layout is the schema's: one slot per image input with its size and channels,
	// one field per variable (a select with the levels for the categorical one), the
	// class names, no paper slots, no example case.
	shapes := bt.Eval[[]string](t, b, `[...document.querySelectorAll('.slot')].map(s => s.querySelector('input[type=file]').dataset.testid + " " + s.querySelector('.shape').textContent)`)
	if want := []string{"upload-mri 64×64 grey", "upload-photo 32×32 RGB", "upload-xray 28×28 grey"}; !slices.Equal(shapes, want) {
		t.Errorf("image slots %q, want %q", shapes, want)
	}
	fields := bt.Eval[[]string](t, b, `[...document.querySelectorAll('.field')].map(f => f.dataset.testid + ":" + f.querySelector('input,select').tagName)`)
	if want := []string{"field-age:INPUT", "field-smoker:SELECT", "field-crp:INPUT"}; !slices.Equal(fields, want) {
		t.Errorf("fields %q, want %q", fields, want)
	}
	levels := bt.Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="field-smoker"] option')].map(o => o.value).filter(v => v)`)
	if !slices.Equal(levels, []string{"current", "former", "never"}) && !slices.Equal(levels, []string{"never", "former", "current"}) {
		t.Errorf("smoker levels %q", levels)
	}
	classes := bt.Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="classes"] [data-class]')].map(e => e.dataset.class)`)
	if !slices.Equal(classes, sc.Classes) || len(classes) != 3 {
		t.Errorf("class names %q, want %q", classes, sc.Classes)
	}
	if bt.Eval[bool](t, b, `!!document.querySelector('[data-testid="upload-ct-axial"], [data-testid="example-case"]')`) {
		t.Error("the paper's slots or example case shown for a model outside the synthetic world")
	}

	// Images for each slot, then the tabular values.
	files := map[string]string{}
	for _, in := range familyInputs {
		files[in.name] = filepath.Join(work, in.name+"_04.png")
		b.Run(t, "uploading "+in.name, chromedp.SetUploadFiles(bt.TestID("upload-"+in.name), []string{files[in.name]}))
	}
	b.WaitFor(t, "three network views", `document.querySelectorAll('.slot .netview canvas, .slot img.pixelated').length === 3`)
	b.Run(t, "typing the age", chromedp.SendKeys(`[data-testid="field-age"] input`, "57"))
	b.Run(t, "typing the CRP", chromedp.SendKeys(`[data-testid="field-crp"] input`, "14.5"))
	b.WaitFor(t, "waiting for the smoking level", `document.body.textContent.includes("a level of")`)
	b.Run(t, "choosing a smoking level", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('[data-testid="field-smoker"] select'); s.value = "former"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	b.WaitFor(t, "the modality chart", `!!document.querySelector('[data-testid="modality-importance"]')`)

	// The same case natively: the worker's decoder, the schema's encoding, the engine.
	var c engine.Case
	for k, in := range familyInputs {
		raw, err := os.ReadFile(files[in.name])
		if err != nil {
			t.Fatal(err)
		}
		img, err := imagefile.DecodeAs(raw, imagefile.WindowAuto, in.size, in.channels)
		if err != nil {
			t.Fatal(err)
		}
		f, err := native.EncodeImage(k, img.Pixels)
		if err != nil {
			t.Fatal(err)
		}
		c.Images, c.Features = append(c.Images, img.Pixels), append(c.Features, f)
	}
	c.Tabular, err = sc.Encode(map[string]string{"age": "57", "smoker": "former", "crp": "14.5"})
	if err != nil {
		t.Fatal(err)
	}

	check := func(class int) {
		t.Helper()
		c.Class = class
		want, err := native.ExplainCase(c, "gradient")
		if err != nil {
			t.Fatal(err)
		}
		b.WaitFor(t, "the prediction for class "+strconv.Itoa(class), fmt.Sprintf(
			`(() => { const p = document.querySelector('[data-testid="prediction"]'); return p && Math.abs(parseFloat(p.dataset.p) - %v) < 1e-4 && !!document.querySelector('[data-testid="modality-importance"]'); })()`, want.P))
		rows := bt.Eval[[][]string](t, b, `[...document.querySelectorAll('[data-testid="modality-importance"] [data-modality]')].map(g => [g.dataset.modality, g.dataset.score, g.dataset.value])`)
		if len(rows) != len(sc.Modalities()) {
			t.Fatalf("class %d: %d chart rows, want %d", class, len(rows), len(sc.Modalities()))
		}
		sum := 0.0
		for i, r := range rows {
			if r[0] != sc.Modalities()[i] {
				t.Errorf("class %d: chart row %d is %q, want %q", class, i, r[0], sc.Modalities()[i])
			}
			score, _ := strconv.ParseFloat(r[1], 64)
			share, _ := strconv.ParseFloat(r[2], 64)
			sum += share
			if !near(score, want.Modalities[i]) {
				t.Errorf("class %d: %s scores %v in the page, %v natively", class, r[0], score, want.Modalities[i])
			}
		}
		if math.Abs(sum-1) > 1e-3 {
			t.Errorf("class %d: shares sum to %v", class, sum)
		}
		probs := bt.Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="class-probs"] li')].map(l => l.dataset.class + "=" + l.dataset.p)`)
		for i, p := range want.Probs {
			got := strings.SplitN(probs[min(i, len(probs)-1)], "=", 2)
			v, _ := strconv.ParseFloat(got[1], 64)
			if len(probs) != 3 || got[0] != sc.Classes[i] || !near(v, p) {
				t.Errorf("class %d: probabilities %q, want %v", class, probs, want.Probs)
				break
			}
		}
	}
	check(-1) // the predicted class, the default
	b.WaitFor(t, "the saliency of three images", `document.querySelectorAll('[data-testid="saliency"] .salview canvas, [data-testid="saliency"] img.pixelated').length === 3`)
	b.Screenshot(t, "family-desktop")

	// Another class: the most probable one's opposite end.
	pred, _ := native.ExplainCase(engine.Case{Features: c.Features, Tabular: c.Tabular, Class: -1}, "gradient")
	other := (pred.Class + 1) % 3
	selectOption(t, b, "class-select", strconv.Itoa(other))
	check(other)

	// At phone width the page stays usable: nothing wider than the screen.
	b.Run(t, "phone width", chromedp.EmulateViewport(375, 812))
	// Two frames for the layout to settle before measuring and capturing it.
	bt.Eval[bool](t, b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	wide := bt.Eval[float64](t, b, `document.documentElement.scrollWidth`)
	if wide > 380 {
		t.Errorf("at 375 px the page is %v px wide", wide)
	}
	b.Screenshot(t, "family-phone")
}
