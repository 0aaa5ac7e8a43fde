// Package badinput writes a corpus of hostile and awkward inputs for the tests of the
// commands and the page: files people give by mistake (a PNG as a model), files built to
// hurt (a model with absurd weights, a 1.2 GB sparse file, a 1 MB clinical "value"), and
// files that must convert with a note (a colour, two-frame DICOM). Everything is written
// by the tests themselves, so no binary is committed; the huge files are sparse (a hole
// made with Truncate) and cost no disk.
package badinput

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
)

// HugeSize is the size of the sparse huge files: above every read limit.
const HugeSize = 1200 << 20

// Case is one bad input for one flag of cmd/explain (the page takes the same files
// through its model and image inputs, and Text through its clinical fields).
type Case struct {
	Name string // what the input is, e.g. "png-as-model"
	Flag string // the cmd/explain flag that takes it: "-model", "-axial" or "-clinical-file"
	Path string // the file written
	// Want is a text the error must contain; "" when the input must be accepted.
	Want string
	Huge bool // a sparse HugeSize file: reading it whole would cost HugeSize of memory
}

// Write writes the corpus into dir and returns its cases.
func Write(dir string) ([]Case, error) {
	var cases []Case
	add := func(name, flag, want string, data []byte) error {
		path := filepath.Join(dir, name)
		cases = append(cases, Case{Name: name, Flag: flag, Path: path, Want: want})
		return os.WriteFile(path, data, 0o644)
	}
	huge := func(name, flag, want string) error {
		path := filepath.Join(dir, name)
		cases = append(cases, Case{Name: name, Flag: flag, Path: path, Want: want, Huge: true})
		return Sparse(path, HugeSize)
	}
	absurd, err := AbsurdModel()
	if err != nil {
		return nil, err
	}
	pngData, err := PNG()
	if err != nil {
		return nil, err
	}
	for _, err := range []error{
		add("png-as-model.png", "-model", "not a fusionlens model or safetensors file (looks like PNG)", pngData),
		add("text-as-model.txt", "-model", "(looks like text)", []byte("age=63, crp=12 mg/L\n")),
		add("absurd-weights.flns", "-model", `tensor "encoder.0.weight" value 0 is 3.4e+38`, absurd),
		huge("huge-model.flns", "-model", "above the limit"),
		huge("huge-axial.png", "-axial", "above the limit"),
		huge("huge-clinical.txt", "-clinical-file", "above the limit"),
		add("long-clinical.txt", "-clinical-file", "more than the 16384", []byte(LongText(1<<20))),
		add("long-value.txt", "-clinical-file", "… (", []byte("crp="+strings.Repeat("7", 15000))),
		add("clinical-name-value.txt", "-clinical-file", "", []byte("age=63, crp=12 mg/L\nhr=80\n")),
		add("clinical.json", "-clinical-file", "", []byte(`{"age": 63, "crp": "12 mg/L"}`)),
		add("colour-2frame.dcm", "-axial", "", ColourDICOM(100, 100, 2)),
	} {
		if err != nil {
			return nil, err
		}
	}
	return cases, nil
}

// Sparse makes a file of size bytes that holds a hole: no disk space, no data.
func Sparse(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LongText returns n bytes of clinical-looking text: "50" and then blanks, which the
// parser would accept if it read it all.
func LongText(n int) string { return "50" + strings.Repeat(" ", max(0, n-2)) }

// AbsurdModel returns a float32 model file of the paper's network whose first kernel
// holds 3.4e38: finite, so the file format accepts it, and absurd, so fusion must refuse
// it and blame the model.
func AbsurdModel() ([]byte, error) {
	net, err := fusion.NewNet(fusion.DefaultConfig(), 1, 1)
	if err != nil {
		return nil, err
	}
	f := net.File(modelfile.Meta{})
	for i := range f.Tensors {
		if f.Tensors[i].Name == "encoder.0.weight" {
			for j := range f.Tensors[i].Data {
				f.Tensors[i].Data[j] = 3.4e38
			}
		}
	}
	var b bytes.Buffer
	if err := modelfile.Encode(&b, f, modelfile.Options{}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PNG returns a small grey PNG (a ramp).
func PNG() ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			img.SetGray(x, y, color.Gray{Y: uint8(8 * x)})
		}
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// ColourDICOM returns an explicit-VR little-endian DICOM file holding frames RGB images
// of w x h 8-bit pixels (a red-green ramp), the first frame bright.
func ColourDICOM(w, h, frames int) []byte {
	le := binary.LittleEndian
	var out bytes.Buffer
	elem := func(buf *bytes.Buffer, g, e uint16, vr string, val []byte) {
		if len(val)%2 == 1 {
			pad := byte(' ')
			if vr == "UI" || vr == "OB" {
				pad = 0
			}
			val = append(val, pad)
		}
		buf.Write(le.AppendUint16(le.AppendUint16(nil, g), e))
		buf.WriteString(vr)
		if vr == "OB" || vr == "OW" {
			buf.Write([]byte{0, 0})
			buf.Write(le.AppendUint32(nil, uint32(len(val))))
		} else {
			buf.Write(le.AppendUint16(nil, uint16(len(val))))
		}
		buf.Write(val)
	}
	us := func(buf *bytes.Buffer, g, e uint16, v int) { elem(buf, g, e, "US", le.AppendUint16(nil, uint16(v))) }
	out.Write(make([]byte, 128))
	out.WriteString("DICM")
	var meta bytes.Buffer
	elem(&meta, 0x0002, 0x0010, "UI", []byte("1.2.840.10008.1.2.1"))
	elem(&out, 0x0002, 0x0000, "UL", le.AppendUint32(nil, uint32(meta.Len())))
	out.Write(meta.Bytes())
	elem(&out, 0x0008, 0x0060, "CS", []byte("OT"))
	us(&out, 0x0028, 0x0002, 3)
	elem(&out, 0x0028, 0x0004, "CS", []byte("RGB"))
	us(&out, 0x0028, 0x0006, 0)
	elem(&out, 0x0028, 0x0008, "IS", []byte(strconv.Itoa(frames)))
	us(&out, 0x0028, 0x0010, h)
	us(&out, 0x0028, 0x0011, w)
	us(&out, 0x0028, 0x0100, 8)
	us(&out, 0x0028, 0x0101, 8)
	us(&out, 0x0028, 0x0102, 7)
	us(&out, 0x0028, 0x0103, 0)
	px := make([]byte, 0, frames*w*h*3)
	for f := range frames {
		for y := range h {
			for x := range w {
				px = append(px, uint8(255*x/max(1, w-1)), uint8(255*y/max(1, h-1)), uint8(40*f))
			}
		}
	}
	elem(&out, 0x7FE0, 0x0010, "OB", px)
	return out.Bytes()
}
