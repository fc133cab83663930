#!/usr/bin/env bash
# Installs what the playground's end-to-end test needs, only what is missing (idempotent):
# Debian's chromium, node and npm (for playwright-core), the wasm32 target. The npm package
# itself is installed by playground/e2e.sh from the committed package-lock.json.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
