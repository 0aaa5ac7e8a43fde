package main

import (
	"strings"
	"testing"
)

func TestDropLog(t *testing.T) {
	src := `package site

import "fmt"
import "log"

func f() { fmt.Println("dialog.x") }

// 'fix' unused imports
var _ fmt.Stringer
var _ log.Logger

func g() {}

var _ log.Logger
`
	out, err := dropLog([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if strings.Contains(got, `"log"`) || strings.Contains(got, "log.Logger") {
		t.Errorf("log is still there:\n%s", got)
	}
	for _, want := range []string{`import "fmt"`, "var _ fmt.Stringer", `fmt.Println("dialog.x")`, "func g() {}"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q:\n%s", want, got)
		}
	}
	// A second pass changes nothing.
	again, err := dropLog(out)
	if err != nil || string(again) != got {
		t.Errorf("second pass: %v\n%s", err, again)
	}
}

func TestDropLogRefusesARealUse(t *testing.T) {
	src := "package site\n\nimport \"log\"\n\nfunc f() { log.Print(1) }\n\nvar _ log.Logger\n"
	if _, err := dropLog([]byte(src)); err == nil {
		t.Error("no error for a file that calls log.Print")
	}
	if _, err := dropLog([]byte("package site\nfunc (")); err == nil {
		t.Error("no error for a file that does not parse")
	}
}
