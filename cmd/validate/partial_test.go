package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/validation"
)

// TestPartialResults runs two quick scenarios: after the first, results.json and
// results.md in -out hold it alone, marked partial (1 of 2), with no temporary file
// left; at the end results.json is the finished report, unmarked. -from redraws the
// partial report alone, saying partial, and refuses to merge it with another.
func TestPartialResults(t *testing.T) {
	ae := smallAutoencoder(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	saved := filepath.Join(dir, "partial.json")
	calls := 0
	partialWritten = func(d string, _ *validation.Report) {
		calls++
		if d != out {
			t.Errorf("partial report written to %s, want %s", d, out)
		}
		b, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		r, err := parseReport(b)
		if err != nil {
			t.Fatalf("partial results.json: %v", err)
		}
		if !r.Partial || r.ScenariosPlanned != 2 || len(r.Scenarios) != 1 || r.Scenarios[0].Name != "F1-ct-axial" ||
			!strings.Contains(r.Command, "-scenarios F1,F3") {
			t.Errorf("partial results.json: partial %v, planned %d, %d scenarios, command %q", r.Partial, r.ScenariosPlanned, len(r.Scenarios), r.Command)
		}
		md, _ := os.ReadFile(filepath.Join(out, "results.md"))
		if !bytes.Contains(md, []byte("partial: 1 of 2 scenarios")) {
			t.Errorf("partial results.md does not say so:\n%.400s", md)
		}
		if tmp, _ := filepath.Glob(filepath.Join(out, "*.tmp")); len(tmp) > 0 {
			t.Errorf("temporary files left: %v", tmp)
		}
		if err := os.WriteFile(saved, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { partialWritten = nil })
	var stdout, stderr bytes.Buffer
	args := []string{"-quick", "-seeds", "1", "-n", "300", "-epochs", "1", "-autoencoder", ae, "-out", out, "-scenarios", "F1,F3", "-methods", "gradient"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	if calls != 1 {
		t.Fatalf("%d partial writes for 2 scenarios, want 1", calls)
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseReport(b)
	if err != nil || r.Partial || len(r.Scenarios) != 2 || bytes.Contains(b, []byte(`"partial"`)) || bytes.Contains(b, []byte("scenarios_planned")) {
		t.Errorf("final results.json: %v, %d scenarios, partial mark %v", err, len(r.Scenarios), bytes.Contains(b, []byte("partial")))
	}
	md, _ := os.ReadFile(filepath.Join(out, "results.md"))
	if bytes.Contains(md, []byte("partial")) {
		t.Error("final results.md says partial")
	}
	if tmp, _ := filepath.Glob(filepath.Join(out, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}

	// -from redraws the partial report alone, marked.
	again := filepath.Join(dir, "again")
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"-from", saved, "-out", again}, &stdout, &stderr); code != 0 {
		t.Fatalf("-from a partial report: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "partial: 1 of 2 scenarios") || !strings.Contains(stdout.String(), "Summary over 1 scenarios") {
		t.Errorf("-from a partial report: tables do not say partial:\n%s", stdout.String())
	}
	rb, _ := os.ReadFile(filepath.Join(again, "results.json"))
	if r, err := parseReport(rb); err != nil || !r.Partial || r.ScenariosPlanned != 2 {
		t.Errorf("redrawn partial results.json: %v", err)
	}
	site, _ := os.ReadFile(filepath.Join(again, "validation.json"))
	if !bytes.Contains(site, []byte("(partial: 1 of 2 scenarios)")) {
		t.Errorf("redrawn validation.json's source does not say partial:\n%.300s", site)
	}
	// Merging it with another report is refused, naming the file.
	stderr.Reset()
	final := filepath.Join(out, "results.json")
	if code := run(context.Background(), []string{"-from", final + "," + saved, "-out", again}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), saved+" is a partial report (1 of 2 scenarios)") {
		t.Errorf("-from merging a partial report: exit %d, %q", code, stderr.String())
	}
}

// minimalReport is the smallest results.json parseReport accepts, with extra top-level
// fields spliced in.
func minimalReport(extra string) []byte {
	return []byte(`{` + extra + `"methods":[{"name":"gradient"}],"summary":[{"method":"gradient"}],` +
		`"scenarios":[{"name":"F1","modalities":["a","b"],"truth":[1,0],"methods":[{"method":"gradient"}]}]}`)
}

func TestParseReport(t *testing.T) {
	for _, c := range []struct {
		extra   string
		partial bool
		err     string
	}{
		{"", false, ""},
		{`"partial":true,"scenarios_planned":3,`, true, ""},
		{`"partial":false,`, false, ""},
		{`"partial":true,`, false, "1 scenarios of 0 planned"},
		{`"partial":true,"scenarios_planned":1,`, false, "1 scenarios of 1 planned"},
		{`"scenarios_planned":4,`, false, "scenarios_planned 4 in a report not marked partial"},
		{`"partial":"yes",`, false, "cannot unmarshal"},
	} {
		r, err := parseReport(minimalReport(c.extra))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.extra, err)
		case c.err == "" && r.Partial != c.partial:
			t.Errorf("%s: partial %v", c.extra, r.Partial)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.extra, err, c.err)
		}
	}
}

// FuzzParseReport: parseReport never panics, and what it accepts is consistent.
func FuzzParseReport(f *testing.F) {
	f.Add(minimalReport(""))
	f.Add(minimalReport(`"partial":true,"scenarios_planned":2,`))
	f.Add(minimalReport(`"partial":true,"scenarios_planned":-1,`))
	f.Add([]byte(`{"scenarios":[{}],"summary":[],"methods":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseReport(b)
		if err != nil {
			return
		}
		if len(r.Scenarios) == 0 || len(r.Summary) != len(r.Methods) || (r.Partial && r.ScenariosPlanned <= len(r.Scenarios)) || (!r.Partial && r.ScenariosPlanned != 0) {
			t.Errorf("accepted an inconsistent report: %d scenarios, %d summaries, %d methods, partial %v of %d", len(r.Scenarios), len(r.Summary), len(r.Methods), r.Partial, r.ScenariosPlanned)
		}
	})
}

// TestWriteFileIsAtomic: a write that fails half-way leaves the file as it was and no
// temporary file; one that succeeds replaces it whole.
func TestWriteFileIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeFile(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return errors.New("killed")
	})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "killed") {
		t.Errorf("failed write: error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after a failed write the file holds %q, want the old contents", b)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left after a failed write: %v", err)
	}
	if err := writeFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("after a write the file holds %q", b)
	}
}
