#!/usr/bin/env bash
# Installs what the Cortex-M4F firmware check needs, only what is missing (idempotent; a no-op
# takes well under a second): QEMU's Arm system emulator, the thumbv7em target, and llvm-tools
# for llvm-size/llvm-nm.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v qemu-system-arm >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
fi
rustup target list --installed | grep -qx thumbv7em-none-eabihf || rustup target add thumbv7em-none-eabihf
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools
