package site

import (
	"errors"
	"image"
	"strconv"
)

// ImageSlot is one CT view: the file the user brought, its preview, the 28x28 image the
// network reads and, once explained, its pixel saliency.
type ImageSlot struct {
	View   Modality
	Title  string
	TestID string // data-testid of the file input

	File    string       // file name, or what produced the image
	Source  string       // what was decoded and how, one line
	Window  WindowChoice // display window for monochrome DICOM
	Windows bool         // the window choice applies (monochrome DICOM)
	Err     string
	Busy    bool

	Pixels []float32 // 784 values in [0,1], nil when empty
	NetURL string    // data: URL of the 28x28 network view

	SaliencyURL  string  // data: URL of the saliency overlay, "" until computed
	SaliencyPeak float64 // largest |dp/dpixel|

	raw []byte    // the file, kept to re-window DICOM
	enc []float32 // the engine's encoding of Pixels, nil when stale

	// The decoded image as displayed (windowed, shrunk to previewMaxSide), or the
	// network's view when there is no larger one; drawn on a canvas by drawPreview, not
	// a data: URL, because an attribute longer than Vugu's 16 KiB instruction buffer
	// stops the page. previewGen names it for the canvas (see picture.go).
	preview    *image.Gray
	previewGen uint64
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

// decoded is what the page needs from an image decoder.
type decoded struct {
	Pixels  []float32   // 784 values in [0,1]
	Preview *image.Gray // the decoded image as displayed (windowed, grey)
	Source  string      // one line describing what was decoded
	DICOM   bool        // monochrome DICOM: the window choice applies
}

func (sl *ImageSlot) load(name string, data []byte) error {
	d, err := decodeImage(data, sl.Window)
	if err != nil {
		return errors.New(name + ": " + err.Error())
	}
	if err := sl.show(name, d); err != nil {
		return err
	}
	sl.raw = data
	return nil
}

func (sl *ImageSlot) rewindow(w WindowChoice) error {
	if !validWindow(w) {
		return errors.New("unknown window " + strconv.Quote(string(w)))
	}
	sl.Window = w
	if sl.raw == nil || !sl.Windows {
		return nil
	}
	d, err := decodeImage(sl.raw, w)
	if err != nil {
		return errors.New(sl.File + ": " + err.Error())
	}
	return sl.show(sl.File, d)
}

// show replaces the slot's image with d; on error the slot is unchanged.
func (sl *ImageSlot) show(name string, d decoded) error {
	net, err := netImage(d.Pixels)
	if err != nil {
		return err
	}
	netURL, err := pngDataURL(net)
	if err != nil {
		return err
	}
	prev := net
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
	if err := sl.show(name, decoded{Pixels: px, Source: source}); err != nil {
		return err
	}
	sl.raw = nil
	return nil
}

func (sl *ImageSlot) setSaliency(s []float32) error {
	img, peak, err := saliencyImage(sl.Pixels, s)
	if err != nil {
		return errors.New(sl.Title + ": " + err.Error())
	}
	url, err := pngDataURL(img)
	if err != nil {
		return err
	}
	sl.SaliencyURL, sl.SaliencyPeak = url, peak
	return nil
}

func (sl *ImageSlot) clearSaliency() { sl.SaliencyURL, sl.SaliencyPeak = "", 0 }
