package ctimage

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randPlane(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	p := make([]float32, n)
	for i := range p {
		p[i] = r.Float32()
	}
	return p
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// areaReference is an independent exact area average: replicate every source pixel r x r
// times so that the side becomes L = lcm(m, n), then take plain block means of L/n.
func areaReference(p []float32, m, n int) []float64 {
	l := m / gcd(m, n) * n
	r, b := l/m, l/n
	out := make([]float64, n*n)
	for y := 0; y < l; y++ {
		for x := 0; x < l; x++ {
			out[(y/b)*n+x/b] += float64(p[(y/r)*m+x/r])
		}
	}
	for i := range out {
		out[i] /= float64(b * b)
	}
	return out
}

func TestResampleMatchesExactAreaAverage(t *testing.T) {
	for _, m := range []int{28, 30, 57, 100, 128, 131} {
		p := randPlane(uint64(m), m*m)
		got := resampleSquare(p, m, 0, 0, m, Size)
		want := areaReference(p, m, Size)
		for i := range got {
			if math.Abs(float64(got[i])-want[i]) > 1e-6 {
				t.Fatalf("side %d pixel %d: %v, want %v", m, i, got[i], want[i])
			}
		}
	}
}

func TestResampleWeightsSumToOne(t *testing.T) {
	for m := 1; m < 300; m += 7 {
		for _, taps := range resampleWeights(m, Size) {
			var s float64
			for _, tp := range taps {
				if tp.src < 0 || tp.src >= m || tp.w < 0 {
					t.Fatalf("m=%d: bad tap %+v", m, tp)
				}
				s += tp.w
			}
			if math.Abs(s-1) > 1e-12 {
				t.Fatalf("m=%d: weights sum to %v", m, s)
			}
		}
	}
}

// TestResampleNoAliasing: a one-pixel checkerboard reduced by 10 averages to flat grey; a
// point-sampling resize would return all black or all white.
func TestResampleNoAliasing(t *testing.T) {
	m := 280
	p := make([]float32, m*m)
	for y := 0; y < m; y++ {
		for x := 0; x < m; x++ {
			p[y*m+x] = float32((x + y) % 2)
		}
	}
	for i, v := range resampleSquare(p, m, 0, 0, m, Size) {
		if math.Abs(float64(v)-0.5) > 1e-6 {
			t.Fatalf("pixel %d = %v, want 0.5", i, v)
		}
	}
}

// TestResampleMeanPreserved: area averaging keeps the mean for non-integer factors too.
func TestResampleMeanPreserved(t *testing.T) {
	m := 97
	p := randPlane(7, m*m)
	if d := math.Abs(meanOf(resampleSquare(p, m, 0, 0, m, Size)) - meanOf(p)); d > 1e-6 {
		t.Fatalf("mean changed by %v", d)
	}
}

// TestResampleEnlargeBilinear: a 14x14 linear ramp enlarged to 28x28 stays linear away from
// the clamped edges, and a constant stays constant.
func TestResampleEnlargeBilinear(t *testing.T) {
	m := 14
	p := make([]float32, m*m)
	for y := 0; y < m; y++ {
		for x := 0; x < m; x++ {
			p[y*m+x] = float32(x) / float32(m-1)
		}
	}
	out := resampleSquare(p, m, 0, 0, m, Size)
	for x := 1; x < Size-1; x++ {
		sx := (float64(x)+0.5)*float64(m)/Size - 0.5
		want := sx / float64(m-1)
		if got := float64(out[10*Size+x]); math.Abs(got-want) > 1e-6 {
			t.Fatalf("x=%d: %v, want %v", x, got, want)
		}
	}
	for i := range p {
		p[i] = 0.25
	}
	for i, v := range resampleSquare(p, m, 0, 0, m, Size) {
		if v != 0.25 {
			t.Fatalf("constant: pixel %d = %v", i, v)
		}
	}
}

// TestResampleCrop: the crop offsets select the right square of a wider plane.
func TestResampleCrop(t *testing.T) {
	w, h := 90, 56
	p := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x >= 17 && x < 17+56 {
				p[y*w+x] = 1
			}
		}
	}
	for i, v := range resampleSquare(p, w, 17, 0, 56, Size) {
		if v != 1 {
			t.Fatalf("pixel %d = %v, the crop leaked outside", i, v)
		}
	}
}

func BenchmarkResample512(b *testing.B) {
	p := randPlane(1, 512*512)
	b.SetBytes(512 * 512 * 4)
	for b.Loop() {
		resampleSquare(p, 512, 0, 0, 512, Size)
	}
}
