#!/usr/bin/env bash
# Installs what the fuzzing step needs, only what is missing (idempotent; a no-op takes well
# under a second): the nightly toolchain (libFuzzer's sanitizer flags are nightly-only) and
# cargo-fuzz.
set -euo pipefail
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
