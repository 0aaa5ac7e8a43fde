package explainer

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/importance"
)

// detailCase encodes testCase(seed) with e into an engine.Case of class 1.
func detailCase(t *testing.T, e *Engine, seed uint64) (engine.Case, []float32) {
	t.Helper()
	ax, co, clin := testCase(seed)
	za, err := e.Encode(ax)
	if err != nil {
		t.Fatal(err)
	}
	zc, err := e.Encode(co)
	if err != nil {
		t.Fatal(err)
	}
	z := append(append(append([]float32(nil), za...), zc...), clin...)
	return engine.Case{Features: [][]float32{za, zc}, Tabular: clin, Class: 1}, z
}

// TestIntervalsMatchLocalInterval checks the page's intervals against
// importance.LocalInterval run natively on the same case, head and background, for a
// method that samples nothing (exact, zero width), one that reads the background
// (occlusion) and a slow coalition method (fewer resamples); and that pace can stop them.
func TestIntervalsMatchLocalInterval(t *testing.T) {
	const n = 24
	e, f := trained(t, Options{ReferenceN: n})
	c, z := detailCase(t, e, 5)
	calls := 0
	pace := func(engine.Progress) error { calls++; return nil }

	g, err := e.Intervals(c, "gradient", pace)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Exact || g.Resamples != 2 || g.MethodRuns != 2 || len(g.Modalities) != 4 || !strings.HasPrefix(g.Over, "nothing") {
		t.Fatalf("gradient: %+v, want exact after two runs", g)
	}
	for i, iv := range g.Modalities {
		if iv[0] != iv[1] {
			t.Errorf("gradient modality %d: interval %v, want zero width", i, iv)
		}
	}

	net, _, err := fusion.LoadBytes(f.model)
	if err != nil {
		t.Fatal(err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		t.Fatal(err)
	}
	bg, err := ReferenceCohort(net, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method    string
		resamples int
	}{{"occlusion", IntervalResamples}, {"shapley", SlowIntervalResamples}} {
		u, err := e.Intervals(c, tc.method, pace)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := importance.MethodByName(tc.method)
		_, want, err := importance.LocalInterval(m.Local, head, importance.DefaultModalities(), z, bg, importance.Options{Seed: 1},
			importance.BootstrapOptions{Resamples: tc.resamples, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if u.Exact || u.Resamples != tc.resamples || u.Method != tc.method || !strings.Contains(u.Over, "reference cases") {
			t.Errorf("%s: %+v", tc.method, u)
		}
		width := 0.0
		for i, iv := range u.Modalities {
			if !close4(iv[0], want.Modalities[i][0]) || !close4(iv[1], want.Modalities[i][1]) {
				t.Errorf("%s modality %d: interval %v, native %v", tc.method, i, iv, want.Modalities[i])
			}
			width += iv[1] - iv[0]
		}
		if width <= 0 {
			t.Errorf("%s: intervals of zero total width over a resampled background", tc.method)
		}
		if len(u.Ranks) != 3 || len(u.RankSupported) != 4 || u.RankSupportLevel != importance.RankSupportLevel {
			t.Errorf("%s: ranks %+v supported %v", tc.method, u.Ranks, u.RankSupported)
		}
		for k, r := range u.Ranks {
			w := want.Ranks[k]
			if r.Higher != w.Higher || r.Lower != w.Lower || r.Support != w.Support || r.Supported != w.Supported {
				t.Errorf("%s: rank order %d %+v, native %+v", tc.method, k, r, w)
			}
		}
	}
	if calls == 0 {
		t.Error("the intervals never called pace")
	}
	stop := errors.New("stop")
	if _, err := e.Intervals(c, "shapley", func(engine.Progress) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("stopped intervals: %v, want the pace's error", err)
	}
	if _, err := e.Intervals(c, "nonesuch", pace); err == nil {
		t.Error("an unknown method gave intervals")
	}
}

// TestIntervalsGlobal checks a method with no per-case form: a bootstrap over the
// reference cohort, the same for every case (kept, not recomputed).
func TestIntervalsGlobal(t *testing.T) {
	e, _ := trained(t, Options{ReferenceN: 24})
	c1, _ := detailCase(t, e, 5)
	c2, _ := detailCase(t, e, 6)
	u1, err := e.Intervals(c1, "permutation", nil)
	if err != nil {
		t.Fatal(err)
	}
	if u1.Resamples != GlobalIntervalResamples || u1.Exact || !strings.Contains(u1.Over, "run again") || len(u1.Modalities) != 4 {
		t.Fatalf("permutation: %+v", u1)
	}
	calls := 0
	u2, err := e.Intervals(c2, "permutation", func(engine.Progress) error { calls++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 || u2.Modalities[0] != u1.Modalities[0] {
		t.Errorf("second case: %d pace calls, interval %v; want the kept %v", calls, u2.Modalities[0], u1.Modalities[0])
	}
}

// TestInteractionsMatchNative checks the page's matrix against
// importance.InteractionLocal as cmd/explain runs it (the whole reference cohort as the
// background), and that the index's definition holds on it: symmetric, zero diagonal,
// and the Shapley values add up to the log-odds' change from the empty coalition.
func TestInteractionsMatchNative(t *testing.T) {
	const n = 24
	e, f := trained(t, Options{ReferenceN: n})
	c, z := detailCase(t, e, 7)
	x, err := e.Interactions(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := fusion.LoadBytes(f.model)
	if err != nil {
		t.Fatal(err)
	}
	head, err := fusion.HeadOf(net)
	if err != nil {
		t.Fatal(err)
	}
	bg, err := ReferenceCohort(net, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := importance.InteractionLocal(head, importance.DefaultModalities(), z, bg, importance.Options{Seed: 1, Background: n})
	if err != nil {
		t.Fatal(err)
	}
	if !x.Exact || x.Background != n || x.Class != 1 || len(x.Index) != 4 || len(x.Shapley) != 4 {
		t.Fatalf("interactions: %+v", x)
	}
	for i := range x.Index {
		if x.Index[i][i] != 0 {
			t.Errorf("diagonal %d = %v", i, x.Index[i][i])
		}
		for j := range x.Index {
			if !close4(x.Index[i][j], want.Index[i][j]) || x.Index[i][j] != x.Index[j][i] {
				t.Errorf("index[%d][%d] = %v (transposed %v), native %v", i, j, x.Index[i][j], x.Index[j][i], want.Index[i][j])
			}
		}
	}
	stop := errors.New("stop")
	if _, err := e.Interactions(c, func(engine.Progress) error { return stop }); err != nil && !errors.Is(err, stop) {
		t.Errorf("stopped interactions: %v", err)
	}
}

// TestDefaultMethodIsMostFaithfulFast keeps DefaultMethod true to the committed
// validation results: of the methods the page can run per case within a frame, it has
// the lowest mean RMSE on the shipped models' scenarios (weights/validation.json, the
// file the page reads) and on the sealed scenario files (docs/validation/sealed-next),
// and the page lists it first.
func TestDefaultMethodIsMostFaithfulFast(t *testing.T) {
	e, _ := trained(t, Options{ReferenceN: 4})
	ms := e.Methods()
	if ms[0].ID != DefaultMethod || !ms[0].Fast || ms[0].Global {
		t.Fatalf("first method %+v, want the fast per-case %q", ms[0], DefaultMethod)
	}
	fast := map[string]bool{}
	for _, m := range ms {
		if m.Fast {
			fast[m.ID] = true
		}
		if m.Fast && (m.Global || slow[m.ID]) {
			t.Errorf("%s: marked fast but global or slow", m.ID)
		}
	}
	var site struct {
		Methods []struct {
			ID   string  `json:"id"`
			RMSE float64 `json:"rmse"`
		} `json:"methods"`
	}
	read(t, "../weights/validation.json", &site)
	best(t, "weights/validation.json", fast, func(yield func(string, float64)) {
		for _, m := range site.Methods {
			yield(m.ID, m.RMSE)
		}
	})
	var res struct {
		Summary []struct {
			Method   string  `json:"method"`
			MeanRMSE float64 `json:"mean_rmse"`
		} `json:"summary"`
	}
	read(t, "../docs/validation/sealed-next/paper/results.json", &res)
	best(t, "sealed scenario files", fast, func(yield func(string, float64)) {
		for _, m := range res.Summary {
			yield(m.Method, m.MeanRMSE)
		}
	})
}

func read(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// best checks that DefaultMethod has the lowest RMSE of the fast methods in rows.
func best(t *testing.T, what string, fast map[string]bool, rows func(func(string, float64))) {
	t.Helper()
	def, low, lowID, seen := math.NaN(), math.Inf(1), "", 0
	rows(func(id string, rmse float64) {
		if !fast[id] {
			return
		}
		seen++
		if id == DefaultMethod {
			def = rmse
		}
		if rmse < low {
			low, lowID = rmse, id
		}
	})
	if seen < 5 || math.IsNaN(def) {
		t.Fatalf("%s: %d fast methods, %q's RMSE %v", what, seen, DefaultMethod, def)
	}
	if def > low {
		t.Errorf("%s: %s has RMSE %.4f, but the fast method %s has %.4f", what, DefaultMethod, def, lowID, low)
	}
}
