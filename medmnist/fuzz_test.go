package medmnist

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/fusionlens/fusionlens/ctimage"
	"github.com/fusionlens/fusionlens/npz"
)

func FuzzLoadArchive(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	dir := f.TempDir()
	for i, shape := range [][]int{{28, 28, 1}, {64, 64, 1}, {8, 8, 3}} {
		p := filepath.Join(dir, "f"+itoa(i)+".npz")
		writeFile(f, p, map[Split]fixture{Train: randomSplit(f, rng, 2, shape[0], shape[1], shape[2], 11)})
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(28))
	}
	f.Fuzz(func(t *testing.T, in []byte, side uint8) {
		ar, err := npz.NewArchive(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		s, err := LoadArchive(ar, "organamnist", Train, Options{Side: int(side % 64), Limits: npz.Limits{MaxBytes: 1 << 20}})
		if err != nil {
			return
		}
		if len(s.Images) != s.N*s.Height*s.Width || len(s.Labels) != s.N*s.LabelWidth {
			t.Fatalf("inconsistent set: N %d %dx%d, %d values, %d labels", s.N, s.Height, s.Width, len(s.Images), len(s.Labels))
		}
		for _, v := range s.Images {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("pixel %v outside [0,1]", v)
			}
		}
	})
}

func BenchmarkResample224To28(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	src := make([]float32, 224*224)
	for i := range src {
		src[i] = rng.Float32()
	}
	dst := make([]float32, 784)
	r, err := ctimage.NewResampler(224, 224, 28, 28)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		r.Resample(dst, src)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkLoad64To28(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	p := filepath.Join(b.TempDir(), "organamnist_64.npz")
	writeFile(b, p, map[Split]fixture{Train: randomSplit(b, rng, 1000, 64, 64, 1, 11)})
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(p, Train, Options{Side: 28}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "images/s")
}
