#!/usr/bin/env bash
# Times cmd/compare at this commit against an earlier one (BASE) on a slice of the full
# comparison of issue 15 (four variants on the eight built-ins, three seeds), with the
# same flags, and extrapolates both to the full run. The old code is taken with
# `git archive` into a temporary folder (no checkout, no worktree). The two runs go one
# after the other, the old first; both print their tables, so accuracy and importances
# can be compared. CPU seconds (user + sys) are the figure to trust on a loaded machine;
# wall clock counts only on a quiet one (cmd/compare now runs a job per core).
#   bench/compare.sh                         # BASE=99b1cad SCENARIOS=F0 N=20000 EPOCHS=8 SEEDS=1
#   SCENARIOS="F6 F0" N=5000 SEEDS=2 bench/compare.sh
#   FLAGS="-patience 1" bench/compare.sh     # flags for both runs
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${BASE:-99b1cad}"
SCENARIOS="${SCENARIOS:-F0}"
N="${N:-20000}"
EPOCHS="${EPOCHS:-8}"
SEEDS="${SEEDS:-1}"
FLAGS="${FLAGS:-}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT/base-src"
git archive "$BASE" | tar -x -C "$OUT/base-src"
(cd "$OUT/base-src" && go build -o "$OUT/compare-base" ./cmd/compare)
go build -o "$OUT/compare-new" ./cmd/compare
TIMEFORMAT='%R %U %S'

args=(-n "$N" -epochs "$EPOCHS" -seeds "$SEEDS")
for s in $SCENARIOS; do args+=(-scenario "$s"); done
# shellcheck disable=SC2206
args+=($FLAGS)
for v in base new; do
	{ time "$OUT/compare-$v" "${args[@]}" -out "$OUT/$v" >"$OUT/$v.txt" 2>"$OUT/$v.err"; } 2>"$OUT/$v.time"
done

runs=$(($(wc -w <<<"$SCENARIOS") * SEEDS))
echo "slice: scenarios $SCENARIOS, ${args[*]} ($runs scenario-seed runs of four variants; one draw of cases)"
for v in base new; do
	read -r r u s <"$OUT/$v.time"
	awk -v v="$v" -v r="$r" -v c="$(awk -v u="$u" -v s="$s" 'BEGIN {print u+s}')" -v n="$runs" 'BEGIN {
		printf "%-4s %6.0f s wall, %6.0f s CPU (%.2f cores busy); full run (24 scenario-seed runs) about %.0f min of CPU, %.0f min on two free cores\n",
			v, r, c, c/r, c/n*24/60, c/n*24/2/60 }'
done
cat "$OUT/base.txt" "$OUT/new.txt"
echo "outputs in $OUT"
