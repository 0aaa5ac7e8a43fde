package site

import (
	"errors"
	"strings"
	"testing"

	"github.com/fusionlens/fusionlens/engine"
)

func TestSetModelIndex(t *testing.T) {
	s := NewState(nil)
	err := s.SetModelIndex([]byte(`{"models":[{"file":"f0.flm","name":"F0: sum of all forty"},{"file":"f3.flm"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Models) != 2 || s.Models[0].Label != "F0: sum of all forty" || s.Models[1].Label != "f3" || s.Models[1].File != "models/f3.flm" {
		t.Fatalf("models %+v", s.Models)
	}
	if err := s.SetModelIndex([]byte(`{"models":[{"file":"f0.flm","reference":"f0.flm.ref"},{"file":"f9.flm"}]}`)); err != nil ||
		s.Models[0].Reference != "models/f0.flm.ref" || s.Models[1].Reference != "" {
		t.Errorf("reference files: %v, models %+v", err, s.Models)
	}
	if err := s.SetModelIndex([]byte(`{"models":[]}`)); err != nil || len(s.Models) != 0 {
		t.Errorf("empty index: %v, %d models", err, len(s.Models))
	}
	for _, bad := range []string{`{"models":[{"file":"../secret"}]}`, `{"models":[{"file":""}]}`, `{"models":[{"file":".hidden"}]}`, `{"models":[{"file":"a.flm","reference":"../a.ref"}]}`, `{"models":`, `[]`} {
		if err := s.SetModelIndex([]byte(bad)); err == nil {
			t.Errorf("index %s accepted", bad)
		}
	}
}

func TestOpenModelWithoutEngine(t *testing.T) {
	s := NewState(nil)
	c := s.openedChoice("m.flm", []byte("x"))
	s.OpenModel(c, []byte("x"))
	if s.Engine != nil || !strings.Contains(s.ModelErr, "not wired in") {
		t.Errorf("engine %v, error %q", s.Engine, s.ModelErr)
	}
	if len(s.Models) != 0 {
		t.Error("a model that could not be opened was listed")
	}
}

func TestOpenModel(t *testing.T) {
	var opened []string
	s := NewState(func(name string, data []byte) (engine.Engine, error) {
		opened = append(opened, name)
		if string(data) == "bad" {
			return nil, errors.New("not a model file: bad magic")
		}
		if string(data) == "panic" {
			panic("decoder bug")
		}
		return &testEngine{}, nil
	})
	s.OpenModel(s.openedChoice("bad.flm", []byte("bad")), []byte("bad"))
	if !strings.Contains(s.ModelErr, "bad.flm: not a model file") || s.Engine != nil {
		t.Errorf("bad file: error %q engine %v", s.ModelErr, s.Engine)
	}
	s.OpenModel(s.openedChoice("p.flm", []byte("panic")), []byte("panic"))
	if !strings.Contains(s.ModelErr, "decoder bug") || s.Engine != nil {
		t.Errorf("panicking opener: error %q", s.ModelErr)
	}
	c := s.openedChoice("good.flm", []byte("ok"))
	s.OpenModel(c, []byte("ok"))
	if s.Engine == nil || s.ModelErr != "" || s.ModelID != c.ID {
		t.Fatalf("good file: engine %v error %q id %q", s.Engine, s.ModelErr, s.ModelID)
	}
	if !strings.Contains(s.ModelNote, "test model") || !strings.Contains(s.ModelNote, "95.0 %") {
		t.Errorf("note %q", s.ModelNote)
	}
	if got, ok := s.Choice(c.ID); !ok || got.Label != "good.flm (opened file)" {
		t.Errorf("opened file not listed: %+v", s.Models)
	}
	// Re-listing the shipped models keeps the opened file.
	if err := s.SetModelIndex([]byte(`{"models":[{"file":"f1.flm"}]}`)); err != nil {
		t.Fatal(err)
	}
	if len(s.Models) != 2 || s.Models[1].ID != c.ID {
		t.Errorf("models after re-listing %+v", s.Models)
	}
}

func TestSetValidation(t *testing.T) {
	s := NewState(nil)
	good := `{"source":"go run ./cmd/validate -seed 1","rbo_persistence":0.9,
	 "methods":[{"id":"gradient","label":"Gradient","rmse":0.05,"rbo":0.97}],
	 "scenarios":[{"name":"F0","accuracy":0.97,"truth":[0.25,0.25,0.25,0.25],"estimates":{"gradient":[0.3,0.2,0.25,0.25]}}]}`
	if err := s.SetValidation([]byte(good)); err != nil {
		t.Fatal(err)
	}
	if s.Validation.Methods[0].RMSE != 0.05 || s.Validation.Scenarios[0].Estimates["gradient"][0] != 0.3 {
		t.Errorf("report %+v", s.Validation)
	}
	for _, bad := range []string{
		`{"scenarios":[{"name":"F1","truth":[1,0,0]}]}`,
		`{"scenarios":[{"name":"F1","truth":[1,0,0,0],"estimates":{"lime":[1]}}]}`,
		`{"methods":"x"}`,
	} {
		if err := s.SetValidation([]byte(bad)); err == nil {
			t.Errorf("report %s accepted", bad)
		}
	}
}

func FuzzModelIndex(f *testing.F) {
	f.Add([]byte(`{"models":[{"file":"f0.flm","name":"F0"}]}`))
	f.Add([]byte(`{"models":[{"file":"../x"}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewState(nil)
		if err := s.SetModelIndex(data); err != nil {
			return
		}
		for _, m := range s.Models {
			if !strings.HasPrefix(m.File, "models/") || strings.Contains(m.File[len("models/"):], "/") {
				t.Fatalf("accepted model path %q", m.File)
			}
		}
	})
}

func FuzzValidationReport(f *testing.F) {
	f.Add([]byte(`{"methods":[{"id":"g","label":"G","rmse":0.1,"rbo":0.9}],"scenarios":[{"name":"F0","truth":[1,0,0,0],"estimates":{"g":[1,0,0,0]}}]}`))
	f.Add([]byte(`{"scenarios":[{"truth":[1]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewState(nil)
		if err := s.SetValidation(data); err != nil {
			return
		}
		v := &ValidationView{S: s}
		for _, sc := range s.Validation.Scenarios {
			if len(sc.Truth) != 4 {
				t.Fatalf("accepted %d truth values", len(sc.Truth))
			}
			v.rows(sc)
		}
	})
}
