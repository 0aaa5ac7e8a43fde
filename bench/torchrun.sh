#!/usr/bin/env bash
# Samples per second of training one network on one CSV of cases: cmd/train (Go, with 1
# and 2 cores) against python/train.py under torchrun with 1 and 2 processes (gloo, CPU,
# one torch thread each), all in the same run, on the same data (CASES cases of two 28x28
# grey PNG images, four numeric values and a categorical one, two classes; written here
# with a fixed seed) and the same network (cmd/train's for this schema: the paper's
# layout, 281 k parameters), batch 128, EPOCHS epochs, no early stop. Each reports its
# rate over its training steps only (reading the images is not counted).
#
#   bench/torchrun.sh            # CASES=1024 EPOCHS=2
#   CASES=4096 EPOCHS=3 bench/torchrun.sh
#
# Needs Go and Debian's python3-torch, python3-numpy and python3-pil (/usr/bin/python3).
# Debian's torch 1.13 under Python 3.11 cannot parse torchrun's default --redirects/--tee
# of "0", hence "--redirects 1 --tee 1" below (not needed with other PyTorch installs).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-1024}
EPOCHS=${EPOCHS:-2}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$PY - "$tmp" "$CASES" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image
d, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
os.makedirs(os.path.join(d, "img"))
rows = ["label,axial,coronal,age,crp,bmi,hr,sex"]
for i in range(n):
    y = int(rng.integers(0, 2))
    for name in ("a", "c"):
        px = np.clip(rng.normal(100 + 30 * y, 40, (28, 28)), 0, 255).astype(np.uint8)
        Image.fromarray(px, "L").save(os.path.join(d, "img", "%s%d.png" % (name, i)))
    rows.append("%d,img/a%d.png,img/c%d.png,%.1f,%.2f,%.1f,%d,%s" % (
        y, i, i, rng.normal(60, 10), rng.gamma(2, 5), rng.normal(26, 4), rng.integers(50, 110), "FM"[rng.integers(0, 2)]))
open(os.path.join(d, "cases.csv"), "w").write("\n".join(rows) + "\n")
PYEOF

go build -o "$tmp/train" ./cmd/train
echo "data: $CASES cases ($tmp/cases.csv), $EPOCHS epochs, batch 128"
printf '%-44s %s\n' "trainer" "samples/s"
for procs in 1 2; do
	rate=$(GOMAXPROCS=$procs "$tmp/train" -data "$tmp/cases.csv" -images axial,coronal -epochs "$EPOCHS" -stop 1 -seed 1 -o "$tmp/go.flns" 2>&1 |
		sed -n 's/.*; \([0-9.]*\) samples\/s).*/\1/p' | tail -1)
	printf '%-44s %s\n' "cmd/train, GOMAXPROCS=$procs" "$rate"
	rate=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $PY -m torch.distributed.run --standalone --nproc_per_node=$procs --redirects 1 --tee 1 \
		python/train.py --data "$tmp/cases.csv" --images axial,coronal --epochs "$EPOCHS" --seed 1 --threads 1 --out "$tmp/torch.safetensors" 2>&1 |
		sed -n 's/.*; \([0-9.]*\) samples\/s over.*/\1/p' | tail -1)
	printf '%-44s %s\n' "torchrun, $procs process(es) x 1 thread (gloo)" "$rate"
done
go run ./cmd/export -in "$tmp/torch.safetensors" -out "$tmp/torch.flns" | sed -n 1p
