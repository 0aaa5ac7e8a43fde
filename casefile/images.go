package casefile

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/npz"
)

// npyMagic opens every .npy file.
const npyMagic = "\x93NUMPY"

// imagePath resolves a cell of an image column: relative to the table's folder unless
// absolute.
func (t *Table) imagePath(cell string) (string, error) {
	p := strings.TrimSpace(cell)
	if p == "" {
		return "", fmt.Errorf("no image file named")
	}
	if filepath.IsAbs(p) {
		return p, nil
	}
	return filepath.Join(t.Dir, filepath.FromSlash(p)), nil
}

// readImageFile reads the image file of a cell within lim.
func (t *Table) readImageFile(cell string, lim Limits) ([]byte, string, error) {
	var (
		path string
		f    io.ReadCloser
		err  error
	)
	if t.Files != nil {
		path = strings.TrimSpace(cell)
		if path == "" {
			return nil, "", fmt.Errorf("no image file named")
		}
		f, err = t.Files.Open(path)
	} else {
		if path, err = t.imagePath(cell); err != nil {
			return nil, "", err
		}
		f, err = os.Open(path)
	}
	if err != nil {
		return nil, path, fmt.Errorf("image %s: %w", quote(strings.TrimSpace(cell)), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, lim.MaxImageBytes+1))
	if err != nil {
		return nil, path, fmt.Errorf("image %s: %w", quote(strings.TrimSpace(cell)), err)
	}
	if int64(len(data)) > lim.MaxImageBytes {
		return nil, path, fmt.Errorf("image %s is larger than %d bytes, the limit", quote(strings.TrimSpace(cell)), lim.MaxImageBytes)
	}
	return data, path, nil
}

// probeImage reads the shape of an image file's contents: a .npy array's from its header,
// any other's by ctimage.Probe.
func probeImage(data []byte, lim Limits) (ctimage.Shape, error) {
	if bytes.HasPrefix(data, []byte(npyMagic)) {
		h, err := npz.ReadHeader(bytes.NewReader(data), npz.Limits{MaxBytes: lim.MaxImageBytes})
		if err != nil {
			return ctimage.Shape{}, err
		}
		w, hgt, c, _, err := npyShape(h.Shape)
		if err != nil {
			return ctimage.Shape{}, err
		}
		if int64(w)*int64(hgt) > int64(lim.MaxPixels) {
			return ctimage.Shape{}, fmt.Errorf(".npy image is %dx%d pixels, the limit is %d", w, hgt, lim.MaxPixels)
		}
		return ctimage.Shape{Format: ctimage.FormatUnknown, Width: w, Height: hgt, Channels: c}, nil
	}
	return ctimage.Probe(data, imageOptions(nil, lim))
}

// npyShape reads an image's width, height and channels from a .npy shape: (H, W) or
// (1, H, W) grey, (3, H, W) colour channel-major, or (H, W, 1) and (H, W, 3) channel-last
// (last reports that).
func npyShape(shape []int) (w, h, c int, last bool, err error) {
	switch {
	case len(shape) == 2:
		h, w, c = shape[0], shape[1], 1
	case len(shape) == 3 && (shape[0] == 1 || shape[0] == 3) && shape[2] != 1 && shape[2] != 3:
		c, h, w = shape[0], shape[1], shape[2]
	case len(shape) == 3 && (shape[2] == 1 || shape[2] == 3) && shape[0] != 1 && shape[0] != 3:
		h, w, c, last = shape[0], shape[1], shape[2], true
	default:
		return 0, 0, 0, false, fmt.Errorf(".npy image has shape %v: want (H, W), (C, H, W) or (H, W, C) with C = 1 or 3", shape)
	}
	if w < 1 || h < 1 {
		return 0, 0, 0, false, fmt.Errorf(".npy image has shape %v: no pixels", shape)
	}
	return w, h, c, last, nil
}

// imageOptions are ctimage's options for an image input with the given CT window (nil:
// the file's own).
func imageOptions(win *ctimage.Window, lim Limits) ctimage.Options {
	o := ctimage.Options{Limits: ctimage.Limits{MaxBytes: lim.MaxImageBytes, MaxPixels: lim.MaxPixels}}
	if win != nil {
		o.WindowSource, o.Window = ctimage.WindowCustom, *win
	}
	return o
}

// decodeImage decodes an image file's contents at full size: PNG, JPEG and DICOM by
// ctimage; a .npy array of uint8 (divided by 255), uint16 (by 65535), or float32 or
// float64 values in [0, 1].
func decodeImage(data []byte, win *ctimage.Window, lim Limits) (*ctimage.Planes, error) {
	if !bytes.HasPrefix(data, []byte(npyMagic)) {
		return ctimage.DecodePlanes(data, imageOptions(win, lim))
	}
	a, err := npz.Read(bytes.NewReader(data), npz.Limits{MaxBytes: lim.MaxImageBytes})
	if err != nil {
		return nil, err
	}
	w, h, c, last, err := npyShape(a.Shape)
	if err != nil {
		return nil, err
	}
	if int64(w)*int64(h) > int64(lim.MaxPixels) {
		return nil, fmt.Errorf(".npy image is %dx%d pixels, the limit is %d", w, h, lim.MaxPixels)
	}
	var scale float64
	switch a.DType {
	case npz.Uint8:
		scale = 255
	case npz.Uint16:
		scale = 65535
	case npz.Float32, npz.Float64:
		scale = 1
	default:
		return nil, fmt.Errorf(".npy image has dtype %s: want uint8, uint16, float32 or float64", a.DType)
	}
	v, err := a.Float64s()
	if err != nil {
		return nil, err
	}
	n := w * h
	p := &ctimage.Planes{Width: w, Height: h, Channels: c, Pix: make([]float32, len(v))}
	for i, x := range v {
		x /= scale
		if !(x >= 0 && x <= 1) {
			return nil, fmt.Errorf(".npy image value %d is %v: float images must hold values in [0, 1]", i, v[i])
		}
		j := i
		if last { // (H, W, C) -> channel-major
			j = (i%c)*n + i/c
		}
		p.Pix[j] = float32(x)
	}
	p.Info = ctimage.Info{Width: w, Height: h, Frames: 1, Colour: c == 3, ValueMin: math.NaN(), ValueMax: math.NaN()}
	return p, nil
}
