"""The hybrid fusion network family of fusionlens as a torch.nn.Module.

A configuration (the JSON fusionlens stores in every model file; see Go's fusion.Config)
says everything:

    {"schema":   {"images": [{"name", "size", "channels", ...}, ...],
                  "groups": [{"name", "variables": [...]}, ...], "classes": [...]},
     "encoders": [{"size", "channels", "conv": [{"out", "kernel", "pad", "pool"}, ...],
                   "dense": [widths]}, ...],
     "encoder":  [the encoder of each image input],
     "head":     [post-fusion widths; the last is the number of classes]}

Module names follow fusionlens's tensor names, so state_dict keys are exactly the names
in its files: one encoder is `encoder` (an nn.Sequential), several are `encoders` (an
nn.ModuleList); the head is `head`. Each nn.Sequential counts every module, ReLU,
pooling and Flatten included, so that the indices agree.
"""

import copy

import torch
from torch import nn


def _encoder(e):
    """The nn.Sequential of one encoder entry of a configuration."""
    layers, ch, h = [], e["channels"], e["size"]
    for c in e.get("conv") or []:
        pad = c.get("pad", 0)
        layers += [nn.Conv2d(ch, c["out"], c["kernel"], padding=pad), nn.BatchNorm2d(c["out"]), nn.ReLU()]
        ch, h = c["out"], h + 2 * pad - c["kernel"] + 1
        if c.get("pool", False):
            layers.append(nn.MaxPool2d(2))
            h //= 2
    if e.get("conv"):
        layers.append(nn.Flatten())
    width = ch * h * h
    for i, w in enumerate(e["dense"]):
        layers.append(nn.Linear(width, w))
        if i < len(e["dense"]) - 1:
            layers.append(nn.ReLU())
        width = w
    layers.append(nn.BatchNorm1d(width))
    return nn.Sequential(*layers)


def tabular_width(schema):
    """The length of the tabular vector: one value per numeric variable, one per level of
    a categorical one."""
    w = 0
    for g in schema.get("groups") or []:
        for v in g["variables"]:
            w += len(v["levels"]) if v["kind"] == "categorical" else 1
    return w


class FusionNet(nn.Module):
    """A fusionlens hybrid fusion network built from its configuration (a dict, as parsed
    from the JSON in a model file).

    forward(images, tabular) takes one tensor per image input, (n, channels, size, size)
    with values in [0, 1], and the (n, tabular width) standardised tabular values, and
    returns the (n, classes) log-probabilities. Each encoder runs once over all the images
    it encodes, in input order, so in training its batch norms see them all (as in
    fusionlens). fuse returns the fusion vector z and head_logp the head alone, for
    explaining at the fusion layer.
    """

    def __init__(self, config):
        super().__init__()
        self.config = copy.deepcopy(config)
        encs = [_encoder(e) for e in config["encoders"]]
        if len(encs) == 1:
            self.encoder = encs[0]
        else:
            self.encoders = nn.ModuleList(encs)
        self.inputs = list(config["encoder"])
        self.users = [[k for k, e in enumerate(self.inputs) if e == i] for i in range(len(encs))]
        self.tabular = tabular_width(config["schema"])
        dim = self.tabular + sum(config["encoders"][e]["dense"][-1] for e in self.inputs)
        layers, width = [], dim
        for i, w in enumerate(config["head"]):
            layers.append(nn.Linear(width, w))
            if i < len(config["head"]) - 1:
                layers.append(nn.ReLU())
            width = w
        layers.append(nn.LogSoftmax(dim=1))
        self.head = nn.Sequential(*layers)
        self.dim = dim

    def encoder_module(self, e):
        """The nn.Sequential of encoder e."""
        return self.encoder if hasattr(self, "encoder") else self.encoders[e]

    def fuse(self, images, tabular):
        """The fusion vector z = [enc(image 1), ..., enc(image K), tabular values]."""
        n = tabular.shape[0]
        feats = [None] * len(self.inputs)
        for e, users in enumerate(self.users):
            x = torch.cat([images[k] for k in users])
            if not self.config["encoders"][e].get("conv"):
                x = x.reshape(x.shape[0], -1)
            f = self.encoder_module(e)(x)
            for j, k in enumerate(users):
                feats[k] = f[j * n:(j + 1) * n]
        return torch.cat(feats + [tabular], dim=1)

    def head_logp(self, z):
        """The class log-probabilities of fusion vectors z."""
        return self.head(z)

    def forward(self, images, tabular):
        return self.head(self.fuse(images, tabular))


