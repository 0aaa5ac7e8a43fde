// Package site is the browser explainer's user interface: Vugu components that let a
// clinician load two CT images and twenty clinical values and see what a fused network
// decides and which modality drove it, entirely inside the browser.
//
// The package compiles natively (it uses github.com/vugu/vugu/js, whose non-js build is a
// set of placeholders), so its logic is unit-tested with plain `go test`; the js/wasm entry
// point lives in ../wasm and the static files it is served with in static/.
package site

//go:generate go run ./internal/vuguhelper static
//go:generate go tool vugugen -s
//go:generate gofmt -w 0_components_gen.go
