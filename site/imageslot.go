package site

import (
	"errors"
	"image"
	"image/color"
	"strconv"

	"github.com/fusionlens/fusionlens/modality"
)

// ImageSlot is one image input: the file the user brought, its preview, the image the
// network reads (28x28 grey for the paper's CT views; the input's size and channels
// otherwise) and, once explained, its pixel saliency.
type ImageSlot struct {
	View   modality.Modality // the paper's CT view; -1 for a schema's image input
	Input  int               // index of the image input
	ID     string            // modality name
	Title  string
	TestID string     // data-testid of the file input
	Shape  ImageShape // what the network reads
	need   string     // what Waiting calls a missing image

	File    string       // file name, or what produced the image
	Source  string       // what was decoded and how, one line
	Window  WindowChoice // display window for monochrome DICOM
	Windows bool         // the window choice applies (monochrome DICOM)
	Err     string
	Busy    bool

	Pixels []float32 // Shape.Pixels() values in [0,1], channel-major, nil when empty
	NetURL string    // data: URL of the network view

	SaliencyURL  string  // data: URL of the saliency overlay, "" until computed (or drawn on a canvas)
	SaliencyPeak float64 // largest |dp/dpixel|

	// A slot of another shape than the paper's 28x28 grey shows its network view and its
	// saliency on canvases (drawNet, drawSaliency): their data: URLs could pass Vugu's
	// instruction buffer. NetURL and SaliencyURL stay "" for it.
	netPic, salPic image.Image
	netGen, salGen uint64

	raw []byte    // the file, kept to re-window DICOM
	enc []float32 // the engine's encoding of Pixels, nil when stale

	// The decoded image as displayed (windowed, shrunk to previewMaxSide), or the
	// network's view when there is no larger one; drawn on a canvas by drawPreview, not
	// a data: URL, because an attribute longer than Vugu's 16 KiB instruction buffer
	// stops the page. previewGen names it for the canvas (see picture.go).
	preview    *image.Gray
	previewGen uint64

	loads int // decodes started: a decode's result applies only if no later one started
}

// WindowChoice names a display window for monochrome DICOM images.
type WindowChoice string

// The windows offered for DICOM images.
const (
	WindowAuto    WindowChoice = "auto"    // the file's own window, else abdomen
	WindowAbdomen WindowChoice = "abdomen" // W400/L50
	WindowLung    WindowChoice = "lung"    // W1500/L-600
	WindowBone    WindowChoice = "bone"    // W1800/L400
	WindowFull    WindowChoice = "full"    // the image's full value range
)

// windowOption is one entry of the window select.
type windowOption struct {
	ID    WindowChoice
	Label string
}

var windowOptions = []windowOption{
	{WindowAuto, "File's window (else abdomen)"},
	{WindowAbdomen, "Abdomen W400 / L50"},
	{WindowLung, "Lung W1500 / L−600"},
	{WindowBone, "Bone W1800 / L400"},
	{WindowFull, "Full value range"},
}

func validWindow(w WindowChoice) bool {
	for _, o := range windowOptions {
		if o.ID == w {
			return true
		}
	}
	return false
}

// DecodedImage is what the page needs from an image decoder. Its fields are those of
// imagefile.Image, so one converts to the other.
type DecodedImage struct {
	Pixels  []float32   // the requested shape's values in [0,1] (784 for the paper's 28x28 grey)
	Preview *image.Gray // the decoded image as displayed (windowed, grey)
	Source  string      // one line describing what was decoded
	DICOM   bool        // monochrome DICOM: the window choice applies
}

// ImageDecoder decodes a PNG, JPEG or DICOM file the user brought to an image input of
// the given shape, applying the display window w to monochrome DICOM. The page's runs in a Web Worker (package imagefile in
// check.wasm), so site links no image decoding; it may block and is called off the
// render lock. Native programs and tests use imagefile.Decode.
type ImageDecoder func(data []byte, w WindowChoice, shape ImageShape) (DecodedImage, error)

// decodeRequest is one decode of a slot's file, started under the render lock, run off
// it, and applied under it again.
type decodeRequest struct {
	sl     *ImageSlot
	name   string
	data   []byte
	window WindowChoice
	shape  ImageShape
	decode ImageDecoder
	load   int // the slot's loads when it started
}

