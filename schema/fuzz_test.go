package schema

import (
	"encoding/json"
	"testing"
)

// FuzzParseSchema checks that Parse never panics, that whatever it accepts is valid and
// survives a JSON round trip unchanged, and that Encode on an accepted schema never
// panics and returns either an error or TabularWidth values.
func FuzzParseSchema(f *testing.F) {
	good, _ := json.Marshal(example())
	f.Add(good, "1")
	f.Add([]byte(`{"images":[{"name":"a","size":16,"channels":3}],"groups":[],"classes":["x","y"]}`), "")
	f.Add([]byte(`{"images":[{"name":"a","size":16,"channels":1}],"groups":[{"name":"g","variables":[{"name":"v","kind":"categorical","levels":["p","q"]}]}],"classes":["x","y"]}`), "q")
	f.Add([]byte(`{"images":null,"groups":null,"classes":null}`), "NaN")
	f.Add([]byte(`{"images":[{"name":"a","size":16,"channels":1,"window":{"center":1e308,"width":-0}}]}`), "1e400")
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse accepted a schema Validate refuses: %v", err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Parse(b)
		if err != nil {
			t.Fatalf("re-parsing the marshalled schema: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(s2)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed the schema:\n%s\n%s", b, b2)
		}
		values := map[string]string{}
		for _, g := range s.Groups {
			for _, v := range g.Variables {
				values[v.Name] = value
			}
		}
		x, err := s.Encode(values)
		if err == nil && len(x) != s.TabularWidth() {
			t.Fatalf("Encode gave %d values, want %d", len(x), s.TabularWidth())
		}
	})
}
