// Package medmnist loads the 2-D MedMNIST data sets from their official .npz files:
// OrganAMNIST (axial CT), OrganCMNIST (coronal), OrganSMNIST (sagittal) and the other 2-D
// sets (PathMNIST, ChestMNIST, DermaMNIST, OCTMNIST, PneumoniaMNIST, RetinaMNIST,
// BreastMNIST, BloodMNIST, TissueMNIST), at every published size (28, 64, 128, 224).
//
// Images come out as float32 in [0,1], one channel, row-major; Options.Side resamples
// larger images to Side x Side by exact area averaging (the antialiased "box" reduction,
// with ctimage's Resampler, the one user images go through), so organamnist_224.npz can
// feed a 28x28 network. RGB sets are reduced to luminance.
//
// The files are not part of this repository and must never be committed (CC BY 4.0,
// DermaMNIST CC BY-NC 4.0 in v3). Download them yourself from the MedMNIST records on
// Zenodo, https://zenodo.org/records/10519652 (MedMNIST v3, all sizes) or
// https://zenodo.org/records/6496656 (v2, 28 pixels), or through the Python package
// (`pip install medmnist`, then `python -m medmnist download`); Verify checks a file
// against the official MD5s.
package medmnist

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/internal/quote"
	"github.com/fusionlens/fusionlens/npz"
)

// Split names one part of a MedMNIST file.
type Split string

// The three splits of every MedMNIST file.
const (
	Train Split = "train"
	Val   Split = "val"
	Test  Split = "test"
)

// OrganClasses names the 11 labels of OrganAMNIST, OrganCMNIST and OrganSMNIST.
var OrganClasses = []string{
	"bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right",
	"liver", "lung-left", "lung-right", "pancreas", "spleen",
}

// Options control Load.
type Options struct {
	// Side, when not 0, resamples every image to Side x Side by area averaging; use 28
	// for the fusion network. It is meant for reducing (64, 128, 224 -> 28); enlarging
	// interpolates linearly between pixel centres.
	Side int
	// Max, when not 0, reads only the first Max images of the split.
	Max int
	// Limits bound the arrays read from the file (zero: npz defaults).
	Limits npz.Limits
	// Classes, when not 0, is the number of classes the caller reads the labels as: every
	// label must lie in 0..Classes-1, whatever the file is called. When 0, a known data
	// set's own class count applies, and labels of any other file must lie in
	// 0..MaxClasses-1.
	Classes int
}

// MaxClasses bounds the labels of a file whose classes are not known (no
// Options.Classes, a name that is not a known MedMNIST set): MedMNIST's largest label set
// has 11 classes.
const MaxClasses = 256

// Set is one split of a MedMNIST file.
type Set struct {
	Name  string // data set name from the file name, e.g. "organamnist"
	Split Split
	N     int // number of images
	// Height and Width of each image in Images; SourceHeight, SourceWidth and
	// SourceChannels describe the file.
	Height, Width             int
	SourceHeight, SourceWidth int
	SourceChannels            int
	Images                    []float32 // N*Height*Width values in [0,1]
	Labels                    []int     // N*LabelWidth values
	LabelWidth                int       // 1, or 14 for the multi-label ChestMNIST
	Classes                   []string  // class names when known (the organ sets), else nil
}

// Image returns image i (Height*Width values, sharing memory with Images).
func (s *Set) Image(i int) []float32 {
	n := s.Height * s.Width
	return s.Images[i*n : (i+1)*n]
}

// Label returns the label of image i (the first label for a multi-label set).
func (s *Set) Label(i int) int { return s.Labels[i*s.LabelWidth] }

// ErrFormat is wrapped when a file's arrays are not shaped as MedMNIST's.
var ErrFormat = errors.New("medmnist: unexpected file layout")

// DataSetName derives the data set name from a file name: "organamnist_64.npz" ->
// "organamnist".
func DataSetName(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), ".npz")
	for _, s := range []string{"_28", "_64", "_128", "_224"} {
		name = strings.TrimSuffix(name, s)
	}
	return name
}

// classesFor returns the class names of a data set, when this package knows them.
func classesFor(name string) []string {
	switch name {
	case "organamnist", "organcmnist", "organsmnist":
		return OrganClasses
	}
	return nil
}

