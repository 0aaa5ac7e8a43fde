//go:build !js

package site

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fusionlens/fusionlens/internal/badinput"
	bt "github.com/fusionlens/fusionlens/internal/browsertest"
	"github.com/fusionlens/fusionlens/internal/testtool"
)

// TestBrowserBadInput runs the generated bad-input corpus through the page: a megabyte
// pasted into every clinical field, a model with absurd weights, a PNG and a 1.2 GB
// sparse file given as models. The page must say what is wrong, blame the model for the
// model, and then still explain the example case with the default model.
func TestBrowserBadInput(t *testing.T) {
	testtool.Command(t, "chromium")
	dir := bt.Site(t)
	srv := bt.NewServer(t, dir)
	b := bt.New(t, srv.URL)
	b.Load(t, srv.URL+"/")
	b.WaitFor(t, "the first model to load", `!!document.querySelector('[data-testid="model-card"]')`)

	cases, err := badinput.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]badinput.Case{}
	for _, c := range cases {
		byName[c.Name] = c
	}

	t.Run("1MB-in-every-field", func(t *testing.T) {
		n := bt.Eval[int](t, b, `(() => {
			const big = "50" + " ".repeat((1 << 20) - 2);
			const fields = [...document.querySelectorAll('input[data-testid^="clinical-"]')];
			for (const f of fields) {
				f.value = big;
				f.dispatchEvent(new Event("input", {bubbles: true}));
			}
			return fields.length;
		})()`)
		if n != 20 {
			t.Fatalf("%d clinical fields", n)
		}
		b.Alive(t, "after pasting 1 MB into every field")
		longest := bt.Eval[int](t, b, `Math.max(...[...document.querySelectorAll('input[data-testid^="clinical-"]')].map(f => f.value.length))`)
		if longest > MaxFieldChars {
			t.Errorf("a field still holds %d characters", longest)
		}
		msg := bt.Eval[string](t, b, `document.querySelector('.clinical [data-testid="error"]')?.textContent || ""`)
		if !strings.Contains(msg, "Too long") {
			t.Errorf("field error %q, want it to say the text is too long", msg)
		}
		if crashed := bt.Eval[bool](t, b, `document.body.textContent.includes("stopped unexpectedly")`); crashed {
			t.Error("the page says it stopped")
		}
	})

	for _, c := range []struct{ name, want string }{
		{"absurd-weights.flns", "the weights are unusable"},
		{"png-as-model.png", "looks like PNG"},
		{"huge-model.flns", "above the"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := byName[c.name].Path
			if _, err := os.Stat(path); err != nil {
				t.Fatal(err)
			}
			b.Run(t, "uploading "+c.name, chromedp.SetUploadFiles(bt.TestID("model-upload"), []string{path}))
			b.WaitFor(t, "the model error", `[...document.querySelectorAll('[data-testid="error"]')].some(e => e.textContent.includes(`+jsString(c.want)+`))`)
			b.Alive(t, "after "+c.name)
		})
	}

	t.Run("example-still-explains", func(t *testing.T) {
		bt.Eval[bool](t, b, `(() => {
			const s = document.querySelector('[data-testid="model-select"]');
			s.value = [...s.options].find(o => o.value.startsWith("shipped:")).value;
			s.dispatchEvent(new Event("change", {bubbles: true}));
			return true;
		})()`)
		b.WaitFor(t, "the default model", `!!document.querySelector('[data-testid="model-card"]')`)
		b.Run(t, "clicking the example case", chromedp.Click(bt.TestID("example-case")))
		b.WaitFor(t, "the prediction", `!!document.querySelector('[data-testid="prediction"]')`)
		p := bt.Eval[float64](t, b, `+document.querySelector('[data-testid="prediction"]').dataset.p`)
		if !(p > 0 && p < 1) {
			t.Errorf("p = %v after the bad inputs", p)
		}
		b.Screenshot(t, "bad-input-then-example")
	})
}

// jsString quotes s as a JavaScript string literal (s holds no quotes or backslashes).
func jsString(s string) string { return `"` + s + `"` }
