package quote

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShort(t *testing.T) {
	if got := Short("abc"); got != `"abc"` {
		t.Errorf("Short(abc) = %s", got)
	}
	exact := strings.Repeat("é", MaxRunes)
	if got := Short(exact); got != `"`+exact+`"` {
		t.Errorf("Short of %d runes = %s, want it whole", MaxRunes, got)
	}
	long := strings.Repeat("é", 15000)
	got := Short(long)
	if want := `"` + strings.Repeat("é", MaxRunes) + `"… (30000 bytes)`; got != want {
		t.Errorf("Short(long) = %s, want %s", got, want)
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"hello", 10, "hello"}, {"hello", 3, "hel"}, {"aéb", 2, "a"}, {"aéb", 3, "aé"}, {"\xff\xff\xff\xff\xff\xff", 4, "\xff\xff\xff\xff"}} {
		if got := Clip(c.s, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("aéb", 2)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = max(0, n%64)
		c := Clip(s, n)
		if len(c) > n || !strings.HasPrefix(s, c) || (utf8.ValidString(s) && !utf8.ValidString(c)) {
			t.Fatalf("Clip(%q, %d) = %q", s, n, c)
		}
	})
}
