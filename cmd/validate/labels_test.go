package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/groundtruth"
)

// TestLabelFlags checks that -labels logistic -label-scale S changes the label mode of
// the built-ins (named or all eight) and nothing else, and leaves scenario files as they are.
func TestLabelFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.json")
	if err := os.WriteFile(file, []byte(`{"name":"mine","weights":[{"feature":0,"weight":1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-labels", "logistic", "-label-scale", "0.45", "-scenarios", "F0,F6", file}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	list, err := o.scenarioList()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d scenarios, want 3", len(list))
	}
	for _, s := range list[:2] {
		b, _ := groundtruth.Builtin(s.Scenario.Name)
		if s.Scenario.LabelMode != groundtruth.LogisticLabels || s.Scenario.LabelScale != 0.45 {
			t.Errorf("%s: labels %v, scale %g; want logistic, 0.45", s.Scenario.Name, s.Scenario.LabelMode, s.Scenario.LabelScale)
		}
		b.LabelMode, b.LabelScale = s.Scenario.LabelMode, s.Scenario.LabelScale
		if same, err := sameScenario(b, s.Scenario); err != nil || !same {
			t.Errorf("%s: more than the label mode changed (%v)", s.Scenario.Name, err)
		}
	}
	if f := list[2].Scenario; f.LabelMode != groundtruth.ThresholdLabels || f.LabelScale != 0 {
		t.Errorf("scenario file: labels %v, scale %g; want its own threshold labels", f.LabelMode, f.LabelScale)
	}

	// All eight, scale defaulting to 1.
	o, err = parseFlags([]string{"-labels", "logistic"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if list, err = o.scenarioList(); err != nil || len(list) != 8 {
		t.Fatalf("%d scenarios, %v", len(list), err)
	}
	for _, s := range list {
		if s.Scenario.LabelMode != groundtruth.LogisticLabels || s.Scenario.LabelScale != groundtruth.DefaultLabelScale {
			t.Errorf("%s: labels %v, scale %g; want logistic, 1", s.Scenario.Name, s.Scenario.LabelMode, s.Scenario.LabelScale)
		}
	}

	// The default is the paper's: the built-ins unchanged.
	o, err = parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	list, _ = o.scenarioList()
	for k, s := range list {
		if same, err := sameScenario(&groundtruth.Builtins()[k], s.Scenario); err != nil || !same {
			t.Errorf("%s changed without -labels (%v)", s.Scenario.Name, err)
		}
	}
}

func sameScenario(a, b *groundtruth.Scenario) (bool, error) {
	ja, err := a.MarshalJSON()
	if err != nil {
		return false, err
	}
	jb, err := b.MarshalJSON()
	return bytes.Equal(ja, jb), err
}

func TestLabelFlagsBadUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-labels", "probit"}, `-labels "probit": want threshold or logistic`},
		{[]string{"-label-scale", "2"}, "-label-scale 2: only with -labels logistic"},
		{[]string{"-labels", "threshold", "-label-scale", "2"}, "-label-scale 2: only with -labels logistic"},
		{[]string{"-labels", "logistic", "-label-scale", "-1"}, "-label-scale -1: want a number in (0,"},
		{[]string{"-labels", "logistic", "-label-scale", "NaN"}, "-label-scale NaN"},
		{[]string{"-labels", "logistic", "-label-scale", "1e7"}, "-label-scale 1e+07"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: exit %d, stderr %q (want %q)", c.args, code, stderr.String(), c.msg)
		}
	}
}
