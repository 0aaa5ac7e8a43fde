// Command serve serves a built fusionlens site (see build.sh) from a local folder, for
// trying the explainer without publishing it. It serves files only: the page never sends
// anything back.
//
//	go run ./cmd/serve -dir dist -addr 127.0.0.1:8080
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("dir", "dist", "built site folder (./build.sh writes dist/)")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address; keep it on loopback unless you mean to share")
	flag.Parse()
	if err := run(*dir, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func run(dir, addr string) error {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		return fmt.Errorf("%s has no index.html (run ./build.sh first): %w", dir, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("fusionlens: serving %s at http://%s/ (Ctrl-C to stop)\n", dir, ln.Addr())
	err = http.Serve(ln, handler(dir))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// handler serves the files under dir. sw.js and index.html are revalidated on every load so
// a new build takes over at once; the .gz is served as plain bytes (no Content-Encoding)
// because the page inflates it itself.
func handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "this server only serves files", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
