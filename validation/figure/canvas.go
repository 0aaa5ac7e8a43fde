// Package figure draws the validation platform's figures: for each scenario, grouped bars
// of every method's estimated modality importance against the ground truth; a summary
// of each method's mean RMSE beside the paper's figures; and, for a basis report, each
// scenario's truth beside its basis-free value and its farthest twin.
//
// A figure is recorded once as a list of rectangles, lines and text in pixel units
// (origin top left) and rendered twice: as SVG written by hand, and as PNG through
// gonum.org/v1/plot's vgimg rasteriser. Both use the Liberation Sans metrics (metric-
// compatible with Arial and Helvetica, which the SVG names as fallbacks) to lay out text,
// so the two come out alike.
package figure

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/font"
	pfont "gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// Anchor is where a text's position lies along its baseline.
type Anchor int

// Text anchors.
const (
	Start Anchor = iota
	Middle
	End
)

type opKind int

const (
	opRect opKind = iota
	opLine
	opText
	opCircle
)

type op struct {
	kind         opKind
	x, y, w, h   float64 // rect; line: x,y to w,h (as x2,y2); circle: centre x,y, radius w
	fill, stroke color.RGBA
	width        float64
	dash         bool
	text         string
	size, rotate float64 // rotate in degrees, clockwise on screen
	anchor       Anchor
	bold         bool
}

// Figure is a recorded drawing W x H pixels.
type Figure struct {
	W, H float64
	ops  []op
}

// New returns an empty figure with a white background.
func New(w, h float64) *Figure {
	f := &Figure{W: w, H: h}
	f.Rect(0, 0, w, h, White)
	return f
}

// Colours used by the figures.
var (
	White = color.RGBA{255, 255, 255, 255}
	Black = color.RGBA{0, 0, 0, 255}
	Ink   = color.RGBA{34, 34, 34, 255}
	Grey  = color.RGBA{110, 110, 110, 255}
	Light = color.RGBA{225, 225, 225, 255}
	Band  = color.RGBA{243, 243, 243, 255}
)

// Rect fills a rectangle with top-left corner (x, y).
func (f *Figure) Rect(x, y, w, h float64, fill color.RGBA) {
	f.ops = append(f.ops, op{kind: opRect, x: x, y: y, w: w, h: h, fill: fill})
}

// Line strokes a line from (x1, y1) to (x2, y2), dashed if dash is set.
func (f *Figure) Line(x1, y1, x2, y2, width float64, c color.RGBA, dash bool) {
	f.ops = append(f.ops, op{kind: opLine, x: x1, y: y1, w: x2, h: y2, stroke: c, width: width, dash: dash})
}

// Circle draws a circle of radius r about (x, y), filled with fill and outlined with a
// stroke of the given width (none when width is 0). A fill with alpha 0 leaves the
// inside open, so what lies under a ring shows through it.
func (f *Figure) Circle(x, y, r float64, fill, stroke color.RGBA, width float64) {
	f.ops = append(f.ops, op{kind: opCircle, x: x, y: y, w: r, fill: fill, stroke: stroke, width: width})
}

// Text draws s with its baseline through (x, y), anchored there, rotated by rotate
// degrees clockwise about that point.
func (f *Figure) Text(x, y float64, s string, size float64, anchor Anchor, rotate float64, c color.RGBA, bold bool) {
	f.ops = append(f.ops, op{kind: opText, x: x, y: y, text: s, size: size, anchor: anchor, rotate: rotate, fill: c, bold: bold})
}

var (
	fontOnce  sync.Once
	fontCache *pfont.Cache
)

func face(size float64, bold bool) pfont.Face {
	fontOnce.Do(func() { fontCache = pfont.NewCache(liberation.Collection()) })
	fn := pfont.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		fn.Weight = font.WeightBold
	}
	// One pixel is one point here: the figures are laid out at 72 px per inch.
	return fontCache.Lookup(fn, vg.Length(size))
}

// TextWidth is the width of s in pixels at the given size.
func TextWidth(s string, size float64, bold bool) float64 {
	fc := face(size, bold)
	return float64(fc.Width(s))
}

// Wrap splits s into lines no wider than width pixels, breaking at spaces.
func Wrap(s string, size, width float64, bold bool) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		try := w
		if line != "" {
			try = line + " " + w
		}
		if line != "" && TextWidth(try, size, bold) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// WriteSVG writes the figure as an SVG document.
