"""A float64 reference of what fusionlens computes to explain a case, by torch autograd.

    python3 -m fusionlens_torch.reference MODEL.safetensors CASES.json > OUT.json

CASES.json is {"cases": [{"images": [[pixels of input 1], ...], "tabular": [...]}, ...]}
(pixels channel-major, flat). For each case OUT.json holds the class probabilities, the
fusion vector z and, for every class k, p_k, dp_k/dz and dp_k/dpixel for every image input,
and "state_dict" lists the module's state_dict keys (batch-norm counters left out). All is
computed in float64 from the file's float32 weights, in inference mode (batch norms
use their running statistics), as fusionlens's Explain and Saliency do. fusionlens's tests
compare its own float32 results with these.
"""

import json
import sys

import torch

from .safetensors import load_model


def explain(net, images, tabular):
    """The class probabilities and z of one case (net in float64), and for every class k:
    p_k, dp_k/dz and dp_k/dpixels."""
    cfg = net.config
    xs = []
    for i, img in enumerate(images):
        e = cfg["encoders"][cfg["encoder"][i]]
        x = torch.tensor(img, dtype=torch.float64).reshape(1, e["channels"], e["size"], e["size"])
        xs.append(x.requires_grad_(True))
    t = torch.tensor(tabular, dtype=torch.float64).reshape(1, -1)
    z = net.fuse(xs, t)
    zz = z.detach().clone().requires_grad_(True)
    probs = net.head_logp(zz).exp()[0]
    pz = net.head_logp(z).exp()[0]
    out = {"probs": probs.tolist(), "z": z[0].tolist(), "classes": []}
    for k in range(probs.shape[0]):
        (dz,) = torch.autograd.grad(probs[k], zz, retain_graph=True)
        dpix = torch.autograd.grad(pz[k], xs, retain_graph=True)
        out["classes"].append({"p": float(probs[k]), "dz": dz[0].tolist(),
                               "dpixels": [d.reshape(-1).tolist() for d in dpix]})
    return out


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: python3 -m fusionlens_torch.reference MODEL.safetensors CASES.json")
    net, _ = load_model(argv[1], dtype=torch.float64)
    with open(argv[2]) as f:
        req = json.load(f)
    out = [explain(net, c["images"], c.get("tabular") or []) for c in req["cases"]]
    keys = [k for k in net.state_dict() if not k.endswith(".num_batches_tracked")]
    json.dump({"cases": out, "state_dict": keys}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
