package site

import (
	"math"
	"strconv"

	"github.com/fusionlens/fusionlens/engine"
)

// DefaultNote says in one line why the engine's default method (its first) is the
// default, with the figure read from the validation results the page shipped with
// (models/validation.json): how close each method came to the ground truth of the
// validation scenarios. It compares the methods fast enough to re-explain at every
// keystroke (engine.Method.Fast) and names the closest slower per-case method too. It
// is "" before a model and the results are loaded, and in a layout the validation
// scenarios do not apply to.
func (s *State) DefaultNote() string {
	if s.Engine == nil || s.General || s.Validation == nil {
		return ""
	}
	ms := s.Engine.Methods()
	if len(ms) == 0 {
		return ""
	}
	rmse := map[string]float64{}
	for _, m := range s.Validation.Methods {
		if !math.IsNaN(m.RMSE) && !math.IsInf(m.RMSE, 0) {
			rmse[m.ID] = m.RMSE
		}
	}
	def := ms[0]
	d, ok := rmse[def.ID]
	if !ok {
		return ""
	}
	var fast, slow engine.Method
	bf, bs := math.Inf(1), math.Inf(1)
	for _, m := range ms {
		r, ok := rmse[m.ID]
		switch {
		case !ok || m.Global:
		case m.Fast && r < bf:
			fast, bf = m, r
		case !m.Fast && r < bs:
			slow, bs = m, r
		}
	}
	on := "on the " + strconv.Itoa(len(s.Validation.Scenarios)) + " validation scenarios"
	if !def.Fast || fast.ID == "" {
		return "Default: " + def.Label + " (mean RMSE to the ground truth " + ftoa(d, 3) + " " + on + ")."
	}
	if fast.ID != def.ID {
		return "Default: " + def.Label + " (mean RMSE to the ground truth " + ftoa(d, 3) + " " + on + "); the fast method " +
			fast.Label + " came closer there (" + ftoa(bf, 3) + ")."
	}
	line := "Default: " + def.Label + " — closest to the ground truth of the methods fast enough for every keystroke (mean RMSE " +
		ftoa(d, 3) + " " + on
	if bs < d {
		line += "; slower: " + slow.Label + " " + ftoa(bs, 3)
	}
	return line + ")."
}
