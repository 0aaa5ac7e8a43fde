package modelfile

import (
	"errors"
	"time"
)

// parseCreated reads Meta.Created as stored: JSON null (the zero time) or a JSON string
// holding an RFC 3339 time in the form time.Time's MarshalJSON writes,
// YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm), with every field in its range (the
// day within its month, an offset within ±23:59). It gives the Time that
// time.Time's UnmarshalJSON gives for such input (the zone is time.Local when its offset
// at that instant is the stored one, else an unnamed fixed zone; the fraction is cut at
// nanoseconds). Unlike UnmarshalJSON it refuses the lax forms that Go's time.Parse
// fallback accepts (a one-digit hour, a comma before the fraction, an offset hour of
// 24), which no writer of model files produces; reading them would link time.Parse and
// its layout parser into every program that opens a model (about 10 kB of the page's
// main.wasm, gzip).
func parseCreated(b []byte) (time.Time, error) {
	if string(b) == "null" {
		return time.Time{}, nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return time.Time{}, errors.New("not a JSON string")
	}
	s := b[1 : len(b)-1]
	const short = len("2006-01-02T15:04:05Z")
	if len(s) < short {
		return time.Time{}, errors.New("too short for YYYY-MM-DDThh:mm:ssZ")
	}
	ok := s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':'
	num := func(p []byte, lo, hi int) int {
		n := 0
		for _, c := range p {
			if c < '0' || c > '9' {
				ok = false
				return lo
			}
			n = n*10 + int(c-'0')
		}
		if n < lo || n > hi {
			ok = false
			return lo
		}
		return n
	}
	year := num(s[0:4], 0, 9999)
	month := num(s[5:7], 1, 12)
	// The day's range: time.Date's normalisation of month+1, day 0 gives the month's last day.
	day := num(s[8:10], 1, time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day())
	hour, minute, sec := num(s[11:13], 0, 23), num(s[14:16], 0, 59), num(s[17:19], 0, 59)
	if !ok {
		return time.Time{}, errors.New("date or time out of form or range")
	}
	s = s[19:]
	nsec := 0
	if s[0] == '.' {
		n := 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 1 {
			return time.Time{}, errors.New("no digits after the decimal point")
		}
		for i, scale := 1, 100_000_000; i < n && scale > 0; i, scale = i+1, scale/10 {
			nsec += int(s[i]-'0') * scale
		}
		s = s[n:]
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if len(s) == 1 && s[0] == 'Z' {
		return t, nil
	}
	if len(s) != len("+07:00") || s[0] != '+' && s[0] != '-' || s[3] != ':' {
		return time.Time{}, errors.New("zone is not Z, +hh:mm or -hh:mm")
	}
	offset := (num(s[1:3], 0, 23)*60 + num(s[4:6], 0, 59)) * 60
	if !ok {
		return time.Time{}, errors.New("zone offset out of form or range")
	}
	if s[0] == '-' {
		offset = -offset
	}
	t = t.Add(-time.Duration(offset) * time.Second)
	if _, local := t.In(time.Local).Zone(); local == offset {
		return t.In(time.Local), nil
	}
	return t.In(time.FixedZone("", offset)), nil
}
