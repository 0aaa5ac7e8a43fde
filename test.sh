#!/usr/bin/env bash
# Runs every fusionlens test: vet (native and js/wasm), unit and browser tests, the nn core
# under js/wasm, and every fuzz target briefly. Under CI=true a test whose outside tool
# (chromium, numpy, pydicom) is missing fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")"

# The page is built with Go 1.27.3 and GOEXPERIMENT=simd (see build.sh); everything else
# with the local Go. Machines here default to GOTOOLCHAIN=local, so the steps that need
# the newer toolchain set it themselves.
WASM_TOOLCHAIN="${WASM_TOOLCHAIN:-go1.27.3}"
WASM_GOEXPERIMENT="${WASM_GOEXPERIMENT-simd,nojsonv2}"

echo "== go vet (native, js/wasm, js/wasm with $WASM_TOOLCHAIN and GOEXPERIMENT=$WASM_GOEXPERIMENT)"
go vet ./...
GOOS=js GOARCH=wasm go vet ./...
GOTOOLCHAIN="$WASM_TOOLCHAIN" GOEXPERIMENT="$WASM_GOEXPERIMENT" GOOS=js GOARCH=wasm go vet ./...

echo "== go test"
go test -count=1 -timeout 20m ./...

echo "== nn core under js/wasm (node): plain-Go kernels, then the wasm SIMD kernels"
PATH="$PATH:$(go env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm go test -count=1 ./nn/...
PATH="$PATH:$(GOTOOLCHAIN="$WASM_TOOLCHAIN" go env GOROOT)/lib/wasm" GOTOOLCHAIN="$WASM_TOOLCHAIN" \
	GOEXPERIMENT="$WASM_GOEXPERIMENT" GOOS=js GOARCH=wasm go test -count=1 ./nn/...

# Fuzzing runs with Go 1.27.3 too: Go 1.26's fuzzing engine can report "context deadline
# exceeded" as a failure when -fuzztime ends while a worker is busy, which a loaded
# machine hit in most runs (go.dev/issue/75804, fixed in Go 1.27).
FUZZ_TOOLCHAIN="${FUZZ_TOOLCHAIN:-$WASM_TOOLCHAIN}"
echo "== fuzz targets, ${FUZZTIME:=3s} each, with $FUZZ_TOOLCHAIN"
export GOTOOLCHAIN="$FUZZ_TOOLCHAIN"
grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u | while read -r dir; do
	for f in $(grep -h -o '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //'); do
		if ! out=$(go test -run='^$' -fuzz="^${f}\$" -fuzztime="$FUZZTIME" "$dir" 2>&1); then
			echo "$out"
			# A finding (a panic or a failed check) always writes its input to testdata and
			# fails for good. On a loaded machine the fuzzing engine itself sometimes stops
			# ("fuzzing process hung or terminated unexpectedly") without a finding: that
			# run is repeated once.
			if grep -q 'Failing input written' <<<"$out"; then
				echo "fuzz $dir $f found a failing input"
				exit 1
			fi
			echo "fuzz $dir $f: the fuzzing engine stopped without a failing input; running it again"
			go test -run='^$' -fuzz="^${f}\$" -fuzztime="$FUZZTIME" "$dir" || { echo "fuzz $dir $f failed"; exit 1; }
		fi
		echo "ok fuzz $dir $f"
	done
done
echo "== all tests passed"
