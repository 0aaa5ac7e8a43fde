package clinical

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseOptions control the parsers.
type ParseOptions struct {
	// AllowPartial fills each variable that is not given with its reference mean (its
	// standardised value 0) instead of reporting it missing.
	AllowPartial bool
}

// Values are twenty physical values in table order, and which of them the input gave.
type Values struct {
	X     [NumVars]float64
	Given [NumVars]bool // false where the reference mean was filled in (AllowPartial)
}

// Standardised returns the standardised values the network reads.
func (v Values) Standardised() [NumVars]float64 { return Standardise(v.X) }

// maxErrors bounds the problems collected from one input; parsing stops beyond it.
const maxErrors = 64

// MaxInputBytes bounds the input of the parsers: twenty values with names, units and
// generous spacing take well under 2 KiB, and a longer input (a pasted clinical note) is
// refused at once with ErrTooLong rather than read.
const MaxInputBytes = 16 << 10

// checkLength refuses an input longer than MaxInputBytes.
func checkLength(n int) error {
	if n <= MaxInputBytes {
		return nil
	}
	return Errors{&FieldError{Kind: ErrTooLong, Offset: -1,
		Msg: fmt.Sprintf("the input is %d bytes, more than the %d that twenty values need", n, MaxInputBytes)}}
}

// Parse reads clinical values from text: JSON when the first non-blank character is '{' or
// '[' (see ParseJSON; only an object is valid), else a name=value list (see ParseText).
func Parse(s string, opt ParseOptions) (Values, error) {
	if t := strings.TrimLeft(s, " \t\r\n\ufeff"); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		return ParseJSON([]byte(s), opt)
	}
	return ParseText(s, opt)
}

// ParseText reads a list of name=value items (':' also works for '='), separated by commas,
// semicolons, newlines or spaces, e.g. "age=63, bmi=27.5; crp = 12 mg/L". Names are matched
// ignoring case, with '-', '.' and ' ' read as '_', and aliases accepted (hr, hb, temp, ...).
// A value may carry its variable's unit, attached or after a space ("63years", "12 mg/L");
// no unit conversion is done, so another unit is an error. Decimals use a point.
//
// Every problem is reported, each as a *FieldError in the returned Errors: a syntax error,
// an unknown name (with the nearest known name suggested), a duplicate, a value that is not
// a number, NaN or infinite, outside the plausible range, or in the wrong unit, and — unless
// opt.AllowPartial — each variable not given.
func ParseText(s string, opt ParseOptions) (Values, error) {
	if err := checkLength(len(s)); err != nil {
		return Values{}, err
	}
	p := parser{src: s}
	p.text()
	return p.finish(opt)
}

// ParseJSON reads a JSON object mapping names to numbers, e.g. {"age": 63, "crp": 12}. A
// value may also be a string holding a number and optional unit ("12 mg/L"); null counts as
// not given. Names and problems are as for ParseText; a duplicated key is an error (where
// encoding/json would silently keep the last).
func ParseJSON(data []byte, opt ParseOptions) (Values, error) {
	if err := checkLength(len(data)); err != nil {
		return Values{}, err
	}
	p := parser{src: string(data)}
	p.json(data)
	return p.finish(opt)
}

// parser collects values and problems for one input.
type parser struct {
	src  string
	pos  int
	out  Values
	seen [NumVars]int // 1 + offset of the first mention, 0 if none
	errs Errors
}

func (p *parser) fail(e *FieldError) {
	e.Input = clip(e.Input, maxInputKept)
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, e)
	}
}

func (p *parser) full() bool { return len(p.errs) >= maxErrors }

// finish fills or reports the variables never mentioned.
func (p *parser) finish(opt ParseOptions) (Values, error) {
	for i, v := range table {
		if p.out.Given[i] {
			continue
		}
		p.out.X[i] = v.Mean
		if p.seen[i] == 0 && !opt.AllowPartial && !p.full() {
			p.fail(&FieldError{Field: v.Name, Kind: ErrMissing, Offset: -1,
				Msg: fmt.Sprintf("no value given for %s (%s)", v.Label, unitOrNone(v))})
		}
	}
	if len(p.errs) > 0 {
		return p.out, p.errs
	}
	return p.out, nil
}

