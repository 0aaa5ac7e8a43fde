package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// example is a schema with every feature: three images (grey and RGB, one windowed), two
// groups, a categorical variable and three classes.
func example() Schema {
	return Schema{
		Images: []Image{
			{Name: "ct", Label: "CT slice", Size: 64, Channels: 1, Window: &Window{Center: 50, Width: 400}},
			{Name: "photo", Size: 32, Channels: 3},
			{Name: "xray", Size: 28, Channels: 1},
		},
		Groups: []Group{
			{Name: "vitals", Label: "Vital signs", Variables: []Variable{
				{Name: "age", Unit: "years", Kind: KindNumeric, Mean: 60, SD: 10, Min: 18, Max: 105},
				{Name: "smoker", Kind: KindCategorical, Levels: []string{"never", "former", "current"}},
			}},
			{Name: "labs", Variables: []Variable{
				{Name: "crp", Label: "C-reactive protein", Unit: "mg/L", Kind: KindNumeric, Mean: 5, SD: 8, Min: 0, Max: 500},
			}},
		},
		Classes: []string{"benign", "malignant", "unclear"},
	}
}

func TestExampleValid(t *testing.T) {
	s := example()
	require.NoError(t, s.Validate())
	assert.Equal(t, []string{"ct", "photo", "xray", "vitals", "labs"}, s.Modalities())
	assert.Equal(t, 4, s.Groups[0].Width(), "vitals: 1 numeric + 3 levels")
	assert.Equal(t, 5, s.TabularWidth())
	assert.Equal(t, 3*32*32, s.Images[1].Pixels(), "values of an RGB 32x32 image")
	v, g, i, off, ok := s.Lookup("crp")
	if assert.True(t, ok, "Lookup(crp) found it") {
		assert.Equal(t, "crp", v.Name)
		assert.Equal(t, [3]int{1, 0, 4}, [3]int{g, i, off}, "Lookup(crp): group, index, offset")
	}
	_, _, _, _, ok = s.Lookup("ct")
	assert.False(t, ok, "Lookup found an image as a variable")
}

func TestParseRoundTrip(t *testing.T) {
	s := example()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	got, err := Parse(b)
	require.NoError(t, err)
	b2, _ := json.Marshal(got)
	assert.Equal(t, string(b), string(b2), "round trip changed the schema")
	assert.Equal(t, &Window{Center: 50, Width: 400}, got.Images[0].Window, "the window survives")
	assert.Nil(t, got.Images[1].Window, "no window appears")
	c := s.Clone()
	c.Images[0].Window.Width = 1
	c.Groups[0].Variables[1].Levels[0] = "x"
	c.Classes[0] = "y"
	assert.Equal(t, example(), s, "Clone shares memory with the original")
}

func TestParseStrict(t *testing.T) {
	good, _ := json.Marshal(example())
	for _, c := range []struct{ name, in, want string }{
		{"unknown field", strings.Replace(string(good), `"classes"`, `"colour":1,"classes"`, 1), "unknown field"},
		{"unknown nested field", strings.Replace(string(good), `"size":64`, `"size":64,"depth":2`, 1), "unknown field"},
		{"trailing", string(good) + "{}", "trailing"},
		{"not json", "{", "schema"},
		{"wrong type", `{"images":"x"}`, "schema"},
	} {
		_, err := Parse([]byte(c.in))
		assert.ErrorContains(t, err, c.want, c.name)
	}
}

