package fusion

import "fmt"

// Dataset is a set of labelled cases for the paper's two-image network: N axial and N
// coronal images (N x Pixels each, row-major, values in [0, 1]), N x Clinical
// standardised clinical values and N labels in {0, 1}.
type Dataset struct {
	N        int
	Axial    []float32
	Coronal  []float32
	Clinical []float32
	Labels   []int
}

// Images returns the image modalities in fusion-vector order (axial, coronal).
func (d Dataset) Images() [][]float32 { return [][]float32{d.Axial, d.Coronal} }

// Check reports what is wrong with d as data for a network of configuration cfg.
func (d Dataset) Check(cfg Config) error {
	if cfg.Images != 2 {
		return fmt.Errorf("fusion: a Dataset holds two image modalities, the network reads %d", cfg.Images)
	}
	if d.N < 0 {
		return fmt.Errorf("fusion: dataset has N = %d cases", d.N)
	}
	p := cfg.Pixels()
	if len(d.Axial) != d.N*p || len(d.Coronal) != d.N*p {
		return fmt.Errorf("fusion: dataset has %d axial and %d coronal pixel values, want N x %dx%d = %d each",
			len(d.Axial), len(d.Coronal), cfg.ImageSize, cfg.ImageSize, d.N*p)
	}
	if len(d.Clinical) != d.N*cfg.Clinical {
		return fmt.Errorf("fusion: dataset has %d clinical values, want N x %d = %d", len(d.Clinical), cfg.Clinical, d.N*cfg.Clinical)
	}
	if len(d.Labels) != d.N {
		return fmt.Errorf("fusion: dataset has %d labels for N = %d cases", len(d.Labels), d.N)
	}
	for i, y := range d.Labels {
		if y != 0 && y != 1 {
			return fmt.Errorf("fusion: dataset label %d is %d, want 0 or 1", i, y)
		}
	}
	if i := nonFinite(d.Clinical); i >= 0 {
		return fmt.Errorf("fusion: dataset case %d clinical value %d is %v", i/cfg.Clinical, i%cfg.Clinical, d.Clinical[i])
	}
	for k, img := range d.Images() {
		if i := nonFinite(img); i >= 0 {
			return fmt.Errorf("fusion: dataset case %d %s pixel %d is %v", i/p, cfg.Modalities[k].Name, i%p, img[i])
		}
	}
	return nil
}

// Subset returns the cases idx of d, in that order, as a new Dataset (copies).
func (d Dataset) Subset(idx []int) Dataset {
	if d.N == 0 || len(idx) == 0 {
		return Dataset{}
	}
	p, c := len(d.Axial)/d.N, len(d.Clinical)/d.N
	s := Dataset{N: len(idx), Axial: make([]float32, len(idx)*p), Coronal: make([]float32, len(idx)*p),
		Clinical: make([]float32, len(idx)*c), Labels: make([]int, len(idx))}
	for j, i := range idx {
		copy(s.Axial[j*p:(j+1)*p], d.Axial[i*p:(i+1)*p])
		copy(s.Coronal[j*p:(j+1)*p], d.Coronal[i*p:(i+1)*p])
		copy(s.Clinical[j*c:(j+1)*c], d.Clinical[i*c:(i+1)*c])
		s.Labels[j] = d.Labels[i]
	}
	return s
}

// gather stages cases idx of d in the Net's image buffer (image-major) and in clin, and
// their labels in y.
func (m *Net) gather(d Dataset, idx []int, clin []float32, y []int) {
	n, p, c := len(idx), m.cfg.Pixels(), m.cfg.Clinical
	for j, i := range idx {
		copy(m.imgs[j*p:(j+1)*p], d.Axial[i*p:(i+1)*p])
		copy(m.imgs[(n+j)*p:(n+j+1)*p], d.Coronal[i*p:(i+1)*p])
		copy(clin[j*c:(j+1)*c], d.Clinical[i*c:(i+1)*c])
		y[j] = d.Labels[i]
	}
}
