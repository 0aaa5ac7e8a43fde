package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fusionlens/fusionlens/validation"
)

// bar draws the run's progress on stderr: on a terminal one line redrawn in place (at
// most five times a second), elsewhere a plain line whenever the phase changes.
type bar struct {
	w         io.Writer
	tty       bool
	start     time.Time
	last      time.Time
	lastPhase string
	drawn     bool
}

func newBar(w io.Writer) *bar {
	b := &bar{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

const barWidth = 20

func (b *bar) report(p validation.Progress) {
	phase := fmt.Sprintf("%d/%d %s %s", p.Scenario, p.Scenarios, p.Phase, p.Detail)
	changed := phase != b.lastPhase
	if !changed && (!b.tty || time.Since(b.last) < 200*time.Millisecond) {
		return
	}
	b.last, b.lastPhase = time.Now(), phase
	elapsed := time.Since(b.start)
	eta := "?"
	if p.Done > 0.02 {
		eta = (time.Duration(float64(elapsed) * (1 - p.Done) / p.Done)).Round(time.Second).String()
	}
	n := int(barWidth*p.Done + 0.5)
	n = max(0, min(barWidth, n))
	detail := p.Phase
	if p.Detail != "" {
		detail += " " + p.Detail
	}
	line := fmt.Sprintf("scenario %d/%d %-18s [%s%s] %3.0f%%  %-30s elapsed %s  ETA %s",
		p.Scenario, p.Scenarios, p.Name, strings.Repeat("=", n), strings.Repeat(" ", barWidth-n), 100*p.Done,
		detail, elapsed.Round(time.Second), eta)
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
		b.drawn = true
		return
	}
	fmt.Fprintln(b.w, line)
}

// finish ends the redrawn line.
func (b *bar) finish() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
