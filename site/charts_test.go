package site

import (
	"math"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/modality"
)

func TestModalityBarsShares(t *testing.T) {
	e := &engine.Explanation{Modalities: []float64{0.3, -0.1, 0, 0.6}, Signed: true}
	bars, err := modalityBars(e)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.3, 0.1, 0, 0.6}
	sum := 0.0
	for i, b := range bars {
		if math.Abs(b.Share-want[i]) > 1e-12 {
			t.Errorf("%s share %v, want %v", b.ID, b.Share, want[i])
		}
		sum += b.Share
		if b.Y != i*modalityRowH {
			t.Errorf("%s at y %d", b.ID, b.Y)
		}
		if math.Abs(b.BarW-b.Share*modalityBarMaxW) > 1e-9 {
			t.Errorf("%s bar width %v for share %v", b.ID, b.BarW, b.Share)
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("shares sum to %v", sum)
	}
	if bars[0].Sign != "raises p" || bars[1].Sign != "lowers p" || bars[2].Sign != "" {
		t.Errorf("signs %q %q %q", bars[0].Sign, bars[1].Sign, bars[2].Sign)
	}
	if bars[3].Value != "0.6000" || bars[3].Percent != "60.0 %" || bars[3].ID != "clinical_b" {
		t.Errorf("last bar %+v", bars[3])
	}
	// Unsigned methods never claim a direction.
	e.Signed = false
	bars, _ = modalityBars(e)
	for _, b := range bars {
		if b.Sign != "" {
			t.Errorf("unsigned %s has sign %q", b.ID, b.Sign)
		}
	}
}

func TestModalityBarsAllZero(t *testing.T) {
	bars, err := modalityBars(&engine.Explanation{Modalities: make([]float64, 4)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bars {
		if b.Share != 0 || b.BarW != 0 {
			t.Errorf("%s: share %v width %v for an all-zero explanation", b.ID, b.Share, b.BarW)
		}
	}
}

func TestModalityBarsRejectBadInput(t *testing.T) {
	if _, err := modalityBars(&engine.Explanation{Modalities: []float64{1, 2, 3}}); err == nil || !strings.Contains(err.Error(), "3 modality scores") {
		t.Errorf("3 scores: %v", err)
	}
	if _, err := modalityBars(&engine.Explanation{Modalities: []float64{1, math.NaN(), 0, 0}}); err == nil || !strings.Contains(err.Error(), "CT coronal") {
		t.Errorf("NaN: %v", err)
	}
}

func TestFeatureBars(t *testing.T) {
	f := make([]float64, modality.FusionSize)
	f[0], f[15], f[39] = 2, -1, 0.5
	bars, base, err := featureBars(&engine.Explanation{Features: f, Signed: true})
	if err != nil {
		t.Fatal(err)
	}
	if base != featureChartH/2 {
		t.Errorf("signed baseline %v", base)
	}
	if bars[0].H != featureChartH/2 || bars[0].Y != 0 {
		t.Errorf("largest bar %+v, want full half height upwards", bars[0])
	}
	if bars[15].Y != base || bars[15].H != featureChartH/4 {
		t.Errorf("negative bar %+v, want a quarter height downwards", bars[15])
	}
	if bars[15].Modality != modality.CTCoronal || !strings.Contains(bars[15].Class, "mod-ct_coronal") {
		t.Errorf("bar 15 modality %v class %q", bars[15].Modality, bars[15].Class)
	}
	// Bars never overlap and groups are separated.
	for j := 1; j < modality.FusionSize; j++ {
		gap := bars[j].X - (bars[j-1].X + bars[j-1].W)
		want := float64(featureBarGap)
		if j%modality.Width == 0 {
			want += featureGroupGp
		}
		if gap != want {
			t.Errorf("gap before bar %d is %v, want %v", j, gap, want)
		}
	}
	if last := bars[modality.FusionSize-1]; last.X+last.W != float64(featureChartW)-featureBarGap {
		t.Errorf("last bar ends at %v, chart is %d wide", last.X+last.W, featureChartW)
	}
	bars, base, _ = featureBars(&engine.Explanation{Features: f})
	if base != featureChartH || bars[15].Y != featureChartH-featureChartH/2 {
		t.Errorf("unsigned: base %v, bar 15 %+v", base, bars[15])
	}
	if _, _, err := featureBars(&engine.Explanation{Features: f[:12]}); err == nil {
		t.Error("12 features accepted")
	}
	g := featureGroups()
	for i := 1; i < len(g); i++ {
		if g[i].X <= g[i-1].X {
			t.Errorf("group labels not left to right: %+v", g)
		}
	}
}

func TestStackBar(t *testing.T) {
	r := stackBar("truth", 0, []float64{0.5, 0, 0.25, 0.25})
	if len(r.Segs) != 3 {
		t.Fatalf("%d segments, want 3 (zero shares drawn as nothing)", len(r.Segs))
	}
	end := r.Segs[2].X + r.Segs[2].W
	if math.Abs(end-(stackLabelW+stackW)) > 1e-9 || r.Segs[0].W != stackW/2 {
		t.Errorf("segments %+v", r.Segs)
	}
}
