package main

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
)

// writePaperCSV writes the cases of d (the paper's shape: two 28x28 grey images, twenty
// standardised clinical values) as a CSV that the paper's schema reads: the images as
// 8-bit PNGs in columns ct_axial and ct_coronal, each clinical value in its own column and
// unit (mean + SD x the standardised value, clipped to the variable's plausible range, which
// the schema checks), and the label. It returns the CSV's path.
func writePaperCSV(tb testing.TB, dir string, d fusion.Dataset) string {
	tb.Helper()
	s := fusion.PaperSchema()
	var sb strings.Builder
	sb.WriteString("label")
	for _, im := range s.Images {
		sb.WriteString("," + im.Name)
	}
	for _, g := range s.Groups {
		for _, v := range g.Variables {
			sb.WriteString("," + v.Name)
		}
	}
	sb.WriteString("\n")
	const size = 28
	for i := range d.N {
		fmt.Fprintf(&sb, "%s", s.Classes[d.Labels[i]])
		for k, pix := range [][]float32{d.Axial, d.Coronal} {
			g := image.NewGray(image.Rect(0, 0, size, size))
			for j, v := range pix[i*size*size : (i+1)*size*size] {
				g.Pix[j] = uint8(math.Round(255 * math.Min(1, math.Max(0, float64(v)))))
			}
			name := fmt.Sprintf("img/%d-%d.png", i, k)
			writePaperPNG(tb, filepath.Join(dir, name), g)
			sb.WriteString("," + name)
		}
		j := 0
		for _, g := range s.Groups {
			for _, v := range g.Variables {
				x := v.Mean + v.SD*float64(d.Clinical[i*20+j])
				fmt.Fprintf(&sb, ",%.6g", math.Min(v.Max, math.Max(v.Min, x)))
				j++
			}
		}
		sb.WriteString("\n")
	}
	p := filepath.Join(dir, "cases.csv")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func writePaperPNG(tb testing.TB, path string, img image.Image) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := writePNG(path, img); err != nil {
		tb.Fatal(err)
	}
}
