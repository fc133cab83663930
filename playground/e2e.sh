#!/usr/bin/env bash
# Builds the playground, serves it on 127.0.0.1 and runs the end-to-end test in headless
# Chromium. The screenshot goes to $1 (default: target/playground/screenshot.png).
# Needs what .ci/setup-browser.sh installs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shot="$(realpath -m "${1:-$root/target/playground/screenshot.png}")"
mkdir -p "$(dirname "$shot")"
"$root/playground/build.sh"
cd "$root/playground"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
port=${PORT:-8765}
python3 -m http.server "$port" --bind 127.0.0.1 --directory www >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/index.html" >/dev/null && break; sleep 0.1; done
timeout 120 node e2e.mjs "http://127.0.0.1:$port/index.html" "$shot"
