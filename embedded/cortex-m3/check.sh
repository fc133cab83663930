#!/usr/bin/env bash
# Builds the firmware, runs it on QEMU's mps2-an385 (Cortex-M3, no FPU) with a time limit, and
# fails unless the int8 digits network compiled in from generated source reproduced every output
# computed on the computer bit for bit (exit status 0), or if an allocator is linked.
# Prints flash/RAM use. Needs what .ci/setup-embedded.sh installs.
set -euo pipefail
cd "$(dirname "$0")"
elf=target/thumbv7m-none-eabi/release/network-cortex-m3
bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"

cargo build --release --locked
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
timeout 60 cargo run --release --locked >"$out" 2>&1 || status=$?
cat "$out"
# Every output must be bit for bit the one computed on the computer ("self-test: N/N").
if [ "$status" -ne 0 ] || ! grep -Eq '^self-test: ([0-9]+)/\1 ' "$out"; then
    echo "FAIL: the int8 digits network did not reproduce the computer's outputs on the emulated Cortex-M3 (exit status $status)" >&2
    exit 1
fi

echo "--- flash and static RAM (llvm-size)"
"$bin/llvm-size" -A "$elf" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit) '
"$bin/llvm-size" "$elf"

# A global allocator shows up as these symbols (`__rust_alloc` and friends, `__rdl_*` for the
# default handler, `__rg_*` for a #[global_allocator]).
if "$bin/llvm-nm" "$elf" | grep -E '__rust_alloc|__rust_dealloc|__rust_realloc|__rdl_alloc|__rg_alloc'; then
    echo "FAIL: an allocator is linked into the firmware" >&2
    exit 1
fi
echo "no allocator linked (llvm-nm finds no __rust_alloc/__rdl_alloc/__rg_alloc symbol)"
