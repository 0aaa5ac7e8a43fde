package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fusionlens/fusionlens/validation"
	"github.com/schollz/progressbar/v3"
)

// bar draws the run's progress on stderr: on a terminal a progress bar (schollz/progressbar,
// redrawn in place at most five times a second, with elapsed and remaining time),
// elsewhere a plain line whenever the phase changes.
type bar struct {
	w         io.Writer
	start     time.Time
	lastPhase string
	pb        *progressbar.ProgressBar // nil off a terminal
}

// barSteps is the bar's resolution: Progress.Done in thousandths.
const barSteps = 1000

func newBar(w io.Writer) *bar {
	b := &bar{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.pb = newTerminalBar(w, 200*time.Millisecond)
		}
	}
	return b
}

func newTerminalBar(w io.Writer, throttle time.Duration) *progressbar.ProgressBar {
	return progressbar.NewOptions(barSteps, progressbar.OptionSetWriter(w), progressbar.OptionSetWidth(20),
		progressbar.OptionSetTheme(progressbar.Theme{Saucer: "=", SaucerPadding: " ", BarStart: "[", BarEnd: "]"}),
		progressbar.OptionThrottle(throttle), progressbar.OptionSetElapsedTime(true), progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionUseANSICodes(true))
}

func (b *bar) report(p validation.Progress) {
	detail := p.Phase
	if p.Detail != "" {
		detail += " " + p.Detail
	}
	desc := fmt.Sprintf("scenario %d/%d %s: %s", p.Scenario, p.Scenarios, p.Name, detail)
	if b.pb != nil {
		b.pb.Describe(desc)
		b.pb.Set(max(0, min(barSteps, int(barSteps*p.Done+0.5))))
		return
	}
	if desc == b.lastPhase {
		return
	}
	b.lastPhase = desc
	elapsed := time.Since(b.start)
	eta := "?"
	if p.Done > 0.02 {
		eta = (time.Duration(float64(elapsed) * (1 - p.Done) / p.Done)).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "%3.0f%%  %s  elapsed %s  ETA %s\n", 100*p.Done, desc, elapsed.Round(time.Second), eta)
}

// finish ends the redrawn line.
func (b *bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
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
