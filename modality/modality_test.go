package modality

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	all := All()
	require.Len(t, all, Count)
	require.Equal(t, Count*Width, FusionSize)
	want := []string{"ct_axial", "ct_coronal", "clinical_a", "clinical_b"}
	assert.Equal(t, want, IDs())
	at := 0
	for i, m := range all {
		assert.Equal(t, i, int(m), "All()[%d]", i)
		assert.True(t, m.Valid(), "modality %d is valid", i)
		assert.Equal(t, want[i], m.ID(), "modality %d's ID", i)
		assert.NotContains(t, []string{"", "unknown"}, m.Label(), "modality %d's label", i)
		assert.Equal(t, [2]int{at, at + Width}, [2]int{m.Start(), m.End()}, "%s: [start, end)", m.ID())
		at = m.End()
		got, err := Parse(m.ID())
		if assert.NoError(t, err, "Parse(%q)", m.ID()) {
			assert.Equal(t, m, got, "Parse(%q)", m.ID())
		}
	}
	assert.Equal(t, FusionSize, at, "features the modalities cover")
	for _, m := range []Modality{-1, Count} {
		assert.False(t, m.Valid(), "modality %d is valid", m)
		assert.Equal(t, "unknown", m.ID(), "modality %d's ID", m)
		assert.Equal(t, "unknown", m.Label(), "modality %d's label", m)
	}
	_, err := Parse("ct_sagittal")
	assert.ErrorContains(t, err, "ct_sagittal", "Parse of an unknown modality names it")
	assert.ErrorContains(t, err, "clinical_b", "Parse of an unknown modality names the known ones")
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
		require.True(t, m.Valid(), "Parse(%q) = %d", id, m)
		require.Equal(t, id, m.ID(), "Parse(%q) = %d", id, m)
	})
}
