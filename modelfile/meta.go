package modelfile

import (
	"encoding/json"
	"fmt"
)

// metaWire is Meta as stored in a file: the same fields and JSON keys, with Created kept
// as raw JSON, written by time.Time's MarshalJSON (called directly) and read by
// parseCreated. encoding/json then never sees a time.Time, which would make the linker
// keep all of time.Time's interface methods (String, Format, MarshalText) in every program
// that reads a model. The bytes written are those of encoding/json on Meta itself; the
// Meta read is too for every created time MarshalJSON writes (TestMetaWire), and for
// every strict RFC 3339 time (FuzzMetaRead).
type metaWire struct {
	Kind         string          `json:"kind,omitempty"`
	Scenario     json.RawMessage `json:"scenario,omitempty"`
	DataSource   string          `json:"data_source,omitempty"`
	Seed         uint64          `json:"seed"`
	Epochs       int             `json:"epochs,omitempty"`
	TestAccuracy float64         `json:"test_accuracy,omitempty"`
	TestAUC      float64         `json:"test_auc,omitempty"`
	Created      json.RawMessage `json:"created,omitempty"`
	Command      string          `json:"command,omitempty"`
	Notes        string          `json:"notes,omitempty"`
}

// wire returns m as stored.
func (m Meta) wire() (metaWire, error) {
	w := metaWire{Kind: m.Kind, Scenario: m.Scenario, DataSource: m.DataSource, Seed: m.Seed,
		Epochs: m.Epochs, TestAccuracy: m.TestAccuracy, TestAUC: m.TestAUC, Command: m.Command, Notes: m.Notes}
	if !m.Created.IsZero() {
		b, err := m.Created.MarshalJSON()
		if err != nil {
			return metaWire{}, fmt.Errorf("%w: meta created: %v", ErrInvalid, err)
		}
		w.Created = b
	}
	return w, nil
}

// meta returns the Meta that w stores. An absent or null created leaves Created zero;
// otherwise it is read by parseCreated, the inverse of the MarshalJSON that wrote it (an
// RFC 3339 time in a JSON string).
func (w metaWire) meta() (Meta, error) {
	m := Meta{Kind: w.Kind, Scenario: w.Scenario, DataSource: w.DataSource, Seed: w.Seed,
		Epochs: w.Epochs, TestAccuracy: w.TestAccuracy, TestAUC: w.TestAUC, Command: w.Command, Notes: w.Notes}
	if len(w.Created) > 0 {
		t, err := parseCreated(w.Created)
		if err != nil {
			// A file may hold anything here: quote at most 40 bytes of it.
			shown := fmt.Sprintf("%.40s", w.Created)
			if len(shown) < len(w.Created) {
				shown = fmt.Sprintf("%s... (%d bytes)", shown, len(w.Created))
			}
			return Meta{}, fmt.Errorf("meta: created %s is not an RFC 3339 time in a JSON string such as \"2006-01-02T15:04:05Z\": %v", shown, err)
		}
		m.Created = t
	}
	return m, nil
}
