package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
	"github.com/fusionlens/fusionlens/modelfile"
)

// checkIntervals checks a cohort or case's intervals: one per modality of shares, each
// inside [0, 1] and ordered, with a rank verdict for each modality.
func checkIntervals(t *testing.T, what string, shares map[string]float64, iv map[string]importance.Interval, ok map[string]bool, u *Uncertainty) {
	t.Helper()
	if u == nil || len(iv) != len(shares) || len(ok) != len(shares) {
		t.Fatalf("%s: %d intervals, %d rank verdicts for %d shares, uncertainty %v", what, len(iv), len(ok), len(shares), u)
	}
	for n := range shares {
		v, found := iv[n]
		if !found || v.Lo() > v.Hi() || v.Lo() < 0 || v.Hi() > 1 {
			t.Errorf("%s: %s interval %v (found %v)", what, n, v, found)
		}
	}
	if len(u.RankSupport) != len(shares)-1 || u.Level != importance.DefaultLevel || u.RankSupportLevel != importance.RankSupportLevel {
		t.Errorf("%s: %d rank orders for %d modalities, level %v, rank level %v", what, len(u.RankSupport), len(shares), u.Level, u.RankSupportLevel)
	}
	for _, r := range u.RankSupport {
		if shares[r.Higher] < shares[r.Lower] || r.Supported != (r.Support >= importance.RankSupportLevel) || ok[r.Higher] && !r.Supported {
			t.Errorf("%s: order %+v against shares %v and verdicts %v", what, r, shares, ok)
		}
	}
}

func TestCasesIntervals(t *testing.T) {
	csv, model := casesFixture(t, 30)
	r := cohortJSON(t, "-model", model, "-cases", csv)
	checkIntervals(t, "gradient cohort", r.Cohort.ModalityImportance, r.Cohort.ModalityImportanceInterval, r.Cohort.RankSupported, r.Cohort.Uncertainty)
	if u := r.Cohort.Uncertainty; u.Resampled != "cases" || u.Resamples != importance.DefaultResamples || u.MethodRuns != 0 {
		t.Errorf("gradient cohort: resampled %q, %d resamples, %d runs; want cases, %d, 0", u.Resampled, u.Resamples, u.MethodRuns, importance.DefaultResamples)
	}
	for n, v := range r.Cohort.ModalityImportance {
		if iv := r.Cohort.ModalityImportanceInterval[n]; !iv.Contains(v) {
			t.Errorf("cohort share of %s %v outside its interval %v", n, v, iv)
		}
	}
	if r.PerCase[0].ModalityImportanceInterval != nil || r.PerCase[0].Uncertainty != nil {
		t.Errorf("a case has an interval without -case-intervals")
	}

	// Each case with its own interval: KernelSHAP reads the background, so it has width.
	ks := cohortJSON(t, "-model", model, "-cases", csv, "-method", "kernelshap", "-background", "10", "-resamples", "20", "-case-intervals")
	checkIntervals(t, "kernelshap cohort", ks.Cohort.ModalityImportance, ks.Cohort.ModalityImportanceInterval, ks.Cohort.RankSupported, ks.Cohort.Uncertainty)
	for _, c := range ks.PerCase {
		checkIntervals(t, fmt.Sprintf("kernelshap row %d", c.Row), c.ModalityImportance, c.ModalityImportanceInterval, c.RankSupported, c.Uncertainty)
		if c.Uncertainty.Exact || c.Uncertainty.MethodRuns != 20 || c.Uncertainty.Resampled != "background and sampling seed" {
			t.Errorf("row %d: %+v", c.Row, c.Uncertainty)
		}
	}

	// -row: the one case gets its interval by itself; the gradient's is exact.
	one := cohortJSON(t, "-model", model, "-cases", csv, "-row", "3")
	if u := one.PerCase[0].Uncertainty; u == nil || !u.Exact || u.MethodRuns != 2 {
		t.Errorf("-row 3, gradient: %+v, want exact after 2 runs", u)
	}

	// A cohort-only method runs again on every resample.
	perm := cohortJSON(t, "-model", model, "-cases", csv, "-method", "permutation", "-resamples", "15")
	checkIntervals(t, "permutation cohort", perm.Cohort.ModalityImportance, perm.Cohort.ModalityImportanceInterval, perm.Cohort.RankSupported, perm.Cohort.Uncertainty)
	if perm.Cohort.Uncertainty.MethodRuns != 15 {
		t.Errorf("permutation: %d extra runs, want 15", perm.Cohort.Uncertainty.MethodRuns)
	}

	// -resamples 0: no intervals anywhere.
	none := cohortJSON(t, "-model", model, "-cases", csv, "-resamples", "0", "-case-intervals")
	if none.Cohort.Uncertainty != nil || none.Cohort.ModalityImportanceInterval != nil || none.PerCase[0].ModalityImportanceInterval != nil {
		t.Errorf("-resamples 0 gave intervals")
	}

	// Equal seeds, equal intervals.
	again := cohortJSON(t, "-model", model, "-cases", csv)
	if a, b := jsonOf(t, again.Cohort), jsonOf(t, r.Cohort); a != b {
		t.Errorf("two runs with seed 1 differ:\n%s\n%s", a, b)
	}

	table := runOK(t, "-model", model, "-cases", csv, "-method", "kernelshap", "-background", "10", "-resamples", "20", "-row", "2")
	for _, want := range []string{"percentile bootstrap over the cases", "percentile bootstrap over the background and sampling seed", "%  [", "20 resamples (20 more runs"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestOneCaseIntervals(t *testing.T) {
	model := testModel(t)
	var r Result
	out := runOK(t, "-model", model, "-method", "occlusion", "-background", "30", "-resamples", "40", "-json")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Uncertainty == nil || r.Uncertainty.Resamples != 40 || r.Uncertainty.MethodRuns != 40 || r.Uncertainty.Exact {
		t.Fatalf("occlusion: uncertainty %+v", r.Uncertainty)
	}
	shares, iv, ok := map[string]float64{}, map[string]importance.Interval{}, map[string]bool{}
	for _, m := range r.Modalities {
		if m.Interval == nil || m.RankSupported == nil {
			t.Fatalf("modality %s without interval or rank verdict", m.Name)
		}
		shares[m.Name], iv[m.Name], ok[m.Name] = m.Share, *m.Interval, *m.RankSupported
	}
	checkIntervals(t, "occlusion", shares, iv, ok, r.Uncertainty)

	out = runOK(t, "-model", model, "-json")
	r = Result{}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Uncertainty == nil || !r.Uncertainty.Exact {
		t.Fatalf("gradient: uncertainty %+v, want exact", r.Uncertainty)
	}
	for _, f := range r.Features {
		if f.Interval == nil || f.Interval.Lo() != f.Share || f.Interval.Hi() != f.Share {
			t.Errorf("gradient feature %d: interval %v, want the point %v", f.Index, f.Interval, f.Share)
		}
	}
	table := runOK(t, "-model", model, "-method", "smoothgrad", "-resamples", "10", "-background", "20")
	for _, want := range []string{"95 % interval", "over the background and sampling seed, 10 resamples"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	for _, bad := range [][]string{{"-resamples", "1"}, {"-resamples", "-3"}, {"-case-intervals"}} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"-model", model}, bad...), &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, code, stderr.String())
		}
	}
}

