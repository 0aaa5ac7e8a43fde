package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestJSONHasModalityInteractions(t *testing.T) {
	// Gradient needs no background; the interactions draw their own.
	for _, method := range []string{"gradient", "occlusion"} {
		out := runOK(t, "-shipped", "F6", "-method", method, "-background", "30", "-json")
		var r struct {
			MI *struct {
				Modalities []string           `json:"modalities"`
				Index      map[string]float64 `json:"index"`
				Shares     map[string]float64 `json:"shares"`
				Matrix     [][]float64        `json:"matrix"`
				Strongest  string             `json:"strongest"`
				Exact      bool               `json:"exact"`
				Background int                `json:"background_cases"`
			} `json:"modality_interactions"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		mi := r.MI
		if mi == nil || len(mi.Modalities) != 4 || len(mi.Index) != 6 || len(mi.Shares) != 6 || !mi.Exact || mi.Background != 30 {
			t.Fatalf("%s: modality_interactions %+v", method, mi)
		}
		var sum float64
		for name, s := range mi.Shares {
			sum += s
			a, b, _ := strings.Cut(name, "|")
			i, j := indexOf(mi.Modalities, a), indexOf(mi.Modalities, b)
			if i < 0 || j <= i || mi.Matrix[i][j] != mi.Index[name] || mi.Matrix[j][i] != mi.Index[name] {
				t.Errorf("%s: pair %q (%d, %d) does not match the matrix %v", method, name, i, j, mi.Matrix)
			}
		}
		if math.Abs(sum-1) > 1e-9 || mi.Shares[mi.Strongest] == 0 {
			t.Errorf("%s: shares sum to %v, strongest %q", method, sum, mi.Strongest)
		}
	}
	if out := runOK(t, "-shipped", "F6", "-background", "30"); !strings.Contains(out, "modality interactions") || !strings.Contains(out, "ct_axial|clinical_a") {
		t.Errorf("table lacks the interactions:\n%s", out)
	}
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}
