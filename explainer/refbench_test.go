package explainer

import (
	"os"
	"testing"
)

// BenchmarkReferenceShipped encodes the page's reference cohort (200 cases, seed 1) for
// the shipped F0 model, as the page does for a model opened from disk (skipped when
// weights/F0-sum-all.flns is missing). It runs natively and under node
// (GOOS=js GOARCH=wasm), where the page's kernels run.
func BenchmarkReferenceShipped(b *testing.B) {
	data, err := os.ReadFile("../weights/F0-sum-all.flns")
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		b.StopTimer()
		e, err := Open("F0-sum-all.flns", data, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := e.Prepare(nil); err != nil {
			b.Fatal(err)
		}
	}
}
