#!/usr/bin/env bash
# Installs what the Cortex-M4F and Cortex-M3 firmware checks need, only what is missing
# (idempotent; a no-op takes well under a second): QEMU's Arm system emulator, the thumbv7em and
# thumbv7m targets, and llvm-tools for llvm-size/llvm-nm.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v qemu-system-arm >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
fi
rustup target list --installed | grep -qx thumbv7em-none-eabihf || rustup target add thumbv7em-none-eabihf
rustup target list --installed | grep -qx thumbv7m-none-eabi || rustup target add thumbv7m-none-eabi
rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools
