#!/usr/bin/env bash
# Builds the firmware, runs it on QEMU's mps2-an386 (Cortex-M4F) with a time limit, and fails
# unless it learned XOR with both optimizers (`accuracy: 4/4` twice and exit status 0), the GRU
# learned its delay task by truncated BPTT (`gru learned: true`) and the network compiled in
# from generated source passed its self-test, or if an allocator is linked.
# Prints flash/RAM use. Needs what .ci/setup-embedded.sh installs.
set -euo pipefail
cd "$(dirname "$0")"
elf=target/thumbv7em-none-eabihf/release/network-cortex-m4
bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"

cargo build --release --locked
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
timeout 60 cargo run --release --locked >"$out" 2>&1 || status=$?
cat "$out"
if [ "$(grep -cx 'accuracy: 4/4' "$out")" -ne 2 ]; then
    echo "FAIL: the firmware did not learn XOR on the emulated Cortex-M4F (exit status $status)" >&2
    exit 1
fi
# The GRU trained by truncated BPTT: its held-out loss fell below the firmware's threshold.
if ! grep -qx 'gru learned: true' "$out"; then
    echo "FAIL: the GRU did not learn the delay task on the Cortex-M4F" >&2
    exit 1
fi
# The network trained on the host, compiled in from generated source (src/xor_model.rs).
if ! grep -q '^self-test: passed' "$out"; then
    echo "FAIL: the self-test of the generated XOR network did not pass on the Cortex-M4F" >&2
    exit 1
fi
# The firmware's own verdict over all of the above and its stack checks (also a panic or fault).
if [ "$status" -ne 0 ]; then
    echo "FAIL: the firmware exited with status $status on the emulated Cortex-M4F" >&2
    exit 1
fi

echo "--- flash and static RAM (llvm-size; the stack is measured by the firmware above)"
"$bin/llvm-size" -A "$elf" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit) '
"$bin/llvm-size" "$elf"

# A global allocator shows up as these symbols (`__rust_alloc` and friends, `__rdl_*` for the
# default handler, `__rg_*` for a #[global_allocator]).
if "$bin/llvm-nm" "$elf" | grep -E '__rust_alloc|__rust_dealloc|__rust_realloc|__rdl_alloc|__rg_alloc'; then
    echo "FAIL: an allocator is linked into the firmware" >&2
    exit 1
fi
echo "no allocator linked (llvm-nm finds no __rust_alloc/__rdl_alloc/__rg_alloc symbol)"
