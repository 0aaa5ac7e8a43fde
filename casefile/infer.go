package casefile

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/schema"
)

// TabularGroup is the name of the one group all tabular columns form when no groups are
// given.
const TabularGroup = "tabular"

// InferOptions say how Infer reads a table.
type InferOptions struct {
	// Images are the image columns, in the order of the network's image inputs.
	Images []string
	// Groups are the tabular groups; nil puts every tabular column, in table order, in one
	// group named TabularGroup. Given groups must cover every tabular column.
	Groups []GroupSpec
	// ImageSize, when not 0, is the side every image is resampled to (its centred square);
	// when 0 the images of a column must all be square and of one size, which becomes the
	// input's.
	ImageSize int
	// Train are the rows (0-based indices into Table.Rows) of the training split, which
	// alone give the numeric variables' mean, SD and range; nil means every row.
	Train []int
	// Window is the CT window of DICOM images for every image input; nil means each file's own.
	Window *schema.Window
	// Limits bound the image files read; zero fields take DefaultLimits values.
	Limits Limits
}

// Infer derives the schema of the network that reads t.
//
// Image inputs are named by their columns. Their size and channels come from the files'
// headers (nothing is decoded): 1 channel when a column's files are grey, 3 when colour,
// and all files of a column must agree. The label column's values are the classes: when
// all are integers they are sorted numerically and named by their decimal text ("0", "1",
// ...), else sorted as text. Every other column is a tabular variable: numeric when every
// value is a plain number (schema.ParseNumber), categorical otherwise, its levels the
// distinct values sorted as text. A numeric variable's mean and SD (population) come from
// the training rows only; its plausible range is the training rows' range widened by its
// own width on each side, and not below 0 when no training value is negative (so test
// values a little beyond the training range are read, a value off by a factor of ten
// mostly is not). Values are trimmed of surrounding white space; an empty cell is an
// error.
func Infer(t *Table, o InferOptions) (schema.Schema, error) {
	lim := o.Limits.orDefault()
	var s schema.Schema
	label := t.Column(schema.LabelColumn)
	if label < 0 {
		return s, fmt.Errorf("casefile: no %q column: every case needs its class", schema.LabelColumn)
	}
	train := o.Train
	if train == nil {
		train = make([]int, len(t.Rows))
		for i := range train {
			train[i] = i
		}
	}
	for _, r := range train {
		if r < 0 || r >= len(t.Rows) {
			return s, fmt.Errorf("casefile: training row index %d outside 0..%d", r, len(t.Rows)-1)
		}
	}
	if len(train) < 2 {
		return s, fmt.Errorf("casefile: %d training rows: want at least 2 to estimate means and SDs", len(train))
	}
	if len(o.Images) < schema.MinImages || len(o.Images) > schema.MaxImages {
		return s, fmt.Errorf("casefile: %d image columns given, want %d..%d", len(o.Images), schema.MinImages, schema.MaxImages)
	}
	used := map[int]string{label: "the class column"}
	for _, name := range o.Images {
		c := t.Column(name)
		if c < 0 {
			return s, fmt.Errorf("casefile: no image column %q (the columns are %s)", name, columnList(t.Header))
		}
		if what, ok := used[c]; ok {
			return s, fmt.Errorf("casefile: column %q is given as an image column but is already %s", name, what)
		}
		used[c] = "an image column"
		im, err := inferImage(t, c, o.ImageSize, o.Window, lim)
		if err != nil {
			return s, err
		}
		s.Images = append(s.Images, im)
	}

	groups := o.Groups
	if groups == nil {
		g := GroupSpec{Name: TabularGroup}
		for c, h := range t.Header {
			if _, ok := used[c]; !ok {
				g.Columns = append(g.Columns, h)
			}
		}
		if len(g.Columns) > 0 {
			groups = []GroupSpec{g}
		}
	}
	for _, gs := range groups {
		g := schema.Group{Name: gs.Name}
		for _, name := range gs.Columns {
			c := t.Column(name)
			if c < 0 {
				return s, fmt.Errorf("casefile: group %q: no column %q (the columns are %s)", gs.Name, name, columnList(t.Header))
			}
			if what, ok := used[c]; ok {
				return s, fmt.Errorf("casefile: group %q: column %q is %s", gs.Name, name, what)
			}
			used[c] = fmt.Sprintf("in group %q", gs.Name)
			v, err := inferVariable(t, c, train)
			if err != nil {
				return s, err
			}
			g.Variables = append(g.Variables, v)
		}
		s.Groups = append(s.Groups, g)
	}
	for c, h := range t.Header {
		if _, ok := used[c]; !ok {
			return s, fmt.Errorf("casefile: column %q is in no group: add it to one, or drop it from the CSV", h)
		}
	}

	classes, err := inferClasses(t, label)
	if err != nil {
		return s, err
	}
	s.Classes = classes
	if err := s.Validate(); err != nil {
		return schema.Schema{}, fmt.Errorf("casefile: the inferred schema: %w", err)
	}
	return s, nil
}

