package architecture

import (
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/weights"
)

// shippedHybrid is the shipped model of a built-in scenario (the paper's network, trained
// to 95 % validation accuracy) as a trained hybrid variant.
func shippedHybrid(t *testing.T, name string) Model {
	t.Helper()
	b, err := weights.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := fusion.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		t.Fatal(err)
	}
	var widths []int
	for _, m := range net.Config().Modalities() {
		widths = append(widths, m.Width)
	}
	return &fused{name: Hybrid, net: net, head: head, blocks: blocksOf(net.Schema(), widths)}
}

// worldCases are n labelled cases of a built-in scenario's world (the shipped
// autoencoder's features), as a user's data set has them: images, values and labels, no
// truth.
func worldCases(t *testing.T, name string, n int, seed uint64) fusion.Dataset {
	t.Helper()
	b, err := weights.Autoencoder()
	if err != nil {
		t.Fatal(err)
	}
	ae, err := latent.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cohort.Build(builtin(t, name), ae, cohort.Options{N: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return cohortData(c)
}

// TestLateWarningFromMeasuredInteraction: on a user's data set (no truth), the late
// warning comes from the interaction measured on the most accurate fused variant. With
// trained networks it fires on the decision with cross-modal products (F6) and stays
// quiet on additive ones (F0, the published sum; F3, clinical values only, the additive
// built-in whose trained network reads the most interaction).
func TestLateWarningFromMeasuredInteraction(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{{"F6", true}, {"F0", false}, {"F3", false}} {
		m := shippedHybrid(t, tc.name)
		d := worldCases(t, tc.name, 300, 31)
		var per []importance.Interactions
		for seed := uint64(1); seed <= 2; seed++ {
			in, err := Interact(m, d, MethodOptions{Seed: seed, Cases: 120, Background: 40})
			if err != nil {
				t.Fatal(err)
			}
			per = append(per, in)
		}
		c := &Comparison{Name: "mine", Modalities: paperModalities, Architectures: []Result{
			result(Hybrid, 0.95, 0.01, 0.25, 0.25, 0.25, 0.25),
			result(Late, 0.93, 0.01, 0.25, 0.25, 0.25, 0.25),
		}}
		c.Architectures[0].Interaction = summarise(per)
		Warn(c, Shapley)
		h, l := c.Architectures[0], c.Architectures[1]
		t.Logf("%s: strength %.3f (SD %.3f), strongest %s", tc.name, h.Interaction.Strength, h.Interaction.StrengthSD, h.Interaction.Strongest)
		if got := warned(l, "late fusion while the modalities interact"); got != tc.want {
			t.Errorf("%s: late warning %v, want %v (strength %.3f, threshold %.2f); warnings %q", tc.name, got, tc.want, h.Interaction.Strength, InteractingStrength, l.Warnings)
		}
		if warned(h, "late fusion") {
			t.Errorf("%s: the hybrid variant got a late-fusion warning: %q", tc.name, h.Warnings)
		}
		if tc.want {
			w := l.Warnings[0]
			for _, part := range []string{"hybrid", "strongest pair ct_axial|clinical_a", "threshold"} {
				if !strings.Contains(w, part) {
					t.Errorf("%s: warning %q does not say %q", tc.name, w, part)
				}
			}
		}
	}
}

// TestLateWarningFromInteractionConstructed checks the rule on constructed results: the
// threshold itself fires, just under it does not; the most accurate fused variant is the
// one read; a known truth leaves the decision to its product terms; without a fused
// variant there is nothing to read.
func TestLateWarningFromInteractionConstructed(t *testing.T) {
	mk := func(hybridStrength, separateStrength float64) *Comparison {
		c := &Comparison{Modalities: paperModalities, Architectures: []Result{
			result(Hybrid, 0.95, 0.01, 0.25, 0.25, 0.25, 0.25),
			result(Separate, 0.94, 0.01, 0.25, 0.25, 0.25, 0.25),
			result(Late, 0.94, 0.01, 0.25, 0.25, 0.25, 0.25),
		}}
		c.Architectures[0].Interaction = &Interaction{Strength: hybridStrength, Strongest: "ct_axial|clinical_a"}
		c.Architectures[1].Interaction = &Interaction{Strength: separateStrength, Strongest: "ct_coronal|clinical_b"}
		return c
	}
	late := func(c *Comparison) bool {
		Warn(c, Shapley)
		return warned(c.Architectures[2], "late fusion while the modalities interact")
	}
	if !late(mk(InteractingStrength, 0)) {
		t.Error("strength at the threshold: no warning")
	}
	if late(mk(math.Nextafter(InteractingStrength, 0), 2)) {
		t.Error("the best fused variant under the threshold warned (the less accurate one is above)")
	}
	c := mk(2, 0)
	c.Truth = shares(paperModalities, []float64{0.25, 0.25, 0.25, 0.25})
	if late(c) {
		t.Error("warned from the estimate although the truth is known (its product terms decide)")
	}
	c = mk(2, 2)
	c.Architectures[0].Interaction, c.Architectures[1].Interaction = nil, nil
	if late(c) {
		t.Error("warned without a fused variant")
	}
}
