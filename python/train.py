"""Train a fusionlens network with PyTorch on one or many machines; explain it in fusionlens.

One machine, N processes (CPU: gloo; GPUs: nccl, one process per GPU):

    torchrun --standalone --nproc_per_node=N python/train.py --data cases.csv \\
        --images COL1,COL2 --epochs E --out model.safetensors

Several machines (run on each, with its own --node_rank; HOST:PORT is node 0's):

    torchrun --nnodes=M --nproc_per_node=N --node_rank=R --master_addr=HOST \\
        --master_port=PORT python/train.py --data cases.csv --images COL1,COL2 ...

Without torchrun it trains in one process. It reads the CSV as cmd/train does (the same
schema inference, split and standardisation; see fusionlens_torch.cases), builds the
network cmd/train builds (or the layers of --layers), and trains it with
DistributedDataParallel and a DistributedSampler: Adam (lr 1e-3, weight decay 1e-4),
--batch cases per step over all processes. --sync-bn synchronises batch-norm statistics
across processes (SyncBatchNorm; it needs GPUs in this PyTorch). Rank 0 evaluates, and
writes --out atomically (a temporary file, then a rename): safetensors with the
configuration in its metadata, which fusionlens opens like its own model files.
The same flags, seed and number of processes give the same weights.
"""

import argparse
import datetime
import json
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fusionlens_torch import cases, model, safetensors  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="CSV of cases (label, image paths, tabular values)")
    p.add_argument("--images", required=True, help="the image columns, comma-separated, in input order")
    p.add_argument("--groups", default="", help="tabular groups, e.g. 'vitals=age,bmi;labs=crp' (default: one group 'tabular')")
    p.add_argument("--encoders", default="shared", choices=["shared", "separate"])
    p.add_argument("--layers", default="", help='JSON {"conv": [...], "dense": [...], "head": [hidden widths]} replacing cmd/train\'s layers')
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=128, help="cases per step over all processes")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1, help="seeds the split, the weights and the shuffles")
    p.add_argument("--sync-bn", action="store_true", help="SyncBatchNorm across processes")
    p.add_argument("--out", default="model.safetensors")
    p.add_argument("--threads", type=int, default=1, help="torch threads per process")
    return p.parse_args(argv)


def accuracy(net, device, images, tab, labels):
    """The share of cases whose most probable class is their label (net in eval mode)."""
    if len(labels) == 0:
        return float("nan")
    net.eval()
    with torch.no_grad():
        pred = net([torch.from_numpy(x).to(device) for x in images], torch.from_numpy(tab).to(device)).argmax(1).cpu().numpy()
    net.train()
    return float((pred == labels).mean())


def main(argv):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    distributed = "RANK" in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if a.sync_bn and not cuda and int(torch.__version__.split(".")[0]) < 2:
        sys.exit("train.py: --sync-bn needs GPUs with PyTorch %s (its SyncBatchNorm runs on CUDA only)" % torch.__version__)
    if a.batch % world:
        sys.exit("train.py: --batch %d is not a multiple of the %d processes" % (a.batch, world))

    t = cases.read_csv(a.data)
    _, labels = cases.classes_and_labels(t)
    tr, va, te = cases.split_labels(labels, a.seed)
    groups = cases.parse_groups(a.groups) if a.groups else None
    schema = cases.infer_schema(t, [c.strip() for c in a.images.split(",")], groups, train=tr)
    layers = json.loads(a.layers) if a.layers else {}
    cfg = model.cases_config(schema, a.encoders, conv=layers.get("conv"), dense=layers.get("dense"), head=layers.get("head"))
    data = {name: cases.load_cases(t, schema, rows) for name, rows in (("train", tr), ("val", va), ("test", te))}
    if rank == 0:
        print("cases: %d from %s (%d train, %d validation, %d test); %d process(es), %s"
              % (len(t.rows), a.data, len(tr), len(va), len(te), world, "nccl" if cuda and distributed else "gloo" if distributed else "single"))

    torch.manual_seed(a.seed)
    net = model.FusionNet(cfg)
    if a.sync_bn:
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    net.to(device).train()
    ddp = DDP(net, device_ids=[local] if cuda else None) if distributed else net
    opt = torch.optim.Adam(ddp.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    imgs, tab, lab = data["train"]
    ds = TensorDataset(*[torch.from_numpy(x) for x in imgs], torch.from_numpy(tab), torch.from_numpy(lab))
    sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=a.seed, drop_last=False)
    loader = DataLoader(ds, batch_size=a.batch // world, sampler=sampler)
    loss_fn = nn.NLLLoss()
    seen, busy = 0, 0.0
    for epoch in range(a.epochs):
        sampler.set_epoch(epoch)
        start, total, n = time.perf_counter(), 0.0, 0
        for batch in loader:
            *xs, z, y = [b.to(device) for b in batch]
            if len(y) < 2:  # batch norm needs two cases
                continue
            opt.zero_grad()
            loss = loss_fn(ddp(xs, z), y)
            loss.backward()
            opt.step()
            total, n = total + float(loss) * len(y), n + len(y)
        busy += time.perf_counter() - start
        seen += n
        if rank == 0:
            vi, vt, vl = data["val"]
            print("epoch %d: loss %.4f, validation accuracy %.3f" % (epoch + 1, total / max(n, 1), accuracy(net, device, vi, vt, vl)))
    counts = torch.tensor([seen], dtype=torch.float64)
    if distributed:
        dist.all_reduce(counts)
    if rank == 0:
        acc = accuracy(net, device, *data["test"])
        net.cpu().eval()
        print("test accuracy %.3f; %.1f samples/s over %d process(es) (training steps only)" % (acc, float(counts[0]) / busy, world))
        if a.sync_bn:  # back to plain batch norms: the same names and tensors
            net = model.plain_batch_norms(net)
        meta = {"data_source": "CSV %s (%d cases)" % (os.path.basename(a.data), len(t.rows)), "seed": a.seed,
                "epochs": a.epochs, "command": "torchrun " + " ".join(["python/train.py"] + argv),
                "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "notes": "trained with PyTorch %s on %d process(es)" % (torch.__version__, world)}
        if acc == acc:
            meta["test_accuracy"] = acc
        safetensors.save_model(a.out, net, meta)
        print("wrote %s" % a.out)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1:])
