package casefile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
			require.LessOrEqual(t, len(err.Error()), 400, "error %q is too long", err)
			return
		}
		require.NotEmpty(t, tab.Header)
		require.LessOrEqual(t, len(tab.Header), lim.MaxColumns, "columns")
		require.NotEmpty(t, tab.Rows)
		require.LessOrEqual(t, len(tab.Rows), lim.MaxRows, "rows")
		require.Len(t, tab.Lines, len(tab.Rows), "a line for each row")
		seen := map[string]bool{}
		for _, h := range tab.Header {
			require.NoError(t, checkName(h), "header %q", tab.Header)
			require.False(t, seen[h], "header %q names %q twice", tab.Header, h)
			seen[h] = true
		}
		for i, row := range tab.Rows {
			require.Len(t, row, len(tab.Header), "cells of row %d", i+1)
			for _, c := range row {
				require.LessOrEqual(t, len(c), lim.MaxCell, "a cell's bytes in row %d", i+1)
			}
			if i > 0 {
				require.Greater(t, tab.Lines[i], tab.Lines[i-1], "lines %v increase", tab.Lines)
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
			require.LessOrEqual(t, len(err.Error()), 300, "error %q is too long", err)
			return
		}
		names, cols := map[string]bool{}, map[string]bool{}
		parts := make([]string, len(gs))
		for i, g := range gs {
			require.NoError(t, checkName(g.Name), "group %q", g.Name)
			require.False(t, names[g.Name], "group %q named twice", g.Name)
			require.NotEmpty(t, g.Columns, "columns of group %q", g.Name)
			names[g.Name] = true
			for _, c := range g.Columns {
				require.NoError(t, checkName(c), "column %q", c)
				require.False(t, cols[c], "column %q in two groups", c)
				cols[c] = true
			}
			parts[i] = g.Name + "=" + strings.Join(g.Columns, ",")
		}
		again, err := ParseGroups(strings.Join(parts, ";"))
		require.NoError(t, err, "canonical form %q", strings.Join(parts, ";"))
		require.Equal(t, gs, again, "the canonical form reads back the same")
	})
}
