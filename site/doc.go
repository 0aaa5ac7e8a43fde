// Package site is the browser explainer's user interface: Vugu components that let a
// clinician load two CT images and twenty clinical values and see what a fused network
// decides and which modality drove it, entirely inside the browser.
//
// The page talks to the network through package engine's interfaces (engine.Engine and
// the optional Preparer and TruthChecker) and names modalities by package modality; it
// imports no engine. Package explainer implements them on the fusion network, and ../wasm
// wires the two together: nothing but ../wasm (and this package's tests) imports site. Slow
// work (the engine's reference cohort, slow methods, the ground-truth check) runs as jobs
// on one worker goroutine that pauses between slices of a few milliseconds so the page
// stays responsive (jobs.go). The explanation on screen can be saved as JSON, SVG or PNG
// through blob: URLs (export.go); nothing is ever sent anywhere.
//
// The package compiles natively (it uses github.com/vugu/vugu/js, whose non-js build is a
// set of placeholders), so its logic is unit-tested with plain `go test`; the js/wasm entry
// point lives in ../wasm and the static files it is served with in static/. Browser tests:
// browser_test.go here (inputs, layout, offline), ../wasm's (every number against the
// native computation), both through ../internal/browsertest.
package site

//go:generate go tool vugugen -s
//go:generate go run ./internal/droplog 0_components_gen.go
//go:generate gofmt -w 0_components_gen.go
