package schema

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
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
		require.NoError(t, s.Validate(), "Parse accepted a schema Validate refuses")
		b, err := json.Marshal(s)
		require.NoError(t, err)
		s2, err := Parse(b)
		require.NoError(t, err, "re-parsing the marshalled schema %s", b)
		b2, _ := json.Marshal(s2)
		require.Equal(t, string(b), string(b2), "round trip changed the schema")
		values := map[string]string{}
		for _, g := range s.Groups {
			for _, v := range g.Variables {
				values[v.Name] = value
			}
		}
		if x, err := s.Encode(values); err == nil {
			require.Len(t, x, s.TabularWidth(), "values Encode gave")
		}
	})
}
