// Package quote quotes text from a user's input or file for error messages, at most a
// short prefix of it, so that an error about a 15,000-character value is not itself
// 15,000 characters long.
package quote

import (
	"strconv"
	"unicode/utf8"
)

// MaxRunes is how many characters of the input Short repeats.
const MaxRunes = 32

// Short returns s in Go quotes when it has at most MaxRunes characters, else its first
// MaxRunes characters in quotes followed by "… (N bytes)".
func Short(s string) string {
	k := 0
	for i := range s {
		if k == MaxRunes {
			return strconv.Quote(s[:i]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
		}
		k++
	}
	return strconv.Quote(s)
}

// Clip returns s cut to at most n bytes at a rune boundary (invalid UTF-8 is cut at n).
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := n; i > n-utf8.UTFMax && i >= 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:max(n, 0)]
}