// startDecode prepares decoding data (the file called name) into sl with window w.
func (s *State) startDecode(sl *ImageSlot, name string, data []byte, w WindowChoice) *decodeRequest {
	sl.loads++
	sl.Err = ""
	sl.Busy = true
	decode := s.DecodeImage
	if decode == nil {
		decode = func([]byte, WindowChoice, ImageShape) (DecodedImage, error) {
			return DecodedImage{}, errors.New("this page cannot decode images")
		}
	}
	return &decodeRequest{sl: sl, name: name, data: data, window: w, shape: sl.Shape, decode: decode, load: sl.loads}
}

// run decodes; it needs no lock. A failed read of the file reaches apply as its error
// and is shown as it is.
func (r *decodeRequest) run() (DecodedImage, error) {
	d, err := r.decode(r.data, r.window, r.shape)
	if err != nil {
		return DecodedImage{}, errors.New(r.name + ": " + err.Error())
	}
	if len(d.Pixels) != r.shape.Pixels() {
		return DecodedImage{}, errors.New(r.name + ": the decoder gave " + strconv.Itoa(len(d.Pixels)) + " values, want " + r.shape.String() + " (" + strconv.Itoa(r.shape.Pixels()) + ")")
	}
	return d, nil
}

// apply shows the decoded image (or the error) in the slot, unless a later decode has
// started meanwhile, and reports whether it did.
func (r *decodeRequest) apply(d DecodedImage, err error) bool {
	sl := r.sl
	if sl.loads != r.load {
		return false
	}
	sl.Busy = false
	if err == nil {
		err = sl.show(r.name, d)
	}
	if err != nil {
		sl.Err = err.Error()
		return false
	}
	sl.raw = r.data
	return true
}

// rewindowRequest sets the slot's window and returns the decode that applies it, or nil
// when there is nothing to re-decode (no file, or not monochrome DICOM).
func (s *State) rewindowRequest(sl *ImageSlot, w WindowChoice) (*decodeRequest, error) {
	if !validWindow(w) {
		return nil, errors.New("unknown window " + strconv.Quote(string(w)))
	}
	sl.Window = w
	if sl.raw == nil || !sl.Windows {
		return nil, nil
	}
	return s.startDecode(sl, sl.File, sl.raw, w), nil
}

// show replaces the slot's image with d; on error the slot is unchanged.
func (sl *ImageSlot) show(name string, d DecodedImage) error {
	net, err := netImageOf(d.Pixels, sl.Shape)
	if err != nil {
		return err
	}
	netURL := ""
	if sl.Shape == paperShape {
		if netURL, err = pngDataURL(net); err != nil {
			return err
		}
	} else {
		sl.netPic, sl.netGen = net, nextPictureGen()
	}
	prev := greyOf(net)
	if d.Preview != nil {
		prev = shrink(d.Preview, previewMaxSide)
	}
	sl.File, sl.Source, sl.Windows = name, d.Source, d.DICOM
	sl.Pixels = append([]float32(nil), d.Pixels...)
	sl.NetURL = netURL
	sl.preview, sl.previewGen = prev, nextPictureGen()
	sl.enc = nil
	sl.clearSaliency()
	return nil
}

func (sl *ImageSlot) setPixels(name, source string, px []float32) error {
	sl.loads++ // a decode still running must not replace these pixels
	sl.Busy = false
	if err := sl.show(name, DecodedImage{Pixels: px, Source: source}); err != nil {
		return err
	}
	sl.raw = nil
	return nil
}

func (sl *ImageSlot) setSaliency(s []float32) error {
	img, peak, err := saliencyImageOf(sl.Pixels, s, sl.Shape)
	if err != nil {
		return errors.New(sl.Title + ": " + err.Error())
	}
	if sl.Shape != paperShape {
		sl.salPic, sl.salGen, sl.SaliencyPeak = img, nextPictureGen(), peak
		return nil
	}
	url, err := pngDataURL(img)
	if err != nil {
		return err
	}
	sl.SaliencyURL, sl.SaliencyPeak = url, peak
	return nil
}

// HasSaliency reports whether the slot's saliency is computed.
func (sl *ImageSlot) HasSaliency() bool { return sl.SaliencyURL != "" || sl.salPic != nil }

func (sl *ImageSlot) clearSaliency() { sl.SaliencyURL, sl.SaliencyPeak, sl.salPic = "", 0, nil }

// greyOf returns img as grey: itself when it is, its luma otherwise.
func greyOf(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.SetGray(x, y, color.GrayModel.Convert(img.At(x, y)).(color.Gray))
		}
	}
	return g
}
