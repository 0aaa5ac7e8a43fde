package modelfile

import (
	"errors"
	"strconv"
	"time"
)

// parseCreated reads Meta.Created as stored: JSON null (zero) or a JSON string holding an
// RFC 3339 time as time.Time's MarshalJSON writes it. It is the fast path of
// time.Time.UnmarshalJSON (Go 1.26 time/format_rfc3339.go, parseRFC3339, BSD licence,
// copied): the result is the same time in the same location for every string that path
// accepts, which includes all that MarshalJSON writes (FuzzParseCreated checks both).
// Unlike UnmarshalJSON it does not fall back to time.Parse, which accepts some
// non-canonical forms (a one-digit hour, a comma before the fraction) and would link
// time's layout parser into every program that reads a model (19 KB gzip of main.wasm).
func parseCreated(raw []byte) (time.Time, error) {
	if string(raw) == "null" {
		return time.Time{}, nil
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return time.Time{}, errors.New("created is not a JSON string")
	}
	s := raw[1 : len(raw)-1]
	t, ok := parseRFC3339(s)
	if !ok {
		return time.Time{}, errors.New("created " + strconv.Quote(string(s)) + " is not an RFC 3339 time such as 2006-01-02T15:04:05Z")
	}
	return t, nil
}

// parseRFC3339 is Go's parseRFC3339 for []byte and time.Local.
func parseRFC3339(s []byte) (time.Time, bool) {
	// parseUint parses s as an unsigned decimal integer and verifies that it is within
	// some range. If it is invalid or out of range, it sets ok to false and returns min.
	ok := true
	parseUint := func(s []byte, min, max int) (x int) {
		for _, c := range s {
			if c < '0' || '9' < c {
				ok = false
				return min
			}
			x = x*10 + int(c) - '0'
		}
		if x < min || max < x {
			ok = false
			return min
		}
		return x
	}

	// Parse the date and time.
	if len(s) < len("2006-01-02T15:04:05") {
		return time.Time{}, false
	}
	year := parseUint(s[0:4], 0, 9999)                            // e.g., 2006
	month := parseUint(s[5:7], 1, 12)                             // e.g., 01
	day := parseUint(s[8:10], 1, daysIn(time.Month(month), year)) // e.g., 02
	hour := parseUint(s[11:13], 0, 23)                            // e.g., 15
	minute := parseUint(s[14:16], 0, 59)                          // e.g., 04
	sec := parseUint(s[17:19], 0, 59)                             // e.g., 05
	if !ok || !(s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':') {
		return time.Time{}, false
	}
	s = s[19:]

	// Parse the fractional second: up to nine digits count, more are read and dropped.
	var nsec int
	if len(s) >= 2 && s[0] == '.' && isDigit(s, 1) {
		n := 2
		for ; n < len(s) && isDigit(s, n); n++ {
		}
		digits := s[1:min(n, 10)]
		for _, c := range digits {
			nsec = nsec*10 + int(c-'0')
		}
		for range 9 - len(digits) {
			nsec *= 10
		}
		s = s[n:]
	}

	// Parse the time zone.
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if len(s) != 1 || s[0] != 'Z' {
		if len(s) != len("-07:00") {
			return time.Time{}, false
		}
		hr := parseUint(s[1:3], 0, 23) // e.g., 07
		mm := parseUint(s[4:6], 0, 59) // e.g., 00
		if !ok || !((s[0] == '-' || s[0] == '+') && s[3] == ':') {
			return time.Time{}, false
		}
		zoneOffset := (hr*60 + mm) * 60
		if s[0] == '-' {
			zoneOffset *= -1
		}
		t = t.Add(-time.Duration(zoneOffset) * time.Second)

		// Use the local zone with the given offset if possible.
		if _, offset := t.In(time.Local).Zone(); offset == zoneOffset {
			t = t.In(time.Local)
		} else {
			t = t.In(time.FixedZone("", zoneOffset))
		}
	}
	return t, true
}

func isDigit(s []byte, i int) bool { return i < len(s) && '0' <= s[i] && s[i] <= '9' }

// daysIn is the number of days in month m of year.
func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
