// Package layers holds the test that keeps the house in order: every package of the
// module may import only packages below it in ARCHITECTURE.md's order, and the UI
// (package site) is imported by nothing but the page's entry point (package wasm) and
// its own tests. It has no code of its own.
package layers
