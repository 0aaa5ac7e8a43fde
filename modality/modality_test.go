package modality

import (
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	all := All()
	if len(all) != Count || FusionSize != Count*Width {
		t.Fatalf("%d modalities, Count %d, FusionSize %d", len(all), Count, FusionSize)
	}
	want := []string{"ct_axial", "ct_coronal", "clinical_a", "clinical_b"}
	at := 0
	for i, m := range all {
		if int(m) != i || !m.Valid() {
			t.Errorf("All()[%d] = %d", i, m)
		}
		if m.ID() != want[i] || IDs()[i] != want[i] {
			t.Errorf("modality %d: ID %q, IDs %q, want %q", i, m.ID(), IDs()[i], want[i])
		}
		if m.Label() == "" || m.Label() == "unknown" {
			t.Errorf("modality %d has no label", i)
		}
		if m.Start() != at || m.End()-m.Start() != Width {
			t.Errorf("%s: [%d,%d), want [%d,%d)", m.ID(), m.Start(), m.End(), at, at+Width)
		}
		at = m.End()
		got, err := Parse(m.ID())
		if err != nil || got != m {
			t.Errorf("Parse(%q) = %d, %v", m.ID(), got, err)
		}
	}
	if at != FusionSize {
		t.Errorf("the modalities cover %d features, want %d", at, FusionSize)
	}
	for _, m := range []Modality{-1, Count} {
		if m.Valid() || m.ID() != "unknown" || m.Label() != "unknown" {
			t.Errorf("modality %d: valid %v, ID %q, label %q", m, m.Valid(), m.ID(), m.Label())
		}
	}
	if _, err := Parse("ct_sagittal"); err == nil || !strings.Contains(err.Error(), "ct_sagittal") || !strings.Contains(err.Error(), "clinical_b") {
		t.Errorf("Parse of an unknown modality: %v; want an error naming it and the known ones", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, id := range append(IDs(), "", "CT_AXIAL", "clinical_c") {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		m, err := Parse(id)
		if err != nil {
			return
		}
		if !m.Valid() || m.ID() != id {
			t.Errorf("Parse(%q) = %d (ID %q)", id, m, m.ID())
		}
	})
}
