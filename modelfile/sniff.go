package modelfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// ErrNotModel: the data are neither a model file nor a safetensors file. Errors wrapping
// it say what the data look like instead (see Sniff).
var ErrNotModel = fmt.Errorf("not a fusionlens model or safetensors file")

// Formats Sniff recognises.
const (
	SniffModel       = "fusionlens model"
	SniffSafetensors = "safetensors"
)

// Sniff names the format that data look like from their first bytes: SniffModel,
// SniffSafetensors, or one of the files people pick by mistake ("PNG", "JPEG", "DICOM",
// "zip or npz", "gzip", "zstd", "JSON", "text"), or "" when nothing matches. It only
// looks; the decoders still check everything.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte(magic)):
		return SniffModel
	case len(data) >= 9 && data[8] == '{' && binary.LittleEndian.Uint64(data) >= 2 && binary.LittleEndian.Uint64(data) <= uint64(len(data)-8):
		return SniffSafetensors
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "PNG"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "JPEG"
	case len(data) >= 132 && string(data[128:132]) == "DICM":
		return "DICOM"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return "zip or npz"
	case bytes.HasPrefix(data, []byte("\x93NUMPY")):
		return "npy"
	case bytes.HasPrefix(data, []byte{0x1F, 0x8B}):
		return "gzip"
	case bytes.HasPrefix(data, []byte{0x28, 0xB5, 0x2F, 0xFD}):
		return "zstd"
	}
	head := data[:min(len(data), 512)]
	// A rune cut at the end of the sample is not a reason to call the data binary.
	for i := 0; i < utf8.UTFMax-1 && len(head) < len(data) && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	if len(head) == 0 || !utf8.Valid(head) || bytes.IndexByte(head, 0) >= 0 {
		return ""
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return "JSON"
	}
	return "text"
}

// NotModelError returns an error wrapping ErrNotModel that says what data look like.
func NotModelError(data []byte) error {
	if kind := Sniff(data); kind != "" {
		return fmt.Errorf("%w (looks like %s)", ErrNotModel, kind)
	}
	n := min(len(data), 8)
	return fmt.Errorf("%w (%d bytes starting with %q)", ErrNotModel, len(data), data[:n])
}
