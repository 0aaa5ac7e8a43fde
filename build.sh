#!/usr/bin/env bash
# Builds the fusionlens browser explainer as a static folder (default dist/, or $DIST):
# main.wasm (+ gzip -9 copy the loader inflates in the browser), wasm_exec.js from this Go
# toolchain, the page and its assets, shipped models, and a service worker that caches all
# of it for offline use.
#   ./build.sh          build
#   ./build.sh serve    build, then serve on http://127.0.0.1:8080/ (ADDR to change)
set -euo pipefail
cd "$(dirname "$0")"

DIST="${DIST:-dist}"
STATIC=site/static

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }

rm -rf "$DIST"
mkdir -p "$DIST/models"

echo "== wasm"
GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$DIST/main.wasm" ./wasm
gzip -9 -n -c "$DIST/main.wasm" >"$DIST/main.wasm.gz"
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$DIST/"

echo "== static files"
for f in "$STATIC"/*; do
	[ "$(basename "$f")" = sw.js ] || cp "$f" "$DIST/"
done

# Shipped models: every data file in weights/ (not its Go source or docs), listed in
# models/index.json for the model select; weights/validation.json, the validation
# platform's summary, goes next to them unlisted. None until the weights package lands.
models=()
if [ -d weights ]; then
	for f in weights/*; do
		[ -f "$f" ] || continue
		name=$(basename "$f")
		case "$name" in
		*.go | *.md | .*) continue ;;
		validation.json) cp "$f" "$DIST/models/" ;;
		*)
			cp "$f" "$DIST/models/"
			models+=("$name")
			;;
		esac
	done
fi
{
	printf '{"models":['
	sep=""
	for m in ${models[@]+"${models[@]}"}; do printf '%s{"file":"%s"}' "$sep" "$m"; sep=","; done
	printf ']}\n'
} >"$DIST/models/index.json"

echo "== service worker"
# Precache everything but the uncompressed main.wasm (only fetched where the .gz fails).
assets=$(cd "$DIST" && find . -type f ! -name main.wasm | sed 's|^\./||' | LC_ALL=C sort)
version=$(cd "$DIST" && sha256 $assets | sha256 | cut -c1-16)
list='"./"'
for a in $assets; do list="$list, \"$a\""; done
sed -e "s|__FUSIONLENS_VERSION__|$version|" -e "s|__FUSIONLENS_ASSETS__|[$list]|" \
	"$STATIC/sw.js" >"$DIST/sw.js"

raw=$(wc -c <"$DIST/main.wasm" | tr -d ' ')
gz=$(wc -c <"$DIST/main.wasm.gz" | tr -d ' ')
echo "main.wasm: $raw bytes raw, $gz bytes gzip -9 ($(( gz / 1024 )) KiB)"
echo "models: ${#models[@]}; site version $version; built into $DIST/"

if [ "${1:-}" = serve ]; then
	exec go run ./cmd/serve -dir "$DIST" -addr "${ADDR:-127.0.0.1:8080}"
fi
