// Command examplecases writes the page's example-case file (build.sh runs it): phantom's
// example cases 1..n (phantom.ExampleCases) in package examples' layout, which the page
// reads (site.ExamplesURL) instead of linking the phantom generator.
//
//	go run ./site/internal/examplecases -n 16 -out dist/examples.bin
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fusionlens/fusionlens/phantom"
	"github.com/fusionlens/fusionlens/phantom/examples"
)

// DefaultN is how many example cases the site ships: 16, 25 kB (the noisy pixels hardly
// compress; the browser tests look through up to 15 for a case the model is unsure of);
// the page shows them in turn.
const DefaultN = 16

func main() {
	n := flag.Int("n", DefaultN, "example cases to write (1, 2, ..., n)")
	out := flag.String("out", "examples.bin", "output file")
	flag.Parse()
	if err := write(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "examplecases:", err)
		os.Exit(1)
	}
}

// write writes example cases 1..n to path.
func write(path string, n int) error {
	if n < 1 {
		return fmt.Errorf("-n %d; want at least 1", n)
	}
	b, err := examples.Encode(phantom.ExampleCases(n))
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
