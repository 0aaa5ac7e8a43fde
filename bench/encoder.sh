#!/usr/bin/env bash
# The paper's image encoder in fusionlens's nn (Go) and in PyTorch on CPU, side by side:
# a training step (batch 128, log-softmax + NLL, Adam with weight decay), one case
# forward (inference mode) and one case forward + backward to the pixels (saliency).
# Each thread count in THREADS (default "2 1") runs both: Go with GOMAXPROCS=T, PyTorch
# with torch.set_num_threads(T) and OpenBLAS limited to one thread (its best setting on
# this machine). Rounds alternate Go and PyTorch ROUNDS times (default 3) because the
# machine is shared and noisy; the medians are printed with the ratios. The CPU time per
# training step (all threads) is printed too: it is steadier than wall time when other
# work shares the cores (at 2 threads PyTorch's includes OpenMP threads spinning).
# Needs Debian's python3-torch (apt-get install -y python3-torch), which imports only
# under /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
export OPENBLAS_NUM_THREADS=1

go test -c -o /tmp/fusionlens-nn.test ./nn/
field() { awk -v k="$2" '{for (i=1;i<NF;i++) if ($(i+1)==k) print $i}' <<<"$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for T in ${THREADS:-2 1}; do
	gt=() gi=() gs=() gc=() pt=() pi=() ps=() pc=()
	for r in $(seq "$ROUNDS"); do
		out=$(GOMAXPROCS=$T /tmp/fusionlens-nn.test -test.run='^$' \
			-test.bench='^BenchmarkEncoder(TrainStep|Infer1|Saliency1)$' -test.benchtime=2s)
		gt+=("$(field "$(grep TrainStep <<<"$out")" samples/s)")
		gi+=("$(field "$(grep Infer1 <<<"$out")" us/case)")
		gs+=("$(field "$(grep Saliency1 <<<"$out")" us/case)")
		gc+=("$(field "$(grep TrainStep <<<"$out")" cpu-ms/op)")
		py=$(THREADS=$T SECONDS_PER_RUN=3 /usr/bin/python3 bench/encoder.py)
		pt+=("$(sed 's/.*train_samples_per_s=\([0-9.]*\).*/\1/' <<<"$py")")
		pi+=("$(sed 's/.*infer1_us=\([0-9.]*\).*/\1/' <<<"$py")")
		ps+=("$(sed 's/.*saliency1_us=\([0-9.]*\).*/\1/' <<<"$py")")
		pc+=("$(sed 's/.*train_cpu_ms=\([0-9.]*\).*/\1/' <<<"$py")")
		echo "threads $T round $r: nn ${gt[-1]} samples/s (${gc[-1]} cpu-ms/step), ${gi[-1]} us infer," \
			"${gs[-1]} us saliency; torch ${pt[-1]} samples/s (${pc[-1]} cpu-ms/step), ${pi[-1]} us infer, ${ps[-1]} us saliency"
	done
	awk -v T="$T" -v gt="$(median "${gt[@]}")" -v pt="$(median "${pt[@]}")" \
		-v gi="$(median "${gi[@]}")" -v pi="$(median "${pi[@]}")" \
		-v gs="$(median "${gs[@]}")" -v ps="$(median "${ps[@]}")" \
		-v gc="$(median "${gc[@]}")" -v pc="$(median "${pc[@]}")" 'BEGIN {
		# 3 x the 12.5-MFLOP forward per training sample (convs and dense layers).
		f = 3 * 2 * (16*9*26*26 + 16*144*24*24 + 64*144*10*10 + 64*576*10*10 + 1600*128 + 128*128 + 128*10)
		printf "== %d thread(s), medians of rounds\n", T
		printf "training, batch 128:  nn %7.0f samples/s (%5.1f GFLOP/s)   PyTorch %7.0f samples/s (%5.1f GFLOP/s)   nn/PyTorch %.2f\n", gt, gt*f/1e9, pt, pt*f/1e9, gt/pt
		printf "CPU time per step:    nn %7.1f ms                          PyTorch %7.1f ms                          PyTorch/nn %.2f\n", gc, pc, pc/gc
		printf "one case, inference:  nn %7.0f us                          PyTorch %7.0f us                          PyTorch/nn %.2f\n", gi, pi, pi/gi
		printf "one case, saliency:   nn %7.0f us                          PyTorch %7.0f us                          PyTorch/nn %.2f\n", gs, ps, ps/gs
	}'
done
