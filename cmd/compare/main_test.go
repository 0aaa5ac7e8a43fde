package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/architecture"
)

// TestQuick runs the command as CI does (-quick) and checks what it writes.
func TestQuick(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-quick", "-out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r architecture.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Comparisons) != 1 || r.Comparisons[0].Name != "F6-cross-modal" || len(r.Comparisons[0].Architectures) != 4 || !r.Quick {
		t.Fatalf("report: %d comparisons, quick %v", len(r.Comparisons), r.Quick)
	}
	if !strings.HasPrefix(r.Command, "compare -quick") {
		t.Errorf("command %q", r.Command)
	}
	for _, ext := range []string{".svg", ".png"} {
		if fi, err := os.Stat(filepath.Join(dir, "figures", "F6-cross-modal"+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("figure %s: %v", ext, err)
		}
	}
	out := stdout.String()
	for _, want := range []string{"F6-cross-modal", "architecture", "accuracy", "truth", "early", "hybrid", "separate", "late",
		"! late: late fusion on a decision with cross-modal products"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "hybrid seed 1: train") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-images", "a"}, "need -data"},
		{[]string{"-data", "x.csv"}, "-data needs -images"},
		{[]string{"-seeds", "-1"}, "want numbers >= 0"},
		{[]string{"-patience", "-1"}, "-patience -1"},
		{[]string{"-jobs", "-1"}, "-jobs -1"},
		{[]string{"-architectures", "early,middle"}, `unknown architecture "middle"`},
		{[]string{"-scenario", "F9"}, "no built-in scenario"},
		{[]string{"-scenario", "missing.json"}, "missing.json"},
		{[]string{"stray"}, "unexpected arguments"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append(tc.args, "-out", t.TempDir()), &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want an error containing %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
