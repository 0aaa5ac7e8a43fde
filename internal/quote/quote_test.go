package quote

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShort(t *testing.T) {
	assert.Equal(t, `"abc"`, Short("abc"))
	exact := strings.Repeat("é", MaxRunes)
	assert.Equal(t, `"`+exact+`"`, Short(exact), "%d runes are quoted whole", MaxRunes)
	long := strings.Repeat("é", 15000)
	assert.Equal(t, `"`+strings.Repeat("é", MaxRunes)+`"… (30000 bytes)`, Short(long))
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"hello", 10, "hello"}, {"hello", 3, "hel"}, {"aéb", 2, "a"}, {"aéb", 3, "aé"}, {"脆", 1, ""}, {"\xff\xff\xff\xff\xff\xff", 4, "\xff\xff\xff\xff"}} {
		assert.Equal(t, c.want, Clip(c.s, c.n), "Clip(%q, %d)", c.s, c.n)
	}
}

func FuzzClip(f *testing.F) {
	f.Add("aéb", 2)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = max(0, n%64)
		c := Clip(s, n)
		require.LessOrEqual(t, len(c), n, "Clip(%q, %d) = %q is too long", s, n, c)
		require.True(t, strings.HasPrefix(s, c), "Clip(%q, %d) = %q is not a prefix", s, n, c)
		if utf8.ValidString(s) {
			require.True(t, utf8.ValidString(c), "Clip(%q, %d) = %q cut a rune", s, n, c)
		}
	})
}
