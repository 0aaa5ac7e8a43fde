//go:build js

package fusion

import "syscall/js"

// cpuSeconds is the process's user+system CPU time under node (process.cpuUsage), for
// benchmark figures that stay meaningful when the shared machine is busy; 0 in a browser.
func cpuSeconds() float64 {
	proc := js.Global().Get("process")
	if proc.Type() != js.TypeObject || proc.Get("cpuUsage").Type() != js.TypeFunction {
		return 0
	}
	u := proc.Call("cpuUsage")
	return (u.Get("user").Float() + u.Get("system").Float()) / 1e6
}
