package ctimage

import (
	"image"
	"reflect"
	"testing"
)

func TestConversions(t *testing.T) {
	for _, c := range []struct {
		in   Info
		want []string
	}{
		{Info{Width: 28, Height: 28, Crop: image.Rect(0, 0, 28, 28), BitDepth: 8}, nil},
		{Info{Width: 100, Height: 100, Crop: image.Rect(0, 0, 100, 100), BitDepth: 8, Colour: true, Frames: 2},
			[]string{"colour shown as grey", "frame 1 of 2", "resampled from 100×100 to 28×28"}},
		{Info{Width: 112, Height: 56, Crop: image.Rect(28, 0, 84, 56), BitDepth: 16},
			[]string{"centre 56×56 used", "resampled from 56×56 to 28×28", "16-bit samples scaled to grey levels"}},
		{Info{Width: 28, Height: 28, Crop: image.Rect(0, 0, 28, 28), BitDepth: 12, Units: "HU", ValueMin: -1000, ValueMax: 1000,
			Window: Window{Center: 40, Width: 400}, WindowSource: WindowDefault},
			[]string{"HU outside -160…240 clipped by the window", "12-bit samples scaled to grey levels"}},
		{Info{Width: 28, Height: 28, Crop: image.Rect(0, 0, 28, 28), BitDepth: 8, ValueMin: 0, ValueMax: 255,
			Window: Window{Center: 127.5, Width: 255}, WindowSource: WindowFullRange}, nil},
	} {
		if got := c.in.Conversions(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: Conversions = %q, want %q", c.in, got, c.want)
		}
	}
}
