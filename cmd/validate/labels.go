package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/groundtruth"
)

// labelFlags are -labels and -label-scale: how the built-in scenarios' labels are drawn
// from F, without changing their decision functions. The default is the built-ins' own
// threshold labels, the paper's; scenario files keep the mode they state.
type labelFlags struct {
	mode  string
	scale float64
}

func (l *labelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.mode, "labels", "threshold", "labels of the built-in scenarios: threshold (class 1 is F > median, the paper's) or logistic (class 1 with probability sigmoid(S*(F - median)), S from -label-scale); scenario files keep their own")
	fs.Float64Var(&l.scale, "label-scale", 0, "with -labels logistic, the scale S: the log-odds of class 1 per unit of F (0: 1)")
}

// check validates the two flags together.
func (l labelFlags) check() error {
	mode, err := groundtruth.ParseLabelMode(l.mode)
	if err != nil {
		return fmt.Errorf("-labels %q: want threshold or logistic", l.mode)
	}
	if mode != groundtruth.LogisticLabels && l.scale != 0 {
		return fmt.Errorf("-label-scale %v: only with -labels logistic", l.scale)
	}
	if l.scale < 0 || math.IsNaN(l.scale) || l.scale > groundtruth.MaxMagnitude {
		return fmt.Errorf("-label-scale %v: want a number in (0, %g], or 0 for 1", l.scale, float64(groundtruth.MaxMagnitude))
	}
	return nil
}

// apply sets the label mode of a built-in scenario sc (l must have passed check).
func (l labelFlags) apply(sc *groundtruth.Scenario) {
	mode, _ := groundtruth.ParseLabelMode(l.mode)
	if mode != groundtruth.LogisticLabels {
		return
	}
	sc.LabelMode, sc.LabelScale = mode, l.scale
	if l.scale == 0 {
		sc.LabelScale = groundtruth.DefaultLabelScale
	}
}
