package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/badinput"
)

// TestBadInputCorpus runs the generated bad-input corpus through the command: every bad
// file is refused with an error naming the problem (and the huge ones with under 100 MB
// of extra memory), every awkward but valid one is explained, saying what it converted.
func TestBadInputCorpus(t *testing.T) {
	dir := t.TempDir()
	cases, err := badinput.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	goodPNG := pngFile(t, dir, "good.png", func(x, y int) uint8 { return uint8(3 * x) })
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			args := []string{c.Flag, c.Path}
			if c.Flag == "-axial" {
				args = append(args, "-coronal", goodPNG)
			}
			var stdout, stderr bytes.Buffer
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			code := run(args, &stdout, &stderr)
			runtime.ReadMemStats(&after)
			extra := after.TotalAlloc - before.TotalAlloc
			if c.Want == "" {
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				return
			}
			msg := stderr.String()
			if code != 2 || !strings.Contains(msg, c.Want) {
				t.Errorf("exit %d, stderr %.300q; want exit 2 and %q", code, msg, c.Want)
			}
			if len(msg) > 600 {
				t.Errorf("error of %d bytes repeats the input", len(msg))
			}
			if c.Huge {
				t.Logf("refusing a %d MiB file allocated %.1f MiB", badinput.HugeSize>>20, float64(extra)/(1<<20))
				if extra > 100<<20 {
					t.Errorf("refusing the huge file allocated %d bytes, want under 100 MB", extra)
				}
			}
		})
	}

	// The colour, two-frame DICOM says what was converted, in text and in JSON.
	dcm := dir + "/colour-2frame.dcm"
	out := runOK(t, "-axial", dcm, "-coronal", dcm)
	if !strings.Contains(out, "colour shown as grey, frame 1 of 2, resampled from 100×100 to 28×28") {
		t.Errorf("text output does not say what was converted:\n%s", out)
	}
	var res Result
	if err := json.Unmarshal([]byte(runOK(t, "-axial", dcm, "-coronal", goodPNG, "-json")), &res); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Case.AxialConversions, "; "); got != "colour shown as grey; frame 1 of 2; resampled from 100×100 to 28×28" {
		t.Errorf("axial_conversions %q", got)
	}
	if got := strings.Join(res.Case.CoronalConversions, "; "); !strings.Contains(got, "resampled from 48×48") {
		t.Errorf("coronal_conversions %q", got)
	}

	// -clinical-file takes name=value text as -clinical does.
	if err := json.Unmarshal([]byte(runOK(t, "-clinical-file", dir+"/clinical-name-value.txt", "-json")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Case.Clinical["age"] != 63 || res.Case.Clinical["crp"] != 12 || len(res.Case.ClinicalGiven) != 3 {
		t.Errorf("clinical from a name=value file: %v given %v", res.Case.Clinical, res.Case.ClinicalGiven)
	}
}
