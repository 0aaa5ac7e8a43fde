package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHandlerServesFilesOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hi</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.wasm.gz"), []byte{0x1f, 0x8b}, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler(dir))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hi") {
		t.Errorf("GET /: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff header")
	}

	// The page inflates the .gz itself: no Content-Encoding may be set.
	resp, err = http.Get(srv.URL + "/main.wasm.gz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("main.wasm.gz served with Content-Encoding %q", ce)
	}

	resp, err = http.Post(srv.URL+"/", "text/plain", strings.NewReader("data"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST answered %d, want 405", resp.StatusCode)
	}
}

func TestRunNeedsABuiltSite(t *testing.T) {
	err := run(t.TempDir(), "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "build.sh") {
		t.Errorf("run on an empty folder: %v, want a hint to run build.sh", err)
	}
}
