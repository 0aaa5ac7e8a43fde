// Package modality is the one table of the paper's input groups: the four modalities of
// the fusion vector, in order, each of Width features. Every package that names or
// counts modalities (fusion's default network, the importance methods, the ground
// truth, the clinical groups, the page) derives from it.
//
//	ct_axial    z[0:10]   the axial CT image's encoder features
//	ct_coronal  z[10:20]  the coronal CT image's encoder features
//	clinical_a  z[20:30]  clinical group A: demographics, vital signs, metabolism
//	clinical_b  z[30:40]  clinical group B: blood tests
package modality

import (
	"fmt"
	"strings"
)

// Modality is one input group, in fusion-vector order.
type Modality int

// The four modalities of the fusion vector.
const (
	CTAxial   Modality = iota // z[0:10], the axial CT image
	CTCoronal                 // z[10:20], the coronal CT image
	ClinicalA                 // z[20:30], clinical group A
	ClinicalB                 // z[30:40], clinical group B
)

// Count is the number of modalities.
const Count = 4

// Width is the number of fusion features each modality contributes.
const Width = 10

// FusionSize is the length of the fusion vector.
const FusionSize = Count * Width

var table = [Count]struct{ id, label string }{
	CTAxial:   {"ct_axial", "CT axial"},
	CTCoronal: {"ct_coronal", "CT coronal"},
	ClinicalA: {"clinical_a", "Clinical A"},
	ClinicalB: {"clinical_b", "Clinical B"},
}

// All returns the modalities in fusion-vector order.
func All() []Modality { return []Modality{CTAxial, CTCoronal, ClinicalA, ClinicalB} }

// Valid reports whether m is one of the four modalities.
func (m Modality) Valid() bool { return m >= 0 && m < Count }

// ID returns the modality's stable name ("ct_axial", ...), used in files, JSON and the
// page's data-modality attributes; "unknown" for an invalid m.
func (m Modality) ID() string {
	if !m.Valid() {
		return "unknown"
	}
	return table[m].id
}

// Label returns the modality's human name ("CT axial", ...); "unknown" for an invalid m.
func (m Modality) Label() string {
	if !m.Valid() {
		return "unknown"
	}
	return table[m].label
}

// Start is the index of the modality's first feature in the fusion vector.
func (m Modality) Start() int { return int(m) * Width }

// End is one past the index of the modality's last feature in the fusion vector.
func (m Modality) End() int { return (int(m) + 1) * Width }

// IDs returns the modalities' IDs in fusion-vector order.
func IDs() []string {
	ids := make([]string, Count)
	for m := range table {
		ids[m] = table[m].id
	}
	return ids
}

// Parse returns the modality whose ID is id.
func Parse(id string) (Modality, error) {
	for m := range table {
		if table[m].id == id {
			return Modality(m), nil
		}
	}
	return 0, fmt.Errorf("modality: unknown modality %q (want one of %s)", id, strings.Join(IDs(), ", "))
}
