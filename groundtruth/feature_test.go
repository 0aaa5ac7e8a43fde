package groundtruth

import "testing"

func TestFeatureNames(t *testing.T) {
	for j := range NumFeatures {
		name := FeatureName(j)
		got, err := ParseFeature(name)
		if err != nil || got != j {
			t.Fatalf("ParseFeature(FeatureName(%d) = %q) = %d, %v", j, name, got, err)
		}
	}
	if FeatureName(23) != "clinical_a[3]" {
		t.Errorf("FeatureName(23) = %q, want clinical_a[3]", FeatureName(23))
	}
	if FeatureName(-1) != "" || FeatureName(NumFeatures) != "" {
		t.Error("FeatureName out of range should be empty")
	}
	for _, bad := range []string{"", "ct_axial", "ct_axial[]", "ct_axial[10]", "ct_axial[-1]", "ct_axial[+1]",
		"ct_axial[03]", "ct_axial[1", "ct_axial 1]", "CT_axial[1]", "mri[1]", "ct_axial[1]x", "ct_axial[1.0]", "[3]"} {
		if j, err := ParseFeature(bad); err == nil {
			t.Errorf("ParseFeature(%q) = %d, want an error", bad, j)
		}
	}
	if m, err := ModalityIndex("clinical_b"); err != nil || m != 3 {
		t.Errorf("ModalityIndex(clinical_b) = %d, %v", m, err)
	}
	if _, err := ModalityIndex("clinical_c"); err == nil {
		t.Error("ModalityIndex(clinical_c) should fail")
	}
}
