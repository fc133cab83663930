#!/usr/bin/env bash
# Builds the playground's wasm module and copies it next to the page: playground/www/playground.wasm.
# Then serve the page with: python3 -m http.server -d playground/www 8000
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo build -p network-playground --lib --profile wasm --target wasm32-unknown-unknown --locked
cp target/wasm32-unknown-unknown/wasm/network_playground.wasm playground/www/playground.wasm
echo "built playground/www/playground.wasm ($(wc -c <playground/www/playground.wasm) bytes)"
