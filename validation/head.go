package validation

import "github.com/fusionlens/fusionlens/fusion"

// DenseHead is fusion.DenseHead, the network's head as plain dense layers; the name stays
// here for callers written before it moved.
type DenseHead = fusion.DenseHead

// DenseLayer is fusion.DenseLayer.
type DenseLayer = fusion.DenseLayer

// HeadOf is fusion.HeadOf.
func HeadOf(net *fusion.Net) (*DenseHead, error) { return fusion.HeadOf(net) }
