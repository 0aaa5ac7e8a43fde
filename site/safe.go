package site

import (
	"fmt"

	"github.com/vugu/vugu"
)

// A Go panic in js/wasm ends the program and leaves a dead page, so every event handler
// and goroutine of the page runs its work through safely, which turns a panic into an
// error the page shows next to the input that caused it.

// PanicError is a panic caught at a handler or goroutine boundary.
type PanicError struct {
	Where string // what the page was doing, e.g. "reading the axial image"
	Value any    // the value passed to panic
}

// Error says what the page was doing and what went wrong, and that the page still works.
func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error while %s: %v (the page is still working; please report this)", e.Where, e.Value)
}

// safely runs f and returns its error, or a *PanicError if f panicked.
func safely(where string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Where: where, Value: r}
		}
	}()
	return f()
}

// catch is deferred by synchronous event handlers: it stores a panic as a message in
// *dst (next to the input the handler serves) instead of letting it end the program.
func catch(dst *string, where string) {
	if r := recover(); r != nil {
		*dst = (&PanicError{Where: where, Value: r}).Error()
	}
}

// async runs work on its own goroutine, off the event handler (which must not block),
// then runs apply with work's error under the render lock and re-renders. Panics in
// either become errors: work's reach apply, apply's are passed to apply again once (so
// apply must be simple enough not to panic twice).
func async(ee vugu.EventEnv, where string, work func() error, apply func(err error)) {
	go func() {
		err := safely(where, work)
		ee.Lock()
		defer ee.UnlockRender()
		if perr := safely(where, func() error { apply(err); return nil }); perr != nil {
			_ = safely(where, func() error { apply(perr); return nil })
		}
	}()
}