func (f *Figure) WriteSVG(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="Liberation Sans, Arial, Helvetica, sans-serif">`+"\n",
		num(f.W), num(f.H), num(f.W), num(f.H))
	for _, o := range f.ops {
		switch o.kind {
		case opRect:
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n", num(o.x), num(o.y), num(o.w), num(o.h), hex(o.fill))
		case opLine:
			dash := ""
			if o.dash {
				dash = fmt.Sprintf(` stroke-dasharray="%s %s"`, num(3*o.width), num(2*o.width))
			}
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`+"\n",
				num(o.x), num(o.y), num(o.w), num(o.h), hex(o.stroke), num(o.width), dash)
		case opCircle:
			fill := "none"
			if o.fill.A != 0 {
				fill = hex(o.fill)
			}
			stroke := ""
			if o.width > 0 {
				stroke = fmt.Sprintf(` stroke="%s" stroke-width="%s"`, hex(o.stroke), num(o.width))
			}
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%s" fill="%s"%s/>`+"\n", num(o.x), num(o.y), num(o.w), fill, stroke)
		case opText:
			anchor := [...]string{"start", "middle", "end"}[o.anchor]
			extra := ""
			if o.bold {
				extra += ` font-weight="bold"`
			}
			if o.rotate != 0 {
				extra += fmt.Sprintf(` transform="rotate(%s %s %s)"`, num(o.rotate), num(o.x), num(o.y))
			}
			fmt.Fprintf(b, `<text x="%s" y="%s" font-size="%s" text-anchor="%s" fill="%s"%s>%s</text>`+"\n",
				num(o.x), num(o.y), num(o.size), anchor, hex(o.fill), extra, escape(o.text))
		}
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

// WritePNG writes the figure as a PNG at scale pixels per figure pixel (2 gives a sharp
// image on high-density screens).
func (f *Figure) WritePNG(w io.Writer, scale float64) error {
	if !(scale > 0) || scale > 8 {
		return fmt.Errorf("figure: PNG scale %v, want (0, 8]", scale)
	}
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(f.W), vg.Length(f.H)), vgimg.UseDPI(int(math.Round(72*scale))))
	pt := func(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(f.H - y)} }
	for _, o := range f.ops {
		switch o.kind {
		case opRect:
			var p vg.Path
			p.Move(pt(o.x, o.y))
			p.Line(pt(o.x+o.w, o.y))
			p.Line(pt(o.x+o.w, o.y+o.h))
			p.Line(pt(o.x, o.y+o.h))
			p.Close()
			c.SetColor(o.fill)
			c.Fill(p)
		case opLine:
			c.SetColor(o.stroke)
			c.SetLineWidth(vg.Length(o.width))
			if o.dash {
				c.SetLineDash([]vg.Length{vg.Length(3 * o.width), vg.Length(2 * o.width)}, 0)
			} else {
				c.SetLineDash(nil, 0)
			}
			var p vg.Path
			p.Move(pt(o.x, o.y))
			p.Line(pt(o.w, o.h))
			c.Stroke(p)
		case opCircle:
			var p vg.Path
			p.Move(pt(o.x+o.w, o.y))
			p.Arc(pt(o.x, o.y), vg.Length(o.w), 0, 2*math.Pi)
			p.Close()
			if o.fill.A != 0 {
				c.SetColor(o.fill)
				c.Fill(p)
			}
			if o.width > 0 {
				c.SetColor(o.stroke)
				c.SetLineWidth(vg.Length(o.width))
				c.SetLineDash(nil, 0)
				c.Stroke(p)
			}
		case opText:
			fc := face(o.size, o.bold)
			dx := 0.0
			switch o.anchor {
			case Middle:
				dx = -float64(fc.Width(o.text)) / 2
			case End:
				dx = -float64(fc.Width(o.text))
			}
			c.Push()
			c.Translate(pt(o.x, o.y))
			c.Rotate(-o.rotate * math.Pi / 180) // vg rotates counter-clockwise, y up
			c.SetColor(o.fill)
			c.FillString(fc, vg.Point{X: vg.Length(dx)}, o.text)
			c.Pop()
		}
	}
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

func num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

func escape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}
