package fusion

import (
	"errors"
	"fmt"
	"math"

	"github.com/fusionlens/fusionlens/internal/rank"
)

// Metrics summarise a network's predictions on labelled cases.
type Metrics struct {
	N        int
	Accuracy float64 // share of cases whose more probable class is the label
	// AUC is the area under the ROC curve of p(class 1), rank-based (ties count one half);
	// NaN when the cases hold only one class.
	AUC     float64
	LogLoss float64 // mean -ln p(label), each p clamped to [1e-15, 1]
}

// Embed runs every case of d through the network in inference mode, in batches of up to
// MaxBatch, and returns the fusion vectors (N x Dim) and p(class 1) per case. It uses the
// Net's own buffers and restores its mode afterwards.
func (m *Net) Embed(d Dataset) (z, p []float32, err error) {
	z, probs, err := m.EmbedProbs(d)
	if err != nil {
		return nil, nil, err
	}
	k := m.cfg.Classes()
	p = make([]float32, d.N)
	for i := range p {
		p[i] = probs[i*k+1]
	}
	return z, p, nil
}

// EmbedProbs is Embed with every class probability: probs is N x Classes.
func (m *Net) EmbedProbs(d Dataset) (z, probs []float32, err error) {
	if err := d.Check(m.cfg); err != nil {
		return nil, nil, err
	}
	was := m.Training()
	m.SetTraining(false)
	defer m.SetTraining(was)
	dim, k := m.cfg.Dim(), m.cfg.Classes()
	z, probs = make([]float32, d.N*dim), make([]float32, d.N*k)
	idx := make([]int, m.maxN)
	clin := make([]float32, m.maxN*m.cfg.Clinical())
	y := make([]int, m.maxN)
	for lo := 0; lo < d.N; lo += m.maxN {
		n := min(m.maxN, d.N-lo)
		for j := range n {
			idx[j] = lo + j
		}
		m.gather(d, idx[:n], clin, y)
		zb, logp := m.forwardStaged(clin, n)
		copy(z[lo*dim:], zb)
		for j := range n * k {
			probs[lo*k+j] = float32(math.Exp(float64(logp[j])))
		}
	}
	return z, probs, nil
}

// Evaluate returns the accuracy, AUC and log-loss of the network on d, in inference mode.
// With more than two classes, accuracy counts the most probable class, AUC is the mean of
// the one-versus-rest AUCs of the classes present with others, and log-loss uses
// p(label).
func (m *Net) Evaluate(d Dataset) (Metrics, error) {
	if d.N == 0 {
		return Metrics{}, errors.New("fusion: Evaluate: no cases")
	}
	if m.cfg.Classes() == 2 {
		_, p, err := m.Embed(d)
		if err != nil {
			return Metrics{}, err
		}
		return Score(p, d.Labels)
	}
	_, probs, err := m.EmbedProbs(d)
	if err != nil {
		return Metrics{}, err
	}
	return ScoreClasses(probs, m.cfg.Classes(), d.Labels)
}

// ScoreClasses returns the metrics of predictions probs (N x k class probabilities)
// against labels in 0..k-1, as Evaluate describes.
func ScoreClasses(probs []float32, k int, labels []int) (Metrics, error) {
	if k < 2 || len(probs) != len(labels)*k || len(labels) == 0 {
		return Metrics{}, fmt.Errorf("fusion: ScoreClasses: %d probabilities for %d labels of %d classes", len(probs), len(labels), k)
	}
	if i := nonFinite(probs); i >= 0 {
		return Metrics{}, fmt.Errorf("fusion: ScoreClasses: probability %d of case %d is %v", i%k, i/k, probs[i])
	}
	mt := Metrics{N: len(labels)}
	correct := 0
	var ll float64
	for i, y := range labels {
		if y < 0 || y >= k {
			return Metrics{}, fmt.Errorf("fusion: ScoreClasses: label %d is %d, want 0..%d", i, y, k-1)
		}
		row := probs[i*k : (i+1)*k]
		if PredictedClass(row) == y {
			correct++
		}
		ll -= math.Log(min(max(float64(row[y]), 1e-15), 1))
	}
	mt.Accuracy = float64(correct) / float64(len(labels))
	mt.LogLoss = ll / float64(len(labels))
	score, bin := make([]float32, len(labels)), make([]int, len(labels))
	var sum float64
	used := 0
	for c := range k {
		for i, y := range labels {
			score[i] = probs[i*k+c]
			bin[i] = 0
			if y == c {
				bin[i] = 1
			}
		}
		if a, err := AUC(score, bin); err == nil {
			sum += a
			used++
		}
	}
	mt.AUC = math.NaN()
	if used > 0 {
		mt.AUC = sum / float64(used)
	}
	return mt, nil
}

// Score returns the metrics of predictions p (p(class 1) per case) against labels.
func Score(p []float32, labels []int) (Metrics, error) {
	if len(p) != len(labels) || len(p) == 0 {
		return Metrics{}, fmt.Errorf("fusion: Score: %d predictions for %d labels", len(p), len(labels))
	}
	mt := Metrics{N: len(p)}
	correct := 0
	var ll float64
	for i, y := range labels {
		if y != 0 && y != 1 {
			return Metrics{}, fmt.Errorf("fusion: Score: label %d is %d, want 0 or 1", i, y)
		}
		q := float64(p[i])
		if math.IsNaN(q) {
			return Metrics{}, fmt.Errorf("fusion: Score: prediction %d is NaN", i)
		}
		if (q > 0.5) == (y == 1) {
			correct++
		}
		if y == 0 {
			q = 1 - q
		}
		ll -= math.Log(min(max(q, 1e-15), 1))
	}
	mt.Accuracy = float64(correct) / float64(len(p))
	mt.LogLoss = ll / float64(len(p))
	mt.AUC = math.NaN()
	if a, err := AUC(p, labels); err == nil {
		mt.AUC = a
	}
	return mt, nil
}

// AUC returns the area under the ROC curve of scores against labels in {0, 1}: the
// probability that a random positive case scores above a random negative one, ties
// counting one half (the Mann-Whitney U statistic over average ranks). It fails when a
// class is missing.
func AUC(scores []float32, labels []int) (float64, error) {
	if len(scores) != len(labels) {
		return 0, fmt.Errorf("fusion: AUC: %d scores for %d labels", len(scores), len(labels))
	}
	if i := nonFinite(scores); i >= 0 {
		return 0, fmt.Errorf("fusion: AUC: score %d is %v", i, scores[i])
	}
	r := rank.Average(scores)
	var pos, neg, rankSum float64
	for i, l := range labels {
		switch l {
		case 1:
			pos++
			rankSum += r[i]
		case 0:
			neg++
		default:
			return 0, fmt.Errorf("fusion: AUC: label %d is %d, want 0 or 1", i, l)
		}
	}
	if pos == 0 || neg == 0 {
		return 0, fmt.Errorf("fusion: AUC: %v positive and %v negative cases; need both", pos, neg)
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg), nil
}
