package modelfile

import (
	"errors"
	"fmt"

	"github.com/fusionlens/fusionlens/modelfile/zstd"
)

// decompress inflates one zstd frame into exactly rawLen bytes, refusing to produce more.
// The frame is read by package modelfile/zstd, natively and in the browser alike.
func decompress(comp []byte, rawLen uint64) ([]byte, error) {
	if rawLen > uint64(maxInt) {
		return nil, fmt.Errorf("%w: body of %d bytes", ErrLimit, rawLen)
	}
	// The decoder stops with ErrLimit at the first byte beyond rawLen.
	body, err := zstd.Decode(make([]byte, 0, rawLen), comp, int(rawLen))
	if errors.Is(err, zstd.ErrLimit) {
		return nil, fmt.Errorf("%w: body decompresses to more than the %d bytes the header says", ErrCorrupt, rawLen)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if uint64(len(body)) < rawLen {
		return nil, fmt.Errorf("%w: body decompressed to %d bytes, header says %d", ErrCorrupt, len(body), rawLen)
	}
	return body, nil
}

const maxInt = int(^uint(0) >> 1)
