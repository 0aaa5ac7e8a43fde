package modelfile

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMetaWireFields checks that metaWire has Meta's fields, in order, with the same
// JSON tags and types (Created aside), so that neither drifts from the other.
func TestMetaWireFields(t *testing.T) {
	mt, wt := reflect.TypeFor[Meta](), reflect.TypeFor[metaWire]()
	if mt.NumField() != wt.NumField() {
		t.Fatalf("Meta has %d fields, metaWire %d", mt.NumField(), wt.NumField())
	}
	for i := range mt.NumField() {
		m, w := mt.Field(i), wt.Field(i)
		if m.Name != w.Name || m.Tag.Get("json") != w.Tag.Get("json") && m.Name != "Created" {
			t.Errorf("field %d: Meta %s %q, metaWire %s %q", i, m.Name, m.Tag, w.Name, w.Tag)
		}
		if m.Type != w.Type && m.Name != "Created" {
			t.Errorf("field %s: Meta %v, metaWire %v", m.Name, m.Type, w.Type)
		}
	}
}

// TestMetaWire checks that writing through metaWire gives the bytes encoding/json gives
// for Meta itself, and that reading gives the same Meta (or an error for the same inputs).
func TestMetaWire(t *testing.T) {
	full := Meta{Kind: "fusion", Scenario: json.RawMessage(`"F3"`), DataSource: "phantom <synthetic> & co",
		Seed: 1<<64 - 1, Epochs: 12, TestAccuracy: 0.9375, TestAUC: 1.0 / 3, Command: "go run ./cmd/train", Notes: "ü"}
	metas := []Meta{{}, full}
	for _, created := range []time.Time{
		time.Date(2025, 11, 27, 9, 28, 0, 0, time.UTC),
		time.Date(2025, 11, 27, 9, 28, 0, 123456789, time.FixedZone("", 5*3600+30*60)),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.FixedZone("X", -7*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999000000, time.UTC),
	} {
		m := full
		m.Created = created
		metas = append(metas, m)
	}
	for _, m := range metas {
		want, err := marshalJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		w, err := m.wire()
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalJSON(w)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("wrote %s, encoding/json on Meta writes %s", got, want)
		}
		checkMetaRead(t, want)
	}
	// Inputs a hand-edited or damaged file may hold.
	for _, in := range []string{
		`{}`, `{"created":null}`, `{"created":""}`, `{"created":5}`, `{"created":"2025-11-27"}`,
		`{"created":"2025-11-27T09:28:00+24:00"}`, `{"created":"2025-11-27T09:28:00.5-01:30","seed":3}`,
		`{"CREATED":"2025-11-27T09:28:00Z"}`, `{"created":"2025-02-30T00:00:00Z"}`,
	} {
		checkMetaRead(t, []byte(in))
	}
}

// strictRFC3339 is the form of a created time metaWire reads: what time.Time's
// MarshalJSON writes (RFC 3339 with an optional fraction and an offset within ±23:59).
// The ranges of the date and time fields are left to time.Time's own parser.
var strictRFC3339 = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)"$`)

// checkMetaRead checks that data read through metaWire give what encoding/json reads
// into Meta, or fail where it fails; the one difference allowed is a created time that
// encoding/json reads through time.Parse's lax fallback (not strictRFC3339), which
// metaWire refuses.
func checkMetaRead(t *testing.T, data []byte) {
	t.Helper()
	var want Meta
	wantErr := json.Unmarshal(data, &want)
	var w metaWire
	err := json.Unmarshal(data, &w)
	var got Meta
	if err == nil {
		got, err = w.meta()
	}
	switch {
	case err == nil && wantErr != nil:
		t.Errorf("%s: read %+v, encoding/json on Meta fails: %v", data, got, wantErr)
	case err == nil && !reflect.DeepEqual(got, want):
		t.Errorf("%s: read %+v, encoding/json on Meta reads %+v", data, got, want)
	case err != nil && wantErr == nil:
		if len(w.Created) > 0 && string(w.Created) != "null" && !strictRFC3339.Match(w.Created) {
			return // a lax form only time.Parse reads
		}
		t.Errorf("%s: refused (%v), encoding/json on Meta reads %+v", data, err, want)
	}
}

