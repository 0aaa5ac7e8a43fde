package fusion

import "fmt"

// Dataset is a set of N labelled cases. The images are either Inputs, one slice per image
// input of the network (N x that input's Pixels, each image channel-major, values in
// [0, 1]), or, for the paper's two-image network, Axial and Coronal (N x 784 each).
// Clinical holds the N x Clinical() tabular values (for the paper: standardised clinical
// values), Labels N classes in 0..Classes-1.
type Dataset struct {
	N        int
	Inputs   [][]float32 // per image input; nil when Axial and Coronal are used
	Axial    []float32
	Coronal  []float32
	Clinical []float32
	Labels   []int
}

// Images returns the image inputs in fusion-vector order: Inputs, or (Axial, Coronal).
func (d Dataset) Images() [][]float32 {
	if d.Inputs != nil {
		return d.Inputs
	}
	return [][]float32{d.Axial, d.Coronal}
}

// Check reports what is wrong with d as data for a network of configuration cfg.
func (d Dataset) Check(cfg Config) error {
	if d.N < 0 {
		return fmt.Errorf("fusion: dataset has N = %d cases", d.N)
	}
	if d.Inputs != nil && (d.Axial != nil || d.Coronal != nil) {
		return fmt.Errorf("fusion: dataset has both Inputs and Axial/Coronal images")
	}
	imgs := d.Images()
	if len(imgs) != cfg.Images() {
		return fmt.Errorf("fusion: dataset holds %d image inputs, the network reads %d", len(imgs), cfg.Images())
	}
	for k, img := range imgs {
		im := cfg.Schema.Images[k]
		if p := cfg.InputPixels(k); len(img) != d.N*p {
			return fmt.Errorf("fusion: dataset has %d %s pixel values, want N x %dx%dx%d = %d",
				len(img), im.Name, im.Channels, im.Size, im.Size, d.N*p)
		}
	}
	c := cfg.Clinical()
	if len(d.Clinical) != d.N*c {
		return fmt.Errorf("fusion: dataset has %d tabular values, want N x %d = %d", len(d.Clinical), c, d.N*c)
	}
	if len(d.Labels) != d.N {
		return fmt.Errorf("fusion: dataset has %d labels for N = %d cases", len(d.Labels), d.N)
	}
	k := cfg.Classes()
	for i, y := range d.Labels {
		if y < 0 || y >= k {
			return fmt.Errorf("fusion: dataset label %d is %d, want 0..%d", i, y, k-1)
		}
	}
	if i := nonFinite(d.Clinical); i >= 0 {
		return fmt.Errorf("fusion: dataset case %d tabular value %d is %v", i/c, i%c, d.Clinical[i])
	}
	for k, img := range imgs {
		if i := nonFinite(img); i >= 0 {
			p := cfg.InputPixels(k)
			return fmt.Errorf("fusion: dataset case %d %s pixel %d is %v", i/p, cfg.Schema.Images[k].Name, i%p, img[i])
		}
	}
	return nil
}

// Subset returns the cases idx of d, in that order, as a new Dataset (copies) of the same
// form (Inputs, or Axial and Coronal).
func (d Dataset) Subset(idx []int) Dataset {
	if d.N == 0 || len(idx) == 0 {
		return Dataset{}
	}
	pick := func(v []float32) []float32 {
		w := len(v) / d.N
		out := make([]float32, len(idx)*w)
		for j, i := range idx {
			copy(out[j*w:(j+1)*w], v[i*w:(i+1)*w])
		}
		return out
	}
	s := Dataset{N: len(idx), Clinical: pick(d.Clinical), Labels: make([]int, len(idx))}
	if d.Inputs != nil {
		s.Inputs = make([][]float32, len(d.Inputs))
		for k, img := range d.Inputs {
			s.Inputs[k] = pick(img)
		}
	} else {
		s.Axial, s.Coronal = pick(d.Axial), pick(d.Coronal)
	}
	for j, i := range idx {
		s.Labels[j] = d.Labels[i]
	}
	return s
}

// gather stages cases idx of d in the Net's image buffers and in clin, and their labels
// in y.
func (m *Net) gather(d Dataset, idx []int, clin []float32, y []int) {
	n, c := len(idx), m.cfg.Clinical()
	imgs := d.Images()
	for k, img := range imgs {
		p := m.lay.pixels[k]
		for j, i := range idx {
			m.stage(k, j, n, img[i*p:(i+1)*p])
		}
	}
	for j, i := range idx {
		copy(clin[j*c:(j+1)*c], d.Clinical[i*c:(i+1)*c])
		y[j] = d.Labels[i]
	}
}
