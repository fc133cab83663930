#!/usr/bin/env bash
# Times the README's first command as a new user meets it: a fresh clone (of the committed
# HEAD) in a temporary folder, crates.io's cache warm, then `cargo run --release --example xor`
# with its whole build. Target: at most 15 s wall on 2 cores. Report only (no exit status for
# a miss): wall time depends on what else the machine runs, so the CPU time (user + system of
# cargo and every compiler it starts) is printed too, with the load average.
# Usage: scripts/first-command.sh [RUNS]   (default 1)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The clone's own target folder, as on a new machine; no cache shared with this checkout.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

for run in $(seq 1 "$runs"); do
    rm -rf "$work/clone"
    git clone --quiet "$root" "$work/clone"
    # Downloads whatever the registry cache lacks, outside the timed part.
    (cd "$work/clone" && cargo fetch --quiet)
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$work/clone" && /usr/bin/time -o "$work/time.txt" -f "%e %U %S" \
        cargo run --release --example xor >"$work/out.txt" 2>"$work/err.txt") || {
        cat "$work/err.txt" >&2
        echo "first command failed" >&2
        exit 1
    }
    grep -q 'accuracy: 4/4' "$work/out.txt" || echo "warning: xor did not print accuracy: 4/4" >&2
    read -r wall user sys <"$work/time.txt"
    printf 'first command, run %d: %.1f s wall, %.1f s CPU (load average before: %s; %s crates compiled)\n' \
        "$run" "$wall" "$(echo "$user + $sys" | bc)" "$load" "$(grep -c '^ *Compiling ' "$work/err.txt")"
done
