package site

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"strconv"
)

// The page's pictures are small (28x28, previews at most previewMaxSide on a side) and
// live in data: URLs, so they are written as PNGs whose deflate stream holds stored
// (uncompressed) blocks. The browser decodes them like any PNG; what this saves is the
// download: image/png's encoder with compress/flate's compressor and compress/zlib cost
// about 42 KB of main.wasm's gzip -9 size, this writer about 1 KB.

// maxStored is the most bytes one stored deflate block holds.
const maxStored = 65535

// encodePNG writes img, an *image.Gray or an opaque *image.RGBA (every picture the page
// draws), as an 8-bit grey or RGB PNG without compression.
func encodePNG(img image.Image) ([]byte, error) {
	var (
		rows  [][]uint8
		ctype byte // PNG colour type: 0 grey, 2 RGB
		bpp   int  // bytes per pixel
	)
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if w <= 0 || h <= 0 {
		return nil, errors.New("cannot write an empty " + strconv.Itoa(w) + "x" + strconv.Itoa(h) + " image as PNG")
	}
	switch m := img.(type) {
	case *image.Gray:
		ctype, bpp = 0, 1
		for y := r.Min.Y; y < r.Max.Y; y++ {
			i := m.PixOffset(r.Min.X, y)
			rows = append(rows, m.Pix[i:i+w])
		}
	case *image.RGBA:
		// PNG stores colours not premultiplied by alpha, image.RGBA premultiplied: the
		// two agree where every pixel is opaque, which is all this writer takes.
		ctype, bpp = 2, 3
		for y := r.Min.Y; y < r.Max.Y; y++ {
			i := m.PixOffset(r.Min.X, y)
			row := m.Pix[i : i+4*w]
			rgb := make([]uint8, 0, 3*w)
			for x := 0; x < w; x++ {
				if row[4*x+3] != 255 {
					return nil, errors.New("PNG writer takes opaque images only; pixel (" +
						strconv.Itoa(r.Min.X+x) + "," + strconv.Itoa(y) + ") has alpha " + strconv.Itoa(int(row[4*x+3])))
				}
				rgb = append(rgb, row[4*x], row[4*x+1], row[4*x+2])
			}
			rows = append(rows, rgb)
		}
	default:
		return nil, errors.New("PNG writer takes *image.Gray or opaque *image.RGBA images")
	}

	// The zlib stream: header (deflate, 32 KiB window, no dictionary, fastest level; the
	// header's check bits make 0x7801 a multiple of 31), stored blocks of the filtered
	// scanlines (filter byte 0, none, then the row), Adler-32 of the scanlines.
	raw := make([]byte, 0, h*(1+bpp*w))
	for _, row := range rows {
		raw = append(raw, 0)
		raw = append(raw, row...)
	}
	z := make([]byte, 0, len(raw)+len(raw)/maxStored*5+5+6)
	z = append(z, 0x78, 0x01)
	for off := 0; ; off += maxStored {
		n := min(len(raw)-off, maxStored)
		final := byte(0)
		if off+n == len(raw) {
			final = 1
		}
		z = append(z, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		z = append(z, raw[off:off+n]...)
		if final == 1 {
			break
		}
	}
	z = binary.BigEndian.AppendUint32(z, adler32Sum(raw))

	out := make([]byte, 0, len(z)+8+3*12+13)
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, ctype // bit depth 8; compression, filter, interlace 0
	out = pngChunk(out, "IHDR", ihdr[:])
	out = pngChunk(out, "IDAT", z)
	return pngChunk(out, "IEND", nil), nil
}

// pngChunk appends one chunk: length, type, data, CRC-32 of type and data.
func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// adler32Sum is zlib's checksum (RFC 1950), computed in blocks small enough that the sums
// cannot overflow before the modulo.
func adler32Sum(p []byte) uint32 {
	const mod, block = 65521, 5552
	a, b := uint32(1), uint32(0)
	for len(p) > 0 {
		n := min(len(p), block)
		for _, c := range p[:n] {
			a += uint32(c)
			b += a
		}
		a %= mod
		b %= mod
		p = p[n:]
	}
	return b<<16 | a
}
