package modelfile

import (
	"errors"
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

// decompress inflates one zstd frame into exactly rawLen bytes, refusing to produce more.
// The decoder keeps at most an 8 MiB window (what every zstd decoder should accept).
func decompress(comp []byte, rawLen uint64) ([]byte, error) {
	d, err := decoder()
	if err != nil {
		return nil, fmt.Errorf("modelfile: zstd: %w", err)
	}
	// With WithDecodeAllCapLimit the decoder writes at most cap(dst) bytes: one more than
	// the header says, so that a frame holding more is told apart from one holding exactly
	// rawLen.
	body, err := d.DecodeAll(comp, make([]byte, 0, rawLen+1))
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || err == nil && uint64(len(body)) > rawLen {
		return nil, fmt.Errorf("%w: body decompresses to more than the %d bytes the header says", ErrCorrupt, rawLen)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
	}
	if uint64(len(body)) < rawLen {
		return nil, fmt.Errorf("%w: body decompressed to %d bytes, header says %d", ErrCorrupt, len(body), rawLen)
	}
	return body, nil
}

// decoder returns the shared zstd decoder, made on first use. DecodeAll is safe for
// concurrent use; with concurrency 1 the decoder starts no goroutines and calls take turns.
// Low-memory mode keeps no buffers beyond the call.
func decoder() (*zstd.Decoder, error) {
	decoderOnce.Do(func() {
		decoderVal, decoderErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(8<<20),
			zstd.WithDecodeAllCapLimit(true))
	})
	return decoderVal, decoderErr
}

var (
	decoderOnce sync.Once
	decoderVal  *zstd.Decoder
	decoderErr  error
)