func unitOrNone(v Variable) string {
	if v.Unit == "" {
		return "no unit"
	}
	return v.Unit
}

// mention registers that the input names a variable at offset off, reporting an unknown
// name or a duplicate; it returns the variable when this is its first mention.
func (p *parser) mention(name string, off int) (Variable, bool) {
	v, ok := Lookup(name)
	if !ok {
		p.unknown(name, off)
		return v, false
	}
	if p.seen[v.Index] != 0 {
		p.fail(&FieldError{Field: v.Name, Input: name, Kind: ErrDuplicate, Offset: off,
			Msg: fmt.Sprintf("given more than once (first at byte %d)", p.seen[v.Index]-1)})
		return v, false
	}
	p.seen[v.Index] = off + 1
	return v, true
}

// assign records value text for the variable named name (as typed); unit is the unit text
// typed after a blank, "" if none. off and voff are the offsets of the name and the value.
func (p *parser) assign(name string, off int, val string, voff int, unit string) {
	v, ok := p.mention(name, off)
	if !ok {
		return
	}
	x, rest, fe := parseNumber(val)
	if fe != nil {
		fe.Field, fe.Offset = v.Name, voff
		p.fail(fe)
		return
	}
	if rest != "" && unit != "" {
		p.fail(&FieldError{Field: v.Name, Input: val + " " + unit, Kind: ErrSyntax, Offset: voff,
			Msg: fmt.Sprintf("%s then %s: expected one unit after the number", quote(rest), quote(unit))})
		return
	}
	if rest == "" {
		rest = unit
	}
	if rest != "" && !unitMatches(v, rest) {
		p.fail(&FieldError{Field: v.Name, Input: rest, Kind: ErrUnit, Offset: voff,
			Msg: fmt.Sprintf("unit %s does not match %s's unit %s (values are not converted)", quote(rest), v.Name, unitOrNone(v))})
		return
	}
	if err := v.Check(x); err != nil {
		fe := err.(*FieldError)
		fe.Input, fe.Offset = val, voff
		p.fail(fe)
		return
	}
	p.out.X[v.Index] = x
	p.out.Given[v.Index] = true
}

func (p *parser) unknown(name string, off int) {
	fe := &FieldError{Input: name, Kind: ErrUnknown, Offset: off}
	if s := suggest(name); s != "" {
		fe.Suggestion = s
		fe.Msg = fmt.Sprintf("unknown variable %s; did you mean %q?", quote(name), s)
	} else {
		fe.Msg = fmt.Sprintf("unknown variable %s (known: %s)", quote(name), knownList())
	}
	p.fail(fe)
}

