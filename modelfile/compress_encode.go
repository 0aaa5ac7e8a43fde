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

// encoder returns the shared zstd encoder (github.com/klauspost/compress/zstd): EncodeAll
// is safe for concurrent use. Its frame checksum is off because the file carries its own
// CRC-32C of the body; single-segment frames declare their content size and need no
// window beyond it. js builds (the page and its workers) do not write model files and do
// not import that package, whose imports (crypto/rand, log, context) would be linked
// whether called or not (compress_js.go).
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
