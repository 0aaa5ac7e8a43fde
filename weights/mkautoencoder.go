//go:build ignore

// Mkautoencoder trains the default ground-truth autoencoder (latent.TrainDefault) and
// writes it as a float32 model file, so the shipped scenario models can be retrained
// against the same ground-truth world without retraining it:
//
//	go run weights/mkautoencoder.go -o weights/autoencoder.flns
//
// float32 storage keeps the encoder weights exact; the whitening is stored as float32
// (it is float64 in memory), so features from the file differ from a freshly trained
// default model in the last bits. Everything in weights/ was made from the file.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fusionlens/fusionlens/latent"
	"github.com/fusionlens/fusionlens/modelfile"
)

func main() {
	out := flag.String("o", "autoencoder.flns", "model file to write")
	flag.Parse()
	m, rep, err := latent.TrainDefault()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkautoencoder:", err)
		os.Exit(1)
	}
	m.Info.Command = "go run weights/mkautoencoder.go -o " + *out
	if err := m.Save(*out, modelfile.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "mkautoencoder:", err)
		os.Exit(1)
	}
	st, _ := os.Stat(*out)
	fmt.Printf("wrote %s (%d bytes); train MSE %.4f; report %+v\n", *out, st.Size(), m.Info.TrainMSE, rep)
}
