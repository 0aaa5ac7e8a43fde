// Package fusion is the hybrid fusion network: image encoders (the paper's one is shared
// by its two CT images), the fusion vector z = [enc(image 1), ..., enc(image K), tabular
// values] (the paper's: [enc(axial), enc(coronal), twenty clinical values]), and a
// post-fusion head with a log-softmax over 2..10 classes. Config.Schema (package schema)
// says what the network reads and decides; it travels in every model file. It trains the network
// (Train), measures it (Evaluate, AUC), explains single cases at the fusion layer and at
// the pixels (Encode, Fuse, Prob, Grad, Explain, Saliency: a Net is an importance.Head),
// and reads and writes it as model files and safetensors (Save, Load, LoadBytes).
//
// # The network
//
// Config describes it; DefaultConfig is the paper's (281,440 parameters). The encoder
// runs once over a batch of 2n images [axial 1..n; coronal 1..n] and its output is split
// into the two blocks of z, so in training the batch-norm statistics are those of all 2n
// images of a batch (a module called twice per batch, as in the authors' code, would see
// each modality's n images separately and update its running averages twice).
//
// # Model files
//
// Tensors are named as the state_dict of this PyTorch module, so a safetensors export
// loads with load_state_dict (PyTorch adds the missing num_batches_tracked counters):
//
//	class FusionNet(nn.Module):
//	    def __init__(self):
//	        super().__init__()
//	        self.encoder = nn.Sequential(
//	            nn.Conv2d(1, 16, 3), nn.BatchNorm2d(16), nn.ReLU(),                # 0-2
//	            nn.Conv2d(16, 16, 3), nn.BatchNorm2d(16), nn.ReLU(),               # 3-5
//	            nn.MaxPool2d(2),                                                   # 6
//	            nn.Conv2d(16, 64, 3), nn.BatchNorm2d(64), nn.ReLU(),               # 7-9
//	            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),    # 10-12
//	            nn.MaxPool2d(2), nn.Flatten(),                                     # 13-14
//	            nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),   # 15-18
//	            nn.Linear(128, 10), nn.BatchNorm1d(10))                            # 19-20
//	        self.head = nn.Sequential(
//	            nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 50), nn.ReLU(),
//	            nn.Linear(50, 10), nn.ReLU(), nn.Linear(10, 2), nn.LogSoftmax(dim=1))
//
//	    def forward(self, axial, coronal, clinical):  # (n,1,28,28), (n,1,28,28), (n,20)
//	        n = axial.shape[0]
//	        f = self.encoder(torch.cat([axial, coronal]))  # one pass over 2n images
//	        return self.head(torch.cat([f[:n], f[n:], clinical], dim=1))
//
// Other configurations follow the same scheme: encoder.<i> counts every module of the
// encoder's nn.Sequential (convolution, batch norm, ReLU, pooling, one Flatten after the
// conv stages, linear, ReLU, ..., BatchNorm1d), head.<i> likewise. A network with more
// than one encoder (Config.Encoders) holds them as an nn.ModuleList named encoders, so
// its tensors are encoders.<e>.<i>.* (encoder e, module i; an RGB encoder's first
// convolution has 3 input channels), and forward encodes each image input k with
// encoders[encoder[k]], all the inputs of one encoder in one pass, in input order. Model
// files store the configuration (schema included) as JSON; the JSON of files written
// before schemas existed is read as LegacyConfig, the paper's network with the paper's
// schema.
//
// # Classes
//
// Prob, Grad, Explain and Saliency give class 1 (the paper's positive class; with two
// classes |dp1/dz| = |dp0/dz|). ClassHead, ExplainClass (class -1: the predicted one),
// SaliencyClass and DenseHead.ForClass give any class k: p_k = softmax(s)_k and
// dp_k/ds_j = p_k (delta_jk - p_j).
//
// # Explaining
//
// The explanation methods run on a separate batch-1 copy of the layers in inference mode
// that shares the weights, so they never disturb a training step's buffers. Encode maps
// one image to its features (cache them); Fuse builds z from cached features and clinical
// values; Prob and Grad evaluate only the head on fusion vectors (re-explaining after a
// clinical value changes costs microseconds); Explain runs a whole case; Saliency also
// back-propagates to the pixels.
package fusion