func columnList(h []string) string {
	if len(h) > 12 {
		return strings.Join(h[:12], ", ") + fmt.Sprintf(", ... (%d in all)", len(h))
	}
	return strings.Join(h, ", ")
}

// inferImage reads the header of every file of column c.
func inferImage(t *Table, c, size int, win *schema.Window, lim Limits) (schema.Image, error) {
	im := schema.Image{Name: t.Header[c], Size: size, Window: win}
	if win != nil {
		w := *win
		im.Window = &w
	}
	first := -1
	for r, row := range t.Rows {
		data, _, err := t.readImageFile(row[c], lim)
		if err != nil {
			return im, t.at(r, c, "%w", err)
		}
		sh, err := probeImage(data, lim)
		if err != nil {
			return im, t.at(r, c, "image %s: %w", quote(strings.TrimSpace(row[c])), err)
		}
		if first < 0 {
			first, im.Channels = r, sh.Channels
			if size == 0 {
				if sh.Width != sh.Height {
					return im, t.at(r, c, "image %s is %dx%d, not square: give an image size to crop and resample every image to", quote(strings.TrimSpace(row[c])), sh.Width, sh.Height)
				}
				im.Size = sh.Width
				if im.Size < schema.MinImageSize || im.Size > schema.MaxImageSize {
					return im, t.at(r, c, "images are %dx%d, the network reads %d..%d pixels a side: give an image size to resample them to",
						sh.Width, sh.Height, schema.MinImageSize, schema.MaxImageSize)
				}
			}
			continue
		}
		if sh.Channels != im.Channels {
			return im, t.at(r, c, "image %s has %d channel(s), the column's first image (row %d) %d: the images of one column must all be grey or all colour",
				quote(strings.TrimSpace(row[c])), sh.Channels, first+1, im.Channels)
		}
		if size == 0 && (sh.Width != im.Size || sh.Height != im.Size) {
			return im, t.at(r, c, "image %s is %dx%d, the column's first image (row %d) %dx%d: give an image size to resample every image to one size",
				quote(strings.TrimSpace(row[c])), sh.Width, sh.Height, first+1, im.Size, im.Size)
		}
	}
	return im, nil
}

// maxLevelsShown bounds the levels an error lists.
const maxLevelsShown = 5

