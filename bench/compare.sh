#!/usr/bin/env bash
# Times cmd/compare before and after the cuts for the full comparison (issue 15) on a
# subset, and extrapolates to the full run: four variants on the eight built-ins, three
# seeds. "before" runs each scenario on its own (each draws its cases) with every network
# running every epoch (-patience 0); "after" runs the scenarios together (one draw of
# cases, relabelled) with -patience 2. Both print their tables, so accuracy and importances
# can be compared; CPU seconds (user + sys) are the figure to trust on a loaded machine.
#   bench/compare.sh                 # SCENARIOS="F6 F0" N=5000 EPOCHS=8 SEEDS=2
#   N=20000 SEEDS=3 bench/compare.sh # the full size, on a subset
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIOS="${SCENARIOS:-F6 F0}"
N="${N:-5000}"
EPOCHS="${EPOCHS:-8}"
SEEDS="${SEEDS:-2}"
OUT="${OUT:-$(mktemp -d)}"
go build -o "$OUT/compare" ./cmd/compare
TIMEFORMAT='%R %U %S'

cpu() { # cpu NAME CMD...: runs CMD, stores "real user sys" in $OUT/NAME.time
	local name=$1
	shift
	{ time "$@" >"$OUT/$name.txt" 2>"$OUT/$name.err"; } 2>"$OUT/$name.time"
}

flags=(-n "$N" -epochs "$EPOCHS" -seeds "$SEEDS")
for s in $SCENARIOS; do
	cpu "before-$s" "$OUT/compare" -scenario "$s" "${flags[@]}" -patience 0 -out "$OUT/before-$s"
done
args=()
for s in $SCENARIOS; do args+=(-scenario "$s"); done
cpu after "$OUT/compare" "${args[@]}" "${flags[@]}" -patience 2 -out "$OUT/after"

sum() { awk '{r+=$1; c+=$2+$3} END {printf "%.0f %.0f", r, c}' "$@"; }
read -r br bc <<<"$(sum "$OUT"/before-*.time)"
read -r ar ac <<<"$(sum "$OUT"/after.time)"
runs=$(( $(wc -w <<<"$SCENARIOS") * SEEDS ))
echo "subset: scenarios $SCENARIOS, -n $N -epochs $EPOCHS -seeds $SEEDS ($runs scenario-seed runs of four variants)"
echo "before: ${br} s wall, ${bc} s CPU"
echo "after:  ${ar} s wall, ${ac} s CPU ($(awk -v a="$ac" -v b="$bc" 'BEGIN {printf "%.2f", a/b}')x the CPU time)"
echo "full run (8 scenarios x 3 seeds = 24 scenario-seed runs) at -n $N, on two free cores (CPU / 2):"
awk -v b="$bc" -v a="$ac" -v r="$runs" 'BEGIN {printf "  before about %.0f min, after about %.0f min\n", b/r*24/2/60, a/r*24/2/60}'
cat "$OUT"/before-*.txt "$OUT/after.txt"
echo "outputs in $OUT"
