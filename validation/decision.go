package validation

import (
	"github.com/fusionlens/fusionlens/groundtruth"
	"github.com/fusionlens/fusionlens/nn"
)

// decisionHead is the best network a scenario's labels allow, with perfect encoders: it
// reads a case's forty ground-truth features as its fusion vector and returns the
// labels' own probability of class 1, ε + (1 - 2ε)·q with ε the label noise and q the
// labels before noise (a step at the threshold, or the logistic of LabelScale·(F - t)).
// A trained network approaches it as its cohort grows, so a method's answer on it is
// the method's answer for a perfect network: its distance from the truth is the
// method's own, not the network's.
type decisionHead struct {
	sc        *groundtruth.Scenario
	threshold float64
	x, g      []float64 // one case's features and dF/dx
}

func newDecisionHead(sc *groundtruth.Scenario, threshold float64) *decisionHead {
	return &decisionHead{sc: sc, threshold: threshold, x: make([]float64, groundtruth.NumFeatures), g: make([]float64, groundtruth.NumFeatures)}
}

// Dim is the number of ground-truth features.
func (d *decisionHead) Dim() int { return groundtruth.NumFeatures }

// row loads case i of z and returns p(class 1) and, with logistic labels, dp/dF.
func (d *decisionHead) row(z []float32, i int) (p, dpdF float64) {
	for j := range d.x {
		d.x[j] = float64(z[i*groundtruth.NumFeatures+j])
	}
	u := d.sc.F(d.x) - d.threshold
	eps := d.sc.LabelNoise
	if d.sc.LabelMode == groundtruth.LogisticLabels {
		q := nn.Logistic(d.sc.LabelScale * u)
		return eps + (1-2*eps)*q, (1 - 2*eps) * d.sc.LabelScale * q * (1 - q)
	}
	if u > 0 {
		return 1 - eps, 0
	}
	return eps, 0
}

// Prob sets p[i] = p(class 1 | the features of case i).
func (d *decisionHead) Prob(z []float32, n int, p []float32) {
	for i := range n {
		v, _ := d.row(z, i)
		p[i] = float32(v)
	}
}

// Grad sets p as Prob does and g = dp/dx: (dp/dF)·dF/dx with logistic labels; 0 with
// threshold labels, whose step has derivative 0 everywhere but at the threshold.
func (d *decisionHead) Grad(z []float32, n int, p, g []float32) {
	for i := range n {
		v, dpdF := d.row(z, i)
		p[i] = float32(v)
		d.sc.Grad(d.x, d.g)
		for j, gj := range d.g {
			g[i*groundtruth.NumFeatures+j] = float32(dpdF * gj)
		}
	}
}
