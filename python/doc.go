// Package python holds no Go code of its own: it is the folder of fusionlens_torch, the
// PyTorch side of fusionlens (the network family as a torch.nn.Module, the CSV case
// reader, safetensors), and of train.py, which trains it under torchrun. Its Go tests
// check the bridge: models trained by torchrun explain in fusionlens, models trained by
// fusionlens load in PyTorch, both agreeing with torch autograd in float64, and bad files
// are refused.
package python
