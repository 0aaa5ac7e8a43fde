//go:build js

package modelfile

import (
	"errors"
	"fmt"
)

// compress fails: the js/wasm build reads model files but does not write them, so that
// the browser's main.wasm links no zstd encoder (klauspost/compress's package
// initialisation alone links crypto/rand and its self-tests). Safetensors export works.
func compress(dst, body []byte) ([]byte, error) {
	return nil, fmt.Errorf("modelfile: writing model files is not built for js/wasm (no zstd encoder; safetensors export works): %w",
		errors.ErrUnsupported)
}
