#!/usr/bin/env bash
# Screenshots a coldtier report in headless Chromium, for a human to look at.
#   report/scripts/render-report.sh <report.html> <out.png> [width] [height]
# Needs Debian's `chromium` (apt-get install -y chromium) or CHROMIUM=/path/to/chrome.
# The report is offline by design; --no-sandbox is needed when running as root (CI, containers).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 <report.html> <out.png> [width=1400] [height=3000]" >&2
  exit 2
fi
html=$1 out=$2 width=${3:-1400} height=${4:-3000}
[ -f "$html" ] || { echo "render-report: no such file: $html" >&2; exit 2; }
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
[ -n "$chrome" ] || { echo "render-report: chromium not found (apt-get install -y chromium)" >&2; exit 3; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
"$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --window-size="$width,$height" --screenshot="$out_abs" \
  "file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")" >/dev/null 2>&1
[ -s "$out_abs" ] || { echo "render-report: chromium wrote no screenshot" >&2; exit 1; }
echo "$out_abs"
