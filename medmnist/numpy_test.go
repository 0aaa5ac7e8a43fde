package medmnist

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/internal/testtool"
)

// A file written the way the MedMNIST project writes its files (numpy.savez_compressed
// of uint8 arrays) loads with the values numpy holds.
func TestLoadNumpyWrittenFile(t *testing.T) {
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import numpy").Run() == nil {
			py = path
			break
		}
	}
	if py == "" {
		testtool.Missing(t, "python3 with numpy (apt-get install python3-numpy)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "organamnist_64.npz")
	script := `
import numpy as np, sys
r = np.random.default_rng(0)
d = {}
for s, n in (("train", 5), ("val", 2), ("test", 3)):
    d[s + "_images"] = r.integers(0, 256, size=(n, 64, 64), dtype=np.uint8)
    d[s + "_labels"] = r.integers(0, 11, size=(n, 1), dtype=np.uint8)
np.savez_compressed(sys.argv[1], **d)
x = d["test_images"].astype(np.float64) / 255
# area average 64 -> 28 by integrating over a 448x448 grid (lcm-friendly upsampling)
up = np.repeat(np.repeat(x, 7, axis=1), 7, axis=2)          # 448 = 64 * 7
small = up.reshape(3, 28, 16, 28, 16).mean(axis=(2, 4))     # 448 = 28 * 16
print(" ".join("%.7f" % v for v in small[2].ravel()[:50]))
print(" ".join(str(int(v)) for v in d["test_labels"].ravel()))
`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var want []float64
	var labels []int
	lines := splitLines(string(out))
	for _, f := range splitFields(lines[0]) {
		want = append(want, atof(t, f))
	}
	for _, f := range splitFields(lines[1]) {
		labels = append(labels, int(atof(t, f)))
	}
	s, err := Load(path, Test, Options{Side: 28})
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 3 || s.SourceHeight != 64 || s.Height != 28 || s.Name != "organamnist" {
		t.Fatalf("N %d, %d -> %d, name %q", s.N, s.SourceHeight, s.Height, s.Name)
	}
	for i, w := range want {
		if d := float64(s.Image(2)[i]) - w; d > 2e-6 || d < -2e-6 {
			t.Errorf("pixel %d: %v, numpy's area average %v", i, s.Image(2)[i], w)
		}
	}
	for i, l := range labels {
		if s.Label(i) != l {
			t.Errorf("label %d: %d, numpy %d", i, s.Label(i), l)
		}
	}
}

func splitLines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

func splitFields(s string) []string { return strings.Fields(s) }

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
