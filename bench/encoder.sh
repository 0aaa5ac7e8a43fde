#!/usr/bin/env bash
# Runs the paper's image encoder training step (batch 128, Adam) and one-case inference in
# fusionlens's nn (Go, both cores) and in PyTorch on CPU (torch.set_num_threads(2),
# OpenBLAS limited to 1 thread: its best setting here), alternating ROUNDS times because
# the machine is shared and noisy, and prints the median of each and the ratio.
# Needs Debian's python3-torch (apt-get install -y python3-torch); it imports only under
# /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
export OPENBLAS_NUM_THREADS=1 THREADS

go test -c -o /tmp/fusionlens-nn.test ./nn/
go_train=() go_infer=() pt_train=() pt_infer=()
for r in $(seq "$ROUNDS"); do
	out=$(GOMAXPROCS=$THREADS /tmp/fusionlens-nn.test -test.run='^$' -test.bench='^BenchmarkEncoder(TrainStep|Infer1)$' -test.benchtime=3s)
	go_train+=("$(echo "$out" | awk '/EncoderTrainStep/ {for (i=1;i<NF;i++) if ($(i+1)=="samples/s") print $i}')")
	go_infer+=("$(echo "$out" | awk '/EncoderInfer1/ {for (i=1;i<NF;i++) if ($(i+1)=="us/case") print $i}')")
	pt=$(/usr/bin/python3 bench/encoder.py)
	pt_train+=("$(echo "$pt" | sed 's/.*train_samples_per_s=\([0-9.]*\).*/\1/')")
	pt_infer+=("$(echo "$pt" | sed 's/.*infer1_us=\([0-9.]*\).*/\1/')")
	echo "round $r: go ${go_train[-1]} samples/s, ${go_infer[-1]} us/case; torch ${pt_train[-1]} samples/s, ${pt_infer[-1]} us/case"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
gt=$(median "${go_train[@]}") gi=$(median "${go_infer[@]}")
tt=$(median "${pt_train[@]}") ti=$(median "${pt_infer[@]}")
# 37.5 MFLOP per training sample: 3 x the 12.5-MFLOP forward (convs and dense layers).
awk -v gt="$gt" -v gi="$gi" -v tt="$tt" -v ti="$ti" -v th="$THREADS" 'BEGIN {
	f = 3 * 2 * (16*9*26*26 + 16*144*24*24 + 64*144*10*10 + 64*576*10*10 + 1600*128 + 128*128 + 128*10)
	printf "encoder training, batch 128, %d threads (median of rounds):\n", th
	printf "  fusionlens nn   %8.0f samples/s  (%5.1f GFLOP/s)\n", gt, gt*f/1e9
	printf "  PyTorch         %8.0f samples/s  (%5.1f GFLOP/s)\n", tt, tt*f/1e9
	printf "  ratio nn/PyTorch %.2f\n", gt/tt
	printf "encoder inference, one case:\n"
	printf "  fusionlens nn   %8.0f us\n  PyTorch         %8.0f us\n  ratio PyTorch/nn time %.2f\n", gi, ti, ti/gi
}'
