// Package testtool lets tests depend on outside tools (chromium, numpy, pydicom fixtures)
// honestly: on a developer's machine a missing tool skips the test, under CI (CI=true) it
// fails it, because .ci/run installs every tool the tests need.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under continuous integration (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips t (or fails it under CI) because what is needed is not there.
func Missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is required under CI=true; .ci/run should install it", what)
	}
	t.Skipf("skipping: %s not available (set CI=true to make this a failure)", what)
}

// Command returns the path of the named program, or skips/fails the test when it is absent.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "program "+name)
	}
	return p
}

// File returns path if it exists, or skips/fails the test when it does not.
func File(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, "file "+path)
	}
	return path
}