// TestMetaCreatedLax checks that the lax created times Go's time.Parse fallback reads are
// refused with an error naming the field.
func TestMetaCreatedLax(t *testing.T) {
	for _, in := range []string{`"2025-11-27T9:28:00Z"`, `"2025-11-27T09:28:00,5Z"`, `"2025-11-27T09:28:00+24:00"`,
		`"2025-11-27T09:28:00.Z"`, `"2025-02-29T00:00:00Z"`, `"2025-11-27T09:28:00"`, `"2025-11-27T09:28:00+0100"`, `5`, `""`} {
		var ref time.Time
		refErr := ref.UnmarshalJSON([]byte(in))
		_, err := metaWire{Created: json.RawMessage(in)}.meta()
		if err == nil {
			t.Errorf("created %s: read; want an error (time.Time reads it as %v, %v)", in, ref, refErr)
		} else if !strings.Contains(err.Error(), "created") {
			t.Errorf("created %s: error %q does not name the field", in, err)
		}
	}
	// Leap day, fraction beyond nanoseconds, an offset: read as time.Time reads them.
	for _, in := range []string{`"2024-02-29T23:59:59.9999999999-23:59"`, `"0000-01-01T00:00:00+00:00"`, `"2025-11-27T09:28:00.000Z"`} {
		var want time.Time
		if err := want.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatal(err)
		}
		got, err := metaWire{Created: json.RawMessage(in)}.meta()
		if err != nil || !reflect.DeepEqual(got.Created, want) {
			t.Errorf("created %s: read %v, %v; want %v", in, got.Created, err, want)
		}
	}
}

// TestShippedModelsRoundTrip checks that every shipped model in weights/ decodes and
// encodes back to the same bytes, with the options it was written with (modelfile.Compact
// for the fusion networks, float32 for the autoencoder). They were written before the
// reader moved from a copy of Go's internal/zstd decoder to klauspost's and then to
// package modelfile/zstd, so this is also the check that older files still open.
func TestShippedModelsRoundTrip(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "weights", "*.flns"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no model files in ../weights")
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		same := false
		for _, opt := range []Options{Compact, {}} {
			var b bytes.Buffer
			if err := Encode(&b, f, opt); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			same = same || bytes.Equal(b.Bytes(), data)
		}
		if !same {
			t.Errorf("%s: encodes to other bytes with both int8 (Compact) and float32 options", path)
		}
	}
}

// FuzzMetaRead checks reading Meta through metaWire (created by parseCreated) against
// encoding/json on Meta itself, on any JSON object.
func FuzzMetaRead(f *testing.F) {
	for _, s := range []string{`{}`, `{"created":null}`, `{"created":"2025-11-27T09:28:00Z"}`,
		`{"created":"2025-11-27T09:28:00.123456789123+05:30","seed":7}`, `{"created":"2025-11-27T9:28:00Z"}`,
		`{"created":"2025-11-27T09:28:00,5Z"}`, `{"created":"2025-11-27T09:28:00+24:00"}`,
		`{"created":5}`, `{"created":""}`, `{"kind":"fusion","scenario":"F3","notes":"\u00fc"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkMetaRead(t, data)
	})
}

// TestMetaCreatedErrorBounded checks that a long created value is quoted in part, with its
// length, so that a hostile file cannot fill the page's error line.
func TestMetaCreatedErrorBounded(t *testing.T) {
	long := `"` + strings.Repeat("9", 10000) + `"`
	_, err := metaWire{Created: json.RawMessage(long)}.meta()
	if err == nil {
		t.Fatal("a 10,002-byte created value was read; want an error")
	}
	if msg := err.Error(); len(msg) > 300 || !strings.Contains(msg, "(10002 bytes)") || !strings.Contains(msg, "created") {
		t.Errorf("error is %d bytes (want at most 300, naming the field and the length 10002): %.200q", len(msg), msg)
	}
	_, err = metaWire{Created: json.RawMessage(`"yesterday"`)}.meta()
	if err == nil || !strings.Contains(err.Error(), `"yesterday"`) || strings.Contains(err.Error(), "bytes)") {
		t.Errorf("short created value: error %v, want it quoted whole", err)
	}
}
