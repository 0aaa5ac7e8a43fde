// Package enginetest holds the browser explainer's end-to-end test with the real engine:
// the built site in headless Chromium, every number it shows compared with the native
// computation of cmd/explain for the same case. It lives apart from package site because
// it imports the engine (package explainer), which imports site, and because Vugu's code
// generator reads the site folder as one package. It has no code of its own.
package enginetest
