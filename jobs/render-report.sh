#!/usr/bin/env bash
# jobs/render-report.sh REPORT_DIR_OR_INDEX [OUT.png] [WIDTHxHEIGHT]: renders the HTML report to a PNG with headless
# Chromium (Debian's `chromium` package), to look at it as a person would. Default OUT: REPORT_DIR/screenshot.png,
# default size 1400x3000 (the page is cut at the height; pass a larger one to see more).
set -euo pipefail
if [[ $# -lt 1 ]]; then
    echo "usage: jobs/render-report.sh OUTPUT_ROOT/report [OUT.png] [WIDTHxHEIGHT]" >&2
    exit 2
fi
INDEX="$1"
[[ -d "$INDEX" ]] && INDEX="$INDEX/index.html"
[[ -f "$INDEX" ]] || { echo "render-report: no $INDEX" >&2; exit 2; }
INDEX="$(cd "$(dirname "$INDEX")" && pwd)/$(basename "$INDEX")"
OUT="${2:-$(dirname "$INDEX")/screenshot.png}"
SIZE="${3:-1400x3000}"
BROWSER="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[[ -n "$BROWSER" ]] || { echo "render-report: no chromium; install it: apt-get install -y chromium" >&2; exit 2; }
PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT
"$BROWSER" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --no-first-run --hide-scrollbars --user-data-dir="$PROFILE" --window-size="${SIZE/x/,}" \
    --screenshot="$OUT" "file://$INDEX" >/dev/null 2>&1
echo "render-report: $OUT"
