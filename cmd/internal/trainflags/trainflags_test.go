package trainflags

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/fusion"
)

func parse(t *testing.T, args ...string) (Flags, error) {
	t.Helper()
	var f Flags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	return f, f.Check()
}

// TestDefaultsAreThePapers checks that no flag changes the paper's training.
func TestDefaultsAreThePapers(t *testing.T) {
	f, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	want := Flags{Tolerance: fusion.DefaultSparsityTolerance, SelectBy: "accuracy"}
	if f != want || f.Selection() != fusion.ByAccuracy {
		t.Errorf("defaults %+v (selection %v), want %+v", f, f.Selection(), want)
	}
	f, err = parse(t, "-select-by", "loss", "-keep-best", "-patience", "3", "-decoupled-weight-decay", "1", "-select-sparsity", "3,6", "-refit-epochs", "2")
	if err != nil || f.Selection() != fusion.ByLogLoss || !f.KeepBest || f.Patience != 3 || f.DecoupledDecay != 1 || f.Refit != 2 {
		t.Errorf("set flags read as %+v, %v", f, err)
	}
}

// TestCheckNamesTheFlag checks that each bad value is refused with its flag's name.
func TestCheckNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"-input-sparsity", "-1"}, "-input-sparsity"},
		{[]string{"-input-sparsity", "+Inf"}, "-input-sparsity"},
		{[]string{"-input-sparsity", "6", "-select-sparsity", "3"}, "-select-sparsity"},
		{[]string{"-refit-epochs", "2"}, "-refit-epochs"},
		{[]string{"-refit-epochs", "-1", "-input-sparsity", "6"}, "-refit-epochs"},
		{[]string{"-sparsity-tolerance", "1"}, "-sparsity-tolerance"},
		{[]string{"-select-sparsity", "3,x"}, "-select-sparsity"},
		{[]string{"-patience", "-2"}, "-patience"},
		{[]string{"-select-by", "auc"}, "-select-by"},
		{[]string{"-decoupled-weight-decay", "NaN"}, "-decoupled-weight-decay"},
	} {
		if _, err := parse(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.flag)
		}
	}
}