func knownList() string {
	names := make([]string, NumVars)
	for i, v := range table {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

// Text format.

func isHardSep(c byte) bool { return c == ',' || c == ';' || c == '\n' || c == '\r' }
func isBlank(c byte) bool   { return c == ' ' || c == '\t' || c == '\f' || c == '\v' }
func isSep(c byte) bool     { return isHardSep(c) || isBlank(c) }
func isAssign(c byte) bool  { return c == '=' || c == ':' }

func (p *parser) skip(pred func(byte) bool) {
	for p.pos < len(p.src) && pred(p.src[p.pos]) {
		p.pos++
	}
}

// token reads up to the next separator or, when stopAtAssign, '=' or ':'.
func (p *parser) token(stopAtAssign bool) string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isSep(c) || (stopAtAssign && isAssign(c)) {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

// toHardSep skips the rest of a broken item.
func (p *parser) toHardSep() {
	for p.pos < len(p.src) && !isHardSep(p.src[p.pos]) {
		p.pos++
	}
}

func (p *parser) text() {
	if strings.HasPrefix(p.src, "\ufeff") {
		p.pos = len("\ufeff")
	}
	for !p.full() {
		p.skip(isSep)
		if p.pos >= len(p.src) {
			return
		}
		off := p.pos
		name := p.token(true)
		if name == "" {
			p.fail(&FieldError{Kind: ErrSyntax, Offset: off, Input: string(p.src[off]),
				Msg: fmt.Sprintf("expected a variable name at byte %d, found %q", off, p.src[off])})
			p.pos++
			p.toHardSep()
			continue
		}
		if c := name[0]; c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
			p.fail(&FieldError{Kind: ErrSyntax, Offset: off, Input: name,
				Msg: fmt.Sprintf("expected a variable name at byte %d, found %s (decimals use a point: 5.6, not 5,6)", off, quote(name))})
			p.toHardSep()
			continue
		}
		p.skip(isBlank)
		if p.pos >= len(p.src) || !isAssign(p.src[p.pos]) {
			fe := &FieldError{Kind: ErrSyntax, Offset: p.pos, Input: name,
				Msg: fmt.Sprintf("expected \"=\" after %s", quote(name))}
			if v, ok := Lookup(name); ok {
				fe.Field = v.Name
				p.seen[v.Index] = off + 1
			}
			p.fail(fe)
			p.toHardSep()
			continue
		}
		p.pos++
		p.skip(isBlank)
		voff := p.pos
		val := p.token(false)
		if val == "" {
			fe := &FieldError{Kind: ErrMissing, Offset: voff, Input: name,
				Msg: fmt.Sprintf("no value after %s", quote(name+"="))}
			if v, ok := Lookup(name); ok {
				fe.Field = v.Name
				p.seen[v.Index] = off + 1
			}
			p.fail(fe)
			continue
		}
		p.assign(name, off, val, voff, p.unitAfter(name))
	}
}

// unitAfter consumes and returns a unit written after a blank ("63 years"), or returns ""
// and consumes nothing when the next word starts another item ("63 bmi=27", "63 bmi = 27")
// or names a variable.
func (p *parser) unitAfter(name string) string {
	save := p.pos
	p.skip(isBlank)
	if p.pos >= len(p.src) || isHardSep(p.src[p.pos]) {
		p.pos = save
		return ""
	}
	t := p.token(false)
	if strings.ContainsAny(t, "=:") {
		p.pos = save
		return ""
	}
	after := p.pos
	p.skip(isBlank)
	if p.pos < len(p.src) && isAssign(p.src[p.pos]) {
		p.pos = save
		return ""
	}
	if _, isVar := Lookup(t); isVar {
		if v, ok := Lookup(name); !ok || !unitMatches(v, t) {
			p.pos = save
			return ""
		}
	}
	p.pos = after
	return t
}

// parseNumber reads a decimal number at the start of s and returns it and the rest of s
// (a unit), or a FieldError without Field and Offset.
func parseNumber(s string) (float64, string, *FieldError) {
	body := strings.TrimLeft(s, "+-")
	low := strings.ToLower(body)
	switch {
	case strings.HasPrefix(low, "nan"):
		return 0, "", &FieldError{Input: s, Kind: ErrNotFinite, Msg: fmt.Sprintf("%s is not a number (NaN)", quote(s))}
	case strings.HasPrefix(low, "inf"):
		return 0, "", &FieldError{Input: s, Kind: ErrNotFinite, Msg: fmt.Sprintf("%s is infinite", quote(s))}
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, "", &FieldError{Input: s, Kind: ErrNotNumber, Msg: fmt.Sprintf("%s is not a number", quote(s))}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	x, err := strconv.ParseFloat(s[:i], 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, "", &FieldError{Input: s, Kind: ErrNotNumber, Msg: fmt.Sprintf("%s is not a number", quote(s))}
	}
	if math.IsInf(x, 0) {
		return 0, "", &FieldError{Input: s, Kind: ErrNotFinite, Msg: fmt.Sprintf("%s is too large to be finite", quote(s[:i]))}
	}
	return x, s[i:], nil
}

// normUnit folds case and drops blanks and the difference between micro sign and mu.
func normUnit(u string) string {
	u = strings.ToLower(strings.Join(strings.Fields(u), ""))
	return strings.ReplaceAll(u, "μ", "µ")
}

func unitMatches(v Variable, u string) bool {
	n := normUnit(u)
	for _, s := range v.UnitSpellings() {
		if normUnit(s) == n {
			return true
		}
	}
	return false
}

// suggest returns the canonical name of the known name nearest to typed, or "".
func suggest(typed string) string {
	t := normName(typed)
	if t == "" || utf8.RuneCountInString(t) > 40 {
		return ""
	}
	best, bestD := "", 1<<30
	completes := map[string]bool{} // variables that typed is a prefix of
	for n, i := range byName {
		d := editDistance(t, n)
		if d < bestD || (d == bestD && table[i].Name < best) {
			best, bestD = table[i].Name, d
		}
		if len(t) >= 3 && strings.HasPrefix(n, t) {
			completes[table[i].Name] = true
		}
	}
	// A unique completion ("plat" -> platelets) beats a close spelling ("plat" -> alt).
	if len(completes) == 1 {
		for n := range completes {
			return n
		}
	}
	if bestD <= max(1, utf8.RuneCountInString(t)/3) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := prev[j-1]
			if ra[i-1] != rb[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// JSON format.

func (p *parser) json(data []byte) {
	if bytes.HasPrefix(data, []byte("\ufeff")) {
		// A byte-order mark becomes blanks, which JSON allows, keeping offsets.
		data = append([]byte("   "), data[3:]...)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	syntax := func(err error) {
		off := int(dec.InputOffset())
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = int(se.Offset)
		}
		msg := "invalid JSON: " + err.Error()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "invalid JSON: the input ends before the object is closed"
		}
		p.fail(&FieldError{Kind: ErrSyntax, Offset: off, Msg: msg})
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			p.fail(&FieldError{Kind: ErrSyntax, Offset: 0, Msg: "empty input: expected a JSON object such as {\"age\": 63}"})
			return
		}
		syntax(err)
		return
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		p.fail(&FieldError{Kind: ErrSyntax, Offset: 0,
			Msg: fmt.Sprintf("expected a JSON object such as {\"age\": 63}, found %v", describeToken(tok))})
		return
	}
	for dec.More() && !p.full() {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			syntax(err)
			return
		}
		key, _ := tok.(string) // object keys are always strings
		off = skipToQuote(data, off)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			syntax(err)
			return
		}
		voff := int(dec.InputOffset()) - len(raw)
		p.jsonValue(key, off, raw, voff)
	}
	if p.full() {
		return
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		syntax(err)
		return
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			syntax(err)
			return
		}
		p.fail(&FieldError{Kind: ErrSyntax, Offset: int(dec.InputOffset()),
			Msg: fmt.Sprintf("unexpected %v after the JSON object", describeToken(tok))})
	}
}