// writeBenchCases writes a CSV of n cases (one 16x16 grey image, two numeric values) and an
// untrained model of its schema.
func writeBenchCases(tb testing.TB, n int) (csvPath, modelPath string) {
	dir := tb.TempDir()
	rng := rand.New(rand.NewPCG(9, 9))
	var b strings.Builder
	b.WriteString("label,img,age,crp\n")
	for i := range n {
		img := image.NewGray(image.Rect(0, 0, 16, 16))
		for j := range img.Pix {
			img.Pix[j] = uint8(rng.IntN(256))
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("i%d.png", i)), buf.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(&b, "%s,i%d.png,%d,%.2f\n", []string{"x", "y"}[i%2], i, 20+rng.IntN(60), 10*rng.Float64())
	}
	csvPath = filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	tab, err := casefile.Read(csvPath, casefile.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	groups, _ := casefile.ParseGroups("age=age;crp=crp")
	s, err := casefile.Infer(tab, casefile.InferOptions{Images: []string{"img"}, Groups: groups})
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := fusion.NewConfig(s, "shared", fusion.PaperConv, fusion.PaperDense, []int{100, 50, 10, 2})
	if err != nil {
		tb.Fatal(err)
	}
	net, err := fusion.NewNet(cfg, 1, 3)
	if err != nil {
		tb.Fatal(err)
	}
	modelPath = filepath.Join(dir, "model.flns")
	if err := fusion.Save(modelPath, net, modelfile.Meta{Seed: 3, DataSource: "bench"}, modelfile.Options{}); err != nil {
		tb.Fatal(err)
	}
	return csvPath, modelPath
}

// BenchmarkCohort1000 explains a cohort of 1,000 cases (read, encode, explain every case,
// the cohort) with the default -resamples 200 and, as its peer in the same run, with
// -resamples 0, for the paper's gradient (per-case scores resampled, no method runs),
// KernelSHAP (the same) and permutation (a cohort-only method: 200 more runs).
func BenchmarkCohort1000(b *testing.B) {
	csv, model := writeBenchCases(b, 1000)
	for _, method := range []string{"gradient", "kernelshap", "permutation"} {
		for _, resamples := range []string{"0", "200"} {
			b.Run(method+"/resamples="+resamples, func(b *testing.B) {
				for b.Loop() {
					if code := run([]string{"-model", model, "-cases", csv, "-method", method, "-resamples", resamples, "-json"}, io.Discard, io.Discard); code != 0 {
						b.Fatalf("exit %d", code)
					}
				}
			})
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
