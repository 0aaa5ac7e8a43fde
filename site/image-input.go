package site

import "github.com/vugu/vugu"

// ImageInput is one CT view's drop zone and file input, with the loaded image and the
// 28x28 network view side by side.
type ImageInput struct {
	S     *ImageSlot
	State *State

	dragging bool
}

func (c *ImageInput) dropClass() string {
	if c.dragging {
		return "drop dragging"
	}
	return "drop"
}

// OnFile reads the chosen file: the File is taken while the event is live, the bytes are
// read on a goroutine, and the image is decoded under the render lock.
func (c *ImageInput) OnFile(e vugu.DOMEvent) {
	defer catch(&c.S.Err, "reading "+c.S.Title)
	f, ok := fileFrom(e.JSEventTarget())
	if !ok {
		return // the chooser was cancelled
	}
	c.read(e.EventEnv(), f)
	// Clear the input so choosing the same file again fires change again.
	e.JSEventTarget().Set("value", "")
}

// OnDragOver accepts the drag so the drop event fires.
func (c *ImageInput) OnDragOver(e vugu.DOMEvent) {
	e.PreventDefault()
	c.dragging = true
}

// OnDragLeave ends the drag highlight.
func (c *ImageInput) OnDragLeave(e vugu.DOMEvent) { c.dragging = false }

// OnDrop reads a dropped file like a chosen one.
func (c *ImageInput) OnDrop(e vugu.DOMEvent) {
	defer catch(&c.S.Err, "reading the dropped file")
	e.PreventDefault()
	c.dragging = false
	f, ok := fileFrom(e.JSEvent().Get("dataTransfer"))
	if !ok {
		c.S.Err = "Nothing to read: drop a PNG, JPEG or DICOM file."
		return
	}
	c.read(e.EventEnv(), f)
}

// read reads f and decodes it off the render lock (the decoder waits for a Web Worker).
func (c *ImageInput) read(ee vugu.EventEnv, f fileRef) {
	r := c.State.startDecode(c.S, f.Name, nil, c.S.Window)
	var decoded DecodedImage
	async(ee, "reading "+f.Name, func() error {
		data, err := f.read()
		if err != nil {
			return err
		}
		r.data = data
		decoded, err = r.run()
		return err
	}, func(err error) {
		c.State.applyDecode(r, func() (DecodedImage, error) { return decoded, err })
	})
}

// OnWindow re-windows a DICOM image, decoding it again off the render lock.
func (c *ImageInput) OnWindow(e vugu.DOMEvent) {
	defer catch(&c.S.Err, "changing the window")
	c.S.Err = ""
	r, err := c.State.rewindowRequest(c.S, WindowChoice(e.PropString("target", "value")))
	if err != nil {
		c.S.Err = err.Error()
		return
	}
	if r == nil {
		return
	}
	var decoded DecodedImage
	async(e.EventEnv(), "changing the window", func() error {
		var err error
		decoded, err = r.run()
		return err
	}, func(err error) {
		c.State.applyDecode(r, func() (DecodedImage, error) { return decoded, err })
	})
}
