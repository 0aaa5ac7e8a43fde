package fusion

import "github.com/fusionlens/fusionlens/modality"

// defaultModalities returns the paper's four modalities (package modality) as the
// default network's blocks of the fusion vector.
func defaultModalities() []Modality {
	var mods []Modality
	for _, m := range modality.All() {
		mods = append(mods, Modality{Name: m.ID(), Width: modality.Width})
	}
	return mods
}