// inferVariable reads column c as a tabular variable.
func inferVariable(t *Table, c int, train []int) (schema.Variable, error) {
	v := schema.Variable{Name: t.Header[c], Kind: schema.KindNumeric}
	firstText := -1
	for r, row := range t.Rows {
		cell := strings.TrimSpace(row[c])
		if cell == "" {
			return v, t.at(r, c, "no value: every case needs every value")
		}
		if _, err := schema.ParseNumber(cell); err != nil && firstText < 0 {
			firstText = r
		}
	}
	if firstText >= 0 {
		levels := map[string]bool{}
		numbers := 0
		for _, row := range t.Rows {
			cell := strings.TrimSpace(row[c])
			levels[cell] = true
			if _, err := schema.ParseNumber(cell); err == nil {
				numbers++
			}
		}
		if len(levels) > schema.MaxLevels {
			if numbers > 0 {
				return v, t.at(firstText, c, "%s is not a number, and the column has %d distinct values, too many for a categorical variable (at most %d): fix the value",
					quote(strings.TrimSpace(t.Rows[firstText][c])), len(levels), schema.MaxLevels)
			}
			return v, t.at(-1, c, "%d distinct values, too many for a categorical variable (at most %d): is it an identifier? drop it from the CSV", len(levels), schema.MaxLevels)
		}
		v.Kind = schema.KindCategorical
		for l := range levels {
			v.Levels = append(v.Levels, l)
		}
		slices.Sort(v.Levels)
		if len(v.Levels) < schema.MinLevels {
			return v, t.at(-1, c, "every case has the value %s: a constant tells the network nothing; drop the column", quote(v.Levels[0]))
		}
		return v, nil
	}
	var sum, sq float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range train {
		x, _ := schema.ParseNumber(strings.TrimSpace(t.Rows[r][c]))
		sum += x
		lo, hi = min(lo, x), max(hi, x)
	}
	n := float64(len(train))
	v.Mean = sum / n
	for _, r := range train {
		x, _ := schema.ParseNumber(strings.TrimSpace(t.Rows[r][c]))
		sq += (x - v.Mean) * (x - v.Mean)
	}
	v.SD = math.Sqrt(sq / n)
	if !(hi > lo) || !(v.SD > 0) {
		return v, t.at(-1, c, "every training case has the value %v: a constant tells the network nothing; drop the column", lo)
	}
	width := hi - lo
	v.Min, v.Max = lo-width, hi+width
	if lo >= 0 {
		v.Min = max(v.Min, 0)
	}
	return v, nil
}

// classKey is how a label cell names its class: an integer by its decimal text ("01" and
// "1" are class "1"), anything else by its trimmed text.
func classKey(cell string) (key string, num int64, isNum bool) {
	s := strings.TrimSpace(cell)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10), n, true
	}
	return s, 0, false
}

// inferClasses reads the class names from the label column.
func inferClasses(t *Table, label int) ([]string, error) {
	type class struct {
		name string
		num  int64
	}
	seen := map[string]bool{}
	var classes []class
	allNum := true
	for r, row := range t.Rows {
		key, num, isNum := classKey(row[label])
		if key == "" {
			return nil, t.at(r, label, "no class: every case needs its class")
		}
		allNum = allNum && isNum
		if !seen[key] {
			seen[key] = true
			classes = append(classes, class{key, num})
			if len(classes) > schema.MaxClasses {
				return nil, t.at(r, label, "more than %d classes (this row's is %s): a network decides between %d and %d classes",
					schema.MaxClasses, quote(key), schema.MinClasses, schema.MaxClasses)
			}
		}
	}
	if len(classes) < schema.MinClasses {
		return nil, t.at(-1, label, "every case has the class %s: want %d..%d classes", quote(classes[0].name), schema.MinClasses, schema.MaxClasses)
	}
	slices.SortFunc(classes, func(a, b class) int {
		if allNum {
			return cmp.Compare(a.num, b.num)
		}
		return strings.Compare(a.name, b.name)
	})
	out := make([]string, len(classes))
	for i, c := range classes {
		out[i] = c.name
	}
	return out, nil
}

// ClassIndex returns the index in classes of the class a label cell names (see Infer), or
// -1.
func ClassIndex(classes []string, cell string) int {
	key, _, _ := classKey(cell)
	return slices.Index(classes, key)
}

// Labels returns the classes of t's label column, as Infer names and orders them, and each
// row's class index: what a stratified split needs before the schema is inferred.
func Labels(t *Table) (classes []string, labels []int, err error) {
	label := t.Column(schema.LabelColumn)
	if label < 0 {
		return nil, nil, fmt.Errorf("casefile: no %q column: every case needs its class", schema.LabelColumn)
	}
	if classes, err = inferClasses(t, label); err != nil {
		return nil, nil, err
	}
	labels = make([]int, len(t.Rows))
	for r, row := range t.Rows {
		labels[r] = ClassIndex(classes, row[label])
	}
	return classes, labels, nil
}
