// Package modelfile is the fusionlens model file: named float32 tensors, the network's own
// configuration (opaque JSON) and the facts of how the model was trained, in one
// self-describing, compressed, checksummed file. It knows nothing about the network; the
// fusion package stores its configuration in File.Config and its weights as tensors.
//
// It also reads and writes safetensors (https://huggingface.co/docs/safetensors), so a
// model can go to PyTorch and come back: Config and Meta travel in the safetensors
// __metadata__ as JSON strings under the keys "fusionlens.config" and "fusionlens.meta".
//
// # File layout, format version 1
//
// All integers are little-endian.
//
//	offset  size  field
//	0       4     magic "FLNS"
//	4       2     format version (1)
//	6       2     flags (0; any other value is rejected as an unsupported version)
//	8       8     body length in bytes, decompressed
//	16      8     compressed length in bytes
//	24      4     CRC-32C (Castagnoli) of the decompressed body
//	28      ...   the body as one zstd frame, exactly "compressed length" bytes, then EOF
//
// The decompressed body is
//
//	uint32 header length H | H bytes of JSON header | tensor data
//
// where the header is {"config": ..., "meta": {...}, "tensors": [{"name", "dtype",
// "shape"}, ...]} and the tensor data follow in header order with no padding:
//
//	float32  4n bytes, byte-planar: byte 0 of every value, then byte 1 of every value, ...
//	float16  2n bytes (IEEE 754 binary16), byte-planar likewise
//	int8     shape[0] float32 scales (4 bytes each), then n int8 values in row-major order
//
// Byte-planar order puts the sign and exponent bytes of all values together, which zstd
// compresses better than interleaved floats (7 % smaller for random-normal float32
// weights, 1 % for float16); it is undone on reading.
//
// int8 is symmetric per output channel: each slice along the first dimension (a row of a
// dense weight [out, in], one output channel of a convolution [out, in, kh, kw]) has its own
// scale s = maxabs/127 and stores round(x/s), so |x - q*s| <= s/2. Only tensors with at
// least two dimensions are stored as int8; one-dimensional tensors (biases, batch-norm
// parameters and statistics) and scalars use Options.Small, float32 unless asked otherwise,
// because they are few and a per-element scale would cost more than it saves.
//
// Encoding the same File with the same Options always gives the same bytes: nothing in the
// file depends on the clock unless Meta.Created is set.
//
// # zstd
//
// Files are written with github.com/klauspost/compress/zstd (one shared encoder, made on
// first use; not in js builds, where Encode fails with errors.ErrUnsupported) and read
// with package modelfile/zstd, written here, natively and in js/wasm alike, which
// writes no more than the header's body length. Reading without the library keeps its
// imports (crypto/rand, log, context) out of the browser's download; what that saves,
// and the decoders measured before, are in BENCHMARKS.md ("Download" and "Reading model
// files in the page").
package modelfile
