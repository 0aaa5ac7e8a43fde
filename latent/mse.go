package latent

import "fmt"

// MSEForward returns the mean squared error mean((out[i] - target[i])²) over the first
// size values, summed in float64.
func MSEForward(out, target []float32, size int) float32 {
	checkMSE("MSE forward", size, out, target)
	var s float64
	for i, v := range out[:size] {
		d := float64(v - target[i])
		s += d * d
	}
	return float32(s / float64(size))
}

// MSEBackward writes the gradient of MSEForward's mean, dOut[i] = 2*(out[i] - target[i])/size.
func MSEBackward(dOut, out, target []float32, size int) {
	checkMSE("MSE backward", size, out, target)
	if len(dOut) < size {
		panic(fmt.Sprintf("latent: MSE backward: gradient has %d values, need %d", len(dOut), size))
	}
	k := 2 / float32(size)
	for i, v := range out[:size] {
		dOut[i] = k * (v - target[i])
	}
}

// checkMSE panics on sizes that are programming errors, as package nn does.
func checkMSE(op string, size int, out, target []float32) {
	if size <= 0 {
		panic(fmt.Sprintf("latent: %s: size %d", op, size))
	}
	if len(out) < size || len(target) < size {
		panic(fmt.Sprintf("latent: %s: output has %d values and target %d, need %d", op, len(out), len(target), size))
	}
}
