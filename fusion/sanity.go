package fusion

import (
	"fmt"
	"math"
	"strings"

	"github.com/fusionlens/fusionlens/nn"
)

// Bounds on the values of a model file, checked by FromFile. No trained network holds
// values near them: over the eight shipped models the largest magnitude of any value is
// 968 (a running variance of the encoder's last batch norm, F6) and every weight and bias
// is smaller, while a file beyond them (a weight of 3.4e38, say) opens only to make every
// explanation overflow. Running statistics describe activations rather than weights, so
// they get more room: a network fed raw Hounsfield units (thousands) has variances in the
// millions.
const (
	// MaxAbsWeight bounds every parameter: weights, biases, batch-norm scales and shifts.
	MaxAbsWeight = 1e4
	// MaxAbsRunningMean bounds batch-norm running means.
	MaxAbsRunningMean = 1e6
	// MaxRunningVar bounds batch-norm running variances (which must also be >= 0).
	MaxRunningVar = 1e8
)

// checkValues reports the first value of a stored tensor that no trained network holds:
// NaN or an infinity, a negative running variance, or a value beyond the bound for its
// kind of tensor. It names the tensor and the value's index.
func checkValues(r tensorRef, data []float32) error {
	for i, v := range data {
		if err := valueError(r, i, v); err != nil {
			return err
		}
	}
	return nil
}

// valueError returns the error checkValues gives for value i of tensor r, v, or nil when
// a trained network may hold it.
func valueError(r tensorRef, i int, v float32) error {
	kind, bound := "weight", float64(MaxAbsWeight)
	switch {
	case r.bn != nil && r.mean:
		kind, bound = "running mean", MaxAbsRunningMean
	case r.bn != nil:
		kind, bound = "running variance", MaxRunningVar
	}
	x := float64(v)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return fmt.Errorf("fusion: model file tensor %q value %d is %v", r.name, i, v)
	case r.bn != nil && !r.mean && x < 0:
		return fmt.Errorf("fusion: model file tensor %q value %d is a negative variance %v", r.name, i, v)
	case math.Abs(x) > bound:
		return fmt.Errorf("fusion: model file tensor %q value %d is %.4g, beyond the %.0e that bounds a trained network's %s: the weights are unusable",
			r.name, i, v, bound, kind)
	}
	return nil
}

// copyValues copies a stored tensor's values into dst (of the same length), checking
// them as checkValues does in the same pass: one comparison per value on the path every
// model file takes (the page opens 281 k values before its first explanation), and
// checkValues's error, naming the value, when one is out of bounds.
func copyValues(r tensorRef, dst, src []float32) error {
	lo, hi := float32(-MaxAbsWeight), float32(MaxAbsWeight)
	switch {
	case r.bn != nil && r.mean:
		lo, hi = -MaxAbsRunningMean, MaxAbsRunningMean
	case r.bn != nil:
		lo, hi = 0, MaxRunningVar
	}
	dst = dst[:len(src)]
	for i, v := range src {
		if !(v >= lo && v <= hi) { // NaN fails both comparisons
			if err := valueError(r, i, v); err != nil {
				return err
			}
		}
		dst[i] = v
	}
	return nil
}

// ActivationError says that the network turned finite inputs into a NaN or an infinity:
// the fault of the model's weights, not of the case.
type ActivationError struct {
	Layer string  // where, e.g. "encoder.0 (Conv2D)" or "head.6 (Dense)"
	Index int     // the first non-finite value in the layer's output
	Value float32 // that value
}

// Error blames the model and names the layer.
func (e *ActivationError) Error() string {
	return fmt.Sprintf("fusion: model produces non-finite activations at %s, output %d is %v: the weights are unusable",
		e.Layer, e.Index, e.Value)
}

// traceNonFinite runs s layer by layer on in (n samples, finite) and returns an
// *ActivationError for the first layer whose output holds a NaN or an infinity, or nil.
// part names s among the stack's tensors ("encoder" or "head").
func (st *stack) traceNonFinite(part string, s *nn.Sequential, in []float32, n int) error {
	for i, l := range s.Layers {
		in = l.Forward(in, n)
		if j := nonFinite(in); j >= 0 {
			return &ActivationError{Layer: st.layerName(part, i, l), Index: j, Value: in[j]}
		}
	}
	return nil
}

// layerName names layer i of a sequential part by its tensors' prefix when it has
// parameters ("encoder.3"), else by its position, with its type.
func (st *stack) layerName(part string, i int, l nn.Layer) string {
	kind := strings.TrimPrefix(fmt.Sprintf("%T", l), "*nn.")
	if ps := l.Params(); len(ps) > 0 {
		for _, r := range st.refs {
			if r.param == ps[0] {
				return strings.TrimSuffix(r.name, "."+ps[0].Name) + " (" + kind + ")"
			}
		}
	}
	return fmt.Sprintf("%s layer %d (%s)", part, i, kind)
}

// EncodeChecked is EncodeInputChecked for input 0 (the paper's networks share one
// encoder, so any input).
func (m *Net) EncodeChecked(img []float32) ([]float32, error) { return m.EncodeInputChecked(0, img) }

