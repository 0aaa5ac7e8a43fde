"""PyTorch peer of nn's BenchmarkEncoderTrainStep and BenchmarkEncoderInfer1.

The paper's image encoder, same shapes, batch 128, log-softmax + NLL over its 10 outputs,
Adam (lr 1e-3, weight decay 1e-4). Threads: torch.set_num_threads(THREADS) with OpenBLAS
limited to one thread by the caller (OPENBLAS_NUM_THREADS=1), PyTorch's best setting on
this machine. Run with /usr/bin/python3 (Debian's python3-torch).
"""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(os.environ.get("THREADS", "2"))
seconds = float(os.environ.get("SECONDS_PER_RUN", "3"))
torch.set_num_threads(threads)
torch.manual_seed(1)

def encoder():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 16, 3), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 64, 3), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1600, 128), nn.ReLU(),
        nn.Linear(128, 128), nn.ReLU(),
        nn.Linear(128, 10), nn.BatchNorm1d(10),
    )

net = encoder()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
batch = 128
x = torch.rand(batch, 1, 28, 28)
y = torch.randint(0, 10, (batch,))

def step():
    opt.zero_grad()
    loss = F.nll_loss(F.log_softmax(net(x), dim=1), y)
    loss.backward()
    opt.step()

for _ in range(3):
    step()
n, t0, c0 = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - t0 < seconds:
    step()
    n += 1
train = n * batch / (time.perf_counter() - t0)
cpu_ms = (time.process_time() - c0) / n * 1e3  # CPU time of all threads per step

net.eval()
x1 = torch.rand(1, 1, 28, 28)
with torch.no_grad():
    for _ in range(20):
        net(x1)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds / 3:
        net(x1)
        n += 1
    infer = (time.perf_counter() - t0) / n * 1e6

# Pixel saliency: one case forward in inference mode and back to its pixels.
for p in net.parameters():
    p.requires_grad_(False)
xs = torch.rand(1, 1, 28, 28, requires_grad=True)
for _ in range(20):
    net(xs).sum().backward()
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds / 3:
    xs.grad = None
    net(xs).sum().backward()
    n += 1
saliency = (time.perf_counter() - t0) / n * 1e6

print(f"torch {torch.__version__} threads={threads} train_samples_per_s={train:.1f} "
      f"train_cpu_ms={cpu_ms:.1f} infer1_us={infer:.1f} saliency1_us={saliency:.1f}")
