package radiomics

import (
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// A 4x4 image, air except a 2x2 bright square at rows 2-3, columns 0-1.
func TestMeasureSquare(t *testing.T) {
	img := make([]float32, 16)
	for _, i := range []int{8, 9, 12, 13} {
		img[i] = 1
	}
	m, err := Measure(img, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mean", m[0], 0.25)
	near(t, "sd", m[1], math.Sqrt(0.25*0.75))
	near(t, "body area", m[2], 0.25)
	near(t, "bright area", m[3], 0.25)
	near(t, "bright intensity", m[4], 1)
	near(t, "bright row", m[5], 2.5/3)
	near(t, "bright col", m[6], 0.5/3)
	near(t, "row spread", m[7], 0.5/4) // rows 2 and 3: SD 0.5
	near(t, "col spread", m[8], 0.5/4)
	// Edges: row 1 -> 2 for columns 0, 1 (2), column 1 -> 2 for rows 2, 3 (2).
	near(t, "mean abs gradient", m[9], 4.0/16)
}

// A flat image has no bright region and no texture.
func TestMeasureFlat(t *testing.T) {
	img := make([]float32, 9)
	for i := range img {
		img[i] = 0.4
	}
	m, err := Measure(img, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mean", m[0], 0.4)
	near(t, "sd", m[1], 0)
	near(t, "body area", m[2], 1)
	near(t, "bright area", m[3], 0)
	near(t, "bright intensity", m[4], m[0])
	near(t, "bright row", m[5], 0.5)
	near(t, "bright col", m[6], 0.5)
	near(t, "row spread", m[7], math.Sqrt(2.0/3)/3)
	near(t, "mean abs gradient", m[9], 0)
}

// Moving the bright region moves the centroid and nothing else.
func TestMeasureShift(t *testing.T) {
	a, b := make([]float32, 25), make([]float32, 25)
	a[1*5+1], b[3*5+1] = 1, 1 // both away from the border
	ma, _ := Measure(a, 5, 5)
	mb, _ := Measure(b, 5, 5)
	for k := range ma {
		switch k {
		case 5, 7: // the row's centroid; the row spread is 0 in both
			continue
		}
		near(t, Names[k], mb[k], ma[k])
	}
	near(t, "row a", ma[5], 0.25)
	near(t, "row b", mb[5], 0.75)
}

func TestMeasureErrors(t *testing.T) {
	for _, tc := range []struct {
		img  []float32
		w, h int
		want string
	}{
		{make([]float32, 3), 2, 2, "has 3 values, want 2 x 2 = 4"},
		{nil, 0, 2, "size 0x2"},
		{[]float32{0, float32(math.NaN()), 0, 0}, 2, 2, "pixel 1 (row 0, column 1) is NaN"},
		{[]float32{0, 0, float32(math.Inf(1)), 0}, 2, 2, "pixel 2 (row 1, column 0) is +Inf"},
	} {
		_, err := Measure(tc.img, tc.w, tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Measure(%d values, %dx%d) = %v, want an error with %q", len(tc.img), tc.w, tc.h, err, tc.want)
		}
	}
}

func TestMeasureAll(t *testing.T) {
	imgs := make([]float32, 2*4)
	imgs[4+3] = 1
	out, err := MeasureAll(imgs, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2*NumFeatures {
		t.Fatalf("%d values, want %d", len(out), 2*NumFeatures)
	}
	one, _ := Measure(imgs[4:], 2, 2)
	for k := range one {
		near(t, Names[k], out[NumFeatures+k], one[k])
	}
	near(t, "first image's mean", out[0], 0)
	if _, err := MeasureAll(imgs, 3, 2, 2); err == nil || !strings.Contains(err.Error(), "8 values for 3 images of 2x2, want 12") {
		t.Errorf("MeasureAll with too few values: %v", err)
	}
	imgs[1] = float32(math.NaN())
	if _, err := MeasureAll(imgs, 2, 2, 2); err == nil || !strings.Contains(err.Error(), "image 0: radiomics: pixel 1") {
		t.Errorf("MeasureAll with a NaN: %v", err)
	}
}