// skipToQuote moves off to the opening quote of the key that follows (past ',' and blanks).
func skipToQuote(data []byte, off int) int {
	for off < len(data) && data[off] != '"' {
		off++
	}
	return off
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return quote(string(t))
	case string:
		return "string " + quote(string(t))
	case nil:
		return "null"
	case json.Number:
		// A number token can be as long as the input: quote a short prefix of it.
		return "number " + quote(string(t))
	}
	return quote(fmt.Sprintf("%v", tok))
}

func (p *parser) jsonValue(key string, off int, raw json.RawMessage, voff int) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return
	}
	kindOf := func(what string) {
		if v, ok := p.mention(key, off); ok {
			p.fail(&FieldError{Field: v.Name, Input: string(raw), Kind: ErrNotNumber, Offset: voff,
				Msg: fmt.Sprintf("expected a number, got %s", what)})
		}
	}
	switch raw[0] {
	case 'n': // null: not given, but a name must still be known and not repeated
		if v, ok := p.mention(key, off); ok {
			p.seen[v.Index] = 0
		}
	case 't', 'f':
		kindOf("a boolean")
	case '[':
		kindOf("an array")
	case '{':
		kindOf("an object")
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			kindOf("a malformed string")
			return
		}
		s = strings.TrimSpace(s)
		num, unit := s, ""
		if i := strings.IndexAny(s, " \t"); i >= 0 {
			num, unit = s[:i], strings.TrimSpace(s[i:])
		}
		p.assign(key, off, num, voff, unit)
	default:
		p.assign(key, off, string(raw), voff, "")
	}
}
