//go:build js && wasm

// Command wasm is the browser entry point of fusionlens: it mounts the site's Vugu root
// component on #mount and re-renders after every event. A panic while building or
// rendering the page is caught and shown as a banner rather than ending the program.
package main

import (
	"fmt"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
	"github.com/vugu/vugu/js"

	"github.com/fusionlens/fusionlens/site"
)

// opener turns model files into engines. nil until the fusion network is wired in: the
// page then says that no model can be loaded and shows no results.
var opener site.Opener

func main() {
	// When main starts every package is initialised: the time since the wasm was compiled
	// (window.fusionlensCompiled) is Go's start-up cost.
	js.Global().Set("fusionlensMain", js.Global().Get("performance").Call("now").Float())
	r, err := domrender.New("#mount")
	if err != nil {
		fail(err)
		return
	}
	defer r.Release()
	env, err := vugu.NewBuildEnv(r.EventEnv())
	if err != nil {
		fail(err)
		return
	}
	root := &site.Root{S: site.NewState(opener)}
	first := true
	for ok := true; ok; ok = r.EventWait() {
		if err := render(r, env, root); err != nil {
			// Show what went wrong and render once more; if even that fails the page
			// cannot be drawn and the loader's "stopped" message takes over.
			root.Crash = err.Error()
			if err := render(r, env, root); err != nil {
				fail(err)
				return
			}
		}
		if first {
			first = false
			js.Global().Set("fusionlensReady", js.Global().Get("performance").Call("now").Float())
		}
	}
}

func render(r *domrender.JSRenderer, env *vugu.BuildEnv, root *site.Root) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error while drawing the page: %v (please reload)", p)
		}
	}()
	return r.Render(env.RunBuild(root))
}

func fail(err error) {
	js.Global().Get("console").Call("error", "fusionlens: "+err.Error())
}
