package groundtruth

import (
	"math"
	"slices"
	"testing"

	"github.com/fusionlens/fusionlens/nn"
)

// logisticF0 returns the built-in F0 with logistic labels of scale s.
func logisticF0(t *testing.T, s float64) *Scenario {
	t.Helper()
	sc, err := Builtin("F0")
	if err != nil {
		t.Fatal(err)
	}
	sc.LabelMode, sc.LabelScale = LogisticLabels, s
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestLogisticLabelsFlipsMatchExpectation checks, at several scales, that the labels
// differing from the threshold's are as many as Σ_i P(flip_i) says, within 5 SD of the
// count (a sum of independent Bernoulli draws), that ExpectedFlipped is that sum, and
// that the classes balance about the median.
func TestLogisticLabelsFlipsMatchExpectation(t *testing.T) {
	const n = 20000
	X := mustCohort(t, n, 21)
	var lastShare float64 = 1
	for _, s := range []float64{0.05, 0.2, 0.45, 1, 5} { // F0's SD is √40 ≈ 6.3
		sc := logisticF0(t, s)
		l, err := sc.Label(X)
		if err != nil {
			t.Fatal(err)
		}
		var want, variance float64
		flips, pos := 0, 0
		for i, f := range l.F {
			p := nn.Logistic(s * (f - l.Threshold))
			q := p // P(label differs from the threshold's)
			if f > l.Threshold {
				q = 1 - p
			}
			want += q
			variance += q * (1 - q)
			if (l.Y[i] == 1) != (f > l.Threshold) {
				flips++
			}
			pos += int(l.Y[i])
		}
		if flips != l.Flipped {
			t.Errorf("s=%g: Flipped %d, counted %d", s, l.Flipped, flips)
		}
		if math.Abs(l.ExpectedFlipped-want) > 1e-6*want {
			t.Errorf("s=%g: ExpectedFlipped %g, want %g", s, l.ExpectedFlipped, want)
		}
		if sd := math.Sqrt(variance); math.Abs(float64(flips)-want) > 5*sd {
			t.Errorf("s=%g: %d labels differ from the threshold's, expected %.1f (SD %.1f)", s, flips, want, sd)
		}
		// Median threshold, F symmetric: class 1 has probability 1/2 per case on average,
		// SD of the share at most 0.5/√n = 0.0035.
		if share := float64(pos) / n; math.Abs(share-0.5) > 0.02 || share != l.Positive || l.CleanPos != l.Positive {
			t.Errorf("s=%g: positive share %g (reported %g, before noise %g)", s, share, l.Positive, l.CleanPos)
		}
		// A larger scale labels closer to the threshold.
		share := float64(flips) / n
		if share >= lastShare {
			t.Errorf("s=%g: %.3f of labels differ from the threshold's, not fewer than at the smaller scale (%.3f)", s, share, lastShare)
		}
		lastShare = share
	}
}

// TestLogisticLabelsCalibrated checks the point of the mode: among cases whose F gives
// σ(s(F - t)) in a bin, the share of class 1 matches the bin's mean probability, so
// s(F - t) is the labels' true log-odds.
func TestLogisticLabelsCalibrated(t *testing.T) {
	const n, bins = 40000, 8
	X := mustCohort(t, n, 22)
	sc := logisticF0(t, 0.3)
	l, err := sc.Label(X)
	if err != nil {
		t.Fatal(err)
	}
	var cnt [bins]int
	var ones, pSum, pVar [bins]float64
	for i, f := range l.F {
		p := nn.Logistic(sc.LabelScale * (f - l.Threshold))
		b := min(int(p*bins), bins-1)
		cnt[b]++
		ones[b] += float64(l.Y[i])
		pSum[b] += p
		pVar[b] += p * (1 - p)
	}
	for b := range bins {
		if cnt[b] < 100 {
			continue
		}
		got, want := ones[b]/float64(cnt[b]), pSum[b]/float64(cnt[b])
		if sd := math.Sqrt(pVar[b]) / float64(cnt[b]); math.Abs(got-want) > 5*sd {
			t.Errorf("bin %d (%d cases): share of class 1 %.4f, mean probability %.4f (SD %.4f)", b, cnt[b], got, want, sd)
		}
	}
}

// TestLogisticLabelsDeterministic checks that the labels depend on the scenario's seed
// only, and that a fixed threshold is the logistic's centre.
func TestLogisticLabelsDeterministic(t *testing.T) {
	X := mustCohort(t, 5000, 23)
	sc := logisticF0(t, 0.5)
	a, _ := sc.Label(X)
	b, _ := sc.Label(X)
	if !slices.Equal(a.Y, b.Y) || a.Flipped != b.Flipped {
		t.Error("logistic labels differ between two runs with the same seed")
	}
	sc.Seed = 2
	c, _ := sc.Label(X)
	if slices.Equal(a.Y, c.Y) {
		t.Error("logistic labels equal for seeds 1 and 2")
	}
	// The draw and the label noise use different streams: adding noise changes some labels
	// but keeps most (at p = 0.1, about 10 %).
	sc.Seed = 1
	sc.LabelNoise = 0.1
	d, _ := sc.Label(X)
	diff := 0
	for i := range a.Y {
		if a.Y[i] != d.Y[i] {
			diff++
		}
	}
	if diff < 350 || diff > 650 {
		t.Errorf("noise 0.1 changed %d of 5000 logistic labels, want about 500", diff)
	}
	// With noise, the expected count of labels away from the threshold's is
	// q + ε - 2qε per case.
	var want float64
	for _, f := range d.F {
		q := nn.Logistic(-sc.LabelScale * math.Abs(f-d.Threshold))
		want += q + 0.1 - 2*q*0.1
	}
	if math.Abs(d.ExpectedFlipped-want) > 1e-6*want {
		t.Errorf("with noise: ExpectedFlipped %g, want %g", d.ExpectedFlipped, want)
	}
	// A fixed threshold far above F: almost every label is 0, as σ(s(F - 30)) says.
	sc.LabelNoise = 0
	sc.Threshold = Threshold{Value: 30}
	e, _ := sc.Label(X)
	if e.Threshold != 30 || e.Positive > 0.01 {
		t.Errorf("threshold 30: threshold %g, positive share %g", e.Threshold, e.Positive)
	}
}

// TestThresholdLabelsExpectNoFlips checks that the default mode is the paper's: no label
// differs from F > t without noise, and ExpectedFlipped is n times the noise.
func TestThresholdLabelsExpectNoFlips(t *testing.T) {
	X := mustCohort(t, 1000, 24)
	sc, _ := Builtin("F3")
	l, _ := sc.Label(X)
	if l.Flipped != 0 || l.ExpectedFlipped != 0 {
		t.Errorf("threshold labels: %d flipped, %g expected", l.Flipped, l.ExpectedFlipped)
	}
	sc.LabelNoise = 0.2
	l, _ = sc.Label(X)
	if math.Abs(l.ExpectedFlipped-200) > 1e-9 {
		t.Errorf("noise 0.2 over 1000 cases: expected %g flips, want 200", l.ExpectedFlipped)
	}
}

func TestLabelModeNames(t *testing.T) {
	for _, m := range []LabelMode{ThresholdLabels, LogisticLabels} {
		back, err := ParseLabelMode(m.String())
		if err != nil || back != m {
			t.Errorf("%v: parsed back as %v, %v", m, back, err)
		}
	}
	if _, err := ParseLabelMode("probit"); err == nil {
		t.Error("ParseLabelMode(probit) should fail")
	}
	if s := LabelMode(9).String(); s != "LabelMode(9)" {
		t.Errorf("LabelMode(9).String() = %q", s)
	}
}

func TestValidateLabelMode(t *testing.T) {
	cases := []struct {
		mode  LabelMode
		scale float64
		path  string
	}{
		{ThresholdLabels, 1, "label_scale"},
		{LogisticLabels, 0, "label_scale"},
		{LogisticLabels, -1, "label_scale"},
		{LogisticLabels, math.NaN(), "label_scale"},
		{LogisticLabels, math.Inf(1), "label_scale"},
		{LogisticLabels, 2 * MaxMagnitude, "label_scale"},
		{LabelMode(7), 1, "labels"},
	}
	for _, c := range cases {
		sc, _ := Builtin("F0")
		sc.LabelMode, sc.LabelScale = c.mode, c.scale
		err := sc.Validate()
		se, ok := err.(*ScenarioError)
		if !ok || se.Path != c.path {
			t.Errorf("mode %v scale %g: got %v, want an error at %s", c.mode, c.scale, err, c.path)
		}
	}
}