// Load reads one split of the MedMNIST file at path.
func Load(path string, split Split, opt Options) (*Set, error) {
	ar, err := npz.Open(path)
	if err != nil {
		return nil, err
	}
	defer ar.Close()
	s, err := LoadArchive(ar, DataSetName(path), split, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return s, nil
}

// LoadArchive reads one split from an open archive (for files already in memory, e.g.
// dropped into the browser); name is the data set name used to find class names.
func LoadArchive(ar *npz.Archive, name string, split Split, opt Options) (*Set, error) {
	if split != Train && split != Val && split != Test {
		return nil, fmt.Errorf("medmnist: split %s is not train, val or test", quote.Short(string(split)))
	}
	if opt.Side < 0 || opt.Max < 0 || opt.Classes < 0 {
		return nil, fmt.Errorf("medmnist: Options.Side %d, Options.Max %d and Options.Classes %d must not be negative", opt.Side, opt.Max, opt.Classes)
	}
	ar.Limits = opt.Limits
	imgKey, labKey := string(split)+"_images", string(split)+"_labels"

	labArr, err := ar.Read(labKey)
	if err != nil {
		return nil, err
	}
	d, err := ar.Stream(imgKey)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	h := d.Header
	if h.DType != npz.Uint8 {
		return nil, fmt.Errorf("%w: %s is %s, MedMNIST images are uint8 (|u1)", ErrFormat, imgKey, h.DType)
	}
	s := &Set{Name: name, Split: split, Classes: classesFor(name)}
	switch {
	case len(h.Shape) == 3:
		s.SourceChannels = 1
	case len(h.Shape) == 4 && (h.Shape[3] == 1 || h.Shape[3] == 3):
		s.SourceChannels = h.Shape[3]
	case len(h.Shape) == 4:
		return nil, fmt.Errorf("%w: %s has shape %v: a 3-D (volume) set? only 2-D sets (N,H,W) or (N,H,W,3) load",
			ErrFormat, imgKey, h.Shape)
	default:
		return nil, fmt.Errorf("%w: %s has shape %v, want (N,H,W) or (N,H,W,3)", ErrFormat, imgKey, h.Shape)
	}
	n, sh, sw := h.Shape[0], h.Shape[1], h.Shape[2]
	if sh == 0 || sw == 0 {
		return nil, fmt.Errorf("%w: %s has shape %v: empty images", ErrFormat, imgKey, h.Shape)
	}
	s.SourceHeight, s.SourceWidth = sh, sw
	s.Height, s.Width = sh, sw
	if opt.Side > 0 {
		s.Height, s.Width = opt.Side, opt.Side
	}

	// Labels: (N,) or (N,K).
	var lw int
	switch {
	case len(labArr.Shape) == 1:
		lw = 1
	case len(labArr.Shape) == 2 && labArr.Shape[1] > 0:
		lw = labArr.Shape[1]
	default:
		return nil, fmt.Errorf("%w: %s has shape %v, want (N,1) or (N,K)", ErrFormat, labKey, labArr.Shape)
	}
	if labArr.Shape[0] != n {
		return nil, fmt.Errorf("%w: %s holds %d images but %s holds %d labels", ErrFormat, imgKey, n, labKey, labArr.Shape[0])
	}
	labels, err := labArr.Int64s()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labKey, err)
	}
	if opt.Max > 0 && opt.Max < n {
		n = opt.Max
	}
	// The output can be far larger than the file (many tiny images enlarged), so it is
	// bounded by the same limit as the file's arrays.
	if out, lim := int64(n)*int64(s.Height)*int64(s.Width)*4, opt.Limits.WithDefaults().MaxBytes; out > lim {
		return nil, fmt.Errorf("%w: %d images of %dx%d float32 need %d bytes, over Limits.MaxBytes %d (use Options.Max)",
			npz.ErrTooLarge, n, s.Height, s.Width, out, lim)
	}
	s.N, s.LabelWidth = n, lw
	s.Labels = make([]int, n*lw)
	classes, of := MaxClasses, "the labels of a file of unknown classes"
	switch {
	case opt.Classes > 0:
		classes, of = opt.Classes, "the classes the caller reads"
	case s.Classes != nil:
		classes, of = len(s.Classes), "the classes of "+name
	}
	for i := range s.Labels {
		v := labels[i]
		if v < 0 || v >= int64(classes) {
			return nil, fmt.Errorf("%w: %s[%d] = %d, outside 0..%d (%d classes: %s)", ErrFormat, labKey, i/lw, v, classes-1, classes, of)
		}
		s.Labels[i] = int(v)
	}

	// Images: streamed one at a time, so a 224-pixel split resampled to 28 needs memory
	// for the result, not for the file's array.
	next, err := imageSource(d, sh*sw*s.SourceChannels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imgKey, err)
	}
	rs, err := ctimage.NewResampler(sh, sw, s.Height, s.Width)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imgKey, err)
	}
	grey := make([]float32, sh*sw)
	s.Images = make([]float32, n*s.Height*s.Width)
	for i := range n {
		raw, err := next()
		if err != nil {
			return nil, fmt.Errorf("%s image %d: %w", imgKey, i, err)
		}
		toGrey(grey, raw, s.SourceChannels)
		rs.Resample(s.Image(i), grey)
	}
	return s, nil
}

// imageSource returns a function yielding the raw bytes of one image after another.
func imageSource(d *npz.Decoder, size int) (func() ([]byte, error), error) {
	if d.Header.FortranOrder && len(d.Header.Shape) > 1 {
		// Rare (numpy writes C order), so the whole array is read and reordered.
		a, err := d.Array()
		if err != nil {
			return nil, err
		}
		off := 0
		return func() ([]byte, error) {
			b := a.Data[off : off+size]
			off += size
			return b, nil
		}, nil
	}
	buf := make([]byte, size)
	return func() ([]byte, error) {
		_, err := io.ReadFull(d, buf)
		return buf, err
	}, nil
}

// toGrey converts one image of uint8 pixels (1 or 3 channels, interleaved) to [0,1].
// RGB uses ITU-R 601 luma weights, as PIL's "L" conversion does.
func toGrey(dst []float32, src []byte, channels int) {
	if channels == 1 {
		for i, v := range src {
			dst[i] = float32(v) / 255
		}
		return
	}
	for i := range dst {
		p := src[3*i : 3*i+3]
		dst[i] = min(1, (0.299*float32(p[0])+0.587*float32(p[1])+0.114*float32(p[2]))/255)
	}
}
