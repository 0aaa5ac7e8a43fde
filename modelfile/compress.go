//go:build !js

package modelfile

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// compress appends body to dst as one zstd frame.
func compress(dst, body []byte) ([]byte, error) {
	enc, err := encoder()
	if err != nil {
		return nil, fmt.Errorf("modelfile: zstd: %w", err)
	}
	return enc.EncodeAll(body, dst), nil
}

// encoder returns the shared zstd encoder: EncodeAll is safe for concurrent use. Its
// frame checksum is off because the file carries its own CRC-32C of the body;
// single-segment frames declare their content size and need no window beyond it. It is
// made on first use inside a function, not by a package-level initialiser, so that a
// program that only reads model files (the browser's main.wasm) does not link the
// encoder: the linker keeps whatever package initialisation references.
func encoder() (*zstd.Encoder, error) {
	encoderOnce.Do(func() {
		encoderVal, encoderErr = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedBestCompression),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(false),
			zstd.WithSingleSegment(true))
	})
	return encoderVal, encoderErr
}

var (
	encoderOnce sync.Once
	encoderVal  *zstd.Encoder
	encoderErr  error
)
