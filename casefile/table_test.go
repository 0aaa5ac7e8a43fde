package casefile

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	csv := "\xef\xbb\xbf label , img ,note\n" +
		"a,x.png,\"one, two\"\n" +
		"\n" +
		"b,y.png,\"multi\nline\"\n" +
		"c,z.png,plain\n"
	tab, err := Parse([]byte(csv), "/data", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Header, []string{"label", "img", "note"}) {
		t.Errorf("header %q", tab.Header)
	}
	if len(tab.Rows) != 3 || tab.Rows[0][2] != "one, two" || tab.Rows[1][2] != "multi\nline" || tab.Rows[2][0] != "c" {
		t.Errorf("rows %q", tab.Rows)
	}
	if !slices.Equal(tab.Lines, []int{2, 4, 6}) {
		t.Errorf("lines %v, want [2 4 6] (a blank line, a cell over two lines)", tab.Lines)
	}
	if tab.Column("img") != 1 || tab.Column("nope") != -1 || tab.Dir != "/data" {
		t.Errorf("Column/Dir wrong: %d %d %q", tab.Column("img"), tab.Column("nope"), tab.Dir)
	}
	p, err := tab.imagePath(" sub/a.png ")
	if err != nil || p != filepath.Join("/data", "sub", "a.png") {
		t.Errorf("imagePath = %q, %v", p, err)
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
			if e := err.(*Error); e.Line != c.line {
				t.Errorf("error %q is on line %d, want %d", err, e.Line, c.line)
			}
		})
	}
	for name, csv := range map[string]string{"empty": "", "header only": "label,a\n", "blank": "\n\n"} {
		if _, err := Parse([]byte(csv), ".", Limits{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Parse([]byte("label\n1\n"), ".", Limits{MaxBytes: 4}); err == nil || !strings.Contains(err.Error(), "limit is 4") {
		t.Errorf("over MaxBytes: %v", err)
	}
}

func TestParseGroups(t *testing.T) {
	g, err := ParseGroups(" vitals = age, bmi ;labs=crp,wbc;")
	if err != nil {
		t.Fatal(err)
	}
	want := []GroupSpec{{"vitals", []string{"age", "bmi"}}, {"labs", []string{"crp", "wbc"}}}
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("ParseGroups = %v, want %v", g, want)
	}
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
		if len(err.Error()) > 200 {
			t.Errorf("error for %q is %d bytes: it should quote a short prefix only", spec, len(err.Error()))
		}
	}
	var many []string
	for i := range 17 {
		many = append(many, fmt.Sprintf("g%d=c%d", i, i))
	}
	_, err = ParseGroups(strings.Join(many, ";"))
	wantError(t, err, "more than 16 groups")
}
