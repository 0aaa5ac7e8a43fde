package casefile

import (
	"fmt"
	"strings"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/schema"
)

// Cases are rows of a table as a network reads them.
type Cases struct {
	N int
	// Rows are the cases' rows, 0-based indices into Table.Rows (row Rows[i]+1 in errors).
	Rows []int
	// Images holds, per image input of the schema, N images of Channels x Size x Size
	// values in [0, 1], channel-major, one after the other.
	Images [][]float32
	// Tabular holds N rows of the schema's TabularWidth values (schema.Encode).
	Tabular []float32
	// Labels holds N class indices into the schema's Classes; -1 for a case without a
	// class (LoadOptions.Unlabelled).
	Labels []int
}

// Subset returns the cases idx (indices into c's cases, 0..N-1) as new Cases (copies).
func (c *Cases) Subset(idx []int) *Cases {
	out := &Cases{N: len(idx), Rows: make([]int, len(idx)), Labels: make([]int, len(idx)), Images: make([][]float32, len(c.Images))}
	pick := func(v []float32) []float32 {
		w := 0
		if c.N > 0 {
			w = len(v) / c.N
		}
		o := make([]float32, 0, len(idx)*w)
		for _, i := range idx {
			o = append(o, v[i*w:(i+1)*w]...)
		}
		return o
	}
	for k, im := range c.Images {
		out.Images[k] = pick(im)
	}
	out.Tabular = pick(c.Tabular)
	for j, i := range idx {
		out.Rows[j], out.Labels[j] = c.Rows[i], c.Labels[i]
	}
	return out
}

// LoadOptions say which rows Load reads and how.
type LoadOptions struct {
	// Rows are the rows to load (0-based indices into Table.Rows), in order; nil means all.
	Rows []int
	// Resize resamples images of another size than the schema's (their centred square);
	// otherwise such an image is an error.
	Resize bool
	// Unlabelled allows a table without a label column, or with empty labels: such cases
	// get label -1. Otherwise every case needs one of the schema's classes.
	Unlabelled bool
	// Limits bound the image files read; zero fields take DefaultLimits values.
	Limits Limits
	// Progress, if not nil, is called after each case with the number done and the total.
	Progress func(done, total int)
}

// Load reads rows of t as the network of schema s reads them. Each image file is read
// and decoded once, windowed by its input's CT window (DICOM), and cropped to its centred
// square and resampled to the input's size (only when o.Resize; else it must have the
// input's size). Its channels must be the input's: a colour file for a grey input, or the
// reverse, is an error. Tabular values are encoded by schema.Variable.Encode, and each
// label names one of s.Classes (ClassIndex). Columns s does not read are ignored. Every
// error about a case is an *Error naming its row and column.
func Load(t *Table, s schema.Schema, o LoadOptions) (*Cases, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("casefile: %w", err)
	}
	lim := o.Limits.orDefault()
	rows := o.Rows
	if rows == nil {
		rows = make([]int, len(t.Rows))
		for i := range rows {
			rows[i] = i
		}
	}
	for _, r := range rows {
		if r < 0 || r >= len(t.Rows) {
			return nil, fmt.Errorf("casefile: row index %d outside 0..%d", r, len(t.Rows)-1)
		}
	}
	imgCol := make([]int, len(s.Images))
	for k, im := range s.Images {
		if imgCol[k] = t.Column(im.Name); imgCol[k] < 0 {
			return nil, fmt.Errorf("casefile: no column %q: the model reads image input %q from it", im.Name, im.Name)
		}
	}
	type varCol struct {
		v      schema.Variable
		col    int
		offset int
	}
	var vars []varCol
	at := 0
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			c := t.Column(v.Name)
			if c < 0 {
				return nil, fmt.Errorf("casefile: no column %q: the model reads variable %q of group %q from it", v.Name, v.Name, g.Name)
			}
			vars = append(vars, varCol{v, c, at})
			at += v.Width()
		}
	}
	label := t.Column(schema.LabelColumn)
	if label < 0 && !o.Unlabelled {
		return nil, fmt.Errorf("casefile: no %q column: every case needs its class", schema.LabelColumn)
	}

	n, tw := len(rows), s.TabularWidth()
	out := &Cases{N: n, Rows: append([]int(nil), rows...), Images: make([][]float32, len(s.Images)),
		Tabular: make([]float32, n*tw), Labels: make([]int, n)}
	for k, im := range s.Images {
		out.Images[k] = make([]float32, n*im.Pixels())
	}
	for i, r := range rows {
		row := t.Rows[r]
		for k, im := range s.Images {
			if err := loadImage(t, r, imgCol[k], im, o.Resize, lim, out.Images[k][i*im.Pixels():(i+1)*im.Pixels()]); err != nil {
				return nil, err
			}
		}
		dst := out.Tabular[i*tw : (i+1)*tw]
		for _, vc := range vars {
			if err := vc.v.Encode(dst[vc.offset:vc.offset+vc.v.Width()], row[vc.col]); err != nil {
				return nil, t.at(r, vc.col, "%w", err)
			}
		}
		out.Labels[i] = -1
		if label >= 0 {
			cell := strings.TrimSpace(row[label])
			switch {
			case cell == "" && o.Unlabelled:
			case cell == "":
				return nil, t.at(r, label, "no class: every case needs its class")
			default:
				if out.Labels[i] = ClassIndex(s.Classes, cell); out.Labels[i] < 0 {
					return nil, t.at(r, label, "%s is not a class of the model (%s)", quote(cell), strings.Join(s.Classes, ", "))
				}
			}
		}
		if o.Progress != nil {
			o.Progress(i+1, n)
		}
	}
	return out, nil
}

// loadImage decodes the image of row r, column c into dst.
func loadImage(t *Table, r, c int, im schema.Image, resize bool, lim Limits, dst []float32) error {
	cell := t.Rows[r][c]
	data, _, err := t.readImageFile(cell, lim)
	if err != nil {
		return t.at(r, c, "%w", err)
	}
	var win *ctimage.Window
	if im.Window != nil {
		win = &ctimage.Window{Center: im.Window.Center, Width: im.Window.Width}
	}
	p, err := decodeImage(data, win, lim)
	if err != nil {
		return t.at(r, c, "image %s: %w", quote(strings.TrimSpace(cell)), err)
	}
	if p.Channels != im.Channels {
		kind := map[int]string{1: "grey", 3: "colour"}
		return t.at(r, c, "image %s is %s (%d channel(s)), the model's input %q is %s (%d)",
			quote(strings.TrimSpace(cell)), kind[p.Channels], p.Channels, im.Name, kind[im.Channels], im.Channels)
	}
	if !resize && (p.Width != im.Size || p.Height != im.Size) {
		return t.at(r, c, "image %s is %dx%d, the model's input %q reads %dx%d: resize the images (or ask for resampling)",
			quote(strings.TrimSpace(cell)), p.Width, p.Height, im.Name, im.Size, im.Size)
	}
	copy(dst, p.Square(im.Size))
	return nil
}