def plain_batch_norms(net):
    """A FusionNet equal to net with every SyncBatchNorm (from
    nn.SyncBatchNorm.convert_sync_batchnorm, for training across processes) back as the
    plain batch norm of FusionNet(net.config): the same names and tensors, in eval mode, on
    the CPU, ready to save. A net without SyncBatchNorm comes back as an equal copy."""
    plain = FusionNet(net.config)
    plain.load_state_dict({k: v.detach().cpu() for k, v in net.state_dict().items()}, strict=True)
    return plain.eval()


def new_config(schema, encoders="shared", conv=None, dense=None, head=None):
    """A configuration for schema as fusion.NewConfig makes it: encoders "shared" (one per
    distinct image size and channel count) or "separate" (one per image input), each with
    the conv and dense layers given (the paper's by default), and the head widths (the
    paper's hidden widths and one output per class by default)."""
    conv = [dict(c) for c in (conv if conv is not None else PAPER_CONV)]
    dense = list(dense if dense is not None else PAPER_DENSE)
    if head is None:
        head = PAPER_HEAD[:-1] + [len(schema["classes"])]
    cfg = {"schema": copy.deepcopy(schema), "encoders": [], "encoder": [], "head": list(head)}
    for im in schema["images"]:
        e = -1
        if encoders == "shared":
            for j, x in enumerate(cfg["encoders"]):
                if x["size"] == im["size"] and x["channels"] == im["channels"]:
                    e = j
        elif encoders != "separate":
            raise ValueError('encoders %r, want "shared" or "separate"' % encoders)
        if e < 0:
            e = len(cfg["encoders"])
            cfg["encoders"].append({"size": im["size"], "channels": im["channels"],
                                    "conv": copy.deepcopy(conv), "dense": list(dense)})
        cfg["encoder"].append(e)
    return cfg


PAPER_CONV = [{"out": 16, "kernel": 3, "pad": 0}, {"out": 16, "kernel": 3, "pad": 0, "pool": True},
              {"out": 64, "kernel": 3, "pad": 0}, {"out": 64, "kernel": 3, "pad": 1, "pool": True}]
PAPER_DENSE = [128, 128, 10]
PAPER_HEAD = [100, 50, 10, 2]


# cmd/train's encoder layout for images of any size (see its usage text): the paper's four
# conv stages, also pooling after the first for images over POOL_FIRST_ABOVE pixels, then
# conv3x3 64 pad 1 + maxpool stages while the last map is wider than MAX_FINAL_SIDE.
POOL_FIRST_ABOVE, MAX_FINAL_SIDE = 64, 7


def encoder_conv(size):
    """cmd/train's convolution stages for size x size images."""
    conv = copy.deepcopy(PAPER_CONV)
    if size > POOL_FIRST_ABOVE:
        conv[0]["pool"] = True
    h = size
    for c in conv:
        h = h + 2 * c["pad"] - c["kernel"] + 1
        if c.get("pool"):
            h //= 2
    while h > MAX_FINAL_SIDE:
        conv.append({"out": 64, "kernel": 3, "pad": 1, "pool": True})
        h //= 2
    return conv


def cases_config(schema, encoders="shared", conv=None, dense=None, head=None):
    """The network cmd/train builds for a CSV's schema: encoders shared (by inputs of equal
    size and channels) or separate, each with encoder_conv's layers for its size (or conv)
    and the paper's dense layers (or dense), and the paper's head ending in one score per
    class (or head's hidden widths)."""
    if head is None:
        head = PAPER_HEAD[:-1]
    cfg = new_config(schema, encoders, conv=conv or [], dense=dense, head=list(head) + [len(schema["classes"])])
    if conv is None:
        for e in cfg["encoders"]:
            e["conv"] = encoder_conv(e["size"])
    return cfg