func TestValidateNamesThePath(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Schema)
		want string
	}{
		{"no images", func(s *Schema) { s.Images = nil }, "0 images"},
		{"nine images", func(s *Schema) {
			for len(s.Images) < 9 {
				s.Images = append(s.Images, Image{Name: "i" + string(rune('a'+len(s.Images))), Size: 16, Channels: 1})
			}
		}, "9 images"},
		{"bad name", func(s *Schema) { s.Images[1].Name = "a b" }, "images[1].name"},
		{"empty name", func(s *Schema) { s.Images[0].Name = "" }, "images[0].name"},
		{"long name", func(s *Schema) { s.Images[0].Name = strings.Repeat("a", 65) }, "images[0].name"},
		{"small image", func(s *Schema) { s.Images[2].Size = 15 }, "images[2].size is 15"},
		{"large image", func(s *Schema) { s.Images[2].Size = 257 }, "images[2].size is 257"},
		{"two channels", func(s *Schema) { s.Images[0].Channels = 2 }, "images[0].channels is 2"},
		{"zero window", func(s *Schema) { s.Images[0].Window.Width = 0 }, "images[0].window.width"},
		{"image label control", func(s *Schema) { s.Images[0].Label = "a\nb" }, "images[0].label"},
		{"image name twice", func(s *Schema) { s.Images[1].Name = "ct" }, "images[1].name \"ct\" is also images[0].name"},
		{"variable named like an image", func(s *Schema) { s.Groups[1].Variables[0].Name = "photo" }, "groups[1].variables[0].name"},
		{"group named like an image", func(s *Schema) { s.Groups[0].Name = "xray" }, "groups[0].name"},
		{"label column", func(s *Schema) { s.Groups[0].Variables[0].Name = "label" }, "class column"},
		{"variable twice", func(s *Schema) { s.Groups[1].Variables[0].Name = "age" }, "groups[1].variables[0].name \"age\" is also"},
		{"empty group", func(s *Schema) { s.Groups[1].Variables = nil }, "groups[1] has 0 variables"},
		{"zero sd", func(s *Schema) { s.Groups[1].Variables[0].SD = 0 }, "groups[1].variables[0].sd is 0"},
		{"min above max", func(s *Schema) { s.Groups[0].Variables[0].Min = 200 }, "groups[0].variables[0]: min"},
		{"bad kind", func(s *Schema) { s.Groups[0].Variables[0].Kind = "text" }, "groups[0].variables[0].kind"},
		{"numeric levels", func(s *Schema) { s.Groups[0].Variables[0].Levels = []string{"a", "b"} }, "groups[0].variables[0].levels"},
		{"one level", func(s *Schema) { s.Groups[0].Variables[1].Levels = []string{"a"} }, "groups[0].variables[1] has 1 levels"},
		{"level twice", func(s *Schema) { s.Groups[0].Variables[1].Levels[2] = "never" }, "groups[0].variables[1].levels[2]"},
		{"categorical sd", func(s *Schema) { s.Groups[0].Variables[1].SD = 1 }, "groups[0].variables[1]: a categorical"},
		{"one class", func(s *Schema) { s.Classes = s.Classes[:1] }, "1 classes"},
		{"eleven classes", func(s *Schema) {
			for len(s.Classes) < 11 {
				s.Classes = append(s.Classes, strings.Repeat("c", len(s.Classes)))
			}
		}, "11 classes"},
		{"empty class", func(s *Schema) { s.Classes[1] = "" }, "classes[1] is empty"},
		{"class twice", func(s *Schema) { s.Classes[2] = "benign" }, "classes[2]"},
		{"class space", func(s *Schema) { s.Classes[0] = " a" }, "classes[0]"},
	} {
		s := example().Clone()
		c.edit(&s)
		assert.ErrorContains(t, s.Validate(), c.want, c.name)
	}
}

func TestEncode(t *testing.T) {
	s := example()
	got, err := s.Encode(map[string]string{"age": " 70 ", "smoker": "former", "crp": "1.3e1"})
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 0, 1, 0, 1}, got)
	long := strings.Repeat("9", 1000)
	for _, c := range []struct {
		name   string
		values map[string]string
		want   string
	}{
		{"missing", map[string]string{"age": "70", "smoker": "never"}, `"crp" (group "labs") has no value`},
		{"empty", map[string]string{"age": "", "smoker": "never", "crp": "1"}, `"age" has no value`},
		{"not a number", map[string]string{"age": "70y", "smoker": "never", "crp": "1"}, `"age": "70y" is not a number`},
		{"nan", map[string]string{"age": "NaN", "smoker": "never", "crp": "1"}, `"age": "NaN" is not a number`},
		{"hex", map[string]string{"age": "0x10", "smoker": "never", "crp": "1"}, `not a number`},
		{"out of range", map[string]string{"age": "17", "smoker": "never", "crp": "1"}, `"age": 17 years is outside`},
		{"huge", map[string]string{"age": "1e999", "smoker": "never", "crp": "1"}, `out of range`},
		{"unknown level", map[string]string{"age": "70", "smoker": "sometimes", "crp": "1"}, `"smoker": "sometimes" is not one of its 3 levels`},
		{"unknown name", map[string]string{"age": "70", "smoker": "never", "crp": "1", "zz": "1", "ab": "2"}, `"ab" is not a variable`},
		{"long value", map[string]string{"age": long + "x", "smoker": "never", "crp": "1"}, `"age": "999999999999999999999999"… is not`},
	} {
		_, err := s.Encode(c.values)
		if assert.ErrorContains(t, err, c.want, c.name) {
			assert.LessOrEqual(t, len(err.Error()), 200, "%s: the error repeats the input", c.name)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{{"0", 0}, {"-1.5", -1.5}, {"+2", 2}, {".5", 0.5}, {"5.", 5}, {"1e3", 1000}, {"2.5E-1", 0.25}} {
		got, err := ParseNumber(c.in)
		if assert.NoError(t, err, "ParseNumber(%q)", c.in) {
			assert.Equal(t, c.want, got, "ParseNumber(%q)", c.in)
		}
	}
	for _, in := range []string{"", ".", "-", "e5", "1e", "1e+", "1_000", "Inf", "NaN", "0x1p3", "1.2.3", " 1", "1,5"} {
		_, err := ParseNumber(in)
		assert.Error(t, err, "ParseNumber(%q) accepted it", in)
	}
}
