package casefile

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	csv := "\xef\xbb\xbf label , img ,note\n" +
		"a,x.png,\"one, two\"\n" +
		"\n" +
		"b,y.png,\"multi\nline\"\n" +
		"c,z.png,plain\n"
	tab, err := Parse([]byte(csv), "/data", Limits{})
	require.NoError(t, err)
	assert.Equal(t, []string{"label", "img", "note"}, tab.Header)
	assert.Equal(t, [][]string{{"a", "x.png", "one, two"}, {"b", "y.png", "multi\nline"}, {"c", "z.png", "plain"}}, tab.Rows)
	assert.Equal(t, []int{2, 4, 6}, tab.Lines, "lines: a blank line, a cell over two lines")
	assert.Equal(t, 1, tab.Column("img"))
	assert.Equal(t, -1, tab.Column("nope"))
	assert.Equal(t, "/data", tab.Dir)
	p, err := tab.imagePath(" sub/a.png ")
	if assert.NoError(t, err) {
		assert.Equal(t, filepath.Join("/data", "sub", "a.png"), p)
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, c := range []struct {
		name, csv string
		lim       Limits
		row       int
		line      int
		column    string
		parts     []string
	}{
		{"cell count", "label,a\n1,2\n3\n", Limits{}, 2, 3, "", []string{"1 cells", "2 columns"}},
		{"long cell", "label,a\n1," + long + "\n", Limits{MaxCell: 50}, 1, 2, "a", []string{`"xxxxxxxxxxxxxxxxxxxxxxxx"…`, "100 bytes", "at most 50"}},
		{"invalid UTF-8", "label,a\n1,\xff\xfe\n", Limits{}, 1, 2, "a", []string{"not valid UTF-8"}},
		{"too many rows", "label\n1\n2\n3\n", Limits{MaxRows: 2}, 0, 4, "", []string{"more than 2 rows"}},
		{"too many columns", "a,b,c\n1,2,3\n", Limits{MaxColumns: 2}, 0, 1, "", []string{"3 columns", "at most 2"}},
		{"duplicate column", "label,age,age\n1,2,3\n", Limits{}, 0, 1, "", []string{"columns 2 and 3", `"age"`}},
		{"bad column name", "label,body weight\n1,2\n", Limits{}, 0, 1, "", []string{"header column 2", "' ' at byte 4"}},
		{"empty column name", "label,,x\n1,2,3\n", Limits{}, 0, 1, "", []string{"header column 2", "1..64"}},
		{"bare quote", "label,a\n1,ab\"c\n", Limits{}, 0, 2, "", []string{"line 2", "bare \" in non-quoted-field"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.csv), ".", c.lim)
			wantCaseError(t, err, c.row, c.column, c.parts...)
			assert.Equal(t, c.line, err.(*Error).Line, "the line of error %q", err)
		})
	}
	for name, csv := range map[string]string{"empty": "", "header only": "label,a\n", "blank": "\n\n"} {
		_, err := Parse([]byte(csv), ".", Limits{})
		assert.Error(t, err, name)
	}
	_, err := Parse([]byte("label\n1\n"), ".", Limits{MaxBytes: 4})
	assert.ErrorContains(t, err, "limit is 4", "over MaxBytes")
}

func TestParseGroups(t *testing.T) {
	g, err := ParseGroups(" vitals = age, bmi ;labs=crp,wbc;")
	require.NoError(t, err)
	assert.Equal(t, []GroupSpec{{"vitals", []string{"age", "bmi"}}, {"labs", []string{"crp", "wbc"}}}, g)
	for spec, part := range map[string]string{
		"":                      "names no group",
		" ; ":                   "names no group",
		"vitals":                "has no '='",
		"vitals=":               "1..64",
		"vitals=age,":           "1..64",
		"=age":                  "group 1",
		"a b=age":               "' ' at byte 1",
		"v=age;v=bmi":           `"v" is named twice`,
		"v=age;w=bmi,age":       `"age" is in group "v" and in group "w"`,
		"v=age,age":             `"age" is in group "v" and in group "v"`,
		"v=a\x00b":              "at byte 1",
		strings.Repeat("x", 70): "has no '='",
	} {
		_, err := ParseGroups(spec)
		wantError(t, err, part)
		assert.LessOrEqual(t, len(err.Error()), 200, "the error for %q should quote a short prefix only", spec)
	}
	var many []string
	for i := range 17 {
		many = append(many, fmt.Sprintf("g%d=c%d", i, i))
	}
	_, err = ParseGroups(strings.Join(many, ";"))
	wantError(t, err, "more than 16 groups")
}
