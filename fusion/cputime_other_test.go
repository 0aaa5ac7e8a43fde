//go:build !linux

package fusion

// cpuSeconds is not measured off Linux.
func cpuSeconds() float64 { return 0 }
