package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/validation"
)

func TestBarOnTerminal(t *testing.T) {
	var out bytes.Buffer
	b := &bar{w: &out, pb: newTerminalBar(&out, 0)}
	b.report(validation.Progress{Scenario: 2, Scenarios: 4, Name: "F1", Phase: "train", Detail: "epoch 3/20", Done: 0.5})
	b.finish()
	s := out.String()
	for _, want := range []string{"\r", "[==========          ]", "50%", "scenario 2/4 F1: train epoch 3/20"} {
		if !strings.Contains(s, want) {
			t.Errorf("bar output %q lacks %q", s, want)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		t.Errorf("bar output %q does not end its line", s)
	}
}

func TestBarPlainLinePerPhase(t *testing.T) {
	var out bytes.Buffer
	b := newBar(&out) // not a terminal
	p := validation.Progress{Scenario: 1, Scenarios: 2, Name: "F0", Phase: "cohort", Done: 0.1}
	b.report(p)
	p.Done = 0.2 // same phase: no new line
	b.report(p)
	p.Phase, p.Detail = "train", "epoch 1/20"
	b.report(p)
	b.finish()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || strings.Contains(out.String(), "\r") {
		t.Fatalf("plain output %q: want two lines without \\r", out.String())
	}
	for i, want := range []string{"scenario 1/2 F0: cohort", "scenario 1/2 F0: train epoch 1/20"} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "ETA") {
			t.Errorf("line %d %q lacks %q or an ETA", i, lines[i], want)
		}
	}
}
