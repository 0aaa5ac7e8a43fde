package groundtruth

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
	"github.com/fusionlens/fusionlens/modality"
)

// Sizes of the fusion vector (package modality): four modalities of ten features each.
const (
	NumModalities       = modality.Count
	FeaturesPerModality = modality.Width
	NumFeatures         = modality.FusionSize
)

// Modalities names the four modalities in fusion-vector order (modality.IDs): feature j
// belongs to Modalities[j/FeaturesPerModality].
var Modalities = [NumModalities]string(modality.IDs())

// ModalityIndex returns the position of a modality name in Modalities.
func ModalityIndex(name string) (int, error) {
	m, err := modality.Parse(name)
	if err != nil {
		return 0, fmt.Errorf("groundtruth: %w", err)
	}
	return int(m), nil
}

// FeatureName returns the canonical name of global feature j, e.g. "clinical_a[3]" for 23.
// It returns "" when j is out of range.
func FeatureName(j int) string {
	if j < 0 || j >= NumFeatures {
		return ""
	}
	return Modalities[j/FeaturesPerModality] + "[" + strconv.Itoa(j%FeaturesPerModality) + "]"
}

// ParseFeature returns the global index (0..39) of a feature named "modality[i]",
// e.g. "clinical_a[3]" -> 23. The index i must be a plain decimal 0..9.
func ParseFeature(s string) (int, error) {
	open := strings.IndexByte(s, '[')
	if open < 0 || !strings.HasSuffix(s, "]") {
		return 0, fmt.Errorf("groundtruth: feature %s is not of the form modality[index], e.g. clinical_a[3]", quote.Short(s))
	}
	m, err := ModalityIndex(s[:open])
	if err != nil {
		return 0, fmt.Errorf("groundtruth: feature %s: unknown modality %s (want one of %s)", quote.Short(s), quote.Short(s[:open]), strings.Join(Modalities[:], ", "))
	}
	digits := s[open+1 : len(s)-1]
	i, err := strconv.Atoi(digits)
	if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' || (len(digits) > 1 && digits[0] == '0') {
		return 0, fmt.Errorf("groundtruth: feature %s: index %s is not a decimal integer", quote.Short(s), quote.Short(digits))
	}
	if i >= FeaturesPerModality {
		return 0, fmt.Errorf("groundtruth: feature %s: index %d out of range [0,%d)", quote.Short(s), i, FeaturesPerModality)
	}
	return m*FeaturesPerModality + i, nil
}
