#!/usr/bin/env bash
# Runs every fusionlens test: vet (native and js/wasm), unit and browser tests, the nn core
# under js/wasm, and every fuzz target briefly. Under CI=true a test whose outside tool
# (chromium, numpy, pydicom) is missing fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")"

echo "== go vet (native, js/wasm)"
go vet ./...
GOOS=js GOARCH=wasm go vet ./...

echo "== go test"
go test -count=1 -timeout 20m ./...

echo "== nn core under js/wasm (node)"
PATH="$PATH:$(go env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm go test -count=1 ./nn/...

echo "== fuzz targets, ${FUZZTIME:=3s} each"
grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u | while read -r dir; do
	for f in $(grep -h -o '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //'); do
		go test -run='^$' -fuzz="^${f}\$" -fuzztime="$FUZZTIME" "$dir" >/dev/null ||
			{ echo "fuzz $dir $f failed"; go test -run='^$' -fuzz="^${f}\$" -fuzztime="$FUZZTIME" "$dir"; exit 1; }
		echo "ok fuzz $dir $f"
	done
done
echo "== all tests passed"
