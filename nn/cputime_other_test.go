//go:build !linux && !js

package nn

// cpuSeconds is not measured off Linux and js.
func cpuSeconds() float64 { return 0 }
