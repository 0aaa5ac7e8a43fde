package fusion

import "github.com/fusionlens/fusionlens/nn"

// EmbedFolded is EmbedProbs for explaining many cases: the encoders run with each
// convolution's batch norm and ReLU folded into it (nn.FoldBatchNorm), as the batch-1
// explanations run them, so neither costs a pass over the activations of its own. Its
// results equal EmbedProbs's in inference mode to float32 rounding. It runs batches of up
// to maxBatch cases on buffers of its own (a Clone; m's are untouched) and always uses the
// running statistics, whatever m's mode.
func (m *Net) EmbedFolded(d Dataset, maxBatch int) (z, probs []float32, err error) {
	c := m.Clone(max(1, min(maxBatch, d.N)))
	c.SetTraining(false)
	for _, e := range c.s.encs {
		e.seq = nn.FoldBatchNorm(e.seq)
	}
	return c.EmbedProbs(d)
}