// EncodeInputChecked is EncodeInput for an image of finite pixels that returns errors
// instead of panicking and also refuses a non-finite result: it then returns an
// *ActivationError naming the first layer of the input's encoder that made one, which
// blames the model rather than the image.
func (m *Net) EncodeInputChecked(k int, img []float32) ([]float32, error) {
	if k < 0 || k >= m.lay.images() {
		return nil, fmt.Errorf("fusion: image input %d, the network has %d", k, m.lay.images())
	}
	if img == nil { // EncodeInputsChecked would skip it
		return nil, m.checkImage(k, img)
	}
	imgs := make([][]float32, m.lay.images())
	imgs[k] = img
	f, err := m.EncodeInputsChecked(imgs)
	if err != nil {
		return nil, err
	}
	return f[k], nil
}

// EncodeInputsChecked is EncodeInputChecked for several image inputs of one case at once:
// imgs holds one entry per image input, nil for an input not to encode (its result is
// nil). The images that share an encoder go through it as one batch (the paper's two
// images through its one encoder), so its weights are read once for them. Errors name
// the input.
func (m *Net) EncodeInputsChecked(imgs [][]float32) ([][]float32, error) {
	if len(imgs) != m.lay.images() {
		return nil, fmt.Errorf("fusion: %d images given, the network reads %d", len(imgs), m.lay.images())
	}
	for k, img := range imgs {
		if img == nil {
			continue
		}
		if err := m.checkImage(k, img); err != nil {
			return nil, err
		}
	}
	e := m.explain()
	out := make([][]float32, len(imgs))
	for enc, u := range m.lay.users {
		n, p, f := 0, m.cfg.Encoders[enc].Pixels(), m.cfg.Encoders[enc].Features()
		for _, k := range u {
			if imgs[k] != nil {
				copy(e.imgs[enc][n*p:(n+1)*p], imgs[k])
				n++
			}
		}
		if n == 0 {
			continue
		}
		feat := e.enc[enc].Forward(e.imgs[enc][:n*p], n)
		if nonFinite(feat[:n*f]) >= 0 {
			return nil, m.encoderFault(enc, e.imgs[enc][:n*p], n)
		}
		j := 0
		for _, k := range u {
			if imgs[k] != nil {
				out[k] = append([]float32(nil), feat[j*f:(j+1)*f]...)
				j++
			}
		}
	}
	return out, nil
}

// encoderFault traces encoder enc on n finite images to name the layer that overflowed.
func (m *Net) encoderFault(enc int, imgs []float32, n int) error {
	e := m.explain()
	part := "encoder"
	if len(e.s.encs) > 1 {
		part = fmt.Sprintf("encoders.%d", enc)
	}
	if err := e.s.traceNonFinite(part, e.s.encs[enc].seq, imgs, n); err != nil {
		return err
	}
	return &ActivationError{Layer: "the " + part, Index: -1, Value: float32(math.NaN())}
}

// casesFault traces every encoder on the images fuse left in the explainer's buffers.
func (m *Net) casesFault() error {
	e := m.explain()
	for i, u := range m.lay.users {
		if err := m.encoderFault(i, e.imgs[i], len(u)); err != nil {
			return err
		}
	}
	return nil
}

// CheckHead returns an *ActivationError naming the first head layer whose output is not
// finite for the fusion vector z (Dim finite values), or nil when p(class 1) and its
// gradient at z are finite.
func (m *Net) CheckHead(z []float32) error {
	if len(z) != m.cfg.Dim() {
		return fmt.Errorf("fusion: fusion vector has %d values, want %d", len(z), m.cfg.Dim())
	}
	if i := nonFinite(z); i >= 0 {
		return fmt.Errorf("fusion: fusion feature %d is %v", i, z[i])
	}
	var p [1]float32
	g := make([]float32, len(z))
	m.Grad(z, 1, p[:], g)
	if nonFinite(p[:]) < 0 && nonFinite(g) < 0 {
		return nil
	}
	e := m.explain()
	if err := e.s.traceNonFinite("head", e.s.head, append([]float32(nil), z...), 1); err != nil {
		return err
	}
	j := nonFinite(g)
	if j < 0 {
		return &ActivationError{Layer: "the head's output", Index: 0, Value: p[0]}
	}
	return &ActivationError{Layer: "the head's gradient at the fusion layer", Index: j, Value: g[j]}
}

// probe runs a plain case through the network (a mid-grey image and an empty one, the
// clinical means) and returns an *ActivationError if any layer gives a non-finite value,
// so that FromFile refuses weights that cannot explain anything. The case's images go
// through their encoder as one batch (EncodeInputsChecked), as the page encodes a case:
// the encoder's weights are read once, and the code the page's first explanation runs
// has run once before it.
func (m *Net) probe() error {
	images := make([][]float32, m.cfg.Images())
	for k := range images {
		images[k] = make([]float32, m.lay.pixels[k])
		if k%2 == 0 {
			for i := range images[k] {
				images[k][i] = 0.5
			}
		}
	}
	feats, err := m.EncodeInputsChecked(images)
	if err != nil {
		return err
	}
	z, err := m.Fuse(feats, make([]float32, m.cfg.Clinical()))
	if err != nil {
		return err
	}
	return m.CheckHead(z)
}
