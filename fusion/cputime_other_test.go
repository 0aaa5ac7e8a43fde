//go:build !linux && !js

package fusion

// cpuSeconds is not measured off Linux and js.
func cpuSeconds() float64 { return 0 }
