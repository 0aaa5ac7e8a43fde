//go:build js

package modelfile

import (
	"errors"
	"fmt"
)

// compress is not available in js builds: the page and its workers only read model
// files, and the zstd encoder's package (github.com/klauspost/compress/zstd) would link
// crypto/rand, log and context into them, about 0.18 MB of main.wasm gzip
// (BENCHMARKS.md, "Download"). Encode fails with an error wrapping errors.ErrUnsupported.
func compress(dst, body []byte) ([]byte, error) {
	return nil, fmt.Errorf("modelfile: writing model files in the browser: %w", errors.ErrUnsupported)
}
