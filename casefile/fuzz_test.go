package casefile

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; it fails with an error or returns a table whose header
// names are valid and unique, whose rows all have a cell per column within the cell limit,
// and whose lines increase.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"label,img,age\n1,a.png,63\n0,b.png,48\n",
		"\xef\xbb\xbflabel,a\r\nx,\"q,\"\"r\"\"\ns\"\r\n",
		"label,a\n1\n",
		"label,label\n1,2\n",
		"a b\n1\n",
		"label,a\n1,ab\"c\n",
		"label\n\n\n1\n",
		"",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBytes: 1 << 16, MaxRows: 50, MaxColumns: 20, MaxCell: 40}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Parse(data, ".", lim)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && len(e.Error()) > 400 {
				t.Fatalf("error is %d bytes long: %q", len(e.Error()), e.Error())
			}
			return
		}
		if len(tab.Header) == 0 || len(tab.Header) > lim.MaxColumns || len(tab.Rows) == 0 || len(tab.Rows) > lim.MaxRows || len(tab.Lines) != len(tab.Rows) {
			t.Fatalf("%d columns, %d rows, %d lines", len(tab.Header), len(tab.Rows), len(tab.Lines))
		}
		seen := map[string]bool{}
		for _, h := range tab.Header {
			if checkName(h) != nil || seen[h] {
				t.Fatalf("header %q", tab.Header)
			}
			seen[h] = true
		}
		for i, row := range tab.Rows {
			if len(row) != len(tab.Header) {
				t.Fatalf("row %d has %d cells for %d columns", i+1, len(row), len(tab.Header))
			}
			for _, c := range row {
				if len(c) > lim.MaxCell {
					t.Fatalf("row %d has a cell of %d bytes", i+1, len(c))
				}
			}
			if i > 0 && tab.Lines[i] <= tab.Lines[i-1] {
				t.Fatalf("lines %v do not increase", tab.Lines)
			}
		}
	})
}

// FuzzParseGroups: ParseGroups never panics; a spec it accepts has valid, unique group
// names and each column once, and reads back the same from its canonical form.
func FuzzParseGroups(f *testing.F) {
	for _, s := range []string{"vitals=age,bmi;labs=crp,wbc", " a = b ; ", "a=b;a=c", "a=b,b", "=x", "a=", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		gs, err := ParseGroups(spec)
		if err != nil {
			if len(err.Error()) > 300 {
				t.Fatalf("error is %d bytes long", len(err.Error()))
			}
			return
		}
		names, cols := map[string]bool{}, map[string]bool{}
		parts := make([]string, len(gs))
		for i, g := range gs {
			if checkName(g.Name) != nil || names[g.Name] || len(g.Columns) == 0 {
				t.Fatalf("group %q", g.Name)
			}
			names[g.Name] = true
			for _, c := range g.Columns {
				if checkName(c) != nil || cols[c] {
					t.Fatalf("column %q", c)
				}
				cols[c] = true
			}
			parts[i] = g.Name + "=" + strings.Join(g.Columns, ",")
		}
		again, err := ParseGroups(strings.Join(parts, ";"))
		if err != nil || len(again) != len(gs) {
			t.Fatalf("canonical form %q: %v", strings.Join(parts, ";"), err)
		}
		for i := range gs {
			if again[i].Name != gs[i].Name || strings.Join(again[i].Columns, ",") != strings.Join(gs[i].Columns, ",") {
				t.Fatalf("canonical form reads %v, want %v", again, gs)
			}
		}
	})
}
