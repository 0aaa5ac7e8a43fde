package site

import "strconv"

// WorkProgress shows how far the page's background computation is: what it does and a
// bar (a moving stripe when the amount of work is not known).
type WorkProgress struct {
	S *State
}

func (c *WorkProgress) what() string {
	if c.S.Work.What == "" {
		return "Waiting for the computation to start"
	}
	return c.S.Work.What + "…"
}

func (c *WorkProgress) count() string {
	return strconv.Itoa(c.S.Work.Done) + " / " + strconv.Itoa(c.S.Work.Total)
}

func (c *WorkProgress) barClass() string {
	if c.S.Work.Total > 0 {
		return "pbar"
	}
	return "pbar indeterminate"
}

func (c *WorkProgress) width() string {
	w := c.S.Work
	if w.Total <= 0 {
		return "30"
	}
	return ftoa(100*float64(min(w.Done, w.Total))/float64(w.Total), 1)
}
