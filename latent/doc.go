// Package latent is the convolutional autoencoder that gives each 28x28 CT image the ten
// latent features of fusionlens's synthetic ground-truth world: the image part of the
// decision functions F in package groundtruth is a function of these features.
//
// # Network
//
//	encoder  conv3x3 1->8 pad 1, ReLU, maxpool 2    28x28 -> 8x14x14
//	         conv3x3 8->16 pad 1, ReLU, maxpool 2   -> 16x7x7 (784 values)
//	         dense 784 -> 10                        the bottleneck: raw codes
//	decoder  dense 10 -> 128, ReLU, dense 128 -> 784, sigmoid
//
// trained with Adam on the mean squared reconstruction error (MSEForward, MSEBackward).
// The decoder is dense because nn has no transposed convolution; only the encoder matters
// for the features, and a dense decoder reconstructs 28x28 slices well enough to force the
// ten codes to carry the images' main modes of variation.
//
// One autoencoder serves both views (axial and coronal slices, trained on a pool of both),
// as one shared image encoder serves both images in the fusion network. This keeps the
// ground truth learnable by that network: every feature of either view is an affine map
// of the same ten codes, and the fusion head, which sees each image's encoding in its own
// slot, can apply a different affine map per view. Two autoencoders would ask a shared
// encoder to compute two unrelated nonlinear functions.
//
// # Features
//
// Raw codes (Encode) are correlated and arbitrarily scaled. Each view has its own
// Whitening, fitted on that view's images: features = W (code - mean) with W = C^(-1/2)
// the symmetric (ZCA) inverse square root of the codes' covariance C, so over the fitting
// images every feature has mean 0 and variance 1 and the ten are uncorrelated.
// The symmetric form is chosen over PCA whitening because it depends continuously on C:
// PCA directions with nearly equal variances swap or rotate under small changes of the
// weights, which would change what "feature 3" means between two trainings, while
// C^(-1/2) moves only a little. Feature k stays closest (in the least-squares sense) to
// raw code k. Features returns them in float64, as groundtruth takes them.
//
// # Determinism
//
// Train draws everything (initial weights, batch order) from PCG streams of Options.Seed.
// The arithmetic is that of package nn, whose results depend on the CPU's GEMM kernel
// (AVX-512, AVX2 or plain Go) and on GOMAXPROCS (partial weight gradients are summed per
// worker), so the same seed gives bit-identical models on one machine with one GOMAXPROCS;
// the identical ground-truth world on every machine comes from a saved model file
// (Model.Encode, Decode).
//
// # Model files
//
// A model saves through package modelfile with Meta.Kind "autoencoder", its architecture
// and two training facts as Config ({"latent_dim":10,"conv":[8,16],"hidden":128,
// "side":28,"train_images":6000,"train_mse":0.025}) and tensors
// encoder.conv1.weight [8,1,3,3], encoder.conv1.bias [8], encoder.conv2.weight
// [16,8,3,3], encoder.conv2.bias [16], encoder.fc.weight [10,784], encoder.fc.bias [10],
// decoder.fc1.weight [128,10], decoder.fc1.bias [128], decoder.fc2.weight [784,128],
// decoder.fc2.bias [784], and for each view v in axial, coronal whiten.v.mean [10] and
// whiten.v.matrix [10,10].
package latent
