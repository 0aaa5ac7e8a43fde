#!/usr/bin/env bash
# Builds the fusionlens browser explainer as a static folder (default dist/, or $DIST):
# main.wasm (+ gzip -9 copy the loader inflates in the browser), check.wasm (the
# ground-truth check's Web Worker, loaded when the user asks for a check; likewise with a
# gzip copy), wasm_exec.js from this Go toolchain, vugu-helper.js from the vugu module
# (neither is committed), the page and its assets, the shipped models (from $WEIGHTS,
# default weights/), and a service worker that caches it for offline use.
#   ./build.sh          build
#   ./build.sh serve    build, then serve on http://127.0.0.1:8080/ (ADDR to change)
#
# Toolchain: the page is built with Go 1.27.3 (fetched once by the go command from the
# module proxy, about 76 MB) and GOEXPERIMENT=simd, whose simd/archsimd package gives
# package nn its wasm SIMD kernels (nn/*_wasm_simd.go); nojsonv2 keeps encoding/json on
# its Go 1.26 implementation (Go 1.27's json/v2-based one adds about 0.2 MB gzip to
# main.wasm). Machines here default to GOTOOLCHAIN=local, so this script sets it.
# WASM_TOOLCHAIN and WASM_GOEXPERIMENT replace them: WASM_TOOLCHAIN=local
# WASM_GOEXPERIMENT= ./build.sh builds with the local Go (1.26.8) and the plain-Go kernels.
set -euo pipefail
cd "$(dirname "$0")"

export GOTOOLCHAIN="${WASM_TOOLCHAIN:-go1.27.3}"
wasm_experiment="${WASM_GOEXPERIMENT-simd,nojsonv2}"

DIST="${DIST:-dist}"
STATIC=site/static

if command -v sha256sum >/dev/null; then SHA256=(sha256sum); else SHA256=(shasum -a 256); fi

rm -rf "$DIST"
mkdir -p "$DIST/models"

echo "== wasm ($(go env GOVERSION), GOEXPERIMENT=$wasm_experiment)"
# Inlining is off (-l) outside fusionlens's own packages, whose loops it speeds up: in wasm
# inlined copies cost more download than they save time (main.wasm gzip about 8 % smaller;
# page timings in BENCHMARKS.md). It is off in site too (the last pattern wins): the UI's
# generated Vugu Build methods are most of its code and have no loop worth it (10 kB gzip).
# WASM_GCFLAGS replaces these flags, e.g. WASM_GCFLAGS= builds with Go's defaults.
read -r -a gcflags <<<"${WASM_GCFLAGS-all=-l github.com/fusionlens/fusionlens/...= github.com/fusionlens/fusionlens/site=-l}"
gcflags=("${gcflags[@]/#/-gcflags=}")
for w in main check; do
	pkg=./wasm
	[ $w = check ] && pkg=./wasm/check
	GOEXPERIMENT="$wasm_experiment" GOOS=js GOARCH=wasm go build -trimpath ${gcflags[@]+"${gcflags[@]}"} -ldflags='-s -w' -o "$DIST/$w.wasm" $pkg
done
for w in main check; do
	gzip -9 -n -c "$DIST/$w.wasm" >"$DIST/$w.wasm.gz"
done
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$DIST/"

echo "== static files"
for f in "$STATIC"/*; do
	[ "$(basename "$f")" = sw.js ] || cp "$f" "$DIST/"
done
# The JavaScript half of Vugu's renderer, extracted from the pinned vugu module.
go run ./site/internal/vuguhelper "$DIST"
# The example cases "Load example case" shows (phantom's example cases 1..16, drawn here
# so that main.wasm links no phantom generator).
go run ./site/internal/examplecases -out "$DIST/examples.bin"

# Shipped models: the fusion networks and the ground-truth autoencoder in $WEIGHTS
# (default weights/), copied into models/ and listed in models/index.json for the model
# select, each fusion network of the paper's layout with its reference file (<model>.ref,
# the fusion vectors of the explainer's 200-case reference cohort, 32 KB, so the page
# need not encode them); weights/validation.json, the validation platform's summary,
# goes next to them.
echo "== models"
go run ./site/internal/modelindex -weights "${WEIGHTS:-weights}" -out "$DIST/models"

echo "== service worker"
# Precache the app (with the check worker's check.js and check.wasm.gz), the model list,
# the validation summary and the first model (the one the page opens by default), so the
# explainer works offline after one visit. Other models and the autoencoder are cached
# when first used; the uncompressed main.wasm and check.wasm are only fetched where the
# .gz fails.
first=$(sed -n 's/^{"models":\[{"file":"\([^"]*\)".*/\1/p' "$DIST/models/index.json")
# loader.js fetches the default model at once, named here, while the wasm compiles.
sed -i.bak "s|__FUSIONLENS_DEFAULT_MODEL__|${first:+models/$first}|" "$DIST/index.html" && rm -f "$DIST/index.html.bak"
assets=$(cd "$DIST" && find . -type f ! -name main.wasm ! -name check.wasm ! -path './models/*' | sed 's|^\./||' | LC_ALL=C sort)
assets="$assets models/index.json"
[ -f "$DIST/models/validation.json" ] && assets="$assets models/validation.json"
[ -n "$first" ] && assets="$assets models/$first"
# and its reference file (the fusion vectors of its reference cohort), when it has one.
[ -n "$first" ] && [ -f "$DIST/models/$first.ref" ] && assets="$assets models/$first.ref"
version=$(cd "$DIST" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 "${SHA256[@]}" | "${SHA256[@]}" | cut -c1-16)
list='"./"'
for a in $assets; do list="$list, \"$a\""; done
sed -e "s|__FUSIONLENS_VERSION__|$version|" -e "s|__FUSIONLENS_ASSETS__|[$list]|" \
	"$STATIC/sw.js" >"$DIST/sw.js"

for w in main check; do
	raw=$(wc -c <"$DIST/$w.wasm" | tr -d ' ')
	gz=$(wc -c <"$DIST/$w.wasm.gz" | tr -d ' ')
	echo "$w.wasm: $raw bytes raw, $gz bytes gzip -9 ($(( gz / 1024 )) KiB)"
done
# The budget for the page's own download: main.wasm at most 1.7 MB gzip (the default
# model, about 290 KB, and examples.bin, 25 kB, come on top; raised from 1.5 MB when the
# page began reading model files with klauspost's zstd decoder, see BENCHMARKS.md).
# Reported, not enforced. Branch nav2 left 1,644,551 bytes (55 kB to spare; BENCHMARKS.md,
# "Navigation and size (branch nav2)").
gz=$(wc -c <"$DIST/main.wasm.gz" | tr -d ' ')
budget=1700000
if [ "$gz" -le "$budget" ]; then
	echo "main.wasm.gz is within the 1.7 MB budget ($(( (budget - gz) / 1000 )) kB to spare)"
else
	echo "main.wasm.gz is $(( (gz - budget) / 1000 )) kB over the 1.7 MB budget"
fi
echo "site version $version; built into $DIST/"

if [ "${1:-}" = serve ]; then
	exec go run ./cmd/serve -dir "$DIST" -addr "${ADDR:-127.0.0.1:8080}"
fi
